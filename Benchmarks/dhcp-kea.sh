#!/usr/bin/env bash
# DHCP lease rate of Patchbay against Kea 2.2 (memfile, persisted, single-threaded and
# multi-threaded) at several offered rates, in one run (BENCHMARKS.md has the results).
#
#   Benchmarks/dhcp-kea.sh                   # RATES="2000 5000 10000" DURATION=10 s per run
#   SERVERS="patchbay kea-mt" Benchmarks/dhcp-kea.sh
#
# Topology, in namespaces this script creates and deletes (the one of dhcp-dns.sh, with a /14 and
# three ranges of 65,534 (libvirt's limit per range) so that 10 s at 10,000/s never runs out):
#   pbkea-cli (perfdhcp as a relay, giaddr 10.200.0.2) ── veth ── bridge pbkea0 (10.200.0.1/14) in pbkea-srv
# Every server starts with no leases for each rate; perfdhcp uses 2,000,000 distinct clients.
set -euo pipefail
cd "$(dirname "$0")/.."
RATES=${RATES:-2000 5000 10000}
DURATION=${DURATION:-10}
SERVERS=${SERVERS:-patchbay kea-1 kea-mt}
bin=${PATCHBAY_BIN_DIR:-$(swift build -c release --show-bin-path)}
[ -x "$bin/patchbayd" ] || { echo "build first: swift build -c release" >&2; exit 1; }
command -v kea-dhcp4 > /dev/null || { echo "install kea-dhcp4-server and kea-admin (perfdhcp)" >&2; exit 1; }
SRV=pbkea-srv CLI=pbkea-cli BR=pbkea0
work=$(mktemp -d /tmp/pbkea.XXXXXX)
server=""

stop_server() {
    [ -n "$server" ] || return 0
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
    server=""
}

