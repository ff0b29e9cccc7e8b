#include "core/iptunnel/ip-tunnel.h"

#include <algorithm>
#include <optional>

#include "core/wire/endian.h"

namespace cjdns::iptunnel {
namespace {

bool allZero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

bool isCjdns(std::span<const std::uint8_t> ip6) { return ip6[0] == 0xfc; }

util::Error refusal(std::string why) { return util::Error{std::move(why), {}, {}}; }

/// Why a gateway may not hand out these blocks, or "" if it may.
std::string grantProblem(const Grants& g) {
  if (g.empty()) return "at least one of ip4Address and ip6Address is required";
  if (g.ip4) {
    if (allZero(g.ip4->address)) return "ip4Address is 0.0.0.0";
    if (g.ip4->prefix > 32) return "ip4Prefix is out of range 0-32";
    if (g.ip4->alloc < 1 || g.ip4->alloc > 32) return "ip4Alloc is out of range 1-32";
  }
  if (g.ip6) {
    if (allZero(g.ip6->address)) return "ip6Address is ::";
    if (isCjdns(g.ip6->address)) return "ip6Address is in fc00::/8";
    if (g.ip6->prefix > 128) return "ip6Prefix is out of range 0-128";
    if (g.ip6->alloc < 1 || g.ip6->alloc > 128) return "ip6Alloc is out of range 1-128";
  }
  return {};
}

/// The block a connection's address of one family may use (address/alloc).
bool inBlock(const Grants& g, bool v6, std::span<const std::uint8_t> address) {
  if (v6) return g.ip6 && samePrefix(address, g.ip6->address, g.ip6->alloc);
  return g.ip4 && samePrefix(address, g.ip4->address, g.ip4->alloc);
}

/// The network behind a gateway (address/prefix), if it is not just the address.
std::optional<IpPrefix> networkOf(const Grants& g, bool v6) {
  if (v6 && g.ip6 && g.ip6->prefix < 128) return IpPrefix::of6(g.ip6->address, g.ip6->prefix).masked();
  if (!v6 && g.ip4 && g.ip4->prefix < 32) return IpPrefix::of4(g.ip4->address, g.ip4->prefix).masked();
  return std::nullopt;
}

/// An IP packet's header fields, checked against the bytes that are there.
struct IpView {
  bool v6 = false;
  std::size_t length = 0;  ///< what the header says the packet is
  std::span<const std::uint8_t> source;
  std::span<const std::uint8_t> destination;
};

Verdict viewIp6(std::span<const std::uint8_t> b, IpView& out) {
  if (b.size() < kIp6HeaderSize) return Verdict::kRunt;
  out.v6 = true;
  out.length = kIp6HeaderSize + wire::loadBe16(b.data() + 4);
  out.source = b.subspan(8, 16);
  out.destination = b.subspan(24, 16);
  return out.length > b.size() ? Verdict::kRunt : Verdict::kForwarded;
}

Verdict viewIp4(std::span<const std::uint8_t> b, IpView& out) {
  if (b.size() < kIp4HeaderSize) return Verdict::kRunt;
  const std::size_t headerLength = std::size_t{b[0] & 0x0fu} * 4;
  out.length = wire::loadBe16(b.data() + 2);
  out.source = b.subspan(12, 4);
  out.destination = b.subspan(16, 4);
  const bool fits = headerLength >= kIp4HeaderSize && out.length >= headerLength && out.length <= b.size();
  return fits ? Verdict::kForwarded : Verdict::kRunt;
}

/// kForwarded if `b` is a whole IPv4 or IPv6 packet, else why not.
Verdict viewIp(std::span<const std::uint8_t> b, IpView& out) {
  if (b.empty()) return Verdict::kRunt;
  switch (b[0] >> 4) {
    case 6: return viewIp6(b, out);
    case 4: return viewIp4(b, out);
    default: return Verdict::kNotIp;
  }
}

Verdict count(std::uint64_t& counter, Verdict v) {
  ++counter;
  return v;
}

/// Takes the first block offered for a family; counts a repeat or a change.
template <typename G>
bool takeOne(std::optional<G>& have, const G& offered, IpTunnelCounters& c) {
  if (have) {
    ++(*have == offered ? c.grantRepeated : c.grantChanged);
    return false;
  }
  have = offered;
  return true;
}

}  // namespace

const char* describe(Verdict v) {
  switch (v) {
    case Verdict::kForwarded: return "forwarded";
    case Verdict::kControl: return "control message";
    case Verdict::kRunt: return "runt";
    case Verdict::kNotIp: return "not IPv4 or IPv6";
    case Verdict::kCjdnsAddress: return "fc00::/8 address";
    case Verdict::kNoConnection: return "no connection for the address";
    case Verdict::kUnknownKey: return "no connection for the key";
    case Verdict::kZeroAddress: return "zero address";
    case Verdict::kSpoofed: return "address outside the connection's block";
    case Verdict::kBadControl: return "bad control message";
    case Verdict::kControlRefused: return "control message refused";
  }
  return "unknown";
}

IpTunnel::IpTunnel(IpTunnelHost& host, IpTunnelConfig config) : host_(host), config_(config) {}

// ---- The connection table ----

util::Result<std::uint32_t> IpTunnel::allowConnection(const crypto::PublicKey& key, const Grants& grants) {
  if (std::string why = grantProblem(grants); !why.empty()) return refusal(std::move(why));
  return add(key, false, grants);
}

util::Result<std::uint32_t> IpTunnel::connectTo(const crypto::PublicKey& key, std::uint64_t nowMs) {
  auto number = add(key, true, {});
  if (number) sendRequest(connections_.back(), nowMs);
  return number;
}

util::Result<std::uint32_t> IpTunnel::add(const crypto::PublicKey& key, bool outgoing, const Grants& grants) {
  if (const Connection* c = byKey(key)) {
    return refusal("that key has connection " + std::to_string(c->number) + " already");
  }
  if (connections_.size() >= config_.maxConnections) return refusal("too many connections");
  connections_.push_back(Connection{nextNumber_, key, outgoing, grants});
  return nextNumber_++;
}

bool IpTunnel::removeConnection(std::uint32_t number) {
  const auto it = std::find_if(connections_.begin(), connections_.end(),
                               [&](const Connection& c) { return c.number == number; });
  if (it == connections_.end()) return false;
  connections_.erase(it);
  return true;
}

const Connection* IpTunnel::connection(std::uint32_t number) const {
  const auto it = std::find_if(connections_.begin(), connections_.end(),
                               [&](const Connection& c) { return c.number == number; });
  return it == connections_.end() ? nullptr : &*it;
}

Connection* IpTunnel::byNumber(std::uint32_t number) { return const_cast<Connection*>(connection(number)); }

Connection* IpTunnel::byKey(const crypto::PublicKey& key) {
  const auto it =
      std::find_if(connections_.begin(), connections_.end(), [&](const Connection& c) { return c.key == key; });
  return it == connections_.end() ? nullptr : &*it;
}

/// The connection whose block holds our side's address: a gateway's clients
/// first (their destination), then our gateways (our source), as cjdns
/// keeps incoming connections ahead of outgoing ones.
const Connection* IpTunnel::ownerOf(std::span<const std::uint8_t> source, std::span<const std::uint8_t> destination,
                                    bool v6) const {
  for (const bool outgoing : {false, true}) {
    for (const Connection& c : connections_) {
      if (c.outgoing == outgoing && inBlock(c.grants, v6, outgoing ? source : destination)) return &c;
    }
  }
  return nullptr;
}

// ---- Address requests ----

void IpTunnel::tick(std::uint64_t nowMs) {
  if (!pollStarted_) {
    pollStarted_ = true;
    nextPollMs_ = nowMs + config_.requestIntervalMs;
  }
  if (nowMs < nextPollMs_) return;
  nextPollMs_ = nowMs + config_.requestIntervalMs;
  pollOne(nowMs);
}

/// Asks the next gateway that has not answered, round robin.
void IpTunnel::pollOne(std::uint64_t nowMs) {
  const std::size_t n = connections_.size();
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t at = (pollCursor_ + i) % n;
    if (connections_[at].outgoing && connections_[at].grants.empty()) {
      pollCursor_ = at + 1;
      sendRequest(connections_[at], nowMs);
      return;
    }
  }
}

