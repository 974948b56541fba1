#!/usr/bin/env bash
# Patchbay's nwfilter layer at scale, in one run:
#   - COUNT (1000) ports bound to clean-traffic through the API: total and per-binding time;
#   - the nft rules that makes, and the per-packet dispatch (one verdict-map lookup per hook);
#   - daemon restart after kill -9 with every binding in place: time to a serving API, and how
#     many ports it rewrote (the goal: none);
#   - start with the tables gone (nft flushed): time to rebuild all COUNT ports;
#   - TCP throughput and 64-byte UDP packet rate between two guests (veth ports, iperf3, REPEAT
#     runs of RUN_SECONDS s each) with clean-traffic on both ports, beside the COUNT others, against
#     the same guests unfiltered, and with a network ACL (alone, and with clean-traffic).
# Release binaries (swift build -c release). Needs root, iperf3, python3. BENCHMARKS.md has the
# results.
#
#   Benchmarks/nwfilter.sh                      # COUNT=1000 REPEAT=3 RUN_SECONDS=5
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-1000}
REPEAT=${REPEAT:-3}
SECONDS_EACH=${RUN_SECONDS:-5}  # not SECONDS: bash counts its own seconds in that one
bin=${PATCHBAY_BIN_DIR:-$(swift build -c release --show-bin-path)}
[ -x "$bin/patchbayd" ] || swift build -c release --product patchbayd > /dev/null
[ -x "$bin/patchbay" ] || swift build -c release --product patchbay > /dev/null
work=$(mktemp -d /tmp/pbnwf.XXXXXX)
. Benchmarks/daemon-lib.sh
guests=(pbnwf-a pbnwf-b)
cleanup() {
    for g in "${guests[@]}"; do ip netns pids "$g" 2>/dev/null | xargs -r kill -9 2>/dev/null || true; ip netns del "$g" 2>/dev/null || true; done
    bench_daemon_cleanup
}
trap cleanup EXIT
ms() { echo $(( $(date +%s%N) / 1000000 )); }

bench_daemon_start pbnwf --log-level notice
cat > "$work/lab.xml" <<XML
<network><name>lab</name><bridge name='pbnwfbr' stp='off'/><ip address='10.99.0.1' netmask='255.255.255.0'/></network>
XML
"$bin/patchbay" net-define "$work/lab.xml" > /dev/null
"$bin/patchbay" net-start lab > /dev/null

echo "== $COUNT bindings of clean-traffic"
python3 Benchmarks/nwfilter_bindings.py "$PATCHBAY_SOCKET" "$COUNT"
rules=$(ip netns exec pbnwf nft -j list ruleset | python3 -c '
import json,sys
d=json.load(sys.stdin)["nftables"]
print(sum(1 for i in d if "rule" in i and i["rule"]["table"]=="patchbay_nwfilter"))')
chains=$(ip netns exec pbnwf nft -j list chains | python3 -c '
import json,sys
d=json.load(sys.stdin)["nftables"]
print(sum(1 for i in d if "chain" in i and i["chain"]["table"]=="patchbay_nwfilter"))')
echo "nft: $rules rules in $chains chains; base chains: $(ip netns exec pbnwf nft list chain bridge patchbay_nwfilter prerouting | grep -c vmap) rule (a verdict map) per hook"

restart() {
    kill -9 "$daemon"; wait "$daemon" 2>/dev/null || true
    local began; began=$(ms)
    ip netns exec pbnwf "$bin/patchbayd" --socket "$PATCHBAY_SOCKET" --helper-socket "$work/helper.sock" \
        --state-dir "$work/state" --log-level info 2> "$work/patchbayd.log" &
    daemon=$!
    for _ in $(seq 600); do "$bin/patchbay" net-list > /dev/null 2>&1 && break; sleep 0.05; done
    echo "$1: API serving after $(( $(ms) - began )) ms; $(grep -o 'nwfilter: [0-9]* bound ports, [0-9]* re-applied' "$work/patchbayd.log")"
}
echo "== restart"
restart "kill -9, restart"
ip netns exec pbnwf nft delete table bridge patchbay_nwfilter
ip netns exec pbnwf nft delete table inet patchbay_nwfilter
restart "tables deleted, restart"

echo "== throughput (iperf3, $REPEAT x ${SECONDS_EACH}s)"
for g in "${guests[@]}"; do ip netns add "$g"; ip -n "$g" link set lo up; done
create() {  # OWNER MAC IP [FILTER]: a veth port into namespace pbnwf-OWNER; prints its UUID
    local args=(net-port-create lab --owner "$1" --type veth --netns "pbnwf-$1" --mac "$2" --json)
    [ -n "${4:-}" ] && args+=(--filter "$4" --param "IP=$3")
    "$bin/patchbay" "${args[@]}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["uuid"])'
    ip -n "pbnwf-$1" link set eth0 up
    ip -n "pbnwf-$1" addr add "$3/24" dev eth0
}
tput() {  # LABEL [FILTER]
    local ua ub results=()
    ua=$(create a 52:54:00:99:00:0a 10.99.0.10 "${2:-}")
    ub=$(create b 52:54:00:99:00:0b 10.99.0.11 "${2:-}")
    for _ in $(seq "$REPEAT"); do
        ip netns exec pbnwf-b iperf3 -s -1 -D > /dev/null 2>&1
        for _ in $(seq 50); do ip netns exec pbnwf-b ss -ltn | grep -q ':5201' && break; sleep 0.1; done
        results+=("$(ip netns exec pbnwf-a iperf3 -c 10.99.0.11 -t "$SECONDS_EACH" -J |
            python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6))')")
    done
    printf '%s\n' "${results[@]}" | python3 -c "
import sys,statistics
v=[int(x) for x in sys.stdin.read().split()]
print('$1: TCP median %d Mbit/s, range %d-%d' % (statistics.median(v), min(v), max(v)))"
    # Small UDP datagrams: the per-packet cost of the filter, which large TCP segments hide.
    local pps=()
    for _ in $(seq "$REPEAT"); do
        ip netns exec pbnwf-b iperf3 -s -1 -D > /dev/null 2>&1
        for _ in $(seq 50); do ip netns exec pbnwf-b ss -ltn | grep -q ':5201' && break; sleep 0.1; done
        pps+=("$(ip netns exec pbnwf-a iperf3 -c 10.99.0.11 -u -b 0 -l 64 -t "$SECONDS_EACH" -J |
            python3 -c 'import json,sys; e=json.load(sys.stdin)["end"]["sum"]; print(int(e["packets"]*(1-e["lost_percent"]/100)/e["seconds"]/1000))')")
    done
    printf '%s\n' "${pps[@]}" | python3 -c "
import sys,statistics
v=[int(x) for x in sys.stdin.read().split()]
print('$1: UDP 64-byte median %d kpps received, range %d-%d' % (statistics.median(v), min(v), max(v)))"
    "$bin/patchbay" net-port-delete lab "$ua" > /dev/null
    "$bin/patchbay" net-port-delete lab "$ub" > /dev/null
}
tput "no filter"
tput "clean-traffic on both ports" clean-traffic
# Network ACLs (issue 15 item 4): the seed's "drop inbound 22/3389" on the network, evaluated
# in the same per-port chains ahead of the filter, on ports without a filter.
"$bin/patchbay" acl-create bench --network lab --ingress 'drop tcp dport 22,3389' --ingress 'drop tcp dport 80 over 100/second' > /dev/null
tput "ACL (2 ingress rules, established first) on both ports"
tput "ACL and clean-traffic on both ports" clean-traffic
