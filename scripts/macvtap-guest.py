#!/usr/bin/env python3
"""A guest at the far end of a macvtap, for the namespace tests: what QEMU would be, minus the VM.

It opens the macvtap's character device (by the major:minor in sysfs, as patchbayd does, since
/dev/tapIFINDEX may name another namespace's device), clears vnet_hdr, and speaks just enough
Ethernet, ARP and ICMP to answer pings to its address and to ping another.

    macvtap-guest.py DEVICE MAC IP                 answer ARP and pings until killed ("ready" once open)
    macvtap-guest.py DEVICE MAC IP TARGET COUNT    also ping TARGET COUNT times, print "replies N", exit
"""
import fcntl
import os
import select
import socket
import stat
import struct
import sys
import time

TUNSETIFF = 0x400454CA
IFF_TAP, IFF_NO_PI = 0x0002, 0x1000


def open_macvtap(device):
    index = open(f"/sys/class/net/{device}/ifindex").read().strip()
    major, minor = map(int, open(f"/sys/class/net/{device}/macvtap/tap{index}/dev").read().strip().split(":"))
    node = f"/tmp/.pbtest-macvtap-{os.getpid()}"
    os.mknod(node, 0o600 | stat.S_IFCHR, os.makedev(major, minor))
    try:
        fd = os.open(node, os.O_RDWR)
    finally:
        os.unlink(node)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH22x", b"", IFF_TAP | IFF_NO_PI))
    return fd


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def ipv4(source, destination, payload):
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 0, 0x4000, 64, 1, 0, source, destination)
    return header[:10] + struct.pack("!H", checksum(header)) + header[12:] + payload


def icmp(kind, ident, sequence, data):
    body = struct.pack("!BBHHH", kind, 0, 0, ident, sequence) + data
    return body[:2] + struct.pack("!H", checksum(body)) + body[4:]


def main():
    device, mac_text, ip_text = sys.argv[1:4]
    target = socket.inet_aton(sys.argv[4]) if len(sys.argv) > 5 else None
    count = int(sys.argv[5]) if target else 0
    mac = bytes.fromhex(mac_text.replace(":", ""))
    ip = socket.inet_aton(ip_text)
    fd = open_macvtap(device)
    print("ready", flush=True)
    target_mac = None
    replies = set()
    sent = 0
    next_send = time.monotonic()
    deadline = time.monotonic() + (8 if target else 600)
    finish = None
    while time.monotonic() < deadline and (finish is None or time.monotonic() < finish):
        now = time.monotonic()
        if target and now >= next_send and sent < count:
            if target_mac is None:
                arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 1, mac, ip, b"\0" * 6, target)
                os.write(fd, b"\xff" * 6 + mac + b"\x08\x06" + arp)
            else:
                packet = ipv4(ip, target, icmp(8, 0x5042, sent, b"patchbay" * 4))
                os.write(fd, target_mac + mac + b"\x08\x00" + packet)
                sent += 1
                if sent == count:
                    finish = now + 1.0
            next_send = now + 0.1
        if target and target_mac is None and now > deadline - 6 + 2 and sent == 0:
            break  # nobody answered ARP for two seconds: unreachable
        ready, _, _ = select.select([fd], [], [], 0.05)
        if not ready:
            continue
        frame = os.read(fd, 65536)
        if len(frame) < 14:
            continue
        destination, source, ethertype = frame[:6], frame[6:12], struct.unpack("!H", frame[12:14])[0]
        if destination not in (mac, b"\xff" * 6):
            continue
        if ethertype == 0x0806 and len(frame) >= 42:
            op, sender_mac, sender_ip, _, target_ip = struct.unpack("!6xH6s4s6s4s", frame[14:42])
            if op == 1 and target_ip == ip:
                arp = struct.pack("!HHBBH6s4s6s4s", 1, 0x0800, 6, 4, 2, mac, ip, sender_mac, sender_ip)
                os.write(fd, sender_mac + mac + b"\x08\x06" + arp)
            elif op == 2 and target and sender_ip == target:
                target_mac = sender_mac
        elif ethertype == 0x0800 and len(frame) >= 34:
            header_length = (frame[14] & 0x0F) * 4
            protocol, source_ip, destination_ip = frame[23], frame[26:30], frame[30:34]
            if protocol != 1 or destination_ip != ip:
                continue
            body = frame[14 + header_length:]
            kind, _, _, ident, sequence = struct.unpack("!BBHHH", body[:8])
            if kind == 8:
                os.write(fd, source + mac + b"\x08\x00" + ipv4(ip, source_ip, icmp(0, ident, sequence, body[8:])))
            elif kind == 0 and ident == 0x5042 and source_ip == target:
                replies.add(sequence)
    if target:
        print(f"replies {len(replies)}", flush=True)


main()
