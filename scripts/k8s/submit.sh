#!/bin/bash
# Fill the Kubernetes manifests of an stdp-mc experiment (shards-job.yaml, an Indexed Job, and merge-job.yaml) and,
# with --apply, run them: the shards Job, `kubectl wait` until it is complete, then the merge Job.
#
#   scripts/k8s/submit.sh [options] EXPERIMENT SHARDS [-- stdp-mc run options, e.g. --trajectories 100000]
#
# EXPERIMENT is a file inside this checkout (the pods run the checkout mounted at /work/stdp-mc, so the same relative
# path). `completions` is SHARDS capped at the experiment's batch count per grid point (a shard beyond it would hold
# no batch); an experiment with a precision target is refused. Options:
#   --name NAME         the Job's name (default: stdp-mc-<experiment name>, made a valid Kubernetes name)
#   --image IMAGE       container image with Node or Deno (default node:20-bookworm)
#   --runtime R         node or deno in the pods (default node)
#   --parallelism P     pods at once (default: all)
#   --runs-claim C      PersistentVolumeClaim of the shared /runs volume (default stdp-mc-runs)
#   --code-claim C      PersistentVolumeClaim holding the checkout at stdp-mc/ (default stdp-mc-code)
#   --out DIR           where the filled manifests are written (default k8s/<name>)
#   --pod-experiment P  the experiment's path in the pods, where it is not EXPERIMENT's place in this checkout
#   --apply             kubectl apply them (needs kubectl and a cluster)
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
home=$(cd "$here/../.." && pwd)
die() { echo "k8s/submit.sh: $*" >&2; exit 2; }
usage() { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | sed '$d' | sed 's/^# \{0,1\}//' >&2; exit 2; }

name="" image=node:20-bookworm runtime=node parallelism="" runs_claim=stdp-mc-runs code_claim=stdp-mc-code out="" apply=0 pod_experiment=""
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --name) name=${2:?}; shift ;;
    --image) image=${2:?}; shift ;;
    --runtime) runtime=${2:?}; shift ;;
    --parallelism) parallelism=${2:?}; shift ;;
    --runs-claim) runs_claim=${2:?}; shift ;;
    --code-claim) code_claim=${2:?}; shift ;;
    --out) out=${2:?}; shift ;;
    --pod-experiment) pod_experiment=${2:?}; shift ;;
    --apply) apply=1 ;;
    -h|--help) usage ;;
    --) shift; break ;;
    -*) die "unknown option $1 (stdp-mc run options go after --)" ;;
    *) args+=("$1") ;;
  esac
  shift
done
run_opts=("$@")
[ ${#args[@]} -eq 2 ] || usage
experiment=${args[0]} requested=${args[1]}
[ -f "$experiment" ] || die "no experiment file $experiment"
[[ $requested =~ ^[1-9][0-9]*$ ]] || die "SHARDS must be a positive integer, got $requested"
case $runtime in node|deno) ;; *) die "--runtime must be node or deno, got $runtime" ;; esac
abs=$(cd "$(dirname "$experiment")" && pwd)/$(basename "$experiment")
if [ -n "$pod_experiment" ]; then
  rel=$pod_experiment
