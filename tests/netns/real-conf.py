#!/usr/bin/env python3
"""Writes a config for a REAL cjdns node from its `cjdroute --genconf |
cjdroute --cleanconf` output on stdin: foreground, log to stdout, its own
pipe (real cjdns needs one per node), and only the interfaces asked for.

usage: real-conf.py PIPE [--udp BIND] [--peer ADDR PUBKEY PASSWORD]...
                         [--eth DEVICE] [--admin PORT] [--supernode PUBKEY]
--peer adds a connectTo entry (login default-login) to the UDP interface;
--admin binds the admin API to 127.0.0.1:PORT with password NONE.
Prints the config; "pubkey=<key> password=<pw> ipv6=<addr>" goes to stderr."""
import json
import sys

args = sys.argv[1:]
if not args:
    sys.exit(__doc__)
c = json.load(sys.stdin)
c["pipe"] = args.pop(0)
c["logging"] = {"logTo": "stdout"}
c["noBackground"] = 1
ifaces = {}
while args:
    opt = args.pop(0)
    if opt == "--udp":
        ifaces.setdefault("UDPInterface", [{"connectTo": {}}])[0]["bind"] = args.pop(0)
    elif opt == "--peer":
        addr, key, password = args[:3]
        del args[:3]
        ifaces.setdefault("UDPInterface", [{"connectTo": {}}])[0]["connectTo"][addr] = {
            "password": password, "publicKey": key, "login": "default-login", "peerName": "ours"}
    elif opt == "--eth":
        ifaces["ETHInterface"] = [{"bind": args.pop(0), "beacon": 2, "connectTo": {}}]
    elif opt == "--admin":
        c["admin"] = {"bind": "127.0.0.1:%s" % args.pop(0), "password": "NONE"}
    elif opt == "--supernode":
        c.setdefault("router", {})["supernodes"] = [args.pop(0)]
    else:
        sys.exit("real-conf.py: unknown option %s" % opt)
c["interfaces"] = ifaces
json.dump(c, sys.stdout, indent=1)
print("pubkey=%s password=%s ipv6=%s" % (c["publicKey"], c["authorizedPasswords"][0]["password"], c["ipv6"]),
      file=sys.stderr)