void IpTunnel::sendRequest(const Connection& c, std::uint64_t nowMs) {
  const crypto::PublicKey to = c.key;
  const std::string body = encodeRequest(txidFor(c.number));
  ++counters_.requestsSent;
  sendControl(to, body, nowMs);
}

void IpTunnel::sendControl(const crypto::PublicKey& to, const std::string& body, std::uint64_t nowMs) {
  // Rare and small: a message of its own, so that the host may call back.
  wire::Message msg(wire::Message::kDefaultHeadroom);
  const bool built =
      msg.append({reinterpret_cast<const std::uint8_t*>(body.data()), body.size()}) && wrapControl(msg);
  if (built) host_.sendToNode(to, msg, nowMs);  // bodies are bounded well below kMaxControlBody
}

// ---- Packets ----

Verdict IpTunnel::fromTun(wire::Message& packet, std::uint64_t nowMs) {
  IpView v;
  const Verdict shape = viewIp(packet.bytes(), v);
  if (shape == Verdict::kRunt) return count(counters_.tunRunt, shape);
  if (shape == Verdict::kNotIp) return count(counters_.tunNotIp, shape);
  if (v.v6 && (isCjdns(v.source) || isCjdns(v.destination))) {
    return count(counters_.tunCjdnsAddress, Verdict::kCjdnsAddress);
  }
  // Both zero would read as a control message on the far side.
  if (allZero(v.source) || allZero(v.destination)) return count(counters_.tunZeroAddress, Verdict::kZeroAddress);
  const Connection* c = ownerOf(v.source, v.destination, v.v6);
  if (c == nullptr) return count(counters_.tunNoConnection, Verdict::kNoConnection);
  const crypto::PublicKey to = c->key;
  (void)packet.truncate(v.length);
  ++counters_.tunForwarded;
  host_.sendToNode(to, packet, nowMs);
  return Verdict::kForwarded;
}

