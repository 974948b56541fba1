#!/usr/bin/env python3
"""Per-exchange DHCP latency from a pcap taken on the client side of a perfdhcp run.

Pairs DISCOVER with OFFER and REQUEST with ACK by transaction ID and prints the count and the
50th, 99th percentile and maximum delay of each, in milliseconds. Reads classic pcap (what
tcpdump -w writes) with Ethernet framing; no third-party modules.
"""
import struct
import sys


def packets(path):
    with open(path, "rb") as f:
        header = f.read(24)
        magic = struct.unpack("<I", header[:4])[0]
        endian = "<" if magic in (0xA1B2C3D4, 0xA1B23C4D) else ">"
        nano = magic in (0xA1B23C4D, 0x4D3CB2A1)
        while True:
            record = f.read(16)
            if len(record) < 16:
                return
            sec, frac, incl, _ = struct.unpack(endian + "IIII", record)
            data = f.read(incl)
            yield sec + frac / (1e9 if nano else 1e6), data


def dhcp(frame):
    if len(frame) < 14 or frame[12:14] != b"\x08\x00":
        return None
    ip = frame[14:]
    ihl = (ip[0] & 0x0F) * 4
    if ip[9] != 17:
        return None
    udp = ip[ihl:]
    sport, dport = struct.unpack("!HH", udp[:4])
    if not {sport, dport} & {67, 68}:
        return None
    msg = udp[8:]
    if len(msg) < 240 or msg[236:240] != b"\x63\x82\x53\x63":
        return None
    xid = struct.unpack("!I", msg[4:8])[0]
    i = 240
    while i < len(msg):
        code = msg[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        length = msg[i + 1]
        if code == 53:
            return xid, msg[i + 2]
        i += 2 + length
    return None


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    k = min(len(values) - 1, max(0, int(round(p / 100.0 * len(values) + 0.5)) - 1))
    return values[k]


def main(path):
    sent = {1: {}, 3: {}}
    delays = {"DISCOVER-OFFER": [], "REQUEST-ACK": []}
    for ts, frame in packets(path):
        parsed = dhcp(frame)
        if not parsed:
            continue
        xid, kind = parsed
        if kind in (1, 3):
            sent[kind].setdefault(xid, ts)
        elif kind == 2 and xid in sent[1]:
            delays["DISCOVER-OFFER"].append((ts - sent[1].pop(xid)) * 1000)
        elif kind == 5 and xid in sent[3]:
            delays["REQUEST-ACK"].append((ts - sent[3].pop(xid)) * 1000)
    for name, values in delays.items():
        print("%s answered=%d p50_ms=%.2f p99_ms=%.2f max_ms=%.2f" % (
            name, len(values), percentile(values, 50), percentile(values, 99), max(values) if values else float("nan")))


if __name__ == "__main__":
    main(sys.argv[1])
