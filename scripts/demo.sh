#!/usr/bin/env bash
# The Patchbay demo: a throw-away network namespace with its own patchbayd and state directory,
# one network defined and started from examples/isolated.xml, what the CLI and the kernel then
# show, and everything torn down again. Nothing outside the namespace is touched.
set -euo pipefail

bin=${PATCHBAY_BIN_DIR:-$(swift build --show-bin-path)}
here=$(cd "$(dirname "$0")/.." && pwd)
ns=patchbay-demo-$$
dir=$(mktemp -d /tmp/patchbay-demo.XXXXXX)
export PATCHBAY_SOCKET=$dir/patchbay.sock
daemon=

cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null && wait "$daemon" 2>/dev/null || true
    ip netns del "$ns" 2>/dev/null || true
    rm -rf "$dir"
}
trap cleanup EXIT

step() { printf '\n\033[1m$ %s\033[0m\n' "$*"; }

[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates a network namespace)" >&2; exit 1; }

ip netns add "$ns"
ip -n "$ns" link set lo up
ip netns exec "$ns" "$bin/patchbayd" --socket "$PATCHBAY_SOCKET" --state-dir "$dir/state" 2>"$dir/patchbayd.log" &
daemon=$!
for _ in $(seq 100); do "$bin/patchbay" net-list >/dev/null 2>&1 && break; sleep 0.1; done

echo "patchbayd is running in network namespace $ns (state in $dir/state)"
step patchbay net-define examples/isolated.xml
"$bin/patchbay" net-define "$here/examples/isolated.xml"
step patchbay net-start demo
"$bin/patchbay" net-start demo
step patchbay net-list --all
"$bin/patchbay" net-list --all
step patchbay net-info demo
"$bin/patchbay" net-info demo
step ip -br addr show dev virbr10 "(inside $ns)"
ip -n "$ns" -br addr show dev virbr10
step patchbay net-dumpxml demo
"$bin/patchbay" net-dumpxml demo
step patchbay net-destroy demo
"$bin/patchbay" net-destroy demo
step patchbay net-undefine demo
"$bin/patchbay" net-undefine demo
step patchbay net-list --all
"$bin/patchbay" net-list --all
echo "demo finished: daemon, namespace and state directory are removed on exit"
