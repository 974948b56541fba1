#!/usr/bin/env bash
# DHCP and DNS throughput of Patchbay, of dnsmasq configured as libvirt configures it, and (for
# DNS) of unbound as a forwarding cache, on the same topology, in one run (BENCHMARKS.md has the
# results and how to read them). Each DNS line gives the server's CPU time per 1,000 answers and
# dnsperf's own, because on two cores the client takes a share of what the server could use: that
# share, and the CPU, are what makes the same run give other figures on another machine.
#
#   Benchmarks/dhcp-dns.sh            # RATE=2000 DHCP exchanges/s offered, DURATION=10 s per run
#   SKIP_DHCP=1 Benchmarks/dhcp-dns.sh   # the DNS runs only
#
# Topology, all in namespaces this script creates and deletes:
#   pbbench-cli (perfdhcp, dnsperf; 10.200.0.2/16) ── veth ── bridge pbbench0 (10.200.0.1/16) in pbbench-srv
#   pbbench-up  (dnsmasq as the upstream DNS server, 198.51.100.2) ── veth ── pbbench-srv (198.51.100.1)
# perfdhcp acts as a relay (giaddr 10.200.0.2), which both servers serve from the same range.
set -euo pipefail
cd "$(dirname "$0")/.."
RATE=${RATE:-2000}
DURATION=${DURATION:-10}
bin=${PATCHBAY_BIN_DIR:-$(swift build -c release --show-bin-path)}
[ -x "$bin/patchbayd" ] || { echo "build first: swift build -c release" >&2; exit 1; }
for tool in dnsmasq perfdhcp dnsperf unbound tcpdump dig; do
    command -v $tool > /dev/null || { echo "needs $tool (Debian: dnsmasq kea-admin dnsperf unbound tcpdump dnsutils)" >&2; exit 1; }
done
SRV=pbbench-srv CLI=pbbench-cli UP=pbbench-up
work=$(mktemp -d /tmp/pbbench.XXXXXX)
pids=()

cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    sleep 0.3
    for ns in $SRV $CLI $UP; do
        for pid in $(ip netns pids $ns 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del $ns 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT

hosts=100
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores ($(lscpu | sed -n 's/^Model name: *//p' | head -1)); RATE=$RATE/s DURATION=${DURATION}s; $(dnsmasq --version | head -1); $(perfdhcp -v 2>&1 | head -1 | tr -d '\n') perfdhcp; dnsperf $(dnsperf -h 2>&1 | grep -o 'Version [0-9.]*' | head -1)"

# --- topology -------------------------------------------------------------------------------
for ns in $SRV $CLI $UP; do ip netns add $ns; ip -n $ns link set lo up; done
ip -n $SRV link add vcli type veth peer name eth0 netns $CLI
ip -n $CLI addr add 10.200.0.2/16 dev eth0
ip -n $CLI link set eth0 up
ip -n $SRV link add vup type veth peer name eth0 netns $UP
ip -n $SRV addr add 198.51.100.1/24 dev vup
ip -n $SRV link set vup up
ip -n $UP addr add 198.51.100.2/24 dev eth0
ip -n $UP link set eth0 up

# The upstream: names www1..www100.upstream.example with a TTL of 300 s, so that every server
# under test can answer forwarded names from its cache after the first query.
upstream_args=()
for i in $(seq $hosts); do upstream_args+=("--host-record=www$i.upstream.example,198.51.100.$((i % 200 + 10))"); done
ip netns exec $UP dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address=198.51.100.2 --user=root --pid-file="$work/up.pid" --local-ttl=300 "${upstream_args[@]}" &
pids+=($!)

# Query files: local names (<dns><host> entries) and forwarded names.
for i in $(seq $hosts); do echo "h$i.bench.test A"; done > "$work/local.txt"
for i in $(seq $hosts); do echo "www$i.upstream.example A"; done > "$work/forwarded.txt"

host_xml=""
for i in $(seq $hosts); do host_xml+="<host ip='10.200.0.$((i + 10))'><hostname>h$i</hostname></host>"; done
cat > "$work/bench.xml" <<XML
<network>
  <name>bench</name>
  <bridge name='pbbench0' stp='off'/>
  <domain name='bench.test' localOnly='yes'/>
  <dns>
    <forwarder addr='198.51.100.2'/>
    $host_xml
  </dns>
  <ip address='10.200.0.1' netmask='255.255.0.0'>
    <dhcp><range start='10.200.1.0' end='10.200.255.254'/></dhcp>
  </ip>
</network>
XML

# The bridge is new for each server (with a new MAC): the client must not keep the old one.
attach() { ip -n $SRV link set vcli master pbbench0 up; ip -n $CLI neigh flush all; sleep 0.5; }

# perfdhcp at RATE for DURATION seconds with a capture on the client side for percentiles.
dhcp_run() {
    [ "${SKIP_DHCP:-0}" = 1 ] && return 0
    local label=$1
    ip netns exec $CLI tcpdump -i eth0 -w "$work/$label.pcap" -s 400 -B 16384 udp port 67 2>/dev/null &
    local capture=$!
    sleep 0.5
    ip netns exec $CLI perfdhcp -4 -l eth0 -r "$RATE" -p "$DURATION" -R 60000 10.200.0.1 > "$work/$label.perfdhcp" 2>&1 || true
    sleep 0.5
    kill $capture; wait $capture 2>/dev/null || true
    local rate drops
    rate=$(grep -o 'Rate: [0-9.]*' "$work/$label.perfdhcp" | awk '{printf "%.0f", $2}')
    drops=$(grep 'drops ratio' "$work/$label.perfdhcp" | awk '{print $3 $4}' | paste -sd/)
    acks=$(awk '/Statistics for: REQUEST-ACK/{f=1} f&&/received packets/{print $3; exit}' "$work/$label.perfdhcp")
    echo "dhcp $label: rate=${rate}/s acks=$acks drops(DO/RA)=$drops $(python3 Benchmarks/dhcp_latency.py "$work/$label.pcap" | tr '\n' ' ')"
}

# CPU time (user + system, in clock ticks) process $1 has used so far.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# dnsperf against the server (pid $3) for DURATION seconds; prints qps and the CPU cost of the
# server and of dnsperf per 1,000 answers.
dns_run() {
    local label=$1 file=$2 server=$3
    local before
    before=$(cpu_ticks "$server")
    ip netns exec $CLI bash -c 'dnsperf "$@"; awk "{print \$16 + \$17}" /proc/$$/stat > '"$work/$label.client-cpu" \
        _ -s 10.200.0.1 -d "$work/$file" -l "$DURATION" -c 4 -q 200 > "$work/$label.dnsperf" 2>&1 || true
    local used=$(( $(cpu_ticks "$server") - before ))
    local qps lost latency answered
    qps=$(grep 'Queries per second' "$work/$label.dnsperf" | awk '{printf "%.0f", $4}')
    lost=$(grep 'Queries lost' "$work/$label.dnsperf" | awk '{print $3, $4}')
    latency=$(grep 'Average Latency' "$work/$label.dnsperf" | awk '{printf "%.2f", $4 * 1000}')
    answered=$(grep 'Queries completed' "$work/$label.dnsperf" | awk '{print $3}')
    local tick_ms=$(( 1000 / $(getconf CLK_TCK) ))
    per1000() { awk -v u="$1" -v t="$tick_ms" -v a="${answered:-0}" 'BEGIN { printf "%.1f", a ? u * t * 1000 / a : 0 }'; }
    echo "dns $label: qps=$qps lost=$lost avg_latency_ms=$latency cpu_ms_per_1000_answers: server=$(per1000 "$used") dnsperf=$(per1000 "$(cat "$work/$label.client-cpu" 2>/dev/null || echo 0)")"
}

# --- Patchbay ---------------------------------------------------------------------------------
export PATCHBAY_SOCKET=$work/patchbay.sock
ip netns exec $SRV "$bin/patchbayd" --socket "$PATCHBAY_SOCKET" --helper-socket "$work/helper.sock" --state-dir "$work/state" --log-level warning \
    --dhcp-max-leases-per-port 0 --dhcp-relay 10.200.0.2 2> "$work/patchbayd.log" &
pids+=($!)
for _ in $(seq 100); do "$bin/patchbay" net-list > /dev/null 2>&1 && break; sleep 0.1; done
"$bin/patchbay" net-define "$work/bench.xml" > /dev/null
"$bin/patchbay" net-start bench > /dev/null
attach
daemon=$(pgrep -n -f "$bin/patchbayd")
dns_run patchbay-local local.txt "$daemon"
dns_run patchbay-forwarded forwarded.txt "$daemon"
rss=$(ps -o rss= -p "$(pgrep -n -f "$bin/patchbayd")" | tr -d ' ')
echo "patchbayd resident memory after the DNS runs: $((rss / 1024)) MiB"
dhcp_run patchbay
if [ "${SKIP_DHCP:-0}" != 1 ]; then
    stored=$("$bin/patchbay" net-dhcp-leases bench --json | grep -c '"ipAddress"' || true)
    echo "dhcp patchbay: leases in the store after the run: $stored (every ACK was committed before it was sent)"
fi
dns_run patchbay-local-after-dhcp local.txt "$daemon"
rss=$(ps -o rss= -p "$(pgrep -n -f "$bin/patchbayd")" | tr -d ' ')
echo "patchbayd resident memory after the runs: $((rss / 1024)) MiB"
"$bin/patchbay" net-destroy bench > /dev/null
kill "${pids[-1]}"; wait "${pids[-1]}" 2>/dev/null || true

# --- dnsmasq, as libvirt 9.0 runs it for the same XML (networkDnsmasqConfContents) ------------
ip -n $SRV link add pbbench0 type bridge stp_state 0
ip -n $SRV addr add 10.200.0.1/16 dev pbbench0
ip -n $SRV link set pbbench0 up
attach
for i in $(seq $hosts); do echo "10.200.0.$((i + 10)) h$i"; done > "$work/bench.addnhosts"
: > "$work/bench.hostsfile"
cat > "$work/dnsmasq.conf" <<CONF
strict-order
no-resolv
server=198.51.100.2
domain=bench.test
expand-hosts
local=/bench.test/
except-interface=lo
bind-dynamic
interface=pbbench0
dhcp-range=10.200.1.0,10.200.255.254,255.255.0.0
dhcp-no-override
dhcp-authoritative
dhcp-lease-max=65278
dhcp-hostsfile=$work/bench.hostsfile
addn-hosts=$work/bench.addnhosts
CONF

dnsmasq_run() {
    local label=$1
    shift
    rm -f "$work/dnsmasq.leases"
    ip netns exec $SRV dnsmasq --keep-in-foreground --conf-file="$work/dnsmasq.conf" --user=root \
        --pid-file="$work/dnsmasq.pid" "$@" &
    local pid=$!
    # Ready when it answers DNS (a dnsmasq started right after another can take a while).
    for _ in $(seq 100); do
        [ -n "$(ip netns exec $CLI dig +short +tries=1 +time=1 @10.200.0.1 h1.bench.test 2>/dev/null)" ] && break
        sleep 0.1
    done
    if [ "$label" = dnsmasq-no-ping ]; then
        dns_run dnsmasq-local local.txt $pid
        dns_run dnsmasq-forwarded forwarded.txt $pid
    fi
    dhcp_run "$label"
    if [ "$label" = dnsmasq-no-ping ]; then
        dns_run dnsmasq-local-after-dhcp local.txt $pid
    fi
    kill $pid; wait $pid 2>/dev/null || true
}
# libvirt's own command line: --leasefile-ro with its lease helper script (not available
# without libvirt; leases then live in dnsmasq's memory only) and dnsmasq's default ping check,
# which holds single-threaded dnsmasq for up to 3 s per new address nobody answers for (here, all
# of them). DNS is measured on the no-ping run, where DHCP does not block it.
dnsmasq_run dnsmasq-no-ping --leasefile-ro --no-ping
dnsmasq_run dnsmasq-no-ping-leasefile --dhcp-leasefile="$work/dnsmasq.leases" --no-ping
dnsmasq_run dnsmasq-libvirt --leasefile-ro

# --- unbound as a forwarding cache (DNS only), the same names as local data --------------------
{
    cat <<CONF
server:
    interface: 10.200.0.1
    access-control: 10.200.0.0/16 allow
    do-daemonize: no
    username: ""
    chroot: ""
    directory: "$work"
    pidfile: "$work/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 0
    do-ip6: no
    num-threads: $(nproc)
    so-reuseport: yes
    module-config: "iterator"
    local-zone: "bench.test." static
CONF
    for i in $(seq $hosts); do echo "    local-data: \"h$i.bench.test. A 10.200.0.$((i + 10))\""; done
    cat <<CONF
forward-zone:
    name: "."
    forward-addr: 198.51.100.2
CONF
} > "$work/unbound.conf"
ip netns exec $SRV unbound -d -c "$work/unbound.conf" > "$work/unbound.log" 2>&1 &
unbound=$!
pids+=($unbound)
for _ in $(seq 100); do
    [ -n "$(ip netns exec $CLI dig +short +tries=1 +time=1 @10.200.0.1 h1.bench.test 2>/dev/null)" ] && break
    sleep 0.1
done
dns_run unbound-local local.txt $unbound
dns_run unbound-forwarded forwarded.txt $unbound
rss=$(ps -o rss= -p $unbound | tr -d ' ')
echo "unbound resident memory after the DNS runs: $((rss / 1024)) MiB"
