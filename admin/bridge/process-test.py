#!/usr/bin/env python3
"""cjdns-admin as a process: the two inherited fds, hello -> info, the
sandbox (seccomp on), a few admin calls over real UDP with this script as
the core, and exit 0 when the core's channel closes.

usage: process-test.py CJDNS_ADMIN [ADMIN_CAPNP]
Needs the `capnp` tool to encode and decode the core's messages."""
import os
import shutil
import socket
import subprocess
import sys

ADMIN = sys.argv[1]
SCHEMA = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(os.path.abspath(__file__)), '..', '..', 'proto', 'admin.capnp')
SCHEMA_DIR = os.path.dirname(os.path.abspath(SCHEMA))

# A node as the transcripts show it (vectors/admin: v21.1 node B's peer).
NODE_KEY = 'yczrzq21c19g9w11snrdchk8hrltr0818kgt56hns8c1lbcugfl0.k'
NODE_IP6 = 'fc9d:8f6f:3df1:aa12:1c66:81ce:5f72:3599'


def key_bytes(text):
    """cjdns base32: digits then consonants, 5 bits per character, low bits first."""
    alphabet = '0123456789bcdfghjklmnpqrstuvwxyz'
    out, acc, bits = bytearray(), 0, 0
    for c in text[:52]:
        acc |= alphabet.index(c) << bits
        bits += 5
        while bits >= 8:
            out.append(acc & 0xff)
            acc >>= 8
            bits -= 8
    return bytes(out)


def capnp(mode, struct, data):
    return subprocess.run(['capnp', mode, '--import-path=' + SCHEMA_DIR, SCHEMA, struct],
                          input=data, capture_output=True, check=True).stdout


def encode(text):
    return capnp('encode', 'CoreToAdmin', text.encode())


def decode(data):
    return capnp('decode', 'AdminToCore', data).decode()


def fail(msg):
    print('not ok 1 - ' + msg)
    sys.exit(1)


def main():
    if shutil.which('capnp') is None:
        print('1..0 # SKIP the capnp tool is not installed')
        return
    core, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(('127.0.0.1', 0))
    port = udp.getsockname()[1]

    def preexec():
        os.dup2(child.fileno(), 3)
        os.dup2(udp.fileno(), 4)

    proc = subprocess.Popen([ADMIN], preexec_fn=preexec, pass_fds=(3, 4), stderr=subprocess.PIPE)
    child.close()
    core.settimeout(10)
    hello = decode(core.recv(65536))
    if 'hello' not in hello:
        fail('first message is not hello: ' + hello)
    info = ('(id = 0, info = (publicKey = 0x"%s", ip6 = 0x"%s", protocolVersion = 21, '
            'encodingScheme = 0x"6114458100", corePid = 4242, adminPassword = "NONE", startedMs = 1))'
            % (key_bytes(NODE_KEY).hex(), socket.inet_pton(socket.AF_INET6, NODE_IP6).hex()))
    core.send(encode(info))

    client = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    client.settimeout(5)
    dest = ('127.0.0.1', port)
    client.sendto(b'd1:q4:ping4:txid2:t1e', dest)
    reply = client.recv(65536)
    if reply != b'd1:q4:pong4:txid2:t1e':
        fail('ping: %r' % reply)

    client.sendto(b'd1:q8:Core_pid4:txid2:t2e', dest)
    reply = client.recv(65536)
    if reply != b'd3:pidi4242e4:txid2:t2e':
        fail('Core_pid: %r' % reply)

    client.sendto(b'd1:q24:Allocator_bytesAllocated4:txid2:t3e', dest)
    request = decode(core.recv(65536))
    if 'memory' not in request:
        fail('expected a memory request, got ' + request)
    rid = request.split('id = ')[1].split(',')[0].strip(' )')
    core.send(encode('(id = %s, number = 12345)' % rid))
    reply = client.recv(65536)
    if reply != b'd5:bytesi12345e4:txid2:t3e':
        fail('Allocator_bytesAllocated: %r' % reply)

    client.sendto(b'x' * 3000, dest)
    try:
        reply = client.recv(65536)
    except socket.timeout:
        proc.kill()
        fail('no reply to an over-long request; stderr: ' + proc.stderr.read().decode(errors='replace'))
    if reply != b'd5:error16:Request too big.e':
        fail('request too big: %r' % reply)

    core.close()  # the core is gone: the bridge stops with status 0
    try:
        rc = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        fail('still running after the core channel closed')
    err = proc.stderr.read().decode(errors='replace')
    if rc != 0:
        fail('exit status %d; stderr: %s' % (rc, err))
    print('ok 1 - hello/info, sandbox, ping, Core_pid, a core round trip, too-big, exit 0 on close')
    print('1..1')

if __name__ == '__main__':
    main()
