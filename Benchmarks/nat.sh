#!/usr/bin/env bash
# NAT throughput and network start/stop time (BENCHMARKS.md has the results).
#
#   Benchmarks/nat.sh          # DURATION=10 s per iperf3 run, NETWORKS=50
#
# Throughput, guest → upstream with iperf3 TCP, over the same veth/bridge topology:
#   patchbay   a Patchbay nat network (its nftables tables)
#   libvirt    the same bridge with the iptables rules libvirt 9.0 writes for a nat network
#              (iptables-nft, Debian's default backend), no Patchbay
#   routing    the same bridge, plain routing, no firewall and no NAT: the ceiling
# Needs iperf3 and iptables (apt-get install iperf3 iptables).
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-10}
NETWORKS=${NETWORKS:-50}
bin=${PATCHBAY_BIN_DIR:-$(swift build -c release --show-bin-path)}
command -v iptables > /dev/null || { echo "install iptables first (apt-get install iptables)" >&2; exit 1; }
SRV=pbnat-srv G=pbnat-guest UP=pbnat-up
work=$(mktemp -d /tmp/pbnat.XXXXXX)
daemon=

cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null || true
    sleep 0.3
    for ns in $SRV $G $UP; do
        for pid in $(ip netns pids $ns 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del $ns 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; iperf3 $(iperf3 --version | head -1 | awk '{print $2}'), ${DURATION}s per run; $(iptables --version)"

topology() {
    for ns in $SRV $G $UP; do ip netns add $ns; ip -n $ns link set lo up; done
    ip -n $SRV link add vg type veth peer name eth0 netns $G
    ip -n $G addr add 10.210.0.50/24 dev eth0
    ip -n $G link set eth0 up
    ip -n $G route add default via 10.210.0.1
    ip -n $SRV link add vup type veth peer name eth0 netns $UP
    ip -n $SRV addr add 198.51.100.1/24 dev vup
    ip -n $SRV link set vup up
    ip -n $UP addr add 198.51.100.2/24 dev eth0
    ip -n $UP link set eth0 up
    rm -f "$work/iperf3.pid"
    ip netns exec $UP iperf3 -s -B 198.51.100.2 -D --pidfile "$work/iperf3.pid"
    sleep 0.3
}
teardown() {
    for ns in $SRV $G $UP; do
        for pid in $(ip netns pids $ns 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del $ns 2>/dev/null || true
    done
}
manual_bridge() {
    ip -n $SRV link add name pbnat0 type bridge stp_state 0
    ip -n $SRV addr add 10.210.0.1/24 dev pbnat0
    ip -n $SRV link set pbnat0 up
    ip -n $SRV link set vg master pbnat0 up
    ip netns exec $SRV sysctl -qw net.ipv4.ip_forward=1
}
# Median of ROUNDS iperf3 runs: single runs on a 2-core machine vary by ±10%.
ROUNDS=${ROUNDS:-3}
throughput() {
    local label=$1 runs=()
    for _ in $(seq "$ROUNDS"); do
        runs+=("$(ip netns exec $G iperf3 -c 198.51.100.2 -t "$DURATION" -J | python3 -c 'import json,sys; d = json.load(sys.stdin); print("%.2f" % (d["end"]["sum_received"]["bits_per_second"] / 1e9) if "sum_received" in d.get("end", {}) else "0")')")
    done
    local median
    median=$(printf '%s\n' "${runs[@]}" | sort -n | sed -n "$(( (ROUNDS + 1) / 2 ))p")
    echo "throughput $label: median $median Gbit/s (runs: ${runs[*]})"
}

# --- Patchbay nat -----------------------------------------------------------------------------
topology
export PATCHBAY_SOCKET=$work/patchbay.sock
ip netns exec $SRV "$bin/patchbayd" --socket "$PATCHBAY_SOCKET" --helper-socket "$work/helper.sock" --state-dir "$work/state" --log-level warning 2> "$work/patchbayd.log" &
daemon=$!
for _ in $(seq 100); do "$bin/patchbay" net-list > /dev/null 2>&1 && break; sleep 0.1; done
cat > "$work/nat.xml" <<XML
<network><name>nat</name><forward mode='nat'/><bridge name='pbnat0' stp='off'/><ip address='10.210.0.1' netmask='255.255.255.0'/></network>
XML
"$bin/patchbay" net-define "$work/nat.xml" > /dev/null
"$bin/patchbay" net-start nat > /dev/null
ip -n $SRV link set vg master pbnat0 up
sleep 0.5
throughput patchbay

# --- Start and destroy NETWORKS nat networks ---------------------------------------------------
for i in $(seq "$NETWORKS"); do
    echo "<network><name>n$i</name><forward mode='nat'/><bridge name='pbn$i' stp='off'/><ip address='10.211.$i.1' netmask='255.255.255.0'/></network>" > "$work/n$i.xml"
    "$bin/patchbay" net-define "$work/n$i.xml" > /dev/null
done
names=$(for i in $(seq "$NETWORKS"); do printf 'n%d ' "$i"; done)
echo "networks: $(python3 Benchmarks/api_starts.py "$PATCHBAY_SOCKET" $names)"
start=$(date +%s.%N)
for i in $(seq "$NETWORKS"); do "$bin/patchbay" net-start "n$i" > /dev/null; done
mid=$(date +%s.%N)
for i in $(seq "$NETWORKS"); do "$bin/patchbay" net-destroy "n$i" > /dev/null; done
end=$(date +%s.%N)
echo "networks: $NETWORKS nat networks started in $(echo "$mid - $start" | bc) s, destroyed in $(echo "$end - $mid" | bc) s (patchbay CLI, one process each)"
kill $daemon; wait $daemon 2>/dev/null || true
daemon=
teardown

# --- libvirt 9.0's iptables rules for the same network ------------------------------------------
topology
manual_bridge
ipt() { ip netns exec $SRV iptables "$@"; }
ipt -N LIBVIRT_INP; ipt -N LIBVIRT_OUT; ipt -N LIBVIRT_FWO; ipt -N LIBVIRT_FWI; ipt -N LIBVIRT_FWX
ipt -I INPUT -j LIBVIRT_INP; ipt -I OUTPUT -j LIBVIRT_OUT
ipt -I FORWARD -j LIBVIRT_FWX; ipt -I FORWARD -j LIBVIRT_FWI; ipt -I FORWARD -j LIBVIRT_FWO
ipt -t nat -N LIBVIRT_PRT; ipt -t nat -I POSTROUTING -j LIBVIRT_PRT
for p in udp tcp; do
    ipt -A LIBVIRT_INP -i pbnat0 -p $p --dport 53 -j ACCEPT
    ipt -A LIBVIRT_INP -i pbnat0 -p $p --dport 67 -j ACCEPT
    ipt -A LIBVIRT_OUT -o pbnat0 -p $p --dport 53 -j ACCEPT
    ipt -A LIBVIRT_OUT -o pbnat0 -p $p --dport 68 -j ACCEPT
done
ipt -A LIBVIRT_FWI -d 10.210.0.0/24 -o pbnat0 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
ipt -A LIBVIRT_FWI -o pbnat0 -j REJECT --reject-with icmp-port-unreachable
ipt -A LIBVIRT_FWO -s 10.210.0.0/24 -i pbnat0 -j ACCEPT
ipt -A LIBVIRT_FWO -i pbnat0 -j REJECT --reject-with icmp-port-unreachable
ipt -A LIBVIRT_FWX -i pbnat0 -o pbnat0 -j ACCEPT
ipt -t nat -A LIBVIRT_PRT -s 10.210.0.0/24 -d 224.0.0.0/24 -j RETURN
ipt -t nat -A LIBVIRT_PRT -s 10.210.0.0/24 -d 255.255.255.255/32 -j RETURN
ipt -t nat -A LIBVIRT_PRT -s 10.210.0.0/24 ! -d 10.210.0.0/24 -p tcp -j MASQUERADE --to-ports 1024-65535
ipt -t nat -A LIBVIRT_PRT -s 10.210.0.0/24 ! -d 10.210.0.0/24 -p udp -j MASQUERADE --to-ports 1024-65535
ipt -t nat -A LIBVIRT_PRT -s 10.210.0.0/24 ! -d 10.210.0.0/24 -j MASQUERADE
sleep 0.5
throughput libvirt-iptables
teardown

# --- Plain routing: the ceiling ---------------------------------------------------------------
topology
manual_bridge
ip -n $UP route add 10.210.0.0/24 via 198.51.100.1
sleep 0.5
throughput routing
