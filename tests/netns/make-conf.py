#!/usr/bin/env python3
"""Writes a test node config from `cjdroute --genconf` output (read as
--cleanconf JSON on stdin): one UDP interface bound to BIND, admin on
127.0.0.1:ADMINPORT, beacons off, no TUN, an optional connectTo entry.

usage: make-conf.py BIND ADMINPORT [PEER_ADDR PEER_PUBKEY PASSWORD LOGIN]... < clean.json
Prints the config; the node's public key, password and address go to stderr
as "pubkey=<key> password=<pw> ipv6=<addr>" for the test to use. With
CJDNS_TEST_TUN=1 the node gets a TUN device; with CJDNS_TEST_SUPERNODE=KEY its
router.supernodes is [KEY]. Each further group of four
arguments adds one more connectTo entry (LOGIN may be "" for none).
Beacons (all off unless asked):
  CJDNS_TEST_ETH=DEVICE|all    an ETHInterface bound there, with
  CJDNS_TEST_ETH_BEACON=0|1|2  its beacon mode (default 2) and
  CJDNS_TEST_ETH_CONNECT="MAC PUBKEY PASSWORD LOGIN"  one connectTo entry;
  CJDNS_TEST_UDP_BEACON=PORT   UDP beacons (mode CJDNS_TEST_UDP_BEACON_MODE,
                               default 2) on PORT to CJDNS_TEST_BEACON_DEVICES
                               (comma-separated, default "all")."""
import json
import os
import sys

conf = json.load(sys.stdin)
bind, admin_port = sys.argv[1], int(sys.argv[2])
conf["interfaces"] = {"UDPInterface": [{"bind": bind, "connectTo": {}}]}
conf["admin"] = {"bind": "127.0.0.1:%d" % admin_port, "password": "NONE"}
# No TUN unless asked (CJDNS_TEST_TUN=1): most tests only need peering.
conf["router"] = {"interface": {"type": "TUNInterface"}} if os.environ.get("CJDNS_TEST_TUN") == "1" else {}
# CJDNS_TEST_SUPERNODE=<key>: the route server to use (our own key: be it).
if os.environ.get("CJDNS_TEST_SUPERNODE"):
    conf["router"]["supernodes"] = [os.environ["CJDNS_TEST_SUPERNODE"]]
if os.environ.get("CJDNS_TEST_ETH"):
    conf["interfaces"]["ETHInterface"] = [{"bind": os.environ["CJDNS_TEST_ETH"],
                                           "beacon": int(os.environ.get("CJDNS_TEST_ETH_BEACON", "2"))}]
    if os.environ.get("CJDNS_TEST_ETH_CONNECT"):
        mac, key, password, login = os.environ["CJDNS_TEST_ETH_CONNECT"].split(" ")
        conf["interfaces"]["ETHInterface"][0]["connectTo"] = {mac: {
            "password": password, "publicKey": key, "peerName": "eth-" + mac, **({"login": login} if login else {})}}
if os.environ.get("CJDNS_TEST_UDP_BEACON"):
    conf["interfaces"]["UDPInterface"][0].update({
        "beacon": int(os.environ.get("CJDNS_TEST_UDP_BEACON_MODE", "2")),
        "beaconPort": int(os.environ["CJDNS_TEST_UDP_BEACON"]),
        "beaconDevices": os.environ.get("CJDNS_TEST_BEACON_DEVICES", "all").split(","),
    })
peers = sys.argv[3:]
if len(peers) % 4 != 0:
    # As before: an incomplete group is ignored (said on stderr).
    print("make-conf.py: ignoring an incomplete peer group %r" % peers[len(peers) - len(peers) % 4:], file=sys.stderr)
for i in range(0, len(peers) - len(peers) % 4, 4):
    peer, key, password, login = peers[i:i + 4]
    conf["interfaces"]["UDPInterface"][0]["connectTo"][peer] = {
        "password": password, "publicKey": key, "peerName": "peer-" + peer,
        **({"login": login} if login else {}),
    }
json.dump(conf, sys.stdout, indent=2)
print("pubkey=%s password=%s ipv6=%s" % (conf["publicKey"], conf["authorizedPasswords"][0]["password"], conf["ipv6"]),
      file=sys.stderr)
