#include "core/sim/sim-network.h"

#include <arpa/inet.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <thread>

#include "core/switch/encoding-scheme.h"

namespace cjdns::sim {

namespace {

constexpr std::uint16_t kSimPort = 7937;
constexpr const char* kSimPassword = "sim-network-password";
constexpr std::uint32_t kTick = UINT32_MAX;
constexpr std::uint16_t kUdpContentType = 17;

iface::LinkAddress addressOfIndex(std::size_t i) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(kSimPort);
  a.sin_addr.s_addr = htonl(0x0a000000u + static_cast<std::uint32_t>(i) + 1);
  return iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&a), sizeof a);
}

/// The node index an address of ours encodes, or SIZE_MAX.
std::size_t indexOfAddress(const iface::LinkAddress& to) {
  if (to.family() != AF_INET) return SIZE_MAX;
  sockaddr_in a{};
  std::memcpy(&a, to.sockaddrPtr(), sizeof a);
  std::uint32_t host = ntohl(a.sin_addr.s_addr);
  if ((host & 0xff000000u) != 0x0a000000u || (host & 0x00ffffffu) == 0) return SIZE_MAX;
  return (host & 0x00ffffffu) - 1;
}

crypto::PrivateKey keyForIndex(std::uint64_t seed, std::size_t i) {
  crypto::DeterministicRandom r(seed * 1'000'003ull + i + 1);
  return crypto::drawFcKey(r);
}

constexpr char kCacheMagic[8] = {'C', 'J', 'S', 'I', 'M', 'K', 'E', 'Y'};

bool readKeyCache(const std::string& path, std::uint64_t seed, std::size_t count, std::vector<crypto::PrivateKey>& out) {
  std::ifstream in(path, std::ios::binary);
  char magic[8];
  std::uint64_t fileSeed = 0, fileCount = 0;
  if (!in.read(magic, 8) || std::memcmp(magic, kCacheMagic, 8) != 0) return false;
  if (!in.read(reinterpret_cast<char*>(&fileSeed), 8) || !in.read(reinterpret_cast<char*>(&fileCount), 8)) return false;
  if (fileSeed != seed || fileCount < count) return false;
  out.clear();
  for (std::size_t i = 0; i < count; ++i) {
    std::array<std::uint8_t, 32> b{};
    if (!in.read(reinterpret_cast<char*>(b.data()), 32)) return false;
    out.emplace_back(b);
  }
  return true;
}

void writeKeyCache(const std::string& path, std::uint64_t seed, const std::vector<crypto::PrivateKey>& keys) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    std::uint64_t count = keys.size();
    out.write(kCacheMagic, 8);
    out.write(reinterpret_cast<const char*>(&seed), 8);
    out.write(reinterpret_cast<const char*>(&count), 8);
    for (const auto& k : keys) out.write(reinterpret_cast<const char*>(k.bytes().data()), 32);
    if (!out) return;
  }
  std::rename(tmp.c_str(), path.c_str());
}

}  // namespace

std::vector<crypto::PrivateKey> simKeys(std::uint64_t seed, std::size_t count, const std::string& cachePath,
                                        unsigned threads) {
  std::vector<crypto::PrivateKey> keys;
  if (!cachePath.empty() && readKeyCache(cachePath, seed, count, keys)) return keys;
  keys.resize(count);
  std::vector<std::thread> workers;
  for (unsigned t = 0; t < std::max(1u, threads); ++t) {
    workers.emplace_back([&, t] {
      for (std::size_t i = t; i < count; i += std::max(1u, threads)) keys[i] = keyForIndex(seed, i);
    });
  }
  for (auto& w : workers) w.join();
  if (!cachePath.empty()) writeKeyCache(cachePath, seed, keys);
  return keys;
}

int labelHops(std::uint64_t label) {
  const auto& scheme = switching::EncodingScheme::v358();
  int hops = 0;
  while (label > 1) {
    int form = scheme.formNumber(label);
    if (form < 0 || hops > 64) return -1;
    label >>= scheme.forms()[static_cast<std::size_t>(form)].width();
    ++hops;
  }
  return label == 1 ? hops : -1;
}

class SimNetwork::Node final : public iface::LinkSender {
 public:
  Node(SimNetwork& net, std::uint32_t index, const crypto::PrivateKey& key)
      : net_(net), index_(index), rng_(net.rng_()), key_(key), addr(addressOfIndex(index)) {
    ip6 = crypto::addressOf(crypto::publicKeyOf(key_));
    engine = std::make_unique<node::NodeEngine>(key_, rng_, *this);
    engine->peers().addLinkInterface("sim");
    engine->users().add(kSimPassword, "sim");
  }
  bool sendOnLink(unsigned, const iface::LinkAddress& to, const wire::Message& msg) override {
    return net_.transmit(index_, to, msg);
  }
  const LinkParams* linkTo(std::uint32_t other) const {
    for (const auto& [peer, params] : links)
      if (peer == other) return &params;
    return nullptr;
  }

