#!/usr/bin/env bash
# What a CLI call costs: `patchbay net-list` from start to exit against `curl --unix-socket`
# fetching the same route of the same daemon, ROUNDS times each, interleaved; and the daemon's own
# time for `net-start` of a NAT network with DHCP, as it logs it (BENCHMARKS.md has the results).
#
#   Benchmarks/cli.sh            # ROUNDS=50, NETWORKS=5 defined networks to list
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-50}
NETWORKS=${NETWORKS:-5}
bin=${PATCHBAY_BIN_DIR:-$(swift build -c release --show-bin-path)}
[ -x "$bin/patchbayd" ] || { echo "build first: swift build -c release" >&2; exit 1; }
work=$(mktemp -d /tmp/pbcli.XXXXXX)
. Benchmarks/daemon-lib.sh
trap bench_daemon_cleanup EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; ROUNDS=$ROUNDS NETWORKS=$NETWORKS; $(curl --version | head -1 | cut -d' ' -f1-2)"
bench_daemon_start pbcli --log-level info
for i in $(seq "$NETWORKS"); do bench_nat_network "cli$i" "pbcli$i" "10.91.$i"; done

# Wall time of one run of "$@", in microseconds.
elapsed() {
    local start end
    start=$(date +%s%N)
    "$@" > /dev/null
    end=$(date +%s%N)
    echo $(( (end - start) / 1000 ))
}
: > "$work/cli" ; : > "$work/curl"
for _ in $(seq "$ROUNDS"); do
    elapsed "$bin/patchbay" net-list --all >> "$work/cli"
    elapsed curl -s --unix-socket "$PATCHBAY_SOCKET" http://patchbayd/v1/networks >> "$work/curl"
done
summary() { sort -n "$1" | awk '{a[NR]=$1} END {printf "median %.1f ms (range %.1f-%.1f ms, %d runs)", a[int((NR+1)/2)]/1000, a[1]/1000, a[NR]/1000, NR}'; }
echo "patchbay net-list --all: $(summary "$work/cli")"
echo "curl --unix-socket GET /v1/networks: $(summary "$work/curl")"
echo "ratio of medians: $(paste <(sort -n "$work/cli") <(sort -n "$work/curl") | awk '{a[NR]=$1; b[NR]=$2} END {m=int((NR+1)/2); printf "%.2f", a[m]/b[m]}')"
# The daemon's own part of each net-start, from its log.
grep 'network started' "$work/patchbayd.log" | grep -o 'milliseconds=[0-9.]*' | cut -d= -f2 | sort -n |
    awk '{a[NR]=$1} END { if (NR) printf "daemon time of net-start (nat, DHCP): median %.2f ms (range %.2f-%.2f, %d starts)\n", a[int((NR+1)/2)], a[1], a[NR], NR }'
# Where it goes: kernel (bridge, addresses), firewall (one nft transaction), services (DHCP, DNS),
# the store's commit.
for part in kernel firewall services store; do
    grep 'network started' "$work/patchbayd.log" | grep -o "$part=[0-9.e-]*" | cut -d= -f2 | sort -g |
        awk -v part="$part" '{a[NR]=$1 * 1000} END { if (NR) printf "  %s: median %.2f ms\n", part, a[int((NR+1)/2)] }'
done
