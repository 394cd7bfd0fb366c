#!/bin/bash
# Submit an stdp-mc experiment to Slurm as a job array of shards plus a merge that runs once every shard succeeded.
#
#   scripts/slurm/submit.sh [options] EXPERIMENT SHARDS [OUTDIR] [-- stdp-mc run options, e.g. --trajectories 100000]
#   scripts/slurm/submit.sh --resume OUTDIR TASKS     (TASKS: 3, 2,5 or 1-4, as sbatch --array takes them)
#
# Options:
#   --gpu              one GPU per shard: shards-gpu.sbatch (--gres=gpu:1, --engine webgpu under Deno)
#   --runtime R        node or deno for the jobs and this script (default: node if on the PATH, else deno)
#   --no-report        the merge writes the summary and state only (no HTML report and plots)
#   --sbatch OPTION    an extra sbatch option for both jobs (repeatable), e.g. --sbatch --partition=short
#                      (sbatch also reads SBATCH_PARTITION, SBATCH_ACCOUNT, SBATCH_TIMELIMIT, … from the environment)
#
# SHARDS is capped at the experiment's batch count per grid point (a shard beyond it would hold no batch); an
# experiment with a precision target is refused (when to stop depends on all batches). OUTDIR (default
# runs/<experiment name>) receives experiment.json (the file as submitted: every task and resubmission reads this
# copy), shard-1 … shard-N, merged/ and slurm/ (the jobs' logs and submit.env, what --resume reads). It prints the job
# ids and where the merged summary and report will be.
#
# --resume OUTDIR TASKS: after a task failed or was cancelled (the merge, submitted with --kill-on-invalid-dep=yes,
# is then cancelled by Slurm), resubmit those tasks, which continue from their saved state, and a new merge that runs
# after them and after every task of the earlier arrays has ended.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
home=$(cd "$here/../.." && pwd)

