#!/usr/bin/env bash
# A guest closes a loop: it joins two of its ports on an stp='on' network in a bridge of its own
# (no STP inside). For Patchbay's loop guard and for kernel STP as libvirt runs it: how long
# until the host cuts the loop, how many frames the bridge took in meanwhile, and how long after
# the guest removes its bridge the cut port forwards again. BENCHMARKS.md has the results.
#
#   Benchmarks/loop.sh        # ROUNDS=5; INTERVALS="1000 200" probe intervals (ms) for the loop guard
#   KERNEL_STP=0 leaves out the kernel STP anchor.
#   LOAD=1 Benchmarks/loop.sh # the same while 50 nat networks (DHCP, DNS) are started and destroyed
#                             # in a loop on the same daemon, over the API
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-5}
INTERVALS=${INTERVALS:-1000 200}
LOAD=${LOAD:-0}
bin=${PATCHBAY_BIN_DIR:-$(swift build -c release --show-bin-path)}
SRV=pbloop-srv
GUEST=pbloop-guest
work=$(mktemp -d /tmp/pbloop.XXXXXX)
daemon=
cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null || true
    sleep 0.3
    for ns in $SRV $GUEST; do
        for pid in $(ip netns pids $ns 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del $ns 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; ROUNDS=$ROUNDS LOAD=$LOAD"

measure() {
    local mode=$1 label=$2; shift 2
    ip netns add $SRV
    ip netns add $GUEST
    ip -n $SRV link set lo up
    export PATCHBAY_SOCKET=$work/$label.sock
    ip netns exec $SRV "$bin/patchbayd" --socket "$PATCHBAY_SOCKET" --helper-socket "$work/$label-helper.sock" --state-dir "$work/$label" --log-level warning \
        --loop-protection "$mode" "$@" > /dev/null 2>> "$work/patchbayd.log" &
    daemon=$!
    for _ in $(seq 100); do "$bin/patchbay" net-list > /dev/null 2>&1 && break; sleep 0.1; done
    echo "<network><name>lab</name><bridge name='pbloop' stp='on' delay='0'/><ip address='10.84.0.1' prefix='24'/></network>" > "$work/lab.xml"
    "$bin/patchbay" net-define "$work/lab.xml" > /dev/null
    "$bin/patchbay" net-start lab > /dev/null
    for i in 0 1; do
        "$bin/patchbay" net-port-create lab --owner guest --type veth --netns $GUEST --ifname eth$i > /dev/null
        ip -n $GUEST link set eth$i up
    done
    local load=
    if [ "$LOAD" = 1 ]; then
        for i in $(seq 0 49); do
            echo "<network><name>load$i</name><forward mode='nat'/><bridge name='pbld$i' stp='off'/><ip address='10.150.$i.1' prefix='24'><dhcp><range start='10.150.$i.10' end='10.150.$i.99'/></dhcp></ip></network>" > "$work/load$i.xml"
            "$bin/patchbay" net-define "$work/load$i.xml" > /dev/null
        done
        rm -f "$work/stop-load"
        python3 - "$PATCHBAY_SOCKET" "$work/stop-load" "$work/load-cycles" <<'PY' &
import http.client, os, socket, sys
path, stop, report = sys.argv[1], sys.argv[2], sys.argv[3]
class Unix(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(path)
c = Unix("patchbayd")
cycles = 0
while not os.path.exists(stop):
    for verb in ("start", "destroy"):
        for i in range(50):
            c.request("POST", "/v1/networks/load%d/%s" % (i, verb)); c.getresponse().read()
    cycles += 1
open(report, "w").write("%d\n" % cycles)
PY
        load=$!
    fi
    python3 - "$label" "$ROUNDS" <<'PY'
import json, random, subprocess, sys, time
mode, rounds = sys.argv[1], int(sys.argv[2])
SRV, GUEST = "pbloop-srv", "pbloop-guest"
def ports():
    out = subprocess.run(["bridge", "-n", SRV, "-j", "link", "show"], capture_output=True, text=True, check=True).stdout
    return {p["ifname"]: p["state"] for p in json.loads(out) if p.get("master") == "pbloop"}
def rx(names):
    out = subprocess.run(["ip", "-n", SRV, "-j", "-s", "link", "show", "master", "pbloop"], capture_output=True, text=True, check=True).stdout
    return sum(l["stats64"]["rx"]["packets"] for l in json.loads(out) if l["ifname"] in names)
def wait(condition, limit):
    began = time.monotonic()
    while not condition(ports()):
        if time.monotonic() - began > limit: sys.exit("%s: nothing happened in %d s: %s" % (mode, limit, ports()))
        time.sleep(0.005)
    return time.monotonic() - began
def guest(*args):
    subprocess.run(["ip", "-n", GUEST] + list(args), check=True)
forwarding = lambda p: len(p) == 2 and all(s == "forwarding" for s in p.values())
cut = lambda p: any(s in ("disabled", "blocking") for s in p.values())
wait(forwarding, 60)
names = list(ports())
for round in range(rounds):
    # At a random moment relative to the probes (every 1 s) and STP hellos (every 2 s).
    time.sleep(random.uniform(0, 2))
    before = rx(names)
    began = time.monotonic()
    guest("link", "add", "br0", "type", "bridge", "stp_state", "0")
    guest("link", "set", "eth0", "master", "br0")
    guest("link", "set", "eth1", "master", "br0")
    guest("link", "set", "br0", "up")
    # One broadcast into the loop, as any guest's ARP or DHCP would send (not waited for).
    arping = subprocess.Popen(["ip", "netns", "exec", SRV, "busybox", "arping", "-c", "1", "-w", "1", "-I", "pbloop", "10.84.0.99"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wait(cut, 60)
    detected = time.monotonic() - began
    time.sleep(0.5)
    arping.wait()
    frames = rx(names) - before
    removed = time.monotonic()
    guest("link", "del", "br0")
    recovered = wait(forwarding, 120)
    print("%s round %d: loop cut %.0f ms after the guest closed it; %d frames received on the two ports by then + 0.5 s; "
          "forwarding again %.1f s after the guest removed its bridge" % (mode, round + 1, detected * 1000, frames, recovered))
PY
    if [ -n "$load" ]; then
        touch "$work/stop-load"; wait "$load" || true
        echo "$label: the load started and destroyed the 50 networks $(cat "$work/load-cycles") times meanwhile"
    fi
    kill "$daemon"; wait "$daemon" 2>/dev/null || true; daemon=
    for ns in $SRV $GUEST; do ip netns del $ns; done
}
for interval in $INTERVALS; do
    measure loop-guard "loop-guard-${interval}ms" --loop-probe-interval-ms "$interval"
done
if [ "${KERNEL_STP:-1}" = 1 ]; then measure kernel-stp kernel-stp; fi
