# Trust boundary: between the admin bridge (cjdns-admin: unprivileged,
# sandboxed, it parses the untrusted bencode that local tools send to
# admin.bind) and the core. The bridge does the cjdns admin protocol itself
# (cookie, SHA-256 auth, txid, paging, argument checks, bencode out) and
# sends the core only typed, already-validated requests: keys as 32 bytes,
# addresses as 16 bytes, labels as integers. The core still treats each
# message as untrusted input (channel limits, field checks) and answers
# with typed data that the bridge formats exactly as cjdns does.
# The core never sends the bridge anything it did not ask for, except
# `info` after `hello` and the late answers of asynchronous requests.
# One SOCK_SEQPACKET datagram = one message (core/ipc/channel.h).
# Schema evolution: add fields only, never reuse or renumber ordinals.
@0xcb12f75d14988c0d;

using Cxx = import "/capnp/c++.capnp";
$Cxx.namespace("cjdns::proto");

using Config = import "config.capnp";

# ---- requests ----

struct AdminToCore {
  id @0 :UInt64;                      # chosen by the bridge, echoed in CoreToAdmin.id
  union {
    hello @1 :Void;                   # first message; answered with `info`
    nodeInfo @2 :Void;                # Core_nodeInfo -> info
    exit @3 :Void;                    # Core_exit -> done (then the core stops)
    peerStats @4 :Void;               # InterfaceController_peerStats -> peers (all; the bridge pages)
    interfaces @5 :Void;              # InterfaceController_interfaces -> interfaces
    disconnectPeer @6 :Data;          # 32-byte key -> done / error
    resetPeering @7 :Data;            # 32-byte key, or empty for every peer -> done / error
    dumpTable @8 :Void;               # NodeStore_dumpTable -> nodes
    nodeForAddr @9 :Data;             # 16-byte ip6, empty = ourselves -> nodeDetail
    getHandles @10 :Void;             # SessionManager_getHandles -> handles
    sessionStats @11 :UInt32;         # by handle -> session / error "no such session"
    sessionStatsByIp @12 :Data;       # 16-byte ip6 -> session / error
    resetSession @13 :Data;           # SessionManager_resetCA, 16-byte ip6 -> done / error
    passwordAdd @14 :PasswordAdd;     # AuthorizedPasswords_add -> done / error
    passwordRemove @15 :Text;         # AuthorizedPasswords_remove by user -> done / error
    passwordList @16 :Void;           # AuthorizedPasswords_list -> users
    switchPing @17 :SwitchPing;       # SwitchPinger_ping -> switchPong (late)
    routerPing @18 :RouterPing;       # RouterModule_pingNode -> routerPong (late) / error
    routerQuery @19 :RouterQuery;     # RouterModule_getPeers/findNode/nextHop -> routerNodes (late)
    lookup @20 :Data;                 # RouterModule_lookup, 16-byte ip6 -> text
    udpNew @21 :Config.SockAddr;      # UDPInterface_new -> udpInterface (late: the angel opens it)
    udpBeginConnection @22 :UdpConnect;  # UDPInterface_beginConnection -> done / error
    memory @23 :Void;                 # Allocator_bytesAllocated -> number
    checkPermissions @24 :Void;       # Security_checkPermissions -> permissions
    cancel @25 :UInt64;               # forget the late answer to request `id` (best effort)
  }
}

struct PasswordAdd {
  password @0 :Text;
  user @1 :Text;                      # "" = cjdns's default (the password itself)
  ipv6 @2 :Data;                      # 16 bytes, or empty for any address
}

struct SwitchPing {
  path @0 :UInt64;                    # label
  timeoutMs @1 :UInt32;               # the bridge applies cjdns's default (2000) and bounds
  data @2 :Data;                      # the ping's payload (may be empty)
  kind @3 :SwitchPingKind;
}

enum SwitchPingKind {
  ping @0;
  keyPing @1;
  getSnode @2;
  rpath @3;
  lladdr @4;
}

struct RouterPing {
  union {
    ip6 @0 :Data;                     # 16 bytes: the path is looked up
    path @1 :UInt64;                  # a label given directly
  }
  timeoutMs @2 :UInt32;
}

struct RouterQuery {
  kind @0 :RouterQueryKind;
  union {
    ip6 @1 :Data;                     # the node to ask, 16 bytes
    path @2 :UInt64;
  }
  target @3 :Data;                    # 16 bytes (findNode, nextHop; getPeers: nearbyPath is `nearbyPath`)
  nearbyPath @4 :UInt64;
  timeoutMs @5 :UInt32;
}

enum RouterQueryKind {
  getPeers @0;
  findNode @1;
  nextHop @2;
}

struct UdpConnect {
  interfaceNumber @0 :UInt32;
  address @1 :Config.SockAddr;
  peer @2 :Config.Peer;               # key, password, login, peerName, version
}

# ---- answers ----

