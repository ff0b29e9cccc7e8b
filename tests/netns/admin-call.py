#!/usr/bin/env python3
"""Minimal cjdns admin API client for tests (bencode over UDP, password NONE
or a real password with the cookie handshake).

usage: admin-call.py [--port P] [--password PW] FUNCTION [key=value ...]
Integers are written as i:<n> (e.g. page=i:0). Prints the reply as JSON
(byte strings decoded as UTF-8 when possible, else hex)."""
import hashlib
import json
import socket
import sys


def benc(v):
    if isinstance(v, int):
        return b"i%de" % v
    if isinstance(v, str):
        v = v.encode()
    if isinstance(v, bytes):
        return b"%d:%s" % (len(v), v)
    if isinstance(v, list):
        return b"l" + b"".join(benc(x) for x in v) + b"e"
    if isinstance(v, dict):
        items = sorted((k.encode() if isinstance(k, str) else k, x) for k, x in v.items())
        return b"d" + b"".join(benc(k) + benc(x) for k, x in items) + b"e"
    raise TypeError(type(v))


def bdec(s, i=0):
    c = s[i:i + 1]
    if c == b"i":
        j = s.index(b"e", i)
        return int(s[i + 1:j]), j + 1
    if c == b"l":
        out, i = [], i + 1
        while s[i:i + 1] != b"e":
            v, i = bdec(s, i)
            out.append(v)
        return out, i + 1
    if c == b"d":
        out, i = {}, i + 1
        while s[i:i + 1] != b"e":
            k, i = bdec(s, i)
            v, i = bdec(s, i)
            out[k] = v
        return out, i + 1
    j = s.index(b":", i)
    n = int(s[i:j])
    return s[j + 1:j + 1 + n], j + 1 + n


def show(v):
    if isinstance(v, bytes):
        try:
            return v.decode()
        except UnicodeDecodeError:
            return v.hex()
    if isinstance(v, list):
        return [show(x) for x in v]
    if isinstance(v, dict):
        return {show(k): show(x) for k, x in v.items()}
    return v


def call(port, password, fn, args):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.settimeout(5)
    addr = ("127.0.0.1", port)
    req = {"q": fn, "args": args, "txid": "t1"}
    if password not in (None, "NONE"):
        s.sendto(benc({"q": "cookie", "txid": "c"}), addr)
        cookie = bdec(s.recv(65536))[0][b"cookie"]
        req = {"q": "auth", "aq": fn, "args": args, "txid": "t1", "cookie": cookie,
               "hash": hashlib.sha256(password.encode() + cookie).hexdigest()}
        req["hash"] = hashlib.sha256(benc(req)).hexdigest()
    s.sendto(benc(req), addr)
    return bdec(s.recv(65536))[0]


def main():
    argv = sys.argv[1:]
    port, password = 11234, None
    while argv and argv[0].startswith("--"):
        if argv[0] == "--port":
            port = int(argv[1])
        elif argv[0] == "--password":
            password = argv[1]
        argv = argv[2:]
    fn, args = argv[0], {}
    for kv in argv[1:]:
        k, v = kv.split("=", 1)
        args[k] = int(v[2:]) if v.startswith("i:") else v
    print(json.dumps(show(call(port, password, fn, args)), indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
