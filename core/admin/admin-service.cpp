#include "core/admin/admin-service.h"

#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <unistd.h>

#include <kj/exception.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>

#include "core/crypto/address.h"
#include "core/routing/distance.h"
#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"
#include "core/wire/endian.h"

#if defined(__SANITIZE_ADDRESS__)
#define CJDNS_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define CJDNS_ASAN 1
#endif
#endif
#ifndef CJDNS_ASAN
#define CJDNS_ASAN 0
#endif
#if CJDNS_ASAN
// Exported by the ASan runtime (gcc installs no header declaring it).
extern "C" std::size_t __sanitizer_get_current_allocated_bytes();
#endif

namespace cjdns::admin {

namespace {

using proto::AdminToCore;

// Link cost figures for dumpTable/nodeForAddr. cjdns's NodeStore measures
// link costs; we keep none, so: 0 for ourselves, what v21.1 reports for a
// fresh direct peer (1024, vectors/admin/v21.1-nodeB-transcript.json), and
// twice that for a node learned through others.
constexpr std::uint32_t kSelfCost = 0;
constexpr std::uint32_t kPeerCost = 1024;
constexpr std::uint32_t kLearnedCost = 2048;

// cjdns's error strings (see docs/sources.md for where each comes from).
constexpr const char* kBadKey = "bad key";
constexpr const char* kNoPeer = "no peer found for that key";
constexpr const char* kNoSession = "no such session";
constexpr const char* kMalformedIp = "malformed_ip";
constexpr const char* kParseIp = "parse_ip";
constexpr const char* kPasswordDuplicate = "Password already added.";
constexpr const char* kInvalidIpv6 = "Invalid IPv6 Address";
constexpr const char* kUnknownError = "Unknown error.";
constexpr const char* kNoPingSlots = "no open slots to store ping, try later.";
constexpr const char* kNotFound = "not_found";
constexpr const char* kParsePath = "parse_path";
constexpr const char* kParseTarget = "parse_target";
constexpr const char* kNoSuchInterface = "no such interface for interfaceNumber";
constexpr const char* kBadAddress = "unable to parse ip address and port.";
constexpr const char* kWrongFamily = "different address type than this socket is bound to.";
constexpr const char* kInvalidKey = "invalid cjdns public key.";
constexpr const char* kNoSwitchSpace = "no more space to register with the switch.";
constexpr const char* kBindParse = "Failed to parse address";
constexpr const char* kLookupWrongLength = "address wrong length";
// Ours: cjdns has no such limits.
constexpr const char* kTooManyQueries = "too many requests in flight, try later.";
constexpr const char* kDuplicateId = "a request with this id is already pending";

kj::ArrayPtr<const kj::byte> bytesOf(std::span<const std::uint8_t> s) { return kj::arrayPtr(s.data(), s.size()); }
template <std::size_t N>
kj::ArrayPtr<const kj::byte> bytesOf(const std::array<std::uint8_t, N>& a) {
  return kj::arrayPtr(a.data(), a.size());
}

std::optional<crypto::PublicKey> keyFrom(capnp::Data::Reader d) {
  crypto::PublicKey k{};
  if (d.size() != k.size()) return std::nullopt;
  std::memcpy(k.data(), d.begin(), k.size());
  return k;
}

std::optional<crypto::Ip6> ip6From(capnp::Data::Reader d) {
  crypto::Ip6 ip{};
  if (d.size() != ip.size()) return std::nullopt;
  std::memcpy(ip.data(), d.begin(), ip.size());
  return ip;
}

std::string textOf(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

/// "1.2.3.4:5" / "[2001:db8::1]:5" from an LLADDR address; "" for another type.
std::string formatLlAddr(const switching::LlAddr& a) {
  char buf[INET6_ADDRSTRLEN] = {};
  const std::uint16_t port = wire::loadBe16(a.data() + 2);
  if (a[0] == 1) {
    if (inet_ntop(AF_INET, a.data() + 4, buf, sizeof buf) == nullptr) return {};
    return std::string(buf) + ":" + std::to_string(port);
  }
  if (a[0] == 2) {
    if (inet_ntop(AF_INET6, a.data() + 4, buf, sizeof buf) == nullptr) return {};
    return "[" + std::string(buf) + "]:" + std::to_string(port);
  }
  return {};
}

iface::LinkAddress linkAddressOf(proto::SockAddr::Reader a) {
  sockaddr_storage ss{};
  auto ip = a.getIp();
  if (ip.size() == 16) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&ss);
    in6->sin6_family = AF_INET6;
    in6->sin6_port = htons(a.getPort());
    // An unspecified address means this host (as cjdns's beginConnection).
    if (std::all_of(ip.begin(), ip.end(), [](kj::byte b) { return b == 0; })) {
      in6->sin6_addr = in6addr_loopback;
    } else {
      std::memcpy(&in6->sin6_addr, ip.begin(), 16);
    }
    return iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in6));
  }
  auto* in = reinterpret_cast<sockaddr_in*>(&ss);
  in->sin_family = AF_INET;
  in->sin_port = htons(a.getPort());
  std::memcpy(&in->sin_addr, ip.begin(), 4);
  if (in->sin_addr.s_addr == 0) in->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  return iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&ss), sizeof(sockaddr_in));
}