 private:
  SimNetwork& net_;
  std::uint32_t index_;
  crypto::DeterministicRandom rng_;
  crypto::PrivateKey key_;

 public:
  iface::LinkAddress addr;
  crypto::Ip6 ip6{};
  std::unique_ptr<node::NodeEngine> engine;
  std::vector<std::pair<std::uint32_t, LinkParams>> links;
  bool down = false;
};

SimNetwork::SimNetwork(std::uint64_t seed, std::uint64_t tickMs) : tickMs_(tickMs), rng_(seed) {}

SimNetwork::~SimNetwork() = default;

bool SimNetwork::isDown(std::size_t i) const { return nodes_[i]->down; }
node::NodeEngine& SimNetwork::engine(std::size_t i) { return *nodes_[i]->engine; }
const crypto::Ip6& SimNetwork::ip6(std::size_t i) const { return nodes_[i]->ip6; }

std::size_t SimNetwork::addNode(const crypto::PrivateKey& key) {
  auto index = static_cast<std::uint32_t>(nodes_.size());
  nodes_.push_back(std::make_unique<Node>(*this, index, key));
  nodes_.back()->engine->setDataHandler(
      [this, index](const session::Delivery& d, wire::Message& payload, std::uint64_t nowMs) {
        ++counters_.dataDelivered;
        if (onDelivery_) onDelivery_(index, d, payload, nowMs);
      });
  events_.push({now_ + rng_() % tickMs_, seq_++, index, kTick});
  return index;
}

bool SimNetwork::addLink(std::size_t a, std::size_t b, LinkParams p) {
  if (a >= nodes_.size() || b >= nodes_.size() || a == b || nodes_[a]->linkTo(static_cast<std::uint32_t>(b)))
    return false;
  nodes_[a]->links.emplace_back(static_cast<std::uint32_t>(b), p);
  nodes_[b]->links.emplace_back(static_cast<std::uint32_t>(a), p);
  iface::PeerController::Credentials c;
  c.password = kSimPassword;
  c.login = "sim";
  c.peerName = "sim-" + std::to_string(b);
  return nodes_[a]->engine->peers().beginConnection(0, nodes_[b]->addr, nodes_[b]->engine->publicKey(), c, now_) ==
         iface::PeerController::ConnectResult::kOk;
}

void SimNetwork::setDown(std::size_t i, bool down) {
  if (nodes_[i]->down == down) return;
  nodes_[i]->down = down;
  if (!down) events_.push({now_ + rng_() % tickMs_, seq_++, static_cast<std::uint32_t>(i), kTick});
}

std::uint32_t SimNetwork::storePayload(const wire::Message& msg) {
  std::uint32_t slot;
  if (!freePayloads_.empty()) {
    slot = freePayloads_.back();
    freePayloads_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(payloads_.size());
    payloads_.emplace_back();
  }
  payloads_[slot].assign(msg.data(), msg.data() + msg.length());
  return slot;
}

bool SimNetwork::transmit(std::uint32_t from, const iface::LinkAddress& to, const wire::Message& msg) {
  ++counters_.datagramsSent;
  std::size_t dest = indexOfAddress(to);
  const LinkParams* link = dest < nodes_.size() ? nodes_[from]->linkTo(static_cast<std::uint32_t>(dest)) : nullptr;
  if (!link) {
    ++counters_.datagramsNoLink;
    return false;
  }
  if (nodes_[from]->down || nodes_[dest]->down) {
    ++counters_.datagramsToDown;
    return true;  // gone on the wire, as UDP would be
  }
  if (link->loss > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < link->loss) {
    ++counters_.datagramsLost;
    return true;
  }
  events_.push({now_ + link->latencyMs, seq_++, static_cast<std::uint32_t>(dest), from, storePayload(msg)});
  return true;
}

void SimNetwork::handle(const Event& e) {
  Node& n = *nodes_[e.node];
  if (e.from == kTick) {
    if (n.down) return;  // setDown(false) schedules the next tick
    ++counters_.ticks;
    n.engine->tick(now_);
    events_.push({now_ + tickMs_, seq_++, e.node, kTick});
    return;
  }
  auto& bytes = payloads_[e.slot];
  if (!n.down) {
    ++counters_.datagramsDelivered;
    wire::Message m;
    if (m.append(bytes)) n.engine->receiveFromLink(0, nodes_[e.from]->addr, m, now_);
  } else {
    ++counters_.datagramsToDown;
  }
  freePayloads_.push_back(e.slot);
}

void SimNetwork::runUntil(std::uint64_t t) {
  while (!events_.empty() && events_.top().at <= t) {
    Event e = events_.top();
    events_.pop();
    now_ = e.at;
    handle(e);
  }
  now_ = std::max(now_, t);
}

session::SendResult SimNetwork::sendData(std::size_t from, std::size_t to, std::span<const std::uint8_t> payload) {
  wire::Message m;
  if (!m.append(payload)) return session::SendResult::kDropped;
  return nodes_[from]->engine->sendToNode(nodes_[to]->ip6, kUdpContentType, m, now_);
}

}  // namespace cjdns::sim