Verdict IpTunnel::fromNode(const crypto::PublicKey& key, wire::Message& payload, std::uint64_t nowMs) {
  const Connection* c = byKey(key);
  if (c == nullptr) return count(counters_.nodeUnknownKey, Verdict::kUnknownKey);
  if (looksLikeControl(payload.bytes())) return control(*c, payload.bytes(), nowMs);
  IpView v;
  const Verdict shape = viewIp(payload.bytes(), v);
  if (shape == Verdict::kRunt) return count(counters_.nodeRunt, shape);
  if (shape == Verdict::kNotIp) return count(counters_.nodeNotIp, shape);
  const Verdict checked = checkFromNode(*c, v.v6, v.source, v.destination);
  if (checked != Verdict::kForwarded) return checked;
  (void)payload.truncate(v.length);
  ++counters_.nodeForwarded;
  host_.writeToTun(payload, v.v6 ? kEthertypeIp6 : kEthertypeIp4);
  return Verdict::kForwarded;
}

/// The far side's address must be in the connection's block: a client's
/// destination, a gateway's source.
Verdict IpTunnel::checkFromNode(const Connection& c, bool v6, std::span<const std::uint8_t> source,
                                std::span<const std::uint8_t> destination) {
  if (allZero(source) || allZero(destination)) return count(counters_.nodeZeroAddress, Verdict::kZeroAddress);
  if (v6 && (isCjdns(source) || isCjdns(destination))) return count(counters_.nodeCjdnsAddress, Verdict::kCjdnsAddress);
  if (!inBlock(c.grants, v6, c.outgoing ? destination : source)) return count(counters_.nodeSpoofed, Verdict::kSpoofed);
  return Verdict::kForwarded;
}

// ---- Control messages ----

