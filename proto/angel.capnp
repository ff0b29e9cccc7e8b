# Trust boundary: between the angel (root, holds CAP_NET_ADMIN) and the core
# (unprivileged, sandboxed, parses everything that comes from the network).
# The angel treats every CoreToAngel message as hostile: each request is
# checked against the phase table (SPAWNED -> CONFIGURED -> RUNNING ->
# STOPPING) and against the config the angel itself parsed, and anything out
# of phase, out of bounds, oversized or carrying fds ends the core. The core
# trusts AngelToCore messages (its parent) but still reads them with limits.
# One SOCK_SEQPACKET datagram = one message (core/ipc/channel.h).
# Schema evolution: add fields only, never reuse or renumber ordinals.
@0xdcf6c1b7d3b71ba6;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cjdns::proto");

using Config = import "config.capnp";

struct AngelToCore {
  union {
    configure @0 :Configure;          # SPAWNED: the typed config and the fds
    shutdown @1 :Void;                # any phase: exit cleanly now
    relayPacket @2 :PacketFrame;      # RUNNING, relay path only: a packet read from the TUN
    reply @3 :Reply;                  # the answer to one CoreToAngel request
    attachAdmin @4 :Void;             # RUNNING: a new channel to a restarted admin bridge (fd attached)
  }
}

# The fds travel as SCM_RIGHTS beside this message, in the order of `fds`.
struct Configure {
  config @0 :Config.CoreConfig;
  fds @1 :List(FdRole);
  relayTun @2 :Bool;                  # true: no TUN fd; packets cross the IPC
  sandbox @3 :CoreSandbox;            # what the core must drop to, resolved by the angel
}

# The effective sandbox, decided by the angel from the `security` block, the
# user database and whether it runs as root; the core applies it before it
# says `configured` and verifies every step.
struct CoreSandbox {
  changeUser @0 :Bool;                # false: stay the invoking user (not root, or no setuser)
  uid @1 :UInt32;
  gid @2 :UInt32;
  userName @3 :Text;                  # for log lines only
  chroot @4 :Text;                    # "" = none (not root, or the directory is missing)
  noforks @5 :Bool;
  nofiles @6 :Bool;
  seccomp @7 :Bool;
}

struct FdRole {
  union {
    tun @0 :Void;
    udp @1 :UInt32;                   # index into config.udpInterfaces
    eth @2 :Text;                     # device name of an ETHInterface socket (see ethLink)
    admin @3 :Void;                   # the core's end of its channel to the admin bridge
    udpBeacon @4 :UdpBeaconSocket;    # the beacon socket of one UDPInterface
  }
  ethLink @5 :EthLink;                # with `eth`: what the core cannot ask the kernel under seccomp
}

# An AF_PACKET socket for EtherType 0xfc00, bound to one device by the angel.
struct EthLink {
  interface @0 :UInt32;               # index into config.ethInterfaces (bind "all": one entry, many devices)
  ifIndex @1 :UInt32;                 # the device's index, for sendto's sockaddr_ll
  mac @2 :Data;                       # 6 bytes: the device's own address (our source MAC)
}

# An IPv4 UDP socket bound to beaconPort with SO_BROADCAST set.
struct UdpBeaconSocket {
  interface @0 :UInt32;               # index into config.udpInterfaces (its data socket is the commPort)
  broadcast @1 :List(Data);           # 4-byte directed broadcast addresses of its beaconDevices
}

struct CoreToAngel {
  requestId @0 :UInt64;               # echoed in the Reply; 0 for notices
  union {
    configured @1 :Void;              # SPAWNED -> CONFIGURED: config loaded, sandbox on
    running @2 :Void;                 # CONFIGURED -> RUNNING
    addTunnelAddress @3 :TunnelPrefix;  # RUNNING: IpTunnel client got an address
    addTunnelRoute @4 :TunnelPrefix;    # RUNNING: and a route through the tunnel
    openUdpInterface @5 :Config.SockAddr;  # RUNNING: UDPInterface_new at run time
    relayPacket @6 :PacketFrame;      # RUNNING, relay path only: a packet for the TUN
    stopping @7 :Text;                # any phase: the core is about to exit, and why
  }
}

struct TunnelPrefix {
  address @0 :Data;                   # 4 or 16 bytes
  prefixLength @1 :UInt8;
  gateway @2 :Data;                   # 32-byte key of the IpTunnel server that assigned it
}

# addTunnelAddress + addTunnelRoute together, per core lifetime: the angel's
# budget (PhaseLimits) and the core's cap (IpTunnelConfig) alike. A default
# route cut around one UDP peer's IPv4 address is 32 routes, IPv6 adds two,
# and each family its address.
const maxTunnelPrefixes :UInt32 = 64;

struct PacketFrame {
  data @0 :Data;                      # one IP packet, at most 65535 bytes
}

struct Reply {
  requestId @0 :UInt64;
  union {
    ok @1 :Void;
    error @2 :Text;
    udpSocket @3 :Void;               # the new socket's fd is attached
  }
}
