#!/usr/bin/env python3
"""Writes a test node config from `cjdroute --genconf` output (read as
--cleanconf JSON on stdin): one UDP interface bound to BIND, admin on
127.0.0.1:ADMINPORT, beacons off, no TUN, an optional connectTo entry.

usage: make-conf.py BIND ADMINPORT [PEER_ADDR PEER_PUBKEY PASSWORD LOGIN] < clean.json
Prints the config; the node's public key, password and address go to stderr
as "pubkey=<key> password=<pw> ipv6=<addr>" for the test to use. With
CJDNS_TEST_TUN=1 the node gets a TUN device."""
import json
import os
import sys

conf = json.load(sys.stdin)
bind, admin_port = sys.argv[1], int(sys.argv[2])
conf["interfaces"] = {"UDPInterface": [{"bind": bind, "connectTo": {}}]}
conf["admin"] = {"bind": "127.0.0.1:%d" % admin_port, "password": "NONE"}
# No TUN unless asked (CJDNS_TEST_TUN=1): most tests only need peering.
conf["router"] = {"interface": {"type": "TUNInterface"}} if os.environ.get("CJDNS_TEST_TUN") == "1" else {}
if len(sys.argv) >= 7:
    peer, key, password, login = sys.argv[3:7]
    conf["interfaces"]["UDPInterface"][0]["connectTo"][peer] = {
        "password": password, "publicKey": key, "peerName": "peer-" + peer,
        **({"login": login} if login else {}),
    }
json.dump(conf, sys.stdout, indent=2)
print("pubkey=%s password=%s ipv6=%s" % (conf["publicKey"], conf["authorizedPasswords"][0]["password"], conf["ipv6"]),
      file=sys.stderr)