void setNodeRef(proto::NodeRef::Builder b, const crypto::PublicKey& key, std::uint32_t version, std::uint64_t path) {
  b.setPublicKey(bytesOf(key));
  b.setVersion(version);
  b.setPath(path);
}

}  // namespace

std::string interfaceName(const std::string& linkName) {
  if (!linkName.starts_with("UDP/") || linkName.starts_with("UDP/IPv")) return linkName;
  const std::string addr = linkName.substr(4);
  return std::string(addr.starts_with("[") ? "UDP/IPv6/" : "UDP/IPv4/") + addr;
}

std::int64_t heapBytesInUse() {
#if CJDNS_ASAN
  // ASan replaces malloc, and glibc's counters then stay at 0.
  return static_cast<std::int64_t>(__sanitizer_get_current_allocated_bytes());
#else
  const struct mallinfo2 mi = ::mallinfo2();
  return static_cast<std::int64_t>(mi.uordblks + mi.hblkhd);
#endif
}

std::uint32_t bucketFor(const crypto::Ip6& self, const crypto::Ip6& other) {
  // cjdns's Address keeps the address rotated by 64 bits: its "first" 8
  // bytes (longs.one_be) are bytes 8..15 of the address.
  std::uint32_t bucket = 0;
  std::uint64_t x = wire::loadBe64(self.data() + 8) ^ wire::loadBe64(other.data() + 8);
  if (x == 0) {
    x = wire::loadBe64(self.data()) ^ wire::loadBe64(other.data());
    bucket += 64;
  }
  return bucket + 63 - static_cast<std::uint32_t>(switching::labelLog2(x));
}

AdminService::AdminService(node::NodeEngine& engine, AdminContext ctx, AdminLimits limits)
    : engine_(engine), ctx_(std::move(ctx)), limits_(limits) {
  if (ctx_.startedUnixMs == 0) ctx_.startedUnixMs = unixNow();
}

AdminService::~AdminService() { cancelAll(); }

