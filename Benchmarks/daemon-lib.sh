# Sourced by the benchmark scripts that run one patchbayd in a namespace of their own
# (cli.sh, memory.sh). Expects $bin (the release binaries) and $work (a fresh directory).

# bench_daemon_start NAMESPACE [patchbayd options...]: creates the namespace, starts the daemon in
# it with a new state directory, and returns once its API answers; sets $daemon and $bench_ns and
# exports PATCHBAY_SOCKET. The daemon's log is $work/patchbayd.log.
bench_daemon_start() {
    bench_ns=$1
    shift
    ip netns add "$bench_ns"
    ip -n "$bench_ns" link set lo up
    export PATCHBAY_SOCKET=$work/patchbay.sock
    ip netns exec "$bench_ns" "$bin/patchbayd" --socket "$PATCHBAY_SOCKET" --helper-socket "$work/helper.sock" \
        --state-dir "$work/state" "$@" 2> "$work/patchbayd.log" &
    daemon=$!
    for _ in $(seq 100); do "$bin/patchbay" net-list > /dev/null 2>&1 && return 0; sleep 0.1; done
    echo "patchbayd did not start: $(tail -3 "$work/patchbayd.log")" >&2
    return 1
}

# The EXIT trap: the daemon, whatever else runs in the namespace, the namespace, $work. With
# KEEP_LOG set, the daemon's log is copied there first.
bench_daemon_cleanup() {
    [ -n "${daemon:-}" ] && kill "$daemon" 2>/dev/null || true
    if [ -n "${bench_ns:-}" ]; then
        for pid in $(ip netns pids "$bench_ns" 2>/dev/null); do kill -9 "$pid" 2>/dev/null || true; done
        ip netns del "$bench_ns" 2>/dev/null || true
    fi
    [ -n "${KEEP_LOG:-}" ] && cp "$work/patchbayd.log" "$KEEP_LOG" 2>/dev/null
    rm -rf "$work"
}

# bench_nat_network NAME BRIDGE SUBNET (a.b.c): defines and starts a nat network with DHCP.
bench_nat_network() {
    cat > "$work/$1.xml" <<XML
<network>
  <name>$1</name>
  <forward mode='nat'/>
  <bridge name='$2'/>
  <ip address='$3.1' netmask='255.255.255.0'>
    <dhcp><range start='$3.100' end='$3.200'/></dhcp>
  </ip>
</network>
XML
    "$bin/patchbay" net-define "$work/$1.xml" > /dev/null
    "$bin/patchbay" net-start "$1" > /dev/null
}