usage() {
  sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2
  exit 2
}
die() { echo "submit.sh: $*" >&2; exit 2; }
abspath() { case $1 in /*) printf '%s\n' "$1" ;; *) printf '%s\n' "$PWD/$1" ;; esac; }
# "123" from sbatch --parsable's "123" or "123;cluster"
jobid() { printf '%s\n' "${1%%;*}"; }

gpu=0 runtime=${STDP_MC_RUNTIME:-} no_report=0 resume=0
sbatch_opts=()
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --gpu) gpu=1 ;;
    --runtime) runtime=${2:?--runtime needs node or deno}; shift ;;
    --runtime=*) runtime=${1#*=} ;;
    --no-report) no_report=1 ;;
    --sbatch) sbatch_opts+=("${2:?--sbatch needs an option}"); shift ;;
    --sbatch=*) sbatch_opts+=("${1#*=}") ;;
    --resume) resume=1 ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) die "unknown option $1 (stdp-mc run options go after --)" ;;
    *) args+=("$1") ;;
  esac
  shift
done
run_opts=("$@")

if [ -z "$runtime" ]; then
  if command -v node >/dev/null 2>&1; then runtime=node; else runtime=deno; fi
fi
case $runtime in
  node) js=(node) ;;
  deno) js=("$(command -v deno || echo "$home/node_modules/.bin/deno")" run -A) ;;
  *) die "--runtime must be node or deno, got $runtime" ;;
esac
command -v sbatch >/dev/null 2>&1 || die "sbatch is not on the PATH (run this on a Slurm login node)"

submit_merge() { # $1: dependency; prints the merge job id
  local merge_opts=()
  [ "$no_report" = 1 ] && merge_opts+=(--no-report)
  jobid "$(sbatch --parsable "${sbatch_opts[@]}" --dependency="$1" --kill-on-invalid-dep=yes \
    --output="$outdir/slurm/merge-%j.out" --export="ALL,STDP_MC_HOME=$home,STDP_MC_RUNTIME=$runtime" \
    "$here/merge.sbatch" "$shards" "$outdir" "${merge_opts[@]}")"
}

submit_shards() { # $1: the array (1-N, or the tasks to resubmit); prints the array job id
  local script="shards.sbatch"
  if [ "$gpu" = 1 ]; then script="shards-gpu.sbatch"; fi
  jobid "$(sbatch --parsable "${sbatch_opts[@]}" --array="$1" \
    --output="$outdir/slurm/shard-%a-%A.out" --export="ALL,STDP_MC_HOME=$home,STDP_MC_RUNTIME=$runtime" \
    "$here/$script" "$outdir/experiment.json" "$shards" "$outdir" "${run_opts[@]}")"
}

save_env() {
  {
    printf 'name=%q\nshards=%q\ngpu=%q\nruntime=%q\nno_report=%q\noutdir=%q\n' "$name" "$shards" "$gpu" "$runtime" "$no_report" "$outdir"
    printf 'array_jobs=%q\nmerge_job=%q\n' "$array_jobs" "$merge_job"
    printf 'run_opts=('; for a in "${run_opts[@]}"; do printf '%q ' "$a"; done; printf ')\n'
    printf 'sbatch_opts=('; for a in "${sbatch_opts[@]}"; do printf '%q ' "$a"; done; printf ')\n'
  } >"$outdir/slurm/submit.env"
}

report_where() {
  if [ "$no_report" = 1 ]; then
    echo "  merged summary: $outdir/merged/summary.json"
  else
    echo "  merged report: $outdir/merged/report.html (summary: $outdir/merged/summary.json)"
  fi
  echo "  logs: $outdir/slurm/   follow: squeue -j $1,$merge_job"
  echo "  if a task fails or is cancelled: $here/submit.sh --resume $outdir TASKS"
}

if [ "$resume" = 1 ]; then
  [ ${#args[@]} -eq 2 ] || die "usage: submit.sh --resume OUTDIR TASKS"
  outdir=$(abspath "${args[0]}")
  tasks=${args[1]}
  [ -f "$outdir/slurm/submit.env" ] || die "$outdir was not submitted by submit.sh (no slurm/submit.env)"
  [[ $tasks =~ ^[0-9,-]+$ ]] || die "TASKS must be task ids as sbatch --array takes them (3, 2,5, 1-4), got $tasks"
  cli_gpu=$gpu
  cli_no_report=$no_report
  cli_sbatch=("${sbatch_opts[@]}")
  # shellcheck disable=SC1091
  source "$outdir/slurm/submit.env"
  [ "$cli_gpu" = 1 ] && gpu=1
  [ "$cli_no_report" = 1 ] && no_report=1
  [ ${#cli_sbatch[@]} -gt 0 ] && sbatch_opts=("${cli_sbatch[@]}")
  # The earlier merge waits on a dependency that can no longer be met (Slurm cancels it; make sure).
  scancel "$merge_job" 2>/dev/null || true
  new=$(submit_shards "$tasks")
  deps="afterok:$new"
  for j in $array_jobs; do deps="$deps,afterany:$j"; done
  merge_job=$(submit_merge "$deps")
  earlier=$array_jobs
  array_jobs="$array_jobs $new"
  save_env
  echo "resubmitted $name: tasks $tasks of $shards (they resume their saved state)"
  echo "  shards: job $new, array $tasks"
  echo "  merge:  job $merge_job, after job $new succeeds and the earlier arrays (jobs ${earlier// /, }) have ended"
  report_where "$new"
  exit 0
fi

if [ ${#args[@]} -lt 2 ] || [ ${#args[@]} -gt 3 ]; then usage; fi
experiment=${args[0]} requested=${args[1]}
[ -f "$experiment" ] || die "no experiment file $experiment"
[[ $requested =~ ^[1-9][0-9]*$ ]] || die "SHARDS must be a positive integer, got $requested"

# The experiment's batch count (and name), read as stdp-mc run reads it, with the same run options.
info=$("${js[@]}" "$here/batch-count.mjs" "$experiment" "${run_opts[@]}") || die "cannot submit $experiment (see above)"
name=$(sed -n 's/^name=//p' <<<"$info")
batches=$(sed -n 's/^batches=//p' <<<"$info")
per_point=$(sed -n 's/^perPoint=//p' <<<"$info")
if [ "$(sed -n 's/^target=//p' <<<"$info")" = yes ]; then
  die "$experiment has a precision target: when to stop depends on all batches, so it cannot be split into shards (use a fixed N: trajectories and batches)"
fi
shards=$requested
note=""
if [ "$requested" -gt "$batches" ]; then
  shards=$batches
  note=" (capped from $requested: the experiment has at most $batches batches per grid point, so more shards would hold no batch)"
fi

outdir=$(abspath "${args[2]:-runs/$name}")
if [ -e "$outdir/slurm/submit.env" ] || compgen -G "$outdir/shard-*" >/dev/null; then
  die "$outdir already holds a submitted run: resubmit failed tasks with --resume $outdir TASKS, or choose another OUTDIR"
fi
mkdir -p "$outdir/slurm"
cp "$experiment" "$outdir/experiment.json"

array_jobs=$(submit_shards "1-$shards")
merge_job=$(submit_merge "afterok:$array_jobs")
save_env
echo "submitted $name: $shards shards$note, batches per grid point: $per_point"
echo "  shards: job $array_jobs, array 1-$shards -> $outdir/shard-1 … shard-$shards ($([ "$gpu" = 1 ] && echo "one GPU each, --engine webgpu under Deno" || echo "--engine ${STDP_MC_ENGINE:-cpu} under $runtime"))"
echo "  merge:  job $merge_job, after every shard succeeds"
report_where "$array_jobs"