std::uint64_t AdminService::unixNow() const {
  if (ctx_.unixNowMs) return ctx_.unixNowMs();
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

std::uint64_t AdminService::toUnixMs(std::uint64_t engineMs, std::uint64_t nowMs) const {
  if (engineMs == 0) return 0;
  const std::uint64_t unix = unixNow();
  const std::uint64_t ago = nowMs > engineMs ? nowMs - engineMs : 0;
  return unix > ago ? unix - ago : 0;
}

// ---------------------------------------------------------------- answers

void AdminService::answer(std::uint64_t id, const Fill& fill) {
  capnp::MallocMessageBuilder mb(512);
  auto root = mb.initRoot<proto::CoreToAdmin>();
  root.setId(id);
  fill(root);
  ++counters_.answers;
  if (sink_) sink_(mb);
}

void AdminService::answerError(std::uint64_t id, const std::string& error) {
  answer(id, [&](proto::CoreToAdmin::Builder b) { b.setError(error); });
}

void AdminService::answerDone(std::uint64_t id) {
  answer(id, [](proto::CoreToAdmin::Builder b) { b.setDone(); });
}

// ---------------------------------------------------------------- dispatch

AdminService::Outcome AdminService::handle(proto::AdminToCore::Reader request, std::uint64_t nowMs) {
  ++counters_.requests;
  lastNowMs_ = nowMs;
  std::optional<std::uint64_t> id;
  Outcome out = Outcome::kMalformed;
  kj::Maybe<kj::Exception> ex = kj::runCatchingExceptions([&] {
    id = request.getId();
    out = dispatch(*id, request, nowMs);
  });
  KJ_IF_MAYBE(e, ex) {
    (void)e;
    ++counters_.malformed;
    // The answer may have gone out before the exception: only the id's
    // pending state is certain, so an unanswered id gets an error.
    if (id && pending_.find(*id) == pending_.end()) answerError(*id, "malformed request");
    return Outcome::kMalformed;
  }
  return out;
}

AdminService::Outcome AdminService::dispatch(std::uint64_t id, proto::AdminToCore::Reader req, std::uint64_t nowMs) {
  switch (req.which()) {
    case AdminToCore::HELLO:
    case AdminToCore::NODE_INFO:
      answer(id, [&](proto::CoreToAdmin::Builder b) { info(b.initInfo()); });
      return Outcome::kAnswered;

    case AdminToCore::EXIT:
      answerDone(id);
      if (ctx_.stopNode) ctx_.stopNode();
      return Outcome::kAnswered;

    case AdminToCore::PEER_STATS: {
      const auto peers = engine_.peers().peers(nowMs);
      answer(id, [&](proto::CoreToAdmin::Builder b) {
        peerStats(b.initPeers(static_cast<unsigned>(peers.size())), peers, nowMs);
      });
      return Outcome::kAnswered;
    }

    case AdminToCore::INTERFACES: {
      const auto names = engine_.peers().linkNames();
      answer(id, [&](proto::CoreToAdmin::Builder b) {
        auto list = b.initInterfaces(static_cast<unsigned>(names.size()));
        for (unsigned i = 0; i < names.size(); ++i) {
          list[i].setIfNum(i);
          list[i].setName(interfaceName(names[i]));
          list[i].setBeaconState("DISABLED");  // no beacons (yet): cjdns's name for that state
        }
      });
      return Outcome::kAnswered;
    }

    case AdminToCore::DISCONNECT_PEER: {
      const auto key = keyFrom(req.getDisconnectPeer());
      if (!key) {
        answerError(id, kBadKey);
      } else if (engine_.peers().disconnectKey(*key) == 0) {
        answerError(id, kNoPeer);
      } else {
        answerDone(id);
      }
      return Outcome::kAnswered;
    }

    case AdminToCore::RESET_PEERING: {
      const auto d = req.getResetPeering();
      if (d.size() == 0) {
        engine_.peers().resetPeering(nullptr);
        answerDone(id);
      } else if (const auto key = keyFrom(d)) {
        engine_.peers().resetPeering(&*key);  // cjdns: success even when no peer has that key
        answerDone(id);
      } else {
        answerError(id, kBadKey);
      }
      return Outcome::kAnswered;
    }

    case AdminToCore::DUMP_TABLE:
      answer(id, [&](proto::CoreToAdmin::Builder b) { dumpTable(b.initNodes(), nowMs); });
      return Outcome::kAnswered;

    case AdminToCore::NODE_FOR_ADDR: {
      const auto d = req.getNodeForAddr();
      std::optional<crypto::Ip6> ip6 =
          d.size() == 0 ? std::optional<crypto::Ip6>(crypto::addressOf(engine_.publicKey())) : ip6From(d);
      if (!ip6) {
        answerError(id, kParseIp);
      } else {
        answer(id, [&](proto::CoreToAdmin::Builder b) {
          auto nd = b.initNodeDetail();
          nd.setFound(nodeDetail(nd, *ip6));
        });
      }
      return Outcome::kAnswered;
    }

    case AdminToCore::GET_HANDLES: {
      const auto handles = engine_.sessions().handles();
      answer(id, [&](proto::CoreToAdmin::Builder b) {
        auto list = b.initHandles(static_cast<unsigned>(handles.size()));
        for (unsigned i = 0; i < handles.size(); ++i) list.set(i, handles[i]);
      });
      return Outcome::kAnswered;
    }

    case AdminToCore::SESSION_STATS: {
      const auto st = engine_.sessions().sessionStats(req.getSessionStats());
      if (!st) {
        answerError(id, kNoSession);
      } else {
        answer(id, [&](proto::CoreToAdmin::Builder b) { sessionStat(b.initSession(), *st, nowMs); });
      }
      return Outcome::kAnswered;
    }

    case AdminToCore::SESSION_STATS_BY_IP: {
      const auto ip6 = ip6From(req.getSessionStatsByIp());
      const auto st = ip6 ? engine_.sessions().sessionFor(*ip6) : std::nullopt;
      if (!ip6) {
        answerError(id, kMalformedIp);
      } else if (!st) {
        answerError(id, kNoSession);
      } else {
        answer(id, [&](proto::CoreToAdmin::Builder b) { sessionStat(b.initSession(), *st, nowMs); });
      }
      return Outcome::kAnswered;
    }

    case AdminToCore::RESET_SESSION: {
      const auto ip6 = ip6From(req.getResetSession());
      if (!ip6) {
        answerError(id, kMalformedIp);
      } else if (!engine_.sessionManager().resetSession(*ip6)) {
        answerError(id, kNoSession);
      } else {
        answerDone(id);
      }
      return Outcome::kAnswered;
    }

    case AdminToCore::PASSWORD_ADD:
      passwordAdd(id, req.getPasswordAdd());
      return Outcome::kAnswered;

    case AdminToCore::PASSWORD_REMOVE: {
      const auto user = req.getPasswordRemove();
      if (engine_.users().remove(std::string_view(user.cStr(), user.size())) == 0) {
        answerError(id, kUnknownError);
      } else {
        answerDone(id);
      }
      return Outcome::kAnswered;
    }

    case AdminToCore::PASSWORD_LIST: {
      const auto logins = engine_.users().logins();
      answer(id, [&](proto::CoreToAdmin::Builder b) {
        auto list = b.initUsers(static_cast<unsigned>(logins.size()));
        for (unsigned i = 0; i < logins.size(); ++i) list.set(i, logins[i]);
      });
      return Outcome::kAnswered;
    }

    case AdminToCore::SWITCH_PING: return switchPing(id, req.getSwitchPing(), nowMs);
    case AdminToCore::ROUTER_PING: return routerPing(id, req.getRouterPing(), nowMs);
    case AdminToCore::ROUTER_QUERY: return routerQuery(id, req.getRouterQuery(), nowMs);

    case AdminToCore::LOOKUP: {
      const auto ip6 = ip6From(req.getLookup());
      if (!ip6) {
        answerError(id, kLookupWrongLength);
      } else {
        const std::string text = lookup(*ip6);
        answer(id, [&](proto::CoreToAdmin::Builder b) { b.setText(text); });
      }
      return Outcome::kAnswered;
    }

    case AdminToCore::UDP_NEW: return udpNew(id, req.getUdpNew(), nowMs);

    case AdminToCore::UDP_BEGIN_CONNECTION:
      udpBeginConnection(id, req.getUdpBeginConnection(), nowMs);
      return Outcome::kAnswered;

    case AdminToCore::MEMORY: {
      const std::int64_t bytes = heapBytesInUse();
      answer(id, [&](proto::CoreToAdmin::Builder b) { b.setNumber(bytes); });
      return Outcome::kAnswered;
    }

    case AdminToCore::CHECK_PERMISSIONS:
      answer(id, [&](proto::CoreToAdmin::Builder b) {
        auto p = b.initPermissions();
        p.setUserId(static_cast<std::uint32_t>(::getuid()));
        p.setNoOpenFiles(ctx_.noOpenFiles);
      });
      return Outcome::kAnswered;

    case AdminToCore::CANCEL:
      if (cancel(req.getCancel())) ++counters_.cancelled;
      answerDone(id);
      return Outcome::kAnswered;
  }
  ++counters_.unknown;
  answerError(id, "unknown request");
  return Outcome::kAnswered;
}

// ---------------------------------------------------------------- synchronous parts

void AdminService::info(proto::CoreInfo::Builder b) const {
  const crypto::PublicKey& key = engine_.publicKey();
  const crypto::Ip6 ip6 = crypto::addressOf(key);
  b.setPublicKey(bytesOf(key));
  b.setIp6(bytesOf(ip6));
  b.setProtocolVersion(node::kProtocolVersion);
  const auto scheme = switching::EncodingScheme::v358().serialize();
  b.setEncodingScheme(bytesOf(std::span<const std::uint8_t>(scheme)));
  b.setCorePid(ctx_.corePid != 0 ? ctx_.corePid : static_cast<std::uint32_t>(::getpid()));
  b.setAdminPassword(ctx_.adminPassword);
  b.setStartedMs(ctx_.startedUnixMs);
}

void AdminService::peerStats(capnp::List<proto::PeerStat>::Builder list, const std::vector<iface::PeerInfo>& peers,
                             std::uint64_t nowMs) const {
  for (unsigned i = 0; i < peers.size(); ++i) {
    const iface::PeerInfo& p = peers[i];
    auto s = list[i];
    s.setPublicKey(bytesOf(p.publicKey));
    s.setVersion(p.version);
    s.setLabel(p.label);
    s.setState(iface::name(p.state));
    s.setHasUser(!p.user.empty());
    s.setUser(p.user);
    s.setIfNum(p.linkIface);
    s.setIsIncoming(p.incoming);
    s.setLastMs(toUnixMs(p.lastMessageMs, nowMs));
    s.setLladdr(p.address.toString());
    s.setBytesIn(p.counters.bytesIn);
    s.setBytesOut(p.counters.bytesOut);
    s.setReceivedPackets(p.replay.received);
    s.setDuplicates(p.replay.duplicates);
    s.setLostPackets(p.replay.lost);
    s.setReceivedOutOfRange(p.replay.outOfRange);
    s.setRecvKbps(p.recvKbps);
    s.setSendKbps(p.sendKbps);
  }
}

void AdminService::dumpTable(proto::NodeTable::Builder b, std::uint64_t nowMs) const {
  struct Row {
    crypto::PublicKey key{};
    crypto::Ip6 ip6{};
    std::uint64_t path = 0;
    std::uint32_t version = 0;
    std::uint32_t link = 0;
    std::uint64_t timeMs = 0;
  };
  const crypto::Ip6 self = crypto::addressOf(engine_.publicKey());
  std::vector<Row> rows;
  const std::uint64_t unix = unixNow();
  rows.push_back(Row{engine_.publicKey(), self, switching::kSelfLabel, node::kProtocolVersion, kSelfCost,
                     unix > ctx_.startedUnixMs ? unix - ctx_.startedUnixMs : 0});
  // Direct peers as the NodeStore has them: once their version is known.
  std::uint32_t peerCount = 0;
  for (const auto& p : engine_.peers().peers()) {
    if (p.state != iface::PeerState::kEstablished || p.version == 0) continue;
    if (std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return r.key == p.publicKey; })) continue;
    rows.push_back(Row{p.publicKey, crypto::addressOf(p.publicKey), p.label, p.version, kPeerCost,
                       nowMs > p.lastMessageMs ? nowMs - p.lastMessageMs : 0});
    ++peerCount;
  }
  for (const auto& e : engine_.pathfinder().table()) {
    if (std::any_of(rows.begin(), rows.end(), [&](const Row& r) { return r.key == e.node.key; })) continue;
    rows.push_back(Row{e.node.key, e.ip6, e.node.label, e.node.version, kLearnedCost,
                       nowMs > e.lastSeenMs ? nowMs - e.lastSeenMs : 0});
  }
  // cjdns walks its node tree, which is ordered by the rotated address
  // (bytes 8..15, then 0..7); the v21.1 capture lists the larger first.
  std::sort(rows.begin(), rows.end(), [](const Row& a, const Row& c) {
    const auto ka = std::pair(wire::loadBe64(a.ip6.data() + 8), wire::loadBe64(a.ip6.data()));
    const auto kc = std::pair(wire::loadBe64(c.ip6.data() + 8), wire::loadBe64(c.ip6.data()));
    return ka > kc;
  });
  auto list = b.initEntries(static_cast<unsigned>(rows.size()));
  for (unsigned i = 0; i < rows.size(); ++i) {
    const Row& r = rows[i];
    auto e = list[i];
    e.setPublicKey(bytesOf(r.key));
    e.setIp6(bytesOf(r.ip6));
    e.setPath(r.path);
    e.setVersion(r.version);
    e.setLink(r.link);
    e.setBucket(bucketFor(self, r.ip6));
    e.setTimeMs(r.timeMs);
  }
  b.setPeerCount(peerCount);
}

