#!/usr/bin/env bash
# Stop the single-node SLURM cluster of tools/slurm/start_cluster.sh (slurmd, slurmctld, then munged).
# Idempotent; keeps the logs in $SNNLAB_SLURM_DIR (default build/slurm).
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${SNNLAB_SLURM_DIR:-$ROOT/build/slurm}"

stop() {  # stop <name> <pid file>
    if [ -f "$2" ] && kill -0 "$(cat "$2")" 2>/dev/null; then
        local pid
        pid="$(cat "$2")"
        echo "[slurm] stopping $1 (pid $pid)" >&2
        kill "$pid"
        for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    fi
    rm -f "$2"
}
stop slurmd "$DIR/slurmd.pid"
stop slurmctld "$DIR/slurmctld.pid"
stop munged /run/munge/munged.pid
exit 0