cleanup() {
    stop_server
    for ns in $SRV $CLI; do
        for pid in $(ip netns pids $ns 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del $ns 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; RATES=$RATES DURATION=${DURATION}s; kea-dhcp4 $(kea-dhcp4 -v); $(perfdhcp -v 2>&1 | head -1 | tr -d '\n') perfdhcp"

for ns in $SRV $CLI; do ip netns add $ns; ip -n $ns link set lo up; done
ip -n $SRV link add vcli type veth peer name eth0 netns $CLI
ip -n $CLI addr add 10.200.0.2/14 dev eth0
ip -n $CLI link set eth0 up

# The bridge is new for each server (with a new MAC): the client must not keep the old one.
attach() {
    ip -n $SRV link set vcli master $BR up
    ip -n $CLI neigh flush all
    for _ in $(seq 100); do
        [ "$(ip -n $SRV -j link show vcli | python3 -c 'import json,sys; print(json.load(sys.stdin)[0].get("operstate"))')" = UP ] && break
        sleep 0.05
    done
}

# CPU time (user + system, in clock ticks) the server has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# One perfdhcp run at $2/s with a capture on the client side for the percentiles.
dhcp_run() {
    local label=$1 rate=$2
    ip netns exec $CLI tcpdump -i eth0 -w "$work/$label.pcap" -s 400 -B 65536 udp port 67 2>/dev/null &
    local capture=$!
    for _ in $(seq 100); do [ -s "$work/$label.pcap" ] && break; sleep 0.05; done
    local cpu_before
    cpu_before=$(cpu_ticks "$server")
    ip netns exec $CLI perfdhcp -4 -l eth0 -r "$rate" -p "$DURATION" -R 2000000 10.200.0.1 > "$work/$label.perfdhcp" 2>&1 || true
    local cpu_ms=$(( ($(cpu_ticks "$server") - cpu_before) * 1000 / $(getconf CLK_TCK) ))
    sleep 0.5
    kill $capture; wait $capture 2>/dev/null || true
    local granted drops acks
    acks=$(awk '/Statistics for: REQUEST-ACK/{f=1} f&&/received packets/{print $3; exit}' "$work/$label.perfdhcp")
    granted=$(( acks / DURATION ))
    drops=$(grep 'drops ratio' "$work/$label.perfdhcp" | awk '{print $3 $4}' | paste -sd/)
    echo "dhcp $label offered=$rate/s: granted=${granted}/s acks=$acks unanswered(DO/RA)=$drops server_cpu_ms=$cpu_ms $(python3 Benchmarks/dhcp_latency.py "$work/$label.pcap" | tr '\n' ' ')"
}

patchbay_run() {
    local rate=$1 state=$work/pb-$1
    export PATCHBAY_SOCKET=$work/patchbay-$rate.sock
    cat > "$work/bench.xml" <<XML
<network>
  <name>bench</name>
  <bridge name='$BR' stp='off'/>
  <dns enable='no'/>
  <ip address='10.200.0.1' netmask='255.252.0.0'>
    <dhcp>
      <range start='10.200.1.0' end='10.200.255.254'/>
      <range start='10.201.0.1' end='10.201.255.254'/>
      <range start='10.202.0.1' end='10.202.255.254'/>
    </dhcp>
  </ip>
</network>
XML
    ip netns exec $SRV "$bin/patchbayd" --socket "$PATCHBAY_SOCKET" --helper-socket "$work/helper-$rate.sock" --state-dir "$state" \
        --log-level warning --dhcp-max-leases-per-port 0 --dhcp-relay 10.200.0.2 2> "$work/patchbayd-$rate.log" &
    server=$!
    for _ in $(seq 100); do "$bin/patchbay" net-list > /dev/null 2>&1 && break; sleep 0.1; done
    "$bin/patchbay" net-define "$work/bench.xml" > /dev/null
    "$bin/patchbay" net-start bench > /dev/null
    attach
    dhcp_run "patchbay-$rate" "$rate"
    local stored
    stored=$("$bin/patchbay" net-dhcp-leases bench --json | grep -c '"ipAddress"' || true)
    echo "dhcp patchbay-$rate: leases in the store: $stored (each fsynced before its ACK)"
    "$bin/patchbay" net-destroy bench > /dev/null
    stop_server
    # What the daemon complained of (at --log-level warning), counted by message.
    grep -o 'warning.*\|error.*' "$work/patchbayd-$rate.log" | cut -c1-100 | sed 's/[0-9][0-9.]*/N/g' | sort | uniq -c | sort -rn | head -3 | sed 's/^/patchbayd log: /' || true
}

# Kea as its documentation configures a relayed subnet: UDP sockets (relayed traffic needs no raw
# socket), memfile with persist: true (appends each lease to a CSV file; it does not fsync), no
# lease file cleanup during the run.
kea_run() {
    local rate=$1 threads=$2 label=$3
    rm -f "$work/kea-leases.csv"*
    ip -n $SRV link add $BR type bridge stp_state 0
    ip -n $SRV addr add 10.200.0.1/14 dev $BR
    ip -n $SRV link set $BR up
    attach
    local mt=false
    [ "$threads" -gt 1 ] && mt=true
    cat > "$work/kea.json" <<JSON
{ "Dhcp4": {
    "interfaces-config": { "interfaces": [ "$BR" ], "dhcp-socket-type": "udp" },
    "lease-database": { "type": "memfile", "persist": true, "name": "$work/kea-leases.csv", "lfc-interval": 0 },
    "multi-threading": { "enable-multi-threading": $mt, "thread-pool-size": $threads, "packet-queue-size": 64 },
    "valid-lifetime": 3600,
    "subnet4": [ { "subnet": "10.200.0.0/14", "pools": [ { "pool": "10.200.1.0 - 10.200.255.254" }, { "pool": "10.201.0.1 - 10.201.255.254" },
                                                               { "pool": "10.202.0.1 - 10.202.255.254" } ],
                   "option-data": [ { "name": "routers", "data": "10.200.0.1" } ] } ],
    "loggers": [ { "name": "kea-dhcp4", "output_options": [ { "output": "$work/kea.log" } ], "severity": "WARN" } ]
} }
JSON
    KEA_PIDFILE_DIR=$work KEA_LOCKFILE_DIR=$work ip netns exec $SRV kea-dhcp4 -c "$work/kea.json" > "$work/kea-$label.out" 2>&1 &
    server=$!
    for _ in $(seq 100); do grep -q 'DHCP4_STARTED\|DHCPSRV_MEMFILE_DB\|started' "$work/kea.log" 2>/dev/null && break; sleep 0.1; done
    for _ in $(seq 100); do ip netns exec $SRV ss -lun | grep -q '10.200.0.1:67' && break; sleep 0.05; done
    dhcp_run "$label-$rate" "$rate"
    echo "dhcp $label-$rate: leases in the file: $(grep -c '^10\.' "$work/kea-leases.csv" 2>/dev/null || echo 0) lines (written, not fsynced)"
    stop_server
    rm -f "$work/kea.log"
    ip -n $SRV link del $BR
}

for rate in $RATES; do
    for s in $SERVERS; do
        case $s in
            patchbay) patchbay_run "$rate" ;;
            kea-1) kea_run "$rate" 1 kea-1 ;;
            kea-mt) kea_run "$rate" 2 kea-mt ;;
            *) echo "unknown server $s" >&2; exit 2 ;;
        esac
    done
done