struct CoreToAdmin {
  id @0 :UInt64;                      # the request's id
  union {
    info @1 :CoreInfo;
    error @2 :Text;                   # cjdns's error string for this function
    done @3 :Void;                    # success with nothing but error "none"
    peers @4 :List(PeerStat);
    interfaces @5 :List(InterfaceInfo);
    nodes @6 :NodeTable;
    nodeDetail @7 :NodeDetail;
    handles @8 :List(UInt32);
    session @9 :SessionStat;
    users @10 :List(Text);
    switchPong @11 :SwitchPong;
    routerPong @12 :RouterPong;
    routerNodes @13 :RouterNodes;
    text @14 :Text;
    udpInterface @15 :UdpInterfaceInfo;
    number @16 :Int64;
    permissions @17 :Permissions;
  }
}

struct CoreInfo {
  publicKey @0 :Data;                 # 32 bytes
  ip6 @1 :Data;                       # 16 bytes
  protocolVersion @2 :UInt32;
  encodingScheme @3 :Data;            # compressed form, e.g. 61 14 45 81 00
  corePid @4 :UInt32;
  adminPassword @5 :Text;             # for the bridge's auth ("NONE" = open)
  startedMs @6 :UInt64;               # unix ms when the core started
}

struct PeerStat {
  publicKey @0 :Data;
  version @1 :UInt32;
  label @2 :UInt64;                   # our one-hop label for it
  state @3 :Text;                     # INIT, SENT_HELLO, ..., ESTABLISHED, UNRESPONSIVE, ...
  user @4 :Text;
  hasUser @5 :Bool;
  ifNum @6 :UInt32;
  isIncoming @7 :Bool;
  lastMs @8 :UInt64;                  # unix ms of the last message from it
  lladdr @9 :Text;                    # "1.2.3.4:5678" or "[2001:db8::1]:5678"
  bytesIn @10 :UInt64;
  bytesOut @11 :UInt64;
  receivedPackets @12 :UInt64;
  duplicates @13 :UInt64;
  lostPackets @14 :UInt64;
  receivedOutOfRange @15 :UInt64;
  recvKbps @16 :UInt32;
  sendKbps @17 :UInt32;
}

struct InterfaceInfo {
  ifNum @0 :UInt32;
  name @1 :Text;                      # e.g. "UDP/0.0.0.0:7937"
  beaconState @2 :Text;               # "disabled", "accepting", "sending and accepting"
}

struct NodeTable {
  entries @0 :List(NodeEntry);
  peerCount @1 :UInt32;
}

struct NodeEntry {
  publicKey @0 :Data;
  ip6 @1 :Data;
  path @2 :UInt64;
  version @3 :UInt32;
  link @4 :UInt32;                    # link quality/cost as cjdns reports it
  bucket @5 :UInt32;
  timeMs @6 :UInt64;                  # ms since last heard
}

struct NodeDetail {
  found @0 :Bool;                     # false: cjdns answers error "none" with an empty result
  publicKey @1 :Data;
  routeLabel @2 :UInt64;
  protocolVersion @3 :UInt32;
  linkCount @4 :UInt32;
  cost @5 :UInt64;
  encodingScheme @6 :Data;            # compressed form
  bestParentIp6 @7 :Data;
  bestParentIsOneHop @8 :Bool;
  bestParentChildLabel @9 :UInt64;
}

struct SessionStat {
  publicKey @0 :Data;
  ip6 @1 :Data;
  version @2 :UInt32;
  path @3 :UInt64;
  state @4 :Text;
  handle @5 :UInt32;
  sendHandle @6 :UInt32;
  duplicates @7 :UInt64;
  lostPackets @8 :UInt64;
  receivedOutOfRange @9 :UInt64;
  metric @10 :UInt32;
  timeOfLastUsageMs @11 :UInt64;
}

struct SwitchPong {
  result @0 :Text;                    # pong, diff_label, diff_data, err_switch, timeout, err_loop, err_unknown
  ms @1 :UInt32;
  path @2 :UInt64;
  version @3 :UInt32;
  data @4 :Data;
  key @5 :Data;                       # keyPing: the responder's key
  responsePath @6 :UInt64;            # diff_label
  snode @7 :NodeRef;                  # getSnode
  rpath @8 :UInt64;
  lladdr @9 :Text;
}

struct NodeRef {
  publicKey @0 :Data;
  version @1 :UInt32;
  path @2 :UInt64;
}

struct RouterPong {
  result @0 :Text;                    # "pong" or "timeout"
  ms @1 :UInt32;
  protocol @2 :UInt32;
  from @3 :NodeRef;
}

struct RouterNodes {
  result @0 :Text;                    # "peers", "nodes" or "timeout"
  ms @1 :UInt32;
  nodes @2 :List(NodeRef);
  encodingScheme @3 :Data;
}

struct UdpInterfaceInfo {
  interfaceNumber @0 :UInt32;
  bindAddress @1 :Text;
}

struct Permissions {
  userId @0 :UInt32;
  noOpenFiles @1 :Bool;
}
