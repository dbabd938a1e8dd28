#!/usr/bin/env bash
# A single-node SLURM cluster on this machine for `make test-slurm`: Debian's slurm-wlm and munge, a slurm.conf
# for this host (its CPUs and memory as `slurmd -C` reports them), munged, slurmctld and slurmd started as root.
# Idempotent: a running cluster is left as it is. Stop it with tools/slurm/stop_cluster.sh.
#
#   tools/slurm/start_cluster.sh            # prints `export SLURM_CONF=...` for the client commands
#
# State, logs and the config live in $SNNLAB_SLURM_DIR (default build/slurm). Needs root (apt-get, daemons).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
DIR="${SNNLAB_SLURM_DIR:-$ROOT/build/slurm}"
CONF="$DIR/slurm.conf"
export SLURM_CONF="$CONF"

say() { echo "[slurm] $*" >&2; }

if [ "$(id -u)" != 0 ]; then
    say "needs root (it installs slurm-wlm and starts the daemons); run it as root or with sudo"
    exit 1
fi

# ---------------------------------------------------------------- packages
if ! command -v slurmctld >/dev/null || ! command -v slurmd >/dev/null || ! command -v munged >/dev/null; then
    say "installing slurm-wlm and munge (apt-get)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq slurm-wlm munge >/dev/null
fi

alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

# ---------------------------------------------------------------- munge
mkdir -p /run/munge /var/lib/munge /var/log/munge
chown munge:munge /run/munge /var/lib/munge /var/log/munge
chmod 0755 /run/munge
if [ ! -s /etc/munge/munge.key ]; then
    say "creating /etc/munge/munge.key"
    dd if=/dev/urandom bs=1 count=1024 of=/etc/munge/munge.key status=none
    chown munge:munge /etc/munge/munge.key
    chmod 0400 /etc/munge/munge.key
fi
if alive /run/munge/munged.pid; then
    say "munged already running"
else
    say "starting munged"
    runuser -u munge -- /usr/sbin/munged
fi
for _ in $(seq 50); do munge -n >/dev/null 2>&1 && break; sleep 0.1; done
munge -n | unmunge >/dev/null || { say "munge does not work (see /var/log/munge/munged.log)"; exit 1; }

# ---------------------------------------------------------------- slurm.conf
mkdir -p "$DIR/state" "$DIR/spool"
HOST="$(hostname -s)"
NODE="$(slurmd -C | head -n 1)"                      # NodeName=<host> CPUs=... RealMemory=...
MEM="$(sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p' <<<"$NODE")"
NODE="$(sed "s/RealMemory=[0-9]*/RealMemory=$((MEM * 9 / 10))/" <<<"$NODE") NodeAddr=127.0.0.1 State=UNKNOWN"
cat > "$CONF.new" <<CONF
# written by tools/slurm/start_cluster.sh
ClusterName=snnlab
SlurmctldHost=$HOST(127.0.0.1)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
StateSaveLocation=$DIR/state
SlurmdSpoolDir=$DIR/spool
SlurmctldPidFile=$DIR/slurmctld.pid
SlurmdPidFile=$DIR/slurmd.pid
SlurmctldLogFile=$DIR/slurmctld.log
SlurmdLogFile=$DIR/slurmd.log
SlurmctldPort=6817
SlurmdPort=6818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
JobRequeue=1
SchedulerType=sched/backfill
SchedulerParameters=sched_interval=2
MinJobAge=300
KillWait=10
InactiveLimit=0
$NODE
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
if [ -f "$CONF" ] && cmp -s "$CONF" "$CONF.new"; then
    rm "$CONF.new"
else
    mv "$CONF.new" "$CONF"
    # a changed config needs fresh daemons
    for d in slurmd slurmctld; do
        if alive "$DIR/$d.pid"; then kill "$(cat "$DIR/$d.pid")"; sleep 1; fi
    done
fi

# ---------------------------------------------------------------- daemons
if alive "$DIR/slurmctld.pid"; then
    say "slurmctld already running"
else
    say "starting slurmctld"
    /usr/sbin/slurmctld -f "$CONF"
fi
if alive "$DIR/slurmd.pid"; then
    say "slurmd already running"
else
    say "starting slurmd"
    /usr/sbin/slurmd -f "$CONF"
fi

for _ in $(seq 120); do
    state="$(sinfo -h -N -o %T 2>/dev/null | head -n 1 || true)"
    case "$state" in
        idle*|mixed*|allocated*) break ;;
        drain*|down*) scontrol update NodeName="$HOST" State=RESUME >/dev/null 2>&1 || true ;;
    esac
    sleep 0.5
done
state="$(sinfo -h -N -o %T 2>/dev/null | head -n 1 || true)"
case "$state" in
    idle*|mixed*|allocated*) ;;
    *) say "node $HOST is '$state', not idle; logs: $DIR/slurmctld.log $DIR/slurmd.log"; exit 1 ;;
esac
say "cluster up: $(sinfo -h -o '%P %D node(s) %c CPUs %m MB %T')"
echo "export SLURM_CONF=$CONF"
