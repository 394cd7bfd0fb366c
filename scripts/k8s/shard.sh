#!/bin/bash
# One pod of the Kubernetes Indexed Job in shards-job.yaml: index JOB_COMPLETION_INDEX (0 … n−1) runs shard index+1
# of SHARDS into RUNS/shard-<index+1>, resuming that directory's state when a retried pod finds one. It runs the same
# task as the Slurm array (scripts/slurm/shards.sbatch), so both recipes behave alike. Environment (set by the
# manifest): EXPERIMENT (relative to the checkout), SHARDS, RUNS, STDP_MC_RUN_OPTIONS (extra `stdp-mc run` options),
# STDP_MC_RUNTIME (node or deno), STDP_MC_ENGINE (cpu unless set).
set -euo pipefail
: "${JOB_COMPLETION_INDEX:?run as a pod of an Indexed Job (completionMode: Indexed)}"
: "${EXPERIMENT:?}" "${SHARDS:?}" "${RUNS:?}"
export STDP_MC_HOME=${STDP_MC_HOME:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export SLURM_ARRAY_TASK_ID=$((JOB_COMPLETION_INDEX + 1))
read -r -a opts <<<"${STDP_MC_RUN_OPTIONS:-}"
cd "$STDP_MC_HOME"
exec bash "$STDP_MC_HOME/scripts/slurm/shards.sbatch" "$EXPERIMENT" "$SHARDS" "$RUNS" "${opts[@]}"