bool AdminService::nodeDetail(proto::NodeDetail::Builder b, const crypto::Ip6& ip6) const {
  const crypto::Ip6 self = crypto::addressOf(engine_.publicKey());
  const auto scheme = switching::EncodingScheme::v358().serialize();
  const auto peers = engine_.peerNodes();
  if (ip6 == self) {
    b.setPublicKey(bytesOf(engine_.publicKey()));
    b.setRouteLabel(switching::kSelfLabel);
    b.setProtocolVersion(node::kProtocolVersion);
    b.setLinkCount(static_cast<std::uint32_t>(peers.size() + 1));  // its peers and the link to itself
    b.setCost(kSelfCost);
    b.setEncodingScheme(bytesOf(std::span<const std::uint8_t>(scheme)));
    b.setBestParentIp6(bytesOf(self));
    b.setBestParentIsOneHop(false);
    b.setBestParentChildLabel(switching::kSelfLabel);
    return true;
  }
  for (const auto& p : peers) {
    if (crypto::addressOf(p.key) != ip6) continue;
    b.setPublicKey(bytesOf(p.key));
    b.setRouteLabel(p.label);
    b.setProtocolVersion(p.version);
    b.setLinkCount(1);  // the link back to us
    b.setCost(kPeerCost);
    b.setEncodingScheme(bytesOf(std::span<const std::uint8_t>(scheme)));
    b.setBestParentIp6(bytesOf(self));
    b.setBestParentIsOneHop(true);
    b.setBestParentChildLabel(p.label);
    return true;
  }
  const auto n = engine_.pathfinder().lookup(ip6);
  if (!n) return false;
  b.setPublicKey(bytesOf(n->key));
  b.setRouteLabel(n->label);
  b.setProtocolVersion(n->version);
  b.setLinkCount(0);
  b.setCost(kLearnedCost);
  b.setEncodingScheme(bytesOf(std::span<const std::uint8_t>(scheme)));
  // We keep no links between other nodes: the best parent we can name is
  // the direct peer its path starts with, and the rest of the path.
  crypto::Ip6 parent = self;
  std::uint64_t childLabel = n->label;
  for (const auto& p : peers) {
    if (p.label > 1 && switching::routesThrough(n->label, p.label)) {
      parent = crypto::addressOf(p.key);
      childLabel = switching::unsplice(n->label, p.label);
      break;
    }
  }
  b.setBestParentIp6(bytesOf(parent));
  b.setBestParentIsOneHop(parent != self && switching::isOneHop(childLabel));
  b.setBestParentChildLabel(childLabel);
  return true;
}

