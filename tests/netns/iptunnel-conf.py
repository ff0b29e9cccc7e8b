#!/usr/bin/env python3
"""Adds a router.ipTunnel block to a node config (JSON, as make-conf.py
writes it) read on stdin, and prints the result.

usage: iptunnel-conf.py [--allow KEY IP4 IP4PREFIX IP4ALLOC IP6 IP6PREFIX IP6ALLOC]...
                        [--connect KEY]... < node.conf
An "-" for IP4 or IP6 leaves that family (and its prefix and alloc) out.
The keys are cjdns's own, so the result suits a real cjdroute too."""
import json
import sys

conf = json.load(sys.stdin)
tunnel = conf.setdefault("router", {}).setdefault("ipTunnel", {})
allowed = tunnel.setdefault("allowedConnections", [])
outgoing = tunnel.setdefault("outgoingConnections", [])
args = sys.argv[1:]
i = 0
while i < len(args):
    if args[i] == "--allow" and i + 7 < len(args):
        key, ip4, p4, a4, ip6, p6, a6 = args[i + 1:i + 8]
        entry = {"publicKey": key}
        if ip4 != "-":
            entry.update({"ip4Address": ip4, "ip4Prefix": int(p4), "ip4Alloc": int(a4)})
        if ip6 != "-":
            entry.update({"ip6Address": ip6, "ip6Prefix": int(p6), "ip6Alloc": int(a6)})
        allowed.append(entry)
        i += 8
    elif args[i] == "--connect" and i + 1 < len(args):
        outgoing.append(args[i + 1])
        i += 2
    else:
        sys.exit("iptunnel-conf.py: bad arguments at %r" % args[i:])
json.dump(conf, sys.stdout, indent=2)
