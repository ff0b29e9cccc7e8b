#!/usr/bin/env python3
"""One TCP transfer of random bytes with a SHA-256 on both ends, for tests.

usage: tcp-transfer.py recv ADDR PORT OUT     listens (IPv4 or IPv6 by ADDR),
           touches OUT.ready, takes one connection and writes
           "<sha256> <bytes> <peer address>" to OUT when the sender is done
       tcp-transfer.py send ADDR PORT BYTES    prints "<sha256> <bytes> <seconds>"
The sender waits until the receiver has closed, so the time covers delivery."""
import hashlib
import os
import socket
import sys
import time


def recv(addr, port, out):
    family = socket.AF_INET6 if ":" in addr else socket.AF_INET
    srv = socket.socket(family, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind((addr, port))
    srv.listen(1)
    open(out + ".ready", "w").close()
    srv.settimeout(120)
    conn, peer = srv.accept()
    conn.settimeout(60)
    h, total = hashlib.sha256(), 0
    while True:
        b = conn.recv(1 << 16)
        if not b:
            break
        h.update(b)
        total += len(b)
    with open(out, "w") as f:
        f.write("%s %d %s\n" % (h.hexdigest(), total, peer[0]))
    conn.close()


def send(addr, port, size):
    s = socket.create_connection((addr, port), timeout=30)
    s.settimeout(60)
    h, sent = hashlib.sha256(), 0
    start = time.monotonic()
    while sent < size:
        b = os.urandom(min(1 << 16, size - sent))
        h.update(b)
        s.sendall(b)
        sent += len(b)
    s.shutdown(socket.SHUT_WR)
    s.recv(1)  # the receiver closes once it has everything
    print("%s %d %.3f" % (h.hexdigest(), sent, time.monotonic() - start))


if __name__ == "__main__":
    if len(sys.argv) == 5 and sys.argv[1] == "recv":
        recv(sys.argv[2], int(sys.argv[3]), sys.argv[4])
    elif len(sys.argv) == 5 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(__doc__)