void AdminService::sessionStat(proto::SessionStat::Builder b, const session::SessionStats& s,
                               std::uint64_t nowMs) const {
  b.setPublicKey(bytesOf(s.key));
  b.setIp6(bytesOf(s.ip6));
  b.setVersion(s.version);
  b.setPath(s.path);
  b.setState(crypto::name(s.state));
  b.setHandle(s.receiveHandle);
  b.setSendHandle(s.sendHandle);
  b.setDuplicates(s.replay.duplicates);
  b.setLostPackets(s.replay.lost);
  b.setReceivedOutOfRange(s.replay.outOfRange);
  b.setMetric(s.metric);
  b.setTimeOfLastUsageMs(toUnixMs(s.timeOfLastUsageMs, nowMs));
}

std::string AdminService::lookup(const crypto::Ip6& target) const {
  const crypto::Ip6 self = crypto::addressOf(engine_.publicKey());
  if (target == self) return crypto::labelToString(switching::kSelfLabel);
  if (const auto n = engine_.knownNode(target)) return crypto::labelToString(n->label);
  // As NodeStore_getBest: the known node nearest the target, if it is
  // nearer than we are (a next hop), printed as "ip@label".
  std::vector<routing::DhtNode> known = engine_.peerNodes();
  const auto learned = engine_.pathfinder().nodes();
  known.insert(known.end(), learned.begin(), learned.end());
  std::optional<routing::DhtNode> best;
  for (const auto& n : known) {
    const crypto::Ip6 ip = crypto::addressOf(n.key);
    if (!routing::closer(target, ip, self)) continue;
    if (!best || routing::closer(target, ip, crypto::addressOf(best->key))) best = n;
  }
  if (!best) return "not found";
  return crypto::ip6ToString(crypto::addressOf(best->key)) + "@" + crypto::labelToString(best->label);
}

void AdminService::passwordAdd(std::uint64_t id, proto::PasswordAdd::Reader req) {
  const auto ipv6 = req.getIpv6();
  std::optional<crypto::Ip6> only;
  if (ipv6.size() != 0) {
    only = ip6From(ipv6);
    if (!only) {
      answerError(id, kInvalidIpv6);
      return;
    }
  }
  const std::string password = textOf(req.getPassword());
  const std::string user = textOf(req.getUser());
  if (password.size() > limits_.maxPasswordBytes || user.size() > limits_.maxUserBytes ||
      engine_.users().size() >= limits_.maxUsers) {
    answerError(id, kUnknownError);
    return;
  }
  // Effective at once: the peer controller looks users up at each handshake.
  if (engine_.users().add(password, user, only, user) == crypto::CryptoAuthUsers::AddResult::kDuplicateLogin) {
    answerError(id, kPasswordDuplicate);
    return;
  }
  answerDone(id);
}

