#!/usr/bin/env bash
# Port creation: time from `net-port-create` to the first forwarded frame (under the loop guard,
# without STP, and under kernel STP as libvirt runs it), and 1,000 TAP ports on one network (time,
# the daemon's memory, and what the loop guard costs once all 1,000 have a carrier).
# With more than 1,000 ports it also says how long the first and the last thousand took: creating
# a port must cost the same however many there are. A kernel bridge takes at most 1,023 ports
# (BR_MAX_PORTS; the next gets EXFULL), so ports past the first 1,000 go to further stp='on'
# networks, 1,000 each.
# BENCHMARKS.md has the results.
#
#   Benchmarks/ports.sh            # PORTS=1000, LOOP_PROBE_INTERVAL_MS=1000
#   PORTS=10000 Benchmarks/ports.sh
set -euo pipefail
cd "$(dirname "$0")/.."
PORTS=${PORTS:-1000}
INTERVAL=${LOOP_PROBE_INTERVAL_MS:-1000}
bin=${PATCHBAY_BIN_DIR:-$(swift build -c release --show-bin-path)}
SRV=pbports-srv
SRVK=pbports-srvk
work=$(mktemp -d /tmp/pbports.XXXXXX)
daemon=
kdaemon=
cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null || true
    [ -n "$kdaemon" ] && kill "$kdaemon" 2>/dev/null || true
    sleep 0.3
    for ns in $SRV $SRVK pbports-g0 pbports-g1 pbports-g2; do
        for pid in $(ip netns pids $ns 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del $ns 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; PORTS=$PORTS; loop guard probing every $INTERVAL ms"
# start_daemon NAMESPACE SOCKET STATE [patchbayd options]: prints the daemon's pid.
start_daemon() {
    local ns=$1 sock=$2 state=$3; shift 3
    ip netns add "$ns"
    ip -n "$ns" link set lo up
    ip netns exec "$ns" "$bin/patchbayd" --socket "$sock" --helper-socket "$sock.helper" --state-dir "$state" --log-level warning "$@" > /dev/null 2>> "$work/patchbayd.log" &
    echo $!
    for _ in $(seq 100); do PATCHBAY_SOCKET=$sock "$bin/patchbay" net-list > /dev/null 2>&1 && break; sleep 0.1; done
}

# Time to the first forwarded frame: a veth port into a fresh namespace, then pings to the
# bridge's address every 10 ms until one is answered.
first_frame() {
    local net=$1 stp=$2 subnet=$3 guest=$4
    echo "<network><name>$net</name><bridge name='pb$net' stp='$stp'/><ip address='10.$subnet.0.1' netmask='255.255.255.0'/></network>" > "$work/$net.xml"
    "$bin/patchbay" net-define "$work/$net.xml" > /dev/null
    "$bin/patchbay" net-start "$net" > /dev/null
    ip netns add "$guest"
    python3 - "$PATCHBAY_SOCKET" "$net" "$guest" "10.$subnet.0.5" "10.$subnet.0.1" <<'PY'
import http.client, json, socket, subprocess, sys, time
path, net, guest, address, target = sys.argv[1:]
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(path)
c = C("patchbayd")
began = time.monotonic()
c.request("POST", "/v1/networks/%s/ports" % net, json.dumps({"ownerName": guest, "type": "veth", "namespace": guest}),
          {"Content-Type": "application/json"})
r = c.getresponse(); r.read()
created = time.monotonic()
subprocess.run(["ip", "-n", guest, "addr", "add", address + "/24", "dev", "eth0"], check=True)
subprocess.run(["ip", "-n", guest, "link", "set", "eth0", "up"], check=True)
while subprocess.run(["ip", "netns", "exec", guest, "busybox", "ping", "-c", "1", "-W", "1", "-w", "1", target],
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode != 0:
    if time.monotonic() - began > 30: sys.exit("no frame forwarded in 30 s")
    time.sleep(0.01)
done = time.monotonic()
print("first forwarded frame, stp=%s: %.0f ms after net-port-create (the create itself: %.0f ms)" % (
    sys.argv[2], (done - began) * 1000, (created - began) * 1000))
PY
}
# libvirt's behaviour: kernel STP on the bridge.
export PATCHBAY_SOCKET=$work/kernel-stp.sock
kdaemon=$(start_daemon $SRVK "$PATCHBAY_SOCKET" "$work/kstate" --loop-protection kernel-stp)
first_frame kstp on 219 pbports-g0 | sed 's/stp=kstp/STP on, kernel STP (libvirt)/'
kill "$kdaemon"; wait "$kdaemon" 2>/dev/null || true; kdaemon=

export PATCHBAY_SOCKET=$work/patchbay.sock
daemon=$(start_daemon $SRV "$PATCHBAY_SOCKET" "$work/state" --loop-probe-interval-ms "$INTERVAL")
pid=$daemon
rss() { ps -o rss= -p "$pid" | tr -d ' '; }
cpu_ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
first_frame stpon on 220 pbports-g1 | sed 's/stp=stpon/STP on, loop guard (Patchbay default)/'
first_frame stpoff off 221 pbports-g2 | sed 's/stp=stpoff/STP off/'

# 1,000 TAP ports on one network with stp='on' (so the loop guard watches them), through the
# API on one connection; each further 1,000 on a network of its own.
networks=stpon
for k in $(seq 1 $(( (PORTS - 1) / 1000 ))); do
    echo "<network><name>bulk$k</name><bridge name='pbbulk$k' stp='on'/><ip address='10.$((221 + k)).0.1' netmask='255.255.255.0'/></network>" > "$work/bulk$k.xml"
    "$bin/patchbay" net-define "$work/bulk$k.xml" > /dev/null
    "$bin/patchbay" net-start "bulk$k" > /dev/null
    networks="$networks bulk$k"
done
before=$(rss)
python3 - "$PATCHBAY_SOCKET" "$PORTS" $networks <<'PY'
import http.client, json, socket, sys, time
path, count, networks = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(path)
c = C("patchbayd")
began = time.monotonic()
marks = []  # the time at every thousandth port
for i in range(count):
    c.request("POST", "/v1/networks/%s/ports" % networks[i // 1000], json.dumps({"ownerName": "vm%d" % i, "type": "tap"}),
              {"Content-Type": "application/json"})
    r = c.getresponse(); body = r.read()
    if r.status != 201: sys.exit("port %d: HTTP %d %s" % (i, r.status, body[:200]))
    if (i + 1) % 1000 == 0: marks.append(time.monotonic())
elapsed = time.monotonic() - began
print("%d TAP ports created in %.2f s (%.1f ms each)" % (count, elapsed, elapsed * 1000 / count))
if len(marks) >= 2:
    first, last = marks[0] - began, marks[-1] - marks[-2]
    print("the first 1,000 ports: %.2f s; the last 1,000 (ports %d to %d): %.2f s (%+.0f%%)" % (
        first, len(marks) * 1000 - 999, len(marks) * 1000, last, (last / first - 1) * 100))
PY
after=$(rss)
echo "patchbayd resident memory: $((before / 1024)) MiB before, $((after / 1024)) MiB after $PORTS ports"

# The loop guard's cost: idle, then with every TAP opened as QEMU opens it (carrier up, so each
# is probed once a second). patchbayd's CPU time over 10 s each.
hz=$(getconf CLK_TCK)
t0=$(cpu_ticks); sleep 10; t1=$(cpu_ticks)
echo "patchbayd CPU, $PORTS ports without carrier: $(( (t1 - t0) * 1000 / hz / 10 )) ms per second"
ulimit -n $((PORTS + 4096))
ip netns exec $SRV python3 - "$PORTS" "$pid" "$hz" <<'PY'
import fcntl, os, struct, sys, time
count, pid, hz = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
IFF_TAP, IFF_NO_PI, IFF_VNET_HDR, TUNSETIFF = 0x0002, 0x1000, 0x4000, 0x400454ca
fds = []
for line in os.popen("ip -o link show").read().splitlines():
    if " master pbstpon " not in line and " master pbbulk" not in line: continue
    name = line.split(":")[1].strip().split("@")[0]
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    try:
        fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI | IFF_VNET_HDR))
        fds.append(fd)
    except OSError:  # the veth port of the first-frame test
        os.close(fd)
def ticks():
    fields = open("/proc/%s/stat" % pid).read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
time.sleep(2)
for fd in fds:
    try:
        while True: os.read(fd, 2048)
    except BlockingIOError: pass
t0 = ticks(); time.sleep(10); t1 = ticks()
frames = 0
for fd in fds:
    try:
        while True:
            frame = os.read(fd, 2048)
            # 10 bytes of virtio-net header, then Ethernet: count the loop guard's probes.
            if frame[22:24] == b"\x88\xb5": frames += 1
    except BlockingIOError: pass
print("patchbayd CPU, %d ports with carrier (all probed each round): %d ms per second; %.1f probes per port per second"
      % (len(fds), (t1 - t0) * 1000 // hz // 10, frames / len(fds) / 10))
PY
