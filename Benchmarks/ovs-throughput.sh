#!/usr/bin/env bash
# Guest-to-guest TCP throughput, in one run, over three data paths Patchbay sets up:
#   linux   TAP ports on a Linux bridge (an isolated Patchbay network)
#   ovs-tap TAP ports on an Open vSwitch userspace (netdev) bridge Patchbay owns
#   vhost   vhost-user ports (dpdkvhostuserclient) on the same kind of bridge, OVS-DPDK
# Two TCG guests (the busybox guest of scripts/build-guest.sh in console mode, with iperf3) per
# path; iperf3 -t RUN_SECONDS, REPEAT times; medians and ranges, and each path's ratio to linux.
# Under TCG the guests' CPU, not the switch, bounds the figures: read the ratios. Patchbay is not
# in the data path (the daemon only sets it up), so the debug build serves.
# Needs root, openvswitch-switch-dpdk, librte-mempool-ring23, qemu-system-x86, iperf3, 2 MiB
# hugepages. BENCHMARKS.md has the results.
#
#   Benchmarks/ovs-throughput.sh            # REPEAT=5 RUN_SECONDS=5
set -euo pipefail
cd "$(dirname "$0")/.."
REPEAT=${REPEAT:-5}
SECONDS_EACH=${RUN_SECONDS:-5}  # not SECONDS: bash counts its own seconds in that one
bin=${PATCHBAY_BIN_DIR:-$(swift build --show-bin-path)}
NS=pbtput
work=$(mktemp -d /tmp/pbtput.XXXXXX)
guest=.build/e2e-guest
scripts/build-guest.sh "$guest" > /dev/null
pages_before=$(cat /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages)
qemus=()
daemon=
cleanup() {
    for pid in "${qemus[@]}"; do kill "$pid" 2>/dev/null || true; done
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null || true
    sleep 0.5
    for pid in $(ip netns pids $NS 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
    ip netns del $NS 2>/dev/null || true
    umount "$work/huge" 2>/dev/null || true
    echo "$pages_before" > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
    rm -rf "$work"
}
trap cleanup EXIT

ip netns add $NS
ip -n $NS link set lo up
echo $((pages_before + 512)) > /sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages
mkdir -p "$work"/{run,db,log,huge,vhu}
mount -t hugetlbfs -o pagesize=2M nodev "$work/huge"
export OVS_RUNDIR=$work/run OVS_DBDIR=$work/db OVS_LOGDIR=$work/log
ovsdb-tool create "$work/db/conf.db" /usr/share/openvswitch/vswitch.ovsschema
ip netns exec $NS ovsdb-server "$work/db/conf.db" --remote=punix:"$work/run/db.sock" --pidfile="$work/run/ovsdb-server.pid" \
    --detach --log-file="$work/log/ovsdb-server.log" --unixctl="$work/run/ovsdb-server.ctl" 2> "$work/log/ovsdb-server.err"
V="ovs-vsctl --db=unix:$work/run/db.sock --timeout=30"
$V --no-wait init
$V --no-wait set Open_vSwitch . other_config:dpdk-init=true other_config:dpdk-socket-mem=512 other_config:dpdk-lcore-mask=0x1 \
    other_config:per-port-memory=true other_config:pmd-cpu-mask=0x2 other_config:pmd-maxsleep=1000 \
    "other_config:dpdk-extra=--no-pci --huge-dir=$work/huge --file-prefix=pbtput"
ip netns exec $NS /usr/lib/openvswitch-switch-dpdk/ovs-vswitchd-dpdk unix:"$work/run/db.sock" --pidfile="$work/run/ovs-vswitchd.pid" \
    --detach --log-file="$work/log/ovs-vswitchd.log" --unixctl="$work/run/ovs-vswitchd.ctl" 2> "$work/log/ovs-vswitchd.err"
for _ in $(seq 100); do $V get Open_vSwitch . dpdk_initialized 2>/dev/null | grep -q true && break; sleep 0.2; done

export PATCHBAY_SOCKET=$work/patchbay.sock
ip netns exec $NS "$bin/patchbayd" --socket "$PATCHBAY_SOCKET" --helper-socket "$work/helper.sock" --state-dir "$work/state" \
    --ovsdb "$work/run/db.sock" --vhost-user-dir "$work/vhu" --log-level warning 2>> "$work/patchbayd.log" &
daemon=$!
for _ in $(seq 100); do "$bin/patchbay" net-list > /dev/null 2>&1 && break; sleep 0.1; done
pb() { "$bin/patchbay" "$@"; }
cat > "$work/linux.xml" <<XML
<network><name>tput-linux</name><bridge name='pbtlin0' stp='off'/><ip address='10.15.1.1' netmask='255.255.255.0'/></network>
XML
cat > "$work/ovs.xml" <<XML
<network><name>tput-ovs</name><bridge name='pbtovs0'/><virtualport type='openvswitch'/><ip address='10.15.2.1' netmask='255.255.255.0'/></network>
XML
for n in linux ovs; do pb net-define "$work/$n.xml" > /dev/null; pb net-start "tput-$n" > /dev/null; done

# boot NAME ADDRESS NETDEV-ARGS...: a console-mode guest whose ttyS1 is the FIFO pair $work/NAME.{in,out}.
boot() {
    local name=$1 address=$2; shift 2
    mkfifo "$work/$name.in" "$work/$name.out"
    ip netns exec $NS nice -n 5 qemu-system-x86_64 -accel tcg -m 256 -nodefaults -display none -no-reboot \
        -serial file:"$work/$name.log" -serial pipe:"$work/$name" \
        -kernel "$guest/vmlinuz" -initrd "$guest/initrd.gz" \
        -append "console=ttyS0 rdinit=/init panic=-1 patchbay.mode=console patchbay.ip=$address/24" "$@" > "$work/$name.qemu" 2>&1 &
    qemus+=($!)
    for _ in $(seq 600); do grep -q "PATCHBAY-E2E: ready" "$work/$name.log" 2>/dev/null && return 0; sleep 0.2; done
    echo "guest $name did not come up" >&2; tail -20 "$work/$name.log" >&2; exit 1
}
# run NAME COMMAND: the command's output, from the guest's ttyS1.
run() {
    python3 - "$work/$1" "$2" <<'PY'
import sys
base, command = sys.argv[1:]
with open(base + ".in", "w") as w, open(base + ".out", "r", errors="replace") as r:
    w.write(command + "\n"); w.flush()
    for line in r:
        if line.startswith("PATCHBAY-E2E: exit"):
            break
        sys.stdout.write(line)
PY
}
# measure NAME-A NAME-B ADDRESS-B: REPEAT iperf3 runs A -> B, Mbit/s each.
measure() {
    run "$2" "iperf3 -s -D" > /dev/null
    for _ in $(seq 5); do run "$1" "ping -c 1 -W 2 $3" | grep -q " 0% packet loss" && break; done
    for _ in $(seq "$REPEAT"); do
        run "$1" "iperf3 -c $3 -t $SECONDS_EACH -f m" | awk '/receiver/ { for (i = 1; i <= NF; i++) if ($i == "Mbits/sec") print $(i-1) }'
    done
}
stop_guests() {
    for pid in "${qemus[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait "${qemus[@]}" 2>/dev/null || true
    qemus=()
}
port() { pb net-port-create "$@" --json | python3 -c 'import json,sys; p=json.load(sys.stdin); print(p.get("socketPath") or p["device"])'; }

# linux: TAP on the Linux bridge.
a=$(port tput-linux --owner la --mac 52:54:00:15:01:0a); b=$(port tput-linux --owner lb --mac 52:54:00:15:01:0b)
boot la 10.15.1.10 -netdev tap,id=n0,ifname=$a,script=no,downscript=no,vhost=off -device virtio-net-pci,netdev=n0,mac=52:54:00:15:01:0a
boot lb 10.15.1.11 -netdev tap,id=n0,ifname=$b,script=no,downscript=no,vhost=off -device virtio-net-pci,netdev=n0,mac=52:54:00:15:01:0b
linux=$(measure la lb 10.15.1.11); stop_guests

# ovs-tap: TAP on OVS netdev (csum=off: the userspace datapath fills in no offloaded checksum).
a=$(port tput-ovs --owner oa --mac 52:54:00:15:02:0a); b=$(port tput-ovs --owner ob --mac 52:54:00:15:02:0b)
boot oa 10.15.2.10 -netdev tap,id=n0,ifname=$a,script=no,downscript=no,vhost=off -device virtio-net-pci,netdev=n0,mac=52:54:00:15:02:0a,csum=off
boot ob 10.15.2.11 -netdev tap,id=n0,ifname=$b,script=no,downscript=no,vhost=off -device virtio-net-pci,netdev=n0,mac=52:54:00:15:02:0b,csum=off
ovstap=$(measure oa ob 10.15.2.11); stop_guests

# vhost: vhost-user ports on the OVS-DPDK bridge (vectors=0: QEMU 7.2 under TCG, see
# docs/ovs-dpdk-findings.md).
a=$(port tput-ovs --owner va --type vhostuser --mac 52:54:00:15:03:0a); b=$(port tput-ovs --owner vb --type vhostuser --mac 52:54:00:15:03:0b)
vhost_args() {
    echo "-object memory-backend-memfd,id=mem,size=256M,share=on -numa node,memdev=mem -chardev socket,id=c0,path=$1,server=on -netdev vhost-user,id=n0,chardev=c0 -device virtio-net-pci,netdev=n0,mac=$2,vectors=0,csum=off"
}
# shellcheck disable=SC2046
boot va 10.15.2.20 $(vhost_args "$a" 52:54:00:15:03:0a)
# shellcheck disable=SC2046
boot vb 10.15.2.21 $(vhost_args "$b" 52:54:00:15:03:0b)
vhost=$(measure va vb 10.15.2.21); stop_guests

python3 - "$linux" "$ovstap" "$vhost" "$REPEAT" "$SECONDS_EACH" <<'PY'
import statistics, sys
names = ["TAP on a Linux bridge", "TAP on OVS netdev", "vhost-user on OVS-DPDK"]
series = [[float(x) for x in s.split()] for s in sys.argv[1:4]]
print(f"# guest-to-guest TCP (iperf3 -t {sys.argv[5]}, {sys.argv[4]} runs each), Mbit/s, TCG guests")
print("| Path | Median | Range | vs Linux bridge |")
print("|---|---|---|---|")
base = statistics.median(series[0]) if series[0] else float("nan")
for name, values in zip(names, series):
    if not values:
        print(f"| {name} | - | - | - |"); continue
    m = statistics.median(values)
    print(f"| {name} | {m:.0f} | {min(values):.0f}-{max(values):.0f} | {m / base:.2f}x |")
PY