void AdminService::udpBeginConnection(std::uint64_t id, proto::UdpConnect::Reader req, std::uint64_t nowMs) {
  const auto names = engine_.peers().linkNames();
  const std::uint32_t ifNum = req.getInterfaceNumber();
  if (ifNum >= names.size()) {
    answerError(id, kNoSuchInterface);
    return;
  }
  const auto peer = req.getPeer();
  const auto key = keyFrom(peer.getPublicKey());
  if (!key) {
    answerError(id, kInvalidKey);
    return;
  }
  const auto addr = req.getAddress();
  if (addr.getIp().size() != 4 && addr.getIp().size() != 16) {
    answerError(id, kBadAddress);
    return;
  }
  // The link's family, from its name ("UDP/[::]:port" is IPv6).
  const std::string name = interfaceName(names[ifNum]);
  if (name.starts_with("UDP/")) {
    const bool linkIs6 = name.starts_with("UDP/IPv6/");
    if (linkIs6 != (addr.getIp().size() == 16)) {
      answerError(id, kWrongFamily);
      return;
    }
  }
  const std::string password = textOf(peer.getPassword());
  const std::string login = textOf(peer.getLogin());
  const std::string peerName = textOf(peer.getPeerName());
  if (password.size() > limits_.maxPasswordBytes || login.size() > limits_.maxUserBytes ||
      peerName.size() > limits_.maxUserBytes) {
    answerError(id, kUnknownError);
    return;
  }
  iface::PeerController::Credentials creds;
  creds.password = password;
  creds.login = login;
  creds.peerName = peerName;
  creds.version = peer.getVersion();
  using R = iface::PeerController::ConnectResult;
  switch (engine_.peers().beginConnection(ifNum, linkAddressOf(addr), *key, creds, nowMs)) {
    case R::kOk:
    case R::kUpdated: answerDone(id); return;
    case R::kBadKey:
    case R::kOwnKey: answerError(id, kInvalidKey); return;
    case R::kNoFreeSlot: answerError(id, kNoSwitchSpace); return;
    case R::kNoSuchInterface: answerError(id, kNoSuchInterface); return;
  }
  answerError(id, "unknown error");
}

// ---------------------------------------------------------------- asynchronous parts

bool AdminService::admitAsync(std::uint64_t id) {
  if (pending_.count(id) != 0) {
    answerError(id, kDuplicateId);
    return false;
  }
  if (pending_.size() >= limits_.maxPending) {
    ++counters_.asyncRefused;
    answerError(id, kTooManyQueries);
    return false;
  }
  return true;
}

AdminService::Outcome AdminService::switchPing(std::uint64_t id, proto::SwitchPing::Reader req, std::uint64_t nowMs) {
  if (!admitAsync(id)) return Outcome::kAnswered;
  switching::SwitchPingKind kind = switching::SwitchPingKind::kPing;
  switch (req.getKind()) {
    case proto::SwitchPingKind::PING: kind = switching::SwitchPingKind::kPing; break;
    case proto::SwitchPingKind::KEY_PING: kind = switching::SwitchPingKind::kKeyPing; break;
    case proto::SwitchPingKind::GET_SNODE: kind = switching::SwitchPingKind::kGetSnode; break;
    case proto::SwitchPingKind::RPATH: kind = switching::SwitchPingKind::kRPath; break;
    case proto::SwitchPingKind::LLADDR: kind = switching::SwitchPingKind::kLlAddr; break;
  }
  const auto data = req.getData();
  if (data.size() > limits_.maxPingData) {
    answerError(id, kNoPingSlots);  // what cjdns answers when SwitchPinger_newPing refuses
    return Outcome::kAnswered;
  }
  const std::uint64_t path = req.getPath();
  pending_[id] = Pending{PendingKind::kSwitchPing, 0, 0};
  ++counters_.asyncStarted;
  auto cb = [this, id, path](const switching::SwitchPingReply& r) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    pending_.erase(it);
    ++counters_.asyncAnswered;
    answer(id, [&](proto::CoreToAdmin::Builder b) {
      auto p = b.initSwitchPong();
      p.setResult(switching::resultName(r.result));
      p.setMs(r.ms);
      p.setPath(path);
      p.setVersion(r.version);
      p.setData(bytesOf(std::span<const std::uint8_t>(r.data)));
      if (r.key) p.setKey(bytesOf(*r.key));
      if (r.result == switching::SwitchPingResult::kLabelMismatch) p.setResponsePath(r.responsePath);
      if (r.snode) setNodeRef(p.initSnode(), r.snode->key, r.snode->version, r.snode->path);
      p.setRpath(r.rpath);
      if (r.lladdr) p.setLladdr(formatLlAddr(*r.lladdr));
    });
  };
  const auto started = engine_.switchPing(kind, path, std::span<const std::uint8_t>(data.begin(), data.size()),
                                          req.getTimeoutMs(), std::move(cb), nowMs);
  auto it = pending_.find(id);
  if (started.error != switching::SwitchPinger::StartError::kNone) {
    if (it != pending_.end()) pending_.erase(it);
    ++counters_.asyncRefused;
    answerError(id, kNoPingSlots);
    return Outcome::kAnswered;
  }
  if (it == pending_.end()) return Outcome::kAnswered;  // answered already (a ping to ourselves)
  it->second.handle = started.handle;
  return Outcome::kPending;
}

