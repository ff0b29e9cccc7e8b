#include "core/node/node-engine.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <deque>
#include <memory>
#include <string>
#include <vector>

using namespace cjdns;
using iface::PeerState;

namespace {

iface::LinkAddress udpAddr(const char* ip, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&a), sizeof a);
}

/// An in-memory UDP network: every engine has one link interface and one
/// address; datagrams queue until pump() delivers them.
class SimNet {
 public:
  struct Datagram {
    std::size_t to;
    iface::LinkAddress from;
    std::vector<std::uint8_t> bytes;
  };

  class Node final : public iface::LinkSender {
   public:
    Node(SimNet& net, std::size_t index, std::uint64_t seed, iface::LinkAddress addr)
        : net_(net), index_(index), rng_(seed), key_(makeKey(seed)), addr_(addr), engine_(key_, rng_, *this) {
      engine_.peers().addLinkInterface("sim");
    }
    bool sendOnLink(unsigned, const iface::LinkAddress& to, const wire::Message& msg) override {
      for (std::size_t i = 0; i < net_.nodes.size(); ++i) {
        if (net_.nodes[i]->addr_ == to) {
          if (net_.linkDown) return true;  // lost on the wire
          net_.queue.push_back({i, addr_, {msg.data(), msg.data() + msg.length()}});
          if (net_.recordFrom == index_) net_.recorded.push_back(net_.queue.back());
          return true;
        }
      }
      return false;
    }
    node::NodeEngine& engine() { return engine_; }
    const iface::LinkAddress& addr() const { return addr_; }
    crypto::PublicKey publicKey() const { return crypto::publicKeyOf(key_); }
    /// A raw session with this node's identity, for hand-made packets.
    std::unique_ptr<crypto::CryptoAuthSession> sessionTo(const crypto::PublicKey& her) {
      return std::make_unique<crypto::CryptoAuthSession>(key_, her, false, nullptr, rng_);
    }
    std::optional<iface::PeerInfo> peer(std::size_t i = 0) {
      auto ps = engine_.peers().peers();
      if (i >= ps.size()) return std::nullopt;
      return ps[i];
    }

   private:
    static crypto::PrivateKey makeKey(std::uint64_t seed) {
      // Deterministic, but a real fc identity: draw until the address fits.
      crypto::DeterministicRandom r(seed * 7919);
      while (true) {
        std::array<std::uint8_t, 32> b{};
        r.fill(b);
        crypto::PrivateKey k(b);
        if (crypto::isValidAddress(crypto::addressOf(crypto::publicKeyOf(k)))) return k;
      }
    }
    SimNet& net_;
    std::size_t index_;
    crypto::DeterministicRandom rng_;
    crypto::PrivateKey key_;
    iface::LinkAddress addr_;
    node::NodeEngine engine_;
  };

  Node& add(const char* ip) {
    nodes.push_back(std::make_unique<Node>(*this, nodes.size(), nodes.size() + 1, udpAddr(ip, 7937)));
    return *nodes.back();
  }

  void pump() {
    for (int guard = 0; guard < 10000 && !queue.empty(); ++guard) {
      Datagram d = std::move(queue.front());
      queue.pop_front();
      wire::Message m;
      REQUIRE(m.append(d.bytes));
      nodes[d.to]->engine().receiveFromLink(0, d.from, m, now);
    }
  }

  /// Advances time in keepalive cycles, delivering everything in between.
  void run(std::uint64_t ms) {
    for (std::uint64_t t = 0; t < ms; t += 1024) {
      now += 1024;
      for (auto& n : nodes) n->engine().tick(now);
      pump();
    }
  }

  std::vector<std::unique_ptr<Node>> nodes;
  std::deque<Datagram> queue;
  std::uint64_t now = 1000000;
  bool linkDown = false;
  std::size_t recordFrom = SIZE_MAX;
  std::vector<Datagram> recorded;
};

iface::PeerController::Credentials creds(std::string password, std::string login = "") {
  iface::PeerController::Credentials c;
  c.password = std::move(password);
  c.login = std::move(login);
  c.peerName = "peer-b";
  return c;
}

