# Trust boundary: written by the angel (root) from cjdroute.conf after full
# validation; read by the unprivileged core, which treats it as trusted input
# from its parent but still applies reader limits. Every value here has been
# checked: keys are 32 bytes and match, addresses are parsed, ranges hold.
# Schema evolution: add fields only, never reuse or renumber ordinals.
@0xbdd5780a292b7a66;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cjdns::proto");

struct CoreConfig {
  privateKey @0 :Data;        # 32 raw bytes; the core wipes its copy after loading
  publicKey @1 :Data;         # 32 bytes, derived from privateKey
  ipv6 @2 :Data;              # 16 bytes, fc00::/8, derived from publicKey
  authorizedPasswords @3 :List(AuthorizedPassword);
  admin @4 :Admin;
  udpInterfaces @5 :List(UdpInterface);
  ethInterfaces @6 :List(EthInterface);
  router @7 :Router;
  security @8 :Security;
  logging @9 :Logging;
  noBackground @10 :Bool;
  pipe @11 :Text;             # as written; the angel resolves relative names to /tmp
  configVersion @12 :Int64;   # the file's "version" (2 = strict grammar)
}

struct SockAddr {
  ip @0 :Data;                # 4 bytes (IPv4) or 16 bytes (IPv6)
  port @1 :UInt16;            # 0 = let the kernel choose
}

struct AuthorizedPassword {
  password @0 :Text;
  user @1 :Text;              # login name and peerStats display name; "" if not given
  ipv6 @2 :Data;              # 16 bytes to restrict the password to one peer, or empty
}

struct Admin {
  bind @0 :SockAddr;
  password @1 :Text;          # "NONE" means no authentication is required
  passwordGenerated @2 :Bool; # true if the file had none and a random one was made
}

# A peer we connect to: the value of one connectTo entry.
struct Peer {
  password @0 :Text;
  publicKey @1 :Data;         # 32 bytes
  login @2 :Text;             # "" = authenticate with auth type 1 (password only)
  peerName @3 :Text;
  version @4 :UInt32;         # peer protocol version; 0 = not given (assume 20)
}

struct UdpPeer {
  address @0 :SockAddr;
  peer @1 :Peer;
}

struct EthPeer {
  mac @0 :Data;               # 6 bytes
  peer @1 :Peer;
}

struct UdpInterface {
  bind @0 :SockAddr;
  dscp @1 :UInt8;
  beacon @2 :UInt8;           # 0 off, 1 accept, 2 send and accept
  beaconDevices @3 :List(Text);
  beaconPort @4 :UInt16;      # 0 = not set (beaconing then stays off)
  connectTo @5 :List(UdpPeer);
}

struct EthInterface {
  bind @0 :Text;              # device name, or "all"
  beacon @1 :UInt8;
  connectTo @2 :List(EthPeer);
}

struct Router {
  interface :union {
    none @0 :Void;            # no router.interface: a pure router, no TUN
    tun @1 :TunInterface;
    socket @2 :SocketInterface;
  }
  ipTunnel @3 :IpTunnel;
  supernodes @4 :List(Data);  # 32-byte keys
  dnsSeeds @5 :List(Text);
  publicPeer @6 :PublicPeer;
}

struct TunInterface {
  tunDevice @0 :Text;         # "" = create a new device
}

struct SocketInterface {
  socketFullPath @0 :Text;
}

struct IpTunnel {
  allowedConnections @0 :List(AllowedConnection);
  outgoingConnections @1 :List(Data);  # 32-byte keys
}

struct AllowedConnection {
  publicKey @0 :Data;         # 32 bytes
  ip4Address @1 :Data;        # 4 bytes, or empty
  ip4Prefix @2 :UInt8;        # 0-32, default 32
  ip4Alloc @3 :UInt8;         # 1-32, default 32
  ip6Address @4 :Data;        # 16 bytes, or empty
  ip6Prefix @5 :UInt8;        # 0-128, default 128
  ip6Alloc @6 :UInt8;         # 1-128, default 128
}

struct PublicPeer {
  id @0 :Text;                # "" = not a public peer
  ipv4 @1 :Text;
  ipv6 @2 :Text;
}

# The effective sandbox settings after cjdns's defaults (upper.md 4.3) apply.
struct Security {
  setuser @0 :Text;           # user to run the core as; "" = do not change user
  keepNetAdmin @1 :Bool;
  chroot @2 :Text;            # "" = no chroot
  nofiles @3 :Bool;
  noforks @4 :Bool;
  seccomp @5 :Bool;
  setupComplete @6 :Bool;
}

struct Logging {
  logTo @0 :Text;             # "stdout", or "" = only through the admin API
}