AdminService::Outcome AdminService::routerPing(std::uint64_t id, proto::RouterPing::Reader req, std::uint64_t nowMs) {
  if (!admitAsync(id)) return Outcome::kAnswered;
  std::optional<routing::DhtNode> node;
  if (req.which() == proto::RouterPing::IP6) {
    const auto ip6 = ip6From(req.getIp6());
    if (!ip6) {
      answerError(id, kParsePath);
      return Outcome::kAnswered;
    }
    node = engine_.knownNode(*ip6);
  } else {
    node = engine_.knownNodeByLabel(req.getPath());
  }
  if (!node) {
    answerError(id, kNotFound);
    return Outcome::kAnswered;
  }
  pending_[id] = Pending{PendingKind::kRouterQuery, 0, 0};
  ++counters_.asyncStarted;
  auto cb = [this, id](const routing::RouterQueryReply& r) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    pending_.erase(it);
    ++counters_.asyncAnswered;
    answer(id, [&](proto::CoreToAdmin::Builder b) {
      auto p = b.initRouterPong();
      p.setResult(r.timedOut ? "timeout" : "pong");
      p.setMs(r.ms);
      if (!r.timedOut && r.reply.isDict()) {
        const util::Value* pv = r.reply.asDict().find("p");
        if (pv != nullptr && pv->isInt() && pv->asInt() >= 0 && pv->asInt() <= 0xffffffff) {
          p.setProtocol(static_cast<std::uint32_t>(pv->asInt()));
        }
      }
      setNodeRef(p.initFrom(), r.from.key, r.from.version, r.from.label);
    });
  };
  const auto q = engine_.routerQuery(routing::RouterQueryKind::kPing, *node, {}, req.getTimeoutMs(), std::move(cb),
                                     nowMs);
  auto it = pending_.find(id);
  if (!q) {
    if (it != pending_.end()) pending_.erase(it);
    ++counters_.asyncRefused;
    answerError(id, kTooManyQueries);
    return Outcome::kAnswered;
  }
  if (it == pending_.end()) return Outcome::kAnswered;
  it->second.handle = *q;
  return Outcome::kPending;
}

AdminService::Outcome AdminService::routerQuery(std::uint64_t id, proto::RouterQuery::Reader req,
                                                std::uint64_t nowMs) {
  if (!admitAsync(id)) return Outcome::kAnswered;
  std::optional<routing::DhtNode> node;
  if (req.which() == proto::RouterQuery::IP6) {
    const auto ip6 = ip6From(req.getIp6());
    if (!ip6) {
      answerError(id, kParsePath);
      return Outcome::kAnswered;
    }
    node = engine_.knownNode(*ip6);
  } else {
    node = engine_.knownNodeByLabel(req.getPath());
  }
  if (!node) {
    answerError(id, kNotFound);
    return Outcome::kAnswered;
  }
  routing::RouterQueryKind kind = routing::RouterQueryKind::kGetPeers;
  std::string target;
  switch (req.getKind()) {
    case proto::RouterQueryKind::GET_PEERS: {
      kind = routing::RouterQueryKind::kGetPeers;
      target.resize(8);
      wire::storeBe64(reinterpret_cast<std::uint8_t*>(target.data()), req.getNearbyPath());
      break;
    }
    case proto::RouterQueryKind::FIND_NODE:
    case proto::RouterQueryKind::NEXT_HOP: {
      kind = req.getKind() == proto::RouterQueryKind::FIND_NODE ? routing::RouterQueryKind::kFindNode
                                                                 : routing::RouterQueryKind::kNextHop;
      const auto t = ip6From(req.getTarget());
      if (!t) {
        answerError(id, kParseTarget);
        return Outcome::kAnswered;
      }
      target.assign(reinterpret_cast<const char*>(t->data()), t->size());
      break;
    }
  }
  // getPeers lists labels as the node asked wrote them; findNode and
  // nextHop splice them onto our path to it (RouterModule_admin genericResponse).
  const bool splice = kind != routing::RouterQueryKind::kGetPeers;
  const char* name = splice ? "nodes" : "peers";
  pending_[id] = Pending{PendingKind::kRouterQuery, 0, 0};
  ++counters_.asyncStarted;
  const std::uint64_t askedPath = node->label;
  auto cb = [this, id, splice, name, askedPath](const routing::RouterQueryReply& r) {
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    pending_.erase(it);
    ++counters_.asyncAnswered;
    std::vector<routing::DhtNode> nodes;
    std::string scheme;
    if (!r.timedOut && r.reply.isDict()) {
      const util::Dict& d = r.reply.asDict();
      for (routing::DhtNode n : routing::parseNodeList(d).value_or(std::vector<routing::DhtNode>{})) {
        if (splice) {
          n.label = switching::splice(n.label, askedPath);
          if (n.label == switching::kInvalidLabel) continue;
        }
        if (!crypto::isValidAddress(crypto::addressOf(n.key))) continue;
        nodes.push_back(n);
      }
      const util::Value* es = d.find("es");
      if (es != nullptr && es->isString()) scheme = es->asString();
    }
    answer(id, [&](proto::CoreToAdmin::Builder b) {
      auto rn = b.initRouterNodes();
      rn.setResult(r.timedOut ? "timeout" : name);
      rn.setMs(r.ms);
      auto list = rn.initNodes(static_cast<unsigned>(nodes.size()));
      for (unsigned i = 0; i < nodes.size(); ++i) setNodeRef(list[i], nodes[i].key, nodes[i].version, nodes[i].label);
      rn.setEncodingScheme(kj::arrayPtr(reinterpret_cast<const kj::byte*>(scheme.data()), scheme.size()));
    });
  };
  const auto q = engine_.routerQuery(kind, *node, std::move(target), req.getTimeoutMs(), std::move(cb), nowMs);
  auto it = pending_.find(id);
  if (!q) {
    if (it != pending_.end()) pending_.erase(it);
    ++counters_.asyncRefused;
    answerError(id, kTooManyQueries);
    return Outcome::kAnswered;
  }
  if (it == pending_.end()) return Outcome::kAnswered;
  it->second.handle = *q;
  return Outcome::kPending;
}