else
  case $abs in
    "$home"/*) rel=${abs#"$home"/} ;;
    *) die "$experiment is outside the checkout $home: the pods read it from their mounted checkout, so put it there (or say where the pods find it: --pod-experiment PATH)" ;;
  esac
fi

if command -v node >/dev/null 2>&1; then js=(node); else js=("$(command -v deno || echo "$home/node_modules/.bin/deno")" run -A); fi
info=$("${js[@]}" "$home/scripts/slurm/batch-count.mjs" "$experiment" "${run_opts[@]}") || die "cannot submit $experiment (see above)"
exp_name=$(sed -n 's/^name=//p' <<<"$info")
batches=$(sed -n 's/^batches=//p' <<<"$info")
if [ "$(sed -n 's/^target=//p' <<<"$info")" = yes ]; then
  die "$experiment has a precision target: when to stop depends on all batches, so it cannot be split into shards"
fi
shards=$requested
[ "$requested" -gt "$batches" ] && shards=$batches
[ -n "$name" ] || name=stdp-mc-$exp_name
name=$(tr '[:upper:]' '[:lower:]' <<<"$name" | sed 's/[^a-z0-9-]/-/g; s/^-*//; s/-*$//' | cut -c1-57 | sed 's/-*$//')
[ -n "$parallelism" ] || parallelism=$shards
[ -n "$out" ] || out=k8s/$name
runs=/runs/$name
yaml_escape() { local s=$1; s=${s//\\/\\\\}; s=${s//\"/\\\"}; printf '%s' "$s"; }
run_options=$(yaml_escape "${run_opts[*]}")

# shellcheck disable=SC2016  # the '${KEY}' patterns are literal on purpose
fill() { # template → stdout, every ${KEY} replaced
  local t
  t=$(<"$1")
  t=${t//'${NAME}'/$name}
  t=${t//'${SHARDS}'/$shards}
  t=${t//'${PARALLELISM}'/$parallelism}
  t=${t//'${IMAGE}'/$image}
  t=${t//'${EXPERIMENT}'/$(yaml_escape "$rel")}
  t=${t//'${RUNS}'/$runs}
  t=${t//'${RUN_OPTIONS}'/$run_options}
  t=${t//'${RUNTIME}'/$runtime}
  t=${t//'${RUNS_CLAIM}'/$runs_claim}
  t=${t//'${CODE_CLAIM}'/$code_claim}
  printf '%s\n' "$t"
}
mkdir -p "$out"
fill "$here/shards-job.yaml" >"$out/shards-job.yaml"
fill "$here/merge-job.yaml" >"$out/merge-job.yaml"

capped=""
[ "$shards" -lt "$requested" ] && capped=" (capped from $requested: the experiment has at most $batches batches per grid point)"
echo "$name: $shards shards$capped"
echo "  shards Job: $out/shards-job.yaml (completions: $shards, shard i in $runs/shard-i)"
echo "  merge Job:  $out/merge-job.yaml (merged summary and report: $runs/merged/)"
# Wait until job $1 is complete (return 0) or has failed (exit 1, naming it): `kubectl wait --for=condition=complete`
# alone would sit out its timeout on a Job that ends Failed (a refused experiment fails it at once, exit code 2).
wait_job() {
  local job=$1 complete failed
  kubectl wait --for=condition=complete "job/$job" --timeout=24h >/dev/null & complete=$!
  kubectl wait --for=condition=failed "job/$job" --timeout=24h >/dev/null 2>&1 & failed=$!
  while kill -0 "$complete" 2>/dev/null && kill -0 "$failed" 2>/dev/null; do sleep 0.5; done
  if ! kill -0 "$complete" 2>/dev/null && wait "$complete"; then
    kill "$failed" 2>/dev/null || true; wait "$failed" 2>/dev/null || true
    return 0
  fi
  kill "$complete" 2>/dev/null || true; wait "$complete" 2>/dev/null || true
  echo "k8s/submit.sh: job/$job failed (or did not finish within 24 h): kubectl describe job/$job; kubectl logs -l job-name=$job" >&2
  exit 1
}

if [ "$apply" = 1 ]; then
  command -v kubectl >/dev/null 2>&1 || die "kubectl is not on the PATH"
  kubectl apply -f "$out/shards-job.yaml"
  echo "waiting for job/$name to complete …"
  wait_job "$name"
  kubectl apply -f "$out/merge-job.yaml"
  wait_job "$name-merge"
  echo "merged: $runs/merged/ (on the runs volume)"
else
  echo "run: kubectl apply -f $out/shards-job.yaml && kubectl wait --for=condition=complete job/$name --timeout=24h && kubectl apply -f $out/merge-job.yaml"
fi