void connect(SimNet& net, SimNet::Node& from, SimNet::Node& to, const std::string& pw, const std::string& login) {
  auto r = from.engine().peers().beginConnection(0, to.addr(), to.publicKey(), creds(pw, login), net.now);
  REQUIRE(r == iface::PeerController::ConnectResult::kOk);
}

struct Login {
  std::string password;
  std::string login;
};

/// B lets `allowed` in; A dials B with `offered`; then time runs for `ms`.
void dial(SimNet& net, SimNet::Node& a, SimNet::Node& b, const Login& allowed, const Login& offered,
          std::uint64_t ms) {
  REQUIRE(b.engine().users().add(allowed.password, allowed.login) == crypto::CryptoAuthUsers::AddResult::kAdded);
  connect(net, a, b, offered.password, offered.login);
  net.pump();
  net.run(ms);
}

}  // namespace

TEST_CASE("two engines peer with a login and password and stay established through keepalives") {
  SimNet net;
  auto& a = net.add("10.0.0.1");
  auto& b = net.add("10.0.0.2");
  dial(net, a, b, {"secret", "default-login"}, {"secret", "default-login"}, 5000);
  REQUIRE(a.peer());
  REQUIRE(b.peer());
  CHECK(a.peer()->state == PeerState::kEstablished);
  CHECK(b.peer()->state == PeerState::kEstablished);
  CHECK(a.peer()->version == node::kProtocolVersion);
  CHECK(b.peer()->version == node::kProtocolVersion);
  CHECK(a.peer()->label == 0x13);
  CHECK(b.peer()->incoming);
  CHECK(b.peer()->user == "default-login");
  CHECK(a.peer()->user == "peer-b");
  // Idle for two minutes: keepalive pings must keep both sides up, well past
  // the 60 s after which an idle CryptoAuth session would reset.
  auto pongsBefore = a.engine().routerCounters().pongsMatched;
  net.run(120000);
  CHECK(a.peer()->state == PeerState::kEstablished);
  CHECK(b.peer()->state == PeerState::kEstablished);
  CHECK(a.engine().routerCounters().pongsMatched > pongsBefore + 20);
  CHECK(b.engine().routerCounters().pongsMatched > 20);
  CHECK(a.peer()->counters.bytesIn > 0);
  CHECK(a.peer()->counters.bytesOut > 0);
}

TEST_CASE("an engine with only a password (auth type 1) is accepted too") {
  SimNet net;
  auto& a = net.add("10.0.0.1");
  auto& b = net.add("10.0.0.2");
  dial(net, a, b, {"pw-only", "someone"}, {"pw-only", ""}, 5000);
  CHECK(a.peer()->state == PeerState::kEstablished);
  CHECK(b.peer()->state == PeerState::kEstablished);
}

TEST_CASE("a wrong password is refused, counted, and creates no peer") {
  SimNet net;
  auto& a = net.add("10.0.0.1");
  auto& b = net.add("10.0.0.2");
  dial(net, a, b, {"right", "default-login"}, {"wrong", "default-login"}, 10000);
  CHECK_FALSE(b.peer().has_value());
  CHECK(b.engine().peers().counters().handshakeRefused > 0);
  REQUIRE(a.peer());
  CHECK(a.peer()->state != PeerState::kEstablished);
  net.run(20000);
  CHECK(a.peer()->state == PeerState::kUnresponsive);
}

TEST_CASE("a replayed data packet is dropped and counted") {
  SimNet net;
  auto& a = net.add("10.0.0.1");
  auto& b = net.add("10.0.0.2");
  dial(net, a, b, {"secret", ""}, {"secret", ""}, 5000);
  REQUIRE(b.peer()->state == PeerState::kEstablished);
  net.recordFrom = 0;
  net.run(8000);
  REQUIRE_FALSE(net.recorded.empty());
  auto dupBefore = b.peer()->replay.duplicates;
  auto inBefore = b.peer()->counters.packetsIn;
  auto replayed = net.recorded.front();
  REQUIRE(replayed.bytes.size() >= 4);
  wire::Message m;
  REQUIRE(m.append(replayed.bytes));
  b.engine().receiveFromLink(0, replayed.from, m, net.now);
  CHECK(b.peer()->replay.duplicates == dupBefore + 1);
  CHECK(b.peer()->counters.packetsIn == inBefore);
  CHECK(b.engine().peers().counters().decryptErrors[static_cast<std::size_t>(crypto::DecryptError::kReplay)] == 1);
  CHECK(b.peer()->state == PeerState::kEstablished);
}

