#!/bin/bash
# imgpar across a Slurm job array: each array task processes one shard.
# Slurm sets SLURM_ARRAY_TASK_ID and SLURM_ARRAY_TASK_COUNT (and
# SLURM_ARRAY_TASK_MIN); imgpar reads them when --shard is absent, so task
# ID-MIN+1 of COUNT runs. Use a contiguous range (0-7 or 1-8; a %limit on
# concurrent tasks is fine, a :step is not).
#
#   mkdir -p logs
#   jobid=$(sbatch --parsable docs/examples/slurm-array.sh)
#   sbatch --dependency=afterany:"$jobid" --wrap \
#     'imgpar report merge /shared/imgpar/reports/*.json > /shared/imgpar/report.json'
#
# IN and OUT must be on storage every node mounts at the same path.
#SBATCH --job-name=imgpar
#SBATCH --array=0-7
#SBATCH --cpus-per-task=8
#SBATCH --mem=4G
#SBATCH --time=02:00:00
#SBATCH --output=logs/imgpar-%A_%a.out

set -euo pipefail

IN=${IN:-/shared/photos}
OUT=${OUT:-/shared/imgpar/out}
REPORTS=${REPORTS:-/shared/imgpar/reports}

# Size the workers to this task's allocation: imgpar counts the node's CPUs,
# not the CPUs Slurm gave the task.
cpus=${SLURM_CPUS_PER_TASK:-1}
if [ "$cpus" -ge 2 ]; then
  export IMGPAR_PROCS=$(( cpus / 2 )) IMGPAR_THREADS=2
else
  export IMGPAR_PROCS=1 IMGPAR_THREADS=1
fi
export IMGPAR_PROGRESS=plain   # status lines in the task's log

# Exit 0: done; 1: done, but some inputs failed (listed in the report);
# 2: usage error; 130: interrupted (scancel, time limit).
exec imgpar process "$IN" -o "$OUT" --report "$REPORTS/$SLURM_ARRAY_TASK_ID.json"