AdminService::Outcome AdminService::udpNew(std::uint64_t id, proto::SockAddr::Reader addr, std::uint64_t nowMs) {
  if (!admitAsync(id)) return Outcome::kAnswered;
  const auto ip = addr.getIp();
  if (ip.size() != 4 && ip.size() != 16) {
    answerError(id, kBindParse);
    return Outcome::kAnswered;
  }
  if (!ctx_.requestUdpSocket || !ctx_.addUdpSocket) {
    answerError(id, "UDPInterface_new is not available in this core");
    return Outcome::kAnswered;
  }
  const auto udpPending = static_cast<std::size_t>(std::count_if(
      pending_.begin(), pending_.end(), [](const auto& kv) { return kv.second.kind == PendingKind::kUdp; }));
  if (udpPending >= limits_.maxPendingUdp) {
    ++counters_.asyncRefused;
    answerError(id, kTooManyQueries);
    return Outcome::kAnswered;
  }
  pending_[id] = Pending{PendingKind::kUdp, 0, nowMs + limits_.udpTimeoutMs};
  ++counters_.asyncStarted;
  const auto err = ctx_.requestUdpSocket(id, std::span<const std::uint8_t>(ip.begin(), ip.size()), addr.getPort());
  if (err) {
    auto it = pending_.find(id);
    if (it != pending_.end()) {
      pending_.erase(it);
      answerError(id, *err);
    }
    return Outcome::kAnswered;
  }
  return pending_.count(id) != 0 ? Outcome::kPending : Outcome::kAnswered;
}

void AdminService::udpSocketOpened(std::uint64_t token, int fd) {
  auto it = pending_.find(token);
  if (it == pending_.end() || it->second.kind != PendingKind::kUdp) {
    // Nobody waits for it any more (cancelled, timed out): still a working
    // socket, and the node may as well use it, but nobody asked. Close it.
    if (fd >= 0) ::close(fd);
    return;
  }
  pending_.erase(it);
  ++counters_.asyncAnswered;
  auto added = ctx_.addUdpSocket(fd);
  if (const auto* e = std::get_if<std::string>(&added)) {
    answerError(token, *e);
    return;
  }
  const auto& a = std::get<AdminContext::UdpAdded>(added);
  answer(token, [&](proto::CoreToAdmin::Builder b) {
    auto u = b.initUdpInterface();
    u.setInterfaceNumber(a.interfaceNumber);
    u.setBindAddress(a.bindAddress);
  });
}

void AdminService::udpSocketFailed(std::uint64_t token, const std::string& error) {
  auto it = pending_.find(token);
  if (it == pending_.end() || it->second.kind != PendingKind::kUdp) return;
  pending_.erase(it);
  ++counters_.asyncAnswered;
  answerError(token, error);
}

bool AdminService::cancel(std::uint64_t id) {
  auto it = pending_.find(id);
  if (it == pending_.end()) return false;
  const Pending p = it->second;
  pending_.erase(it);
  switch (p.kind) {
    case PendingKind::kSwitchPing: engine_.cancelSwitchPing(p.handle); break;
    case PendingKind::kRouterQuery: engine_.cancelRouterQuery(p.handle); break;
    case PendingKind::kUdp: break;  // a socket that comes later is closed
  }
  return true;
}

void AdminService::cancelAll() {
  while (!pending_.empty()) cancel(pending_.begin()->first);
}

void AdminService::tick(std::uint64_t nowMs) {
  lastNowMs_ = nowMs;
  engine_.tickAdmin(nowMs);  // switch pings and router queries time out there
  std::vector<std::uint64_t> late;
  for (const auto& [id, p] : pending_) {
    if (p.kind == PendingKind::kUdp && nowMs >= p.deadlineMs) late.push_back(id);
  }
  for (const std::uint64_t id : late) {
    pending_.erase(id);
    ++counters_.asyncAnswered;
    answerError(id, "timeout waiting for the socket");
  }
}

}  // namespace cjdns::admin