TEST_CASE("two engines that both dial each other settle on one established link") {
  SimNet net;
  auto& a = net.add("10.0.0.1");
  auto& b = net.add("10.0.0.2");
  REQUIRE(a.engine().users().add("pa", "la") == crypto::CryptoAuthUsers::AddResult::kAdded);
  REQUIRE(b.engine().users().add("pb", "lb") == crypto::CryptoAuthUsers::AddResult::kAdded);
  connect(net, a, b, "pb", "lb");
  connect(net, b, a, "pa", "la");
  net.pump();
  net.run(10000);
  REQUIRE(a.engine().peers().peers().size() == 1);
  REQUIRE(b.engine().peers().peers().size() == 1);
  CHECK(a.peer()->state == PeerState::kEstablished);
  CHECK(b.peer()->state == PeerState::kEstablished);
}

TEST_CASE("a silent peer becomes unresponsive, and an incoming one is forgotten") {
  SimNet net;
  auto& a = net.add("10.0.0.1");
  auto& b = net.add("10.0.0.2");
  dial(net, a, b, {"secret", "x"}, {"secret", "x"}, 5000);
  REQUIRE(a.peer()->state == PeerState::kEstablished);
  net.linkDown = true;
  net.run(25000);
  CHECK(a.peer()->state == PeerState::kUnresponsive);
  CHECK(b.peer()->state == PeerState::kUnresponsive);
  net.run(262144);
  CHECK(a.peer().has_value());        // configured peers are kept
  CHECK_FALSE(b.peer().has_value());  // incoming ones are forgotten
  net.linkDown = false;
  net.run(80000);
  REQUIRE(a.peer());
  REQUIRE(b.peer());
  CHECK(a.peer()->state == PeerState::kEstablished);
  CHECK(b.peer()->state == PeerState::kEstablished);
}

TEST_CASE("garbage from unknown addresses creates no state") {
  SimNet net;
  auto& b = net.add("10.0.0.2");
  b.engine().users().add("secret", "x");
  crypto::DeterministicRandom r(99);
  for (int i = 0; i < 2000; ++i) {
    std::vector<std::uint8_t> junk(static_cast<std::size_t>(i % 300));
    r.fill(junk);
    if (i % 3 == 0 && junk.size() >= 4) junk[0] = junk[1] = junk[2] = junk[3] = 0;  // looks like a Hello
    wire::Message m;
    REQUIRE(m.append(junk));
    b.engine().receiveFromLink(0, udpAddr("10.9.9.9", static_cast<std::uint16_t>(1000 + i)), m, net.now);
  }
  CHECK(b.engine().peers().peers().empty());
  const auto& c = b.engine().peers().counters();
  CHECK(c.unknownNotHello + c.unknownBadKey + c.handshakeRefused + c.unknownRateLimited == 2000);
}

TEST_CASE("before the link is established only packets for the router itself pass") {
  SimNet net;
  auto& a = net.add("10.0.0.1");
  auto& b = net.add("10.0.0.2");
  REQUIRE(b.engine().users().add("secret", "x") == crypto::CryptoAuthUsers::AddResult::kAdded);
  auto session = a.sessionTo(b.publicKey());
  session->setAuth("secret", "x");
  // A transit packet (label for B's slot 2, not B's router) inside a Hello.
  wire::Message m;
  std::array<std::uint8_t, 12> header{0, 0, 0, 0, 0, 0, 0, 0x15, 0, 0x40, 0, 0};
  REQUIRE(m.append(header));
  std::array<std::uint8_t, 40> body{};
  REQUIRE(m.append(body));
  REQUIRE(session->encrypt(m, net.now));
  b.engine().receiveFromLink(0, a.addr(), m, net.now);
  REQUIRE(b.peer());
  CHECK(b.peer()->counters.filteredBeforeEstablished == 1);
  CHECK(b.engine().switchCore().counters().count(switching::SwitchEvent::kNoSuchInterface) == 0);
  CHECK(b.engine().switchCore().counters().errorsSent == 0);
}

