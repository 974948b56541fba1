#!/usr/bin/env bash
# Issue 16's two costs, one run each (BENCHMARKS.md has the results):
#  1. Idle CPU: the daemon's CPU time over IDLE_SECONDS with no port, then with PORTS TAP ports
#     (kernel notices replaced the per-second port sweep: an idle daemon should not grow with ports).
#  2. The event stream's cost in forwarding: iperf3 between two guest namespaces on one network,
#     alternately with no event reader and with `patchbay event --loop` and `patchbay monitor fdb`
#     following the stream, RUNS runs of RUN_SECONDS each way.
#
#   Benchmarks/monitoring.sh                 # PORTS=1000 IDLE_SECONDS=30 RUNS=5 RUN_SECONDS=5
set -euo pipefail
cd "$(dirname "$0")/.."
PORTS=${PORTS:-1000}
IDLE_SECONDS=${IDLE_SECONDS:-30}
RUNS=${RUNS:-5}
RUN_SECONDS=${RUN_SECONDS:-5}
bin=${PATCHBAY_BIN_DIR:-$(swift build -c release --show-bin-path)}
work=$(mktemp -d /tmp/pbmon.XXXXXX)
source Benchmarks/daemon-lib.sh
readers=()
cleanup() {
    for pid in "${readers[@]}"; do kill "$pid" 2>/dev/null || true; done
    for ns in pbmon-a pbmon-b; do
        for pid in $(ip netns pids $ns 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del $ns 2>/dev/null || true
    done
    bench_daemon_cleanup
}
trap cleanup EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; PORTS=$PORTS IDLE_SECONDS=$IDLE_SECONDS RUNS=$RUNS RUN_SECONDS=$RUN_SECONDS; $bin"
bench_daemon_start pbmon --log-level warning

# utime + stime of the daemon, in clock ticks.
cpu() { awk '{print $14 + $15}' "/proc/$daemon/stat"; }
idle() {
    local before after
    before=$(cpu)
    sleep "$IDLE_SECONDS"
    after=$(cpu)
    # Ticks are 1/100 s: milliseconds of CPU per second of wall time.
    awk -v a="$after" -v b="$before" -v s="$IDLE_SECONDS" 'BEGIN { printf "%.2f", (a - b) * 10 / s }'
}

cat > "$work/lab.xml" <<XML
<network><name>lab</name><bridge name='pbmon0' stp='off'/>
<ip address='10.89.0.1' netmask='255.255.0.0'><dhcp><range start='10.89.1.1' end='10.89.4.254'/></dhcp></ip></network>
XML
"$bin/patchbay" net-define "$work/lab.xml" > /dev/null
"$bin/patchbay" net-start lab > /dev/null
echo "idle, 0 ports: $(idle) ms CPU per s"

python3 - "$PATCHBAY_SOCKET" "$PORTS" <<'PY'
import http.client, json, socket, sys
path, count = sys.argv[1], int(sys.argv[2])
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(path)
for i in range(count):
    c = C("patchbayd")
    c.request("POST", "/v1/networks/lab/ports", json.dumps({"ownerName": f"vm{i}", "type": "tap"}), {"Content-Type": "application/json"})
    r = c.getresponse(); r.read()
    if r.status != 201: sys.exit(f"port {i}: HTTP {r.status}")
PY
echo "ports: $("$bin/patchbay" net-port-list lab --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')"
sleep 2
echo "idle, $PORTS ports: $(idle) ms CPU per s"

# Two guests on the network, iperf3 between them.
for g in a b; do
    ip netns add pbmon-$g
    "$bin/patchbay" net-port-create lab --owner "guest-$g" --type veth --netns pbmon-$g > /dev/null
    ip -n pbmon-$g link set eth0 up
done
ip -n pbmon-a addr add 10.89.200.1/16 dev eth0
ip -n pbmon-b addr add 10.89.200.2/16 dev eth0
throughput() {
    ip netns exec pbmon-b iperf3 -s -1 -D > /dev/null 2>&1
    sleep 0.3
    ip netns exec pbmon-a iperf3 -c 10.89.200.2 -t "$RUN_SECONDS" -J 2>/dev/null \
        | python3 -c 'import json,sys; print(round(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e9, 2))'
}
without=() with=()
for run in $(seq "$RUNS"); do
    without+=("$(throughput)")
    "$bin/patchbay" event --loop --json > "$work/events.out" &
    readers+=($!)
    "$bin/patchbay" monitor fdb > "$work/fdb.out" &
    readers+=($!)
    sleep 0.5
    with+=("$(throughput)")
    kill "${readers[@]}" 2>/dev/null || true
    wait "${readers[@]}" 2>/dev/null || true
    readers=()
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
echo "iperf3 guest to guest, no event reader:          median $(median "${without[@]}") Gbit/s  runs ${without[*]}"
echo "iperf3 guest to guest, event + monitor fdb read:  median $(median "${with[@]}") Gbit/s  runs ${with[*]}"
echo "events published: $(curl -s --unix-socket "$PATCHBAY_SOCKET" http://x/metrics | grep -E '^patchbay_events_total' | awk '{s+=$2} END {print s}')"
