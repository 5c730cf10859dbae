#!/usr/bin/env bash
# A throw-away single-node Slurm cluster on this machine, everything in one directory (for the
# end-to-end test of `harness run --shards N` under `sbatch --array`, or to try the Slurm path
# by hand). Needs root and the Debian packages `slurmctld slurmd slurm-client munge`.
#
#   scripts/slurm-local-cluster.sh start DIR   # prints `export SLURM_CONF=DIR/slurm.conf`
#   scripts/slurm-local-cluster.sh stop DIR
#
# munged, slurmctld and slurmd run in the background with their state, sockets, logs and PID
# files under DIR, on free ports; nothing under /etc is touched. `stop` ends exactly the
# daemons recorded in DIR/*.pid.
set -euo pipefail

cmd=${1:-}
dir=${2:-}
[ -n "$cmd" ] && [ -n "$dir" ] || { echo "usage: $0 start|stop DIR" >&2; exit 2; }

stop() {
    for name in slurmd slurmctld munged; do
        if [ -f "$dir/$name.pid" ]; then
            pid=$(cat "$dir/$name.pid")
            kill "$pid" 2>/dev/null || true
            for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
            kill -9 "$pid" 2>/dev/null || true
            rm -f "$dir/$name.pid"
        fi
    done
}

if [ "$cmd" = stop ]; then
    stop
    exit 0
fi
[ "$cmd" = start ] || { echo "unknown command $cmd" >&2; exit 2; }
[ "$(id -u)" = 0 ] || { echo "needs root (slurmd runs jobs as their user)" >&2; exit 1; }
for b in munged munge unmunge slurmctld slurmd sbatch sinfo setpriv; do
    command -v "$b" >/dev/null || { echo "missing $b: apt-get install --no-install-recommends slurmctld slurmd slurm-client munge" >&2; exit 1; }
done

mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
trap 'echo "cluster start failed; logs in $dir" >&2; stop' ERR

# munge: own key, socket and state in DIR, run as user munge
install -d -m 0755 "$dir/munge" && chown munge:munge "$dir/munge"
dd if=/dev/urandom of="$dir/munge/munge.key" bs=1024 count=1 status=none
chown munge:munge "$dir/munge/munge.key" && chmod 0400 "$dir/munge/munge.key"
chmod 0755 "$dir"
socket="$dir/munge/munge.socket"
setpriv --reuid=munge --regid=munge --init-groups munged -F \
    --key-file="$dir/munge/munge.key" --socket="$socket" \
    --pid-file="$dir/munge/munged.pid" --log-file="$dir/munge/munged.log" \
    --seed-file="$dir/munge/munged.seed" >"$dir/munge/munged.out" 2>&1 &
echo $! > "$dir/munged.pid"
for _ in $(seq 100); do
    munge -S "$socket" -n 2>/dev/null | unmunge -S "$socket" >/dev/null 2>&1 && break
    sleep 0.1
done
munge -S "$socket" -n | unmunge -S "$socket" >/dev/null

# slurm.conf: this host as controller and only node, free ports, state in DIR
node=$(hostname -s)
cpus=$(nproc)
mem=$(( $(free -m | awk '/^Mem:/ {print $2}') * 9 / 10 ))
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
mkdir -p "$dir/state" "$dir/spool" "$dir/log"
cat > "$dir/slurm.conf" <<CONF
ClusterName=harness-test
SlurmctldHost=$node(127.0.0.1)
SlurmctldPort=$(port)
SlurmdPort=$(port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$socket
StateSaveLocation=$dir/state
SlurmdSpoolDir=$dir/spool
SlurmctldPidFile=$dir/slurmctld.daemon.pid
SlurmdPidFile=$dir/slurmd.daemon.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MailProg=/bin/true
ReturnToService=2
MpiDefault=none
NodeName=$node CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$node Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF="$dir/slurm.conf"
slurmctld -D -i >"$dir/log/slurmctld.out" 2>&1 &
echo $! > "$dir/slurmctld.pid"
slurmd -D >"$dir/log/slurmd.out" 2>&1 &
echo $! > "$dir/slurmd.pid"
for _ in $(seq 300); do
    state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
    case "$state" in idle*|mixed*|allocated*) break ;; esac
    sleep 0.1
done
state=$(sinfo -h -n "$node" -o %T 2>/dev/null || true)
case "$state" in
    idle*|mixed*|allocated*) ;;
    *) echo "node $node not idle (state: '$state'); see $dir/log" >&2; tail -5 "$dir/log/"*.log >&2 || true; stop; exit 1 ;;
esac
trap - ERR
echo "export SLURM_CONF=$SLURM_CONF"