TEST_CASE("two peered engines complete an inner session through a CJDHT ping and carry user data") {
  SimNet net;
  auto& a = net.add("10.0.0.1");
  auto& b = net.add("10.0.0.2");
  dial(net, a, b, {"secret", "default-login"}, {"secret", "default-login"}, 5000);
  REQUIRE(a.peer()->state == PeerState::kEstablished);
  REQUIRE(a.peer()->version == node::kProtocolVersion);
  std::vector<std::string> gotAtB;
  b.engine().setDataHandler([&](const session::Delivery& d, wire::Message& m, std::uint64_t) {
    CHECK(d.contentType == session::content_type::kUdp);
    CHECK(d.key == a.publicKey());
    CHECK(d.version == node::kProtocolVersion);
    gotAtB.emplace_back(reinterpret_cast<const char*>(m.data()), m.length());
  });

  const crypto::Ip6 bIp = crypto::addressOf(b.publicKey());
  wire::Message m;
  const std::string text = "over the inner session";
  REQUIRE(m.append(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size())));
  // No session yet, so it waits; B is a direct peer, so the engine finds it
  // at once and pings it over CJDHT, which carries the Hello.
  CHECK(a.engine().sendToNode(bIp, session::content_type::kUdp, m, net.now) == session::SendResult::kBuffered);
  CHECK(a.engine().routerCounters().setupPings == 1);
  net.pump();

  CHECK(b.engine().routerCounters().dhtAnswered == 1);
  CHECK(a.engine().routerCounters().dhtReplies == 1);
  REQUIRE(gotAtB.size() == 1);
  CHECK(gotAtB[0] == text);
  const auto atA = a.engine().sessions().sessionFor(bIp);
  const auto atB = b.engine().sessions().sessionFor(crypto::addressOf(a.publicKey()));
  REQUIRE(atA);
  REQUIRE(atB);
  CHECK(atA->state == crypto::CryptoAuthState::kReceivedKey);
  CHECK(atB->state == crypto::CryptoAuthState::kEstablished);
  CHECK(atA->path == 0x13);
  CHECK(atB->path == 0x13);
  CHECK(atA->version == node::kProtocolVersion);
  CHECK(atB->version == node::kProtocolVersion);  // from the ping's "p"
  CHECK(atA->sendHandle == atB->receiveHandle);
  CHECK(atB->sendHandle == atA->receiveHandle);

  // The sessions outlive 120 s because the peer keeps their path validated.
  net.run(130000);
  CHECK(a.engine().sessions().sessionCount() == 1);
  CHECK(b.engine().sessions().sessionCount() == 1);
}

TEST_CASE("a flood of Hellos from unknown addresses is cut to the per-second budget") {
  SimNet net;
  auto& a = net.add("10.0.0.1");
  auto& b = net.add("10.0.0.2");
  b.engine().users().add("secret", "x");
  auto session = a.sessionTo(b.publicKey());
  session->setAuth("wrong", "x");  // valid Hellos that will not authenticate
  wire::Message hello;
  std::array<std::uint8_t, 16> body{};
  REQUIRE(hello.append(body));
  REQUIRE(session->encrypt(hello, net.now));
  std::vector<std::uint8_t> bytes(hello.data(), hello.data() + hello.length());
  auto flood = [&](int count) {
    for (int i = 0; i < count; ++i) {
      wire::Message m;
      REQUIRE(m.append(bytes));
      b.engine().receiveFromLink(0, udpAddr("10.9.9.9", static_cast<std::uint16_t>(2000 + i)), m, net.now);
    }
  };
  flood(1000);
  const auto& c = b.engine().peers().counters();
  CHECK(c.handshakeRefused == 256);  // the burst: each one cost a key exchange
  CHECK(c.unknownRateLimited == 744);
  net.now += 500;  // half a second refills half the budget
  flood(1000);
  CHECK(c.handshakeRefused == 256 + 128);
  CHECK(b.engine().peers().peers().empty());
}
