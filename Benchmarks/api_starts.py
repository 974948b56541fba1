#!/usr/bin/env python3
"""Starts then destroys networks through patchbayd's API on one keep-alive connection, timing
each phase: what a management tool (Cockpit, a Terraform provider) sees, without the cost of
spawning a process per call.

    api_starts.py SOCKET NAME...
"""
import http.client
import socket
import sys
import time


class UnixConnection(http.client.HTTPConnection):
    def __init__(self, path):
        super().__init__("patchbayd")
        self.path = path

    def connect(self):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.connect(self.path)


def run(connection, names, verb):
    began = time.monotonic()
    for name in names:
        connection.request("POST", "/v1/networks/%s/%s" % (name, verb))
        response = connection.getresponse()
        response.read()
        if response.status >= 300:
            sys.exit("%s %s: HTTP %d" % (verb, name, response.status))
    return time.monotonic() - began


def main():
    path, names = sys.argv[1], sys.argv[2:]
    connection = UnixConnection(path)
    started = run(connection, names, "start")
    destroyed = run(connection, names, "destroy")
    print("%d networks started in %.3f s, destroyed in %.3f s (API, one connection)" % (len(names), started, destroyed))


if __name__ == "__main__":
    main()
