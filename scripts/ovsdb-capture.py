#!/usr/bin/env python3
"""Records what an OVSDB client and ovsdb-server say to each other, byte for byte.

    scripts/ovsdb-capture.py LISTEN_SOCKET SERVER_SOCKET LOG.jsonl

Listens on LISTEN_SOCKET, forwards every connection to SERVER_SOCKET, and appends one JSON line
per chunk read: {"conn": N, "dir": "c2s" | "s2c", "data": "<the bytes as text>"}. Point the client
at the proxy (`ovs-vsctl --db=unix:LISTEN_SOCKET ...`). The fixtures of Tests/OVSDBWireTests were
captured this way from ovs-vsctl and ovsdb-client against ovsdb-server 3.1.
"""
import json, os, socket, sys, threading

listen_path, server_path, log_path = sys.argv[1:4]
lock = threading.Lock()
log = open(log_path, "a")

def pump(conn_id, direction, source, sink):
    while True:
        data = source.recv(65536)
        if not data:
            try:
                sink.shutdown(socket.SHUT_WR)
            except OSError:
                pass
            return
        with lock:
            log.write(json.dumps({"conn": conn_id, "dir": direction, "data": data.decode("utf-8")}) + "\n")
            log.flush()
        sink.sendall(data)

if os.path.exists(listen_path):
    os.unlink(listen_path)
listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(listen_path)
listener.listen(16)
count = 0
while True:
    client, _ = listener.accept()
    count += 1
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.connect(server_path)
    threading.Thread(target=pump, args=(count, "c2s", client, server), daemon=True).start()
    threading.Thread(target=pump, args=(count, "s2c", server, client), daemon=True).start()
