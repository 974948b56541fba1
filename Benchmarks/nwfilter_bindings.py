#!/usr/bin/env python3
"""Binds clean-traffic to COUNT port devices through patchbayd's API on one keep-alive
connection (nwfilter-binding-create, each with its own MAC and IP), timing the whole and each
call: what bringing up COUNT filtered guests costs Patchbay's nwfilter layer.

    nwfilter_bindings.py SOCKET COUNT
"""
import json
import statistics
import sys
import time

from api_starts import UnixConnection


def binding(n):
    mac = "52:54:00:%02x:%02x:%02x" % (0x10 + n // 65536, (n // 256) % 256, n % 256)
    ip = "10.%d.%d.%d" % (100 + n // 65536, (n // 256) % 256, n % 256 or 1)
    return ("<filterbinding><owner><name>vm%d</name><uuid>d54df46f-1ab5-4a22-8618-%012x</uuid></owner>"
            "<portdev name='nwb%d'/><mac address='%s'/><filterref filter='clean-traffic'>"
            "<parameter name='IP' value='%s'/></filterref></filterbinding>") % (n, n, n, mac, ip)


def main():
    path, count = sys.argv[1], int(sys.argv[2])
    connection = UnixConnection(path)
    each = []
    began = time.monotonic()
    for n in range(count):
        start = time.monotonic()
        connection.request("POST", "/v1/nwfilter-bindings", body=json.dumps({"xml": binding(n)}),
                           headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        body = response.read()
        if response.status >= 300:
            sys.exit("binding %d: HTTP %d %s" % (n, response.status, body[:200]))
        each.append(time.monotonic() - start)
    total = time.monotonic() - began
    each.sort()
    print("%d bindings in %.2f s; per binding median %.1f ms, p90 %.1f ms, max %.1f ms" % (
        count, total, statistics.median(each) * 1000, each[int(len(each) * 0.9)] * 1000, each[-1] * 1000))


if __name__ == "__main__":
    main()
