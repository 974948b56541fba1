#!/usr/bin/env bash
# The Patchbay demo: a throw-away network namespace with its own patchbayd and state directory;
# a NAT network from examples/nat.xml; an "internet" namespace (198.51.100.2) with a web and a DNS
# server; a real QEMU guest (TCG) attached through patchbay-bridge-helper that gets its lease and
# name from Patchbay, resolves the web server's name and fetches a page through NAT. Then
# everything is torn down. Nothing outside the namespaces is touched.
set -euo pipefail

bin=${PATCHBAY_BIN_DIR:-$(swift build --show-bin-path)}
here=$(cd "$(dirname "$0")/.." && pwd)
ns=patchbay-demo-$$
up=patchbay-demo-up-$$
dir=$(mktemp -d /tmp/patchbay-demo.XXXXXX)
export PATCHBAY_SOCKET=$dir/patchbay.sock
export PATCHBAY_HELPER_SOCKET=$dir/helper.sock
daemon=

cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
    for n in "$ns" "$up"; do
        for pid in $(ip netns pids "$n" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$n" 2>/dev/null || true
    done
    rm -rf "$dir"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates network namespaces)" >&2; exit 1; }

"$here/scripts/build-guest.sh" "$here/.build/e2e-guest" > /dev/null

ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$bin/patchbayd" --socket "$PATCHBAY_SOCKET" --helper-socket "$PATCHBAY_HELPER_SOCKET" --state-dir "$dir/state" 2>"$dir/patchbayd.log" &
daemon=$!
for _ in $(seq 100); do "$bin/patchbay" net-list >/dev/null 2>&1 && break; sleep 0.1; done
echo "patchbayd is running in network namespace $ns (state in $dir/state)"

# The "internet": a namespace with a web server (its CGI answers with the caller's address) and
# a DNS server for www.upstream.example.
ip netns add "$up"
ip -n "$up" link set lo up
ip -n "$ns" link add uplink type veth peer name eth0 netns "$up"
ip -n "$ns" addr add 198.51.100.1/24 dev uplink
ip -n "$ns" link set uplink up
ip -n "$up" addr add 198.51.100.2/24 dev eth0
ip -n "$up" link set eth0 up
mkdir -p "$dir/www/cgi-bin"
printf '#!/bin/sh\necho "Content-Type: text/plain"\necho\necho "$REMOTE_ADDR"\n' > "$dir/www/cgi-bin/ip"
chmod +x "$dir/www/cgi-bin/ip"
(ip netns exec "$up" busybox httpd -f -p 198.51.100.2:80 -h "$dir/www" &)
(ip netns exec "$up" dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
    --listen-address=198.51.100.2 --user=root --pid-file="$dir/up-dnsmasq.pid" \
    --host-record=www.upstream.example,198.51.100.2 &)

step patchbay net-define examples/nat.xml
"$bin/patchbay" net-define "$here/examples/nat.xml"
step patchbay net-start demo
"$bin/patchbay" net-start demo
step patchbay net-list --all
"$bin/patchbay" net-list --all
step patchbay net-info demo
"$bin/patchbay" net-info demo

step qemu-system-x86_64 -accel tcg ... -netdev bridge,br=virbr10,helper=patchbay-bridge-helper "(a guest named demo-vm)"
ip netns exec "$ns" qemu-system-x86_64 -accel tcg -m 256 -nodefaults -display none -no-reboot -name guest=demo-vm \
    -serial "file:$dir/console.log" -kernel "$here/.build/e2e-guest/vmlinuz" -initrd "$here/.build/e2e-guest/initrd.gz" \
    -append "console=ttyS0 rdinit=/init panic=-1 quiet patchbay.hostname=demo-vm patchbay.lookup=www.upstream.example patchbay.path=/cgi-bin/ip" \
    -netdev "bridge,id=n0,br=virbr10,helper=$bin/patchbay-bridge-helper" \
    -device virtio-net-pci,netdev=n0,mac=52:54:00:de:00:01 &
qemu=$!
for _ in $(seq 600); do grep -q "PATCHBAY-E2E: done" "$dir/console.log" 2>/dev/null && break; sleep 0.2; done
echo "what the guest printed on its serial console:"
grep -a "PATCHBAY-E2E" "$dir/console.log" | tr -d '\r' | sed 's/^PATCHBAY-E2E: /  guest: /'
wait "$qemu" 2>/dev/null || true

step patchbay net-dhcp-leases demo
"$bin/patchbay" net-dhcp-leases demo
step dig @192.168.150.1 demo-vm.demo.test "(from the host)"
ip netns exec "$ns" dig +short @192.168.150.1 demo-vm.demo.test
step patchbay net-destroy demo
"$bin/patchbay" net-destroy demo
step patchbay net-undefine demo
"$bin/patchbay" net-undefine demo
if grep -aq "PATCHBAY-E2E: fetched 198.51.100.1" "$dir/console.log"; then
    echo "demo finished: the guest got its lease and name and fetched a page through NAT; everything is removed on exit"
else
    echo "demo: the guest did not fetch the page; patchbayd's log: $dir/patchbayd.log" >&2
    exit 1
fi