Verdict IpTunnel::control(const Connection& c, std::span<const std::uint8_t> packet, std::uint64_t nowMs) {
  const ControlParse p = parseControl(packet);
  if (p.error != ControlError::kNone) {
    ++counters_.badControl[static_cast<std::size_t>(p.error)];
    return Verdict::kBadControl;
  }
  return p.message.kind == ControlKind::kRequest ? onRequest(c, p.message, nowMs) : onResponse(c, p.message);
}

Verdict IpTunnel::onRequest(const Connection& c, const ControlMessage& m, std::uint64_t nowMs) {
  if (c.outgoing) return count(counters_.requestOnOutgoing, Verdict::kControlRefused);
  const crypto::PublicKey to = c.key;
  const std::string body = encodeResponse(c.grants, m.txid);  // an incoming connection always has a block
  ++counters_.requestsAnswered;
  sendControl(to, body, nowMs);
  return Verdict::kControl;
}

Verdict IpTunnel::onResponse(const Connection& c, const ControlMessage& m) {
  if (!c.outgoing) return count(counters_.responseOnIncoming, Verdict::kControlRefused);
  const std::optional<std::uint32_t> number = connectionOf(*m.txid);
  Connection* asked = number ? byNumber(*number) : nullptr;
  if (asked == nullptr || !asked->outgoing || asked->key != c.key) {
    return count(counters_.responseBadTxid, Verdict::kControlRefused);
  }
  ++counters_.responsesTaken;
  take(*asked, m.grants);
  return Verdict::kControl;
}

/// Records the blocks a gateway gave us and wants their routes; then tells
/// the host (the connection may be gone after the first callback).
void IpTunnel::take(Connection& c, const Grants& g) {
  const crypto::PublicKey gateway = c.key;
  std::vector<IpPrefix> addresses;
  if (g.ip4 && takeOne(c.grants.ip4, *g.ip4, counters_)) {
    addresses.push_back(IpPrefix::of4(g.ip4->address, g.ip4->alloc));
    if (auto net = networkOf(c.grants, false)) routeGen_.addPrefix(*net);
  }
  if (g.ip6 && takeOne(c.grants.ip6, *g.ip6, counters_)) {
    addresses.push_back(IpPrefix::of6(g.ip6->address, g.ip6->alloc));
    if (auto net = networkOf(c.grants, true)) routeGen_.addPrefix(*net);
  }
  for (const IpPrefix& a : addresses) reportAddress(a, gateway);
  if (!addresses.empty()) commitRoutes();
}

// ---- Reports to the host ----

bool IpTunnel::budgetLeft() {
  if (reported_ < config_.maxReportedPrefixes) return true;
  ++counters_.prefixesOverBudget;
  return false;
}

void IpTunnel::reportAddress(const IpPrefix& p, const crypto::PublicKey& gateway) {
  if (!budgetLeft()) return;
  ++reported_;
  ++counters_.addressesReported;
  host_.addTunnelAddress(TunnelPrefix{p, gateway});
}

/// The gateway whose network holds `route`.
const Connection* IpTunnel::gatewayFor(const IpPrefix& route) const {
  for (const Connection& c : connections_) {
    const auto net = networkOf(c.grants, route.v6);
    if (c.outgoing && net && net->contains(route)) return &c;
  }
  return nullptr;
}

void IpTunnel::commitRoutes() {
  for (const IpPrefix& r : routeGen_.generate()) {
    if (std::find(reportedRoutes_.begin(), reportedRoutes_.end(), r) != reportedRoutes_.end()) continue;
    const Connection* gw = gatewayFor(r);
    if (gw == nullptr) {
      ++counters_.routesWithoutGateway;
      continue;
    }
    if (!budgetLeft()) continue;
    const crypto::PublicKey gateway = gw->key;
    reportedRoutes_.push_back(r);
    ++reported_;
    ++counters_.routesReported;
    host_.addTunnelRoute(TunnelPrefix{r, gateway});
  }
}

}  // namespace cjdns::iptunnel
