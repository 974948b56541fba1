#!/usr/bin/env bash
# patchbayd's resident memory and threads with NETWORKS active NAT networks (DHCP and DNS on
# each), and where the pages are (BENCHMARKS.md has the results).
#
#   Benchmarks/memory.sh            # NETWORKS=51
#
# Everything runs in a namespace this script creates and deletes; the daemon's state directory is
# new. Memory is VmRSS from /proc, split into anonymous memory (the daemon's own) and file-backed
# pages (the shared libraries it maps, which other Swift processes share).
set -euo pipefail
cd "$(dirname "$0")/.."
NETWORKS=${NETWORKS:-51}
bin=${PATCHBAY_BIN_DIR:-$(swift build -c release --show-bin-path)}
[ -x "$bin/patchbayd" ] || { echo "build first: swift build -c release" >&2; exit 1; }
work=$(mktemp -d /tmp/pbmem.XXXXXX)
. Benchmarks/daemon-lib.sh
trap bench_daemon_cleanup EXIT

memory() {
    local pid=$1
    awk '/^VmRSS/{rss=$2} /^RssAnon/{anon=$2} /^RssFile/{file=$2} /^Threads/{threads=$2}
         END {printf "rss=%.1f MiB (anonymous %.1f, file-backed %.1f) threads=%d", rss/1024, anon/1024, file/1024, threads}' "/proc/$pid/status"
}

echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; NETWORKS=$NETWORKS"
bench_daemon_start pbmem --log-level warning
echo "patchbayd, no network: $(memory $daemon)"
for i in $(seq "$NETWORKS"); do bench_nat_network "mem$i" "pbmem$i" "10.90.$i"; done
echo "patchbayd, $NETWORKS active nat networks: $(memory $daemon)"
# Proportional set size (shared pages divided among the processes that map them).
awk '/^Pss:/{p+=$2} END {printf "pss=%.1f MiB\n", p/1024}' /proc/$daemon/smaps_rollup
# Where the file-backed pages are: the largest mappings by resident size.
awk '/^[0-9a-f]+-/{f=$6} /^Rss:/{r[f]+=$2} END{for (k in r) if (k != "" && r[k] > 1024) printf "  %5.1f MiB %s\n", r[k]/1024, k}' /proc/$daemon/smaps | sort -rn
# The threads, by name.
cat /proc/$daemon/task/*/comm | sort | uniq -c | sort -rn | awk '{printf "  %d x %s\n", $1, $2}'
