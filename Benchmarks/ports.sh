#!/usr/bin/env bash
# Port creation: time from `net-port-create` to the first forwarded frame, and 1,000 TAP ports
# on one network (time, and the daemon's memory). BENCHMARKS.md has the results.
#
#   Benchmarks/ports.sh        # PORTS=1000
set -euo pipefail
cd "$(dirname "$0")/.."
PORTS=${PORTS:-1000}
bin=${PATCHBAY_BIN_DIR:-$(swift build -c release --show-bin-path)}
SRV=pbports-srv
work=$(mktemp -d /tmp/pbports.XXXXXX)
daemon=
cleanup() {
    [ -n "$daemon" ] && kill "$daemon" 2>/dev/null || true
    sleep 0.3
    for ns in $SRV pbports-g1 pbports-g2; do
        for pid in $(ip netns pids $ns 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del $ns 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
echo "# $(date -u +%Y-%m-%dT%H:%MZ) $(nproc) cores; PORTS=$PORTS"
ip netns add $SRV
ip -n $SRV link set lo up
export PATCHBAY_SOCKET=$work/patchbay.sock
ip netns exec $SRV "$bin/patchbayd" --socket "$PATCHBAY_SOCKET" --state-dir "$work/state" --log-level warning 2> "$work/patchbayd.log" &
daemon=$!
for _ in $(seq 100); do "$bin/patchbay" net-list > /dev/null 2>&1 && break; sleep 0.1; done
rss() { ps -o rss= -p "$(pgrep -n -f "$bin/patchbayd")" | tr -d ' '; }

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
first_frame stpon on 220 pbports-g1 | sed 's/stp=stpon/STP on (libvirt default)/'
first_frame stpoff off 221 pbports-g2 | sed 's/stp=stpoff/STP off/'

# 1,000 TAP ports on one network, through the API on one connection.
before=$(rss)
python3 - "$PATCHBAY_SOCKET" "$PORTS" <<'PY'
import http.client, json, socket, sys, time
path, count = sys.argv[1], int(sys.argv[2])
class C(http.client.HTTPConnection):
    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX); self.sock.connect(path)
c = C("patchbayd")
began = time.monotonic()
for i in range(count):
    c.request("POST", "/v1/networks/stpoff/ports", json.dumps({"ownerName": "vm%d" % i, "type": "tap"}),
              {"Content-Type": "application/json"})
    r = c.getresponse(); body = r.read()
    if r.status != 201: sys.exit("port %d: HTTP %d %s" % (i, r.status, body[:200]))
print("%d TAP ports created in %.2f s (%.1f ms each)" % (count, time.monotonic() - began, (time.monotonic() - began) * 1000 / count))
PY
after=$(rss)
echo "patchbayd resident memory: $((before / 1024)) MiB before, $((after / 1024)) MiB after $PORTS ports"
