#!/usr/bin/env bash
# Patchbay's QoS against libvirt's way of doing it, in one run:
#   - a guest's outbound traffic limited to 100 Mbit/s: Patchbay's shaping (IFB + HTB) against
#     policing at the same rate and libvirt's default burst (libvirt's `tc ... police`; this
#     kernel has no act_police, so the same token bucket in nft's netdev ingress hook), TCP
#     throughput and retransmissions, REPEAT runs of RUN_SECONDS s (iperf3, the guest sending);
#   - guest inbound limited to 50 Mbit/s (HTB on the port), the same way;
#   - applying a port's bandwidth: Patchbay's live change (net-port-set-bandwidth, the whole API
#     round trip, COUNT changes) against the tc commands libvirt's virNetDevBandwidthSet forks
#     for one port (with mirred in place of police), COUNT times.
# Release binaries (swift build -c release). Needs root, iperf3, python3. BENCHMARKS.md has the
# results.
#
#   Benchmarks/qos.sh                      # COUNT=50 REPEAT=3 RUN_SECONDS=5
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-50}
REPEAT=${REPEAT:-3}
SECONDS_EACH=${RUN_SECONDS:-5}  # not SECONDS: bash counts its own seconds in that one
bin=${PATCHBAY_BIN_DIR:-$(swift build -c release --show-bin-path)}
[ -x "$bin/patchbayd" ] || swift build -c release --product patchbayd > /dev/null
[ -x "$bin/patchbay" ] || swift build -c release --product patchbay > /dev/null
work=$(mktemp -d /tmp/pbqos.XXXXXX)
. Benchmarks/daemon-lib.sh
guest=pbqos-g
cleanup() {
    ip netns pids "$guest" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$guest" 2>/dev/null || true
    ip netns del pbqos-tc 2>/dev/null || true
    bench_daemon_cleanup
}
trap cleanup EXIT
stats() {  # LABEL UNIT: median and range of the numbers on stdin
    python3 -c '
import sys,statistics
v=[float(x) for x in sys.stdin.read().split()]
print("%s: median %.1f %s, range %.1f-%.1f (%d runs)" % (sys.argv[1], statistics.median(v), sys.argv[2], min(v), max(v), len(v)))' "$1" "$2"
}

bench_daemon_start pbqos --log-level notice
cat > "$work/lab.xml" <<XML
<network><name>lab</name><bridge name='pbqosbr' stp='off'/><ip address='10.98.0.1' netmask='255.255.255.0'/></network>
XML
"$bin/patchbay" net-define "$work/lab.xml" > /dev/null
"$bin/patchbay" net-start lab > /dev/null
ip netns add "$guest"
ip -n "$guest" link set lo up
port=$("$bin/patchbay" net-port-create lab --owner g --type veth --netns "$guest" --outbound 12500 --inbound 6250 --json)
uuid=$(echo "$port" | python3 -c 'import json,sys; print(json.load(sys.stdin)["uuid"])')
dev=$(echo "$port" | python3 -c 'import json,sys; print(json.load(sys.stdin)["device"])')
ip -n "$guest" link set eth0 up
ip -n "$guest" addr add 10.98.0.10/24 dev eth0

# run DIRECTION: out = the guest sends (the server in the guest, the client here with -R), in =
# the guest receives. Prints "Mbit/s retransmits" per run.
run() {
    local server=$guest client=pbqos address=10.98.0.10
    if [ "$1" = in ]; then server=pbqos client=$guest address=10.98.0.1; fi
    for _ in $(seq "$REPEAT"); do
        ip netns exec "$server" iperf3 -s -1 -D -B "$address" > /dev/null 2>&1
        for _ in $(seq 50); do ip netns exec "$server" ss -ltn | grep -q ':5201' && break; sleep 0.1; done
        ip netns exec "$client" iperf3 -c "$address" -R -t "$SECONDS_EACH" -O 1 -J |
            python3 -c 'import json,sys; e=json.load(sys.stdin)["end"]; print(e["sum_received"]["bits_per_second"]/1e6, e["sum_sent"].get("retransmits", 0))'
    done
}
report() {  # LABEL: reads run's lines
    local lines; lines=$(cat)
    echo "$lines" | awk '{print $1}' | stats "$1, TCP" "Mbit/s"
    echo "$lines" | awk '{print $2}' | stats "$1, retransmissions" "per run"
}

echo "== guest outbound limited to 100 Mbit/s"
run out | report "patchbay (IFB + HTB shaping)"
"$bin/patchbay" net-port-set-bandwidth lab "$uuid" --clear > /dev/null
ip netns exec pbqos nft -f - <<NFT
table netdev pbqos_police {
  chain in { type filter hook ingress device "$dev" priority -500; policy accept; limit rate over 12500 kbytes/second burst 12500 kbytes drop; }
}
NFT
run out | report "policing at 100 Mbit/s, libvirt's default burst (nft netdev limit)"
ip netns exec pbqos nft delete table netdev pbqos_police
run out | report "unlimited"

echo "== guest inbound limited to 50 Mbit/s"
"$bin/patchbay" net-port-set-bandwidth lab "$uuid" --inbound 6250 > /dev/null
run in | report "patchbay (HTB on the port)"

echo "== applying one port's bandwidth, $COUNT times"
for i in $(seq "$COUNT"); do
    rate=$(( i % 2 ? 12500 : 6250 ))
    began=$(date +%s%N)
    "$bin/patchbay" net-port-set-bandwidth lab "$uuid" --outbound "$rate" --inbound "$rate" > /dev/null
    echo $(( ($(date +%s%N) - began) / 1000 ))
done | awk '{print $1/1000}' | stats "patchbay net-port-set-bandwidth (CLI + API + netlink, live change in place)" "ms"
# libvirt's virNetDevBandwidthSet for a port with inbound and outbound: clear both directions,
# then root htb, class, (sfq: not on this kernel), fw filter (cls_fw: not on this kernel), ingress
# qdisc and its rule (police: not on this kernel, mirred here) — each a fork of tc.
ip netns add pbqos-tc
ip -n pbqos-tc link add tcv0 type veth peer name tcv1
ip -n pbqos-tc link add tcifb type ifb
ip -n pbqos-tc link set tcv0 up
ip -n pbqos-tc link set tcifb up
tcn() { ip netns exec pbqos-tc tc "$@" 2> /dev/null || true; }
for i in $(seq "$COUNT"); do
    rate=$(( i % 2 ? 12500 : 6250 ))
    began=$(date +%s%N)
    tcn qdisc del dev tcv0 root
    tcn qdisc del dev tcv0 ingress
    tcn qdisc add dev tcv0 root handle 1: htb default 1
    tcn class add dev tcv0 parent 1: classid 1:1 htb rate "${rate}kbps" quantum $(( rate * 1024 / 8 / 1500 ))
    tcn qdisc add dev tcv0 ingress
    tcn filter add dev tcv0 parent ffff: protocol all u32 match u32 0 0 action mirred egress redirect dev tcifb
    tcn qdisc del dev tcifb root
    tcn qdisc add dev tcifb root handle 1: htb default 1
    tcn class add dev tcifb parent 1: classid 1:1 htb rate "${rate}kbps" quantum $(( rate * 1024 / 8 / 1500 ))
    echo $(( ($(date +%s%N) - began) / 1000 ))
done | awk '{print $1/1000}' | stats "libvirt's way: tc forked per command (9 commands, delete and re-add)" "ms"
