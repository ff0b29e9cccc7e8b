#!/usr/bin/env python3
"""Replays one captured peer-link data packet, byte for byte.

usage: replay-udp.py IFACE DSTPORT [TIMEOUT]
Run inside the sender's namespace. Waits for an outgoing IPv4/UDP frame to
DSTPORT whose payload starts with a CryptoAuth data nonce (>= 4, big
endian), then sends the identical Ethernet frame again. Prints the nonce."""
import socket
import struct
import sys
import time

iface, dport = sys.argv[1], int(sys.argv[2])
timeout = float(sys.argv[3]) if len(sys.argv) > 3 else 20.0
ETH_P_ALL = 0x0003
PACKET_OUTGOING = 4

s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
s.bind((iface, 0))
s.settimeout(1.0)
deadline = time.time() + timeout
while time.time() < deadline:
    try:
        frame, addr = s.recvfrom(65535)
    except socket.timeout:
        continue
    if addr[2] != PACKET_OUTGOING or len(frame) < 14 + 20 + 8 + 4:
        continue
    if struct.unpack("!H", frame[12:14])[0] != 0x0800 or frame[23] != 17:
        continue
    ihl = (frame[14] & 0x0F) * 4
    udp = 14 + ihl
    if struct.unpack("!H", frame[udp + 2:udp + 4])[0] != dport:
        continue
    nonce = struct.unpack("!I", frame[udp + 8:udp + 12])[0]
    if nonce < 4:
        continue
    # The captured frame may carry a partial checksum (offload on veth);
    # for IPv4 a zero UDP checksum means "none", which the receiver accepts.
    frame = frame[:udp + 6] + b"\x00\x00" + frame[udp + 8:]
    s.send(frame)
    print("# replayed nonce %d" % nonce)  # a TAP comment: this runs inside a TAP test
    sys.exit(0)
print("no data packet seen", file=sys.stderr)
sys.exit(1)
