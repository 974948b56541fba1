#!/usr/bin/env bash
# The layering rule of DESIGN.md, checked: pure targets import no I/O module (Glibc, Foundation,
# NIOPosix, Dispatch, GRDB, the C targets), and the engine imports no kernel or store
# implementation. Package.swift cannot enforce this alone: Glibc and Foundation are implicit.
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
check() {
    local target=$1; shift
    local pattern
    pattern="^import ($(IFS='|'; echo "$*"))\$"
    if grep -rnE "$pattern" "Sources/$target" --include='*.swift'; then
        echo "check-layers: $target must not import $*" >&2
        status=1
    fi
}
io=(Glibc Foundation FoundationEssentials NIOPosix Dispatch GRDB CPatchbay CNFTables CPcap Netlink NFTablesKernel PatchbayIO PatchbayKernel PatchbayStoreSQLite DHCPServer DNSServer)
for target in PatchbayModel LibvirtXML NWFilter NetlinkWire DHCPWire DNSWire NFTables OVSDBWire PatchbayStore PatchbayEngine; do
    check "$target" "${io[@]}"
done
# The loop guard's decisions are pure; its runner has a thread (Foundation) but no kernel module.
check LoopGuard Glibc NIOPosix GRDB CPatchbay Netlink PatchbayKernel
exit $status
