#!/usr/bin/env bash
# Builds the tiny end-to-end guest from Debian packages, once, into OUT (default
# .build/e2e-guest): the linux-image-cloud-amd64 kernel (taken with `apt-get download` and
# `dpkg -x`) and a busybox-static initramfs whose /init loads virtio_net and the modules it needs,
# gets a lease with udhcpc, resolves names, pings its gateway, fetches a page, prints markers
# ("PATCHBAY-E2E: ...") on the serial console and powers off. Needs busybox-static and cpio.
#
# With `patchbay.mode=console` on the kernel command line the guest instead configures eth0
# (`patchbay.ip=ADDRESS/PREFIX`, else a lease from udhcpc), says "PATCHBAY-E2E: ready", and runs
# each line it reads on its second serial port (ttyS1) as a shell command, answering with the
# command's output and "PATCHBAY-E2E: exit N"; the test harness (GuestVM in
# Tests/PatchbayTestSupport) drives it to ping and to measure throughput between guests. iperf3
# (Debian's, with the shared libraries it needs) is copied in when the host has it.
set -euo pipefail
out=${1:-.build/e2e-guest}
# Bumped whenever the initramfs changes, so a cached older guest is rebuilt.
format=2
if [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.gz" ] && [ "$(cat "$out/format" 2>/dev/null)" = "$format" ]; then exit 0; fi
[ -x /bin/busybox ] && file_ok=$(LC_ALL=C od -An -c -N4 /bin/busybox | tr -d ' ') || file_ok=
[ "$file_ok" = "177ELF" ] || { echo "build-guest: /bin/busybox missing (apt-get install busybox-static)" >&2; exit 1; }
work=$(mktemp -d /tmp/patchbay-guest.XXXXXX)
trap 'rm -rf "$work"' EXIT
resolve() { apt-cache depends linux-image-cloud-amd64 2>/dev/null | awk '/Depends: linux-image-/ {print $2; exit}'; }
package=$(resolve)
if [ -z "$package" ]; then
    apt-get update -qq > /dev/null
    package=$(resolve)
fi
[ -n "$package" ] || { echo "build-guest: cannot resolve linux-image-cloud-amd64 from the apt sources" >&2; exit 1; }
(cd "$work" && apt-get download "$package" > /dev/null 2>&1) || {
    apt-get update -qq > /dev/null
    (cd "$work" && apt-get download "$package" > /dev/null)
}
dpkg -x "$work"/*.deb "$work/kernel"
version=$(ls "$work/kernel/lib/modules")
root=$work/root
mkdir -p "$root"/{bin,sbin,etc,proc,sys,dev,tmp,run,lib/modules}
cp /bin/busybox "$root/bin/busybox"
# iperf3 and the libraries ldd names, at the same paths (the dynamic loader included).
if [ -x /usr/bin/iperf3 ]; then
    mkdir -p "$root/usr/bin"
    cp /usr/bin/iperf3 "$root/usr/bin/iperf3"
    for library in $(ldd /usr/bin/iperf3 | grep -o '/[^ ]*'); do
        mkdir -p "$root$(dirname "$library")"
        cp -L "$library" "$root$library"
    done
fi
# virtio_net and virtio_pci with what they depend on, in load order (from each module's
# .modinfo "depends=": the package ships no modules.dep).
python3 - "$work/kernel/lib/modules/$version/kernel" "$root/lib/modules" <<'PY'
import os, re, shutil, sys
tree, target = sys.argv[1], sys.argv[2]
index = {}
for directory, _, files in os.walk(tree):
    for name in files:
        if name.endswith(".ko"):
            index[name[:-3].replace("-", "_")] = os.path.join(directory, name)
def depends(module):
    match = re.search(rb"\x00depends=([^\x00]*)\x00", open(index[module], "rb").read())
    return [d.decode().replace("-", "_") for d in match.group(1).split(b",") if d] if match else []
order = []
def visit(module):
    if module in order: return
    for dependency in depends(module): visit(dependency)
    order.append(module)
for module in ("virtio_pci", "virtio_net"): visit(module)
for module in order: shutil.copy(index[module], os.path.join(target, module + ".ko"))
open(os.path.join(target, "order"), "w").write("\n".join(order) + "\n")
PY
cat > "$root/udhcpc.sh" <<'SH'
#!/bin/sh
case "$1" in
bound|renew)
    ip addr flush dev "$interface"
    ip addr add "$ip/$mask" dev "$interface"
    [ -n "$router" ] && ip route add default via "${router%% *}"
    : > /etc/resolv.conf
    [ -n "$domain" ] && echo "search $domain" >> /etc/resolv.conf
    for server in $dns; do echo "nameserver $server" >> /etc/resolv.conf; done
    echo "PATCHBAY-E2E: lease $ip/$mask router $router dns $dns domain $domain"
    ;;
esac
exit 0
SH
cat > "$root/init" <<'SH'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
echo "PATCHBAY-E2E: booted $(uname -r)"
for module in $(cat /lib/modules/order); do
    insmod "/lib/modules/$module.ko" || echo "PATCHBAY-E2E: insmod $module failed"
done
ip link set lo up
ip link set eth0 up || echo "PATCHBAY-E2E: no eth0"
mode=$(sed -n 's/.*patchbay.mode=\([^ ]*\).*/\1/p' /proc/cmdline)
if [ "$mode" = console ]; then
    address=$(sed -n 's/.*patchbay.ip=\([^ ]*\).*/\1/p' /proc/cmdline)
    if [ -n "$address" ]; then
        ip addr add "$address" dev eth0 && echo "PATCHBAY-E2E: address $address"
    else
        udhcpc -i eth0 -n -q -t 10 -T 2 -s /udhcpc.sh || echo "PATCHBAY-E2E: no lease"
    fi
    # Commands arrive on ttyS1, one a line; their output and status go back on it.
    stty -F /dev/ttyS1 raw -echo
    echo "PATCHBAY-E2E: ready"
    while IFS= read -r line < /dev/ttyS1; do
        [ "$line" = poweroff ] && break
        sh -c "$line" < /dev/null > /tmp/out 2>&1
        status=$?
        { cat /tmp/out; echo "PATCHBAY-E2E: exit $status"; } > /dev/ttyS1
    done
    echo "PATCHBAY-E2E: done"
    poweroff -f
fi
name=$(sed -n 's/.*patchbay.hostname=\([^ ]*\).*/\1/p' /proc/cmdline)
path=$(sed -n 's/.*patchbay.path=\([^ ]*\).*/\1/p' /proc/cmdline)
lookup=$(sed -n 's/.*patchbay.lookup=\([^ ]*\).*/\1/p' /proc/cmdline)
if udhcpc -i eth0 -n -q -t 10 -T 2 -x "hostname:$name" -s /udhcpc.sh; then
    gateway=$(ip route | sed -n 's/^default via \([0-9.]*\).*/\1/p')
    self=$(nslookup "$name" 2>/dev/null | sed -n '/^Name:/,$ s/^Address[^:]*: *\([0-9.]*\).*/\1/p' | head -n 1)
    echo "PATCHBAY-E2E: self $name $self"
    remote=$(nslookup "$lookup" 2>/dev/null | sed -n '/^Name:/,$ s/^Address[^:]*: *\([0-9.]*\).*/\1/p' | head -n 1)
    echo "PATCHBAY-E2E: resolved $lookup $remote"
    ping -c 1 -W 3 "$gateway" > /dev/null 2>&1 && echo "PATCHBAY-E2E: ping $gateway ok"
    # A static busybox has no NSS for getaddrinfo, so plain HTTP over nc to the address that
    # nslookup found (nc takes an address literal without a resolver).
    response=$(printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$path" "$lookup" | nc -w 5 "$remote" 80 2>&1)
    status=$(echo "$response" | head -n 1 | tr -d '\r')
    body=$(echo "$response" | tr -d '\r' | sed '1,/^$/d' | head -n 1)
    echo "PATCHBAY-E2E: fetched $body ($status)"
fi
echo "PATCHBAY-E2E: done"
poweroff -f
SH
chmod +x "$root/init" "$root/udhcpc.sh"
mkdir -p "$out"
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -9) > "$out/initrd.gz.tmp"
cp "$work/kernel/boot/vmlinuz-$version" "$out/vmlinuz.tmp"
mv "$out/initrd.gz.tmp" "$out/initrd.gz"
mv "$out/vmlinuz.tmp" "$out/vmlinuz"
echo "$format" > "$out/format"
echo "build-guest: $out/vmlinuz ($version) and $out/initrd.gz"
