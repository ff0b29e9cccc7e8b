#include "core/node/node-engine.h"

#include <doctest/doctest.h>

#include <arpa/inet.h>

#include "core/switch/label.h"

#include <array>
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
          if (net_.linkDown || net_.isDown(i) || net_.isDown(index_)) return true;  // lost on the wire
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
      return crypto::drawFcKey(r);
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

  bool isDown(std::size_t i) const { return i < down.size() && down[i]; }

  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<bool> down;  ///< per node: everything it sends or is sent is lost
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

namespace {

/// An fc identity no engine here has.
crypto::PrivateKey strangerKey() {
  crypto::DeterministicRandom r(777);
  return crypto::drawFcKey(r);
}

std::span<const std::uint8_t> textBytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// A - B - C: A and C each dial B; A and C are not peers.
struct Line {
  SimNet net;
  SimNet::Node& a = net.add("10.0.0.1");
  SimNet::Node& b = net.add("10.0.0.2");
  SimNet::Node& c = net.add("10.0.0.3");
  std::vector<std::string> atA, atC;

  Line() {
    REQUIRE(b.engine().users().add("secret", "x") == crypto::CryptoAuthUsers::AddResult::kAdded);
    connect(net, a, b, "secret", "x");
    connect(net, c, b, "secret", "x");
    net.pump();
    net.run(5000);
    REQUIRE(a.peer()->state == PeerState::kEstablished);
    REQUIRE(c.peer()->state == PeerState::kEstablished);
    REQUIRE(b.engine().peers().peers().size() == 2);
    REQUIRE(a.engine().peers().peers().size() == 1);
    REQUIRE(c.engine().peers().peers().size() == 1);
    a.engine().setDataHandler([this](const session::Delivery& d, wire::Message& m, std::uint64_t) {
      CHECK(d.key == c.publicKey());
      atA.emplace_back(reinterpret_cast<const char*>(m.data()), m.length());
    });
    c.engine().setDataHandler([this](const session::Delivery& d, wire::Message& m, std::uint64_t) {
      CHECK(d.key == a.publicKey());
      atC.emplace_back(reinterpret_cast<const char*>(m.data()), m.length());
    });
  }

  session::SendResult send(SimNet::Node& from, SimNet::Node& to, const std::string& text) {
    wire::Message m;
    REQUIRE(m.append(textBytes(text)));
    return from.engine().sendToNode(crypto::addressOf(to.publicKey()), session::content_type::kUdp, m, net.now);
  }
};

}  // namespace

TEST_CASE("three engines in a line: A finds C through B's fn answer, and data flows both ways") {
  Line l;
  // B answers fn from its peers: for C's address, C itself comes last.
  CHECK(l.send(l.a, l.c, "first") == session::SendResult::kBuffered);
  const auto& pf = l.a.engine().pathfinder().counters();
  CHECK(pf.searchesStarted == 1);
  CHECK(pf.queriesSent == 1);  // B is the only node A knows
  l.net.pump();
  CHECK(l.b.engine().routerCounters().dhtAnswered >= 1);
  CHECK(pf.repliesMatched == 1);
  CHECK(pf.searchesSucceeded == 1);
  CHECK(l.a.engine().routerCounters().nodesFound == 1);
  REQUIRE(l.atC.size() == 1);
  CHECK(l.atC[0] == "first");

  // A's path to C is its label for B with B's label for C spliced on.
  const auto atA = l.a.engine().sessions().sessionFor(crypto::addressOf(l.c.publicKey()));
  REQUIRE(atA);
  const std::uint64_t toB = l.a.peer()->label;
  std::uint64_t bToC = 0;
  for (const auto& p : l.b.engine().peers().peers()) {
    if (p.publicKey == l.c.publicKey()) bToC = p.label;
  }
  REQUIRE(bToC != 0);
  CHECK(atA->path == switching::splice(bToC, toB));
  CHECK(atA->version == node::kProtocolVersion);
  CHECK(l.a.engine().pathfinder().lookup(crypto::addressOf(l.c.publicKey())).has_value());

  // C answers over the session A's handshake made: no search needed there.
  CHECK(l.send(l.c, l.a, "reply") == session::SendResult::kSent);
  l.net.pump();
  REQUIRE(l.atA.size() == 1);
  CHECK(l.atA[0] == "reply");
  CHECK(l.c.engine().pathfinder().counters().searchesStarted == 0);
  // C learned A from A's CJDHT messages: a path it can answer fn with.
  CHECK(l.c.engine().pathfinder().lookup(crypto::addressOf(l.a.publicKey())).has_value());

  // Two and a half minutes of traffic both ways: the sessions' paths are
  // revalidated by the periodic searches (which ask the target itself), so
  // they never expire, and nothing is lost.
  for (int i = 0; i < 150; ++i) {
    CHECK(l.send(l.a, l.c, "a" + std::to_string(i)) == session::SendResult::kSent);
    CHECK(l.send(l.c, l.a, "c" + std::to_string(i)) == session::SendResult::kSent);
    l.net.run(1000);
  }
  CHECK(l.atC.size() == 151);
  CHECK(l.atA.size() == 151);
  CHECK(l.a.engine().sessions().counters().sessionsEnded == 0);
  CHECK(l.c.engine().sessions().counters().sessionsEnded == 0);
  CHECK(pf.searchesStarted >= 5);  // every 30 s while in use
  CHECK(pf.searchesFailed == 0);
  CHECK(pf.searchesSucceeded == pf.searchesStarted);
  // B forwarded everything: its own sessions are only with its peers.
  CHECK(l.b.engine().sessions().sessionCount() <= 2);
}

TEST_CASE("C finds A the same way when it speaks first") {
  Line l;
  CHECK(l.send(l.c, l.a, "from c") == session::SendResult::kBuffered);
  l.net.pump();
  REQUIRE(l.atA.size() == 1);
  CHECK(l.c.engine().pathfinder().counters().searchesSucceeded == 1);
  CHECK(l.send(l.a, l.c, "back") == session::SendResult::kSent);
  l.net.pump();
  REQUIRE(l.atC.size() == 1);
}

TEST_CASE("a search for a node nobody knows ends within its bounds, and the packet expires") {
  Line l;
  const crypto::Ip6 nowhere = crypto::addressOf(crypto::publicKeyOf(strangerKey()));
  wire::Message m;
  REQUIRE(m.append(textBytes("lost")));
  CHECK(l.a.engine().sendToNode(nowhere, session::content_type::kUdp, m, l.net.now) == session::SendResult::kBuffered);
  l.net.pump();
  const auto& pf = l.a.engine().pathfinder().counters();
  CHECK(pf.searchesStarted == 1);
  // B named C (and A); whether C was asked depends on the distances, but the
  // search never sends more than its budget and always ends.
  l.net.run(15000);
  CHECK(pf.searchesFailed == 1);
  CHECK(pf.searchesSucceeded == 0);
  CHECK(pf.queriesSent <= l.a.engine().pathfinder().config().maxRounds * l.a.engine().pathfinder().config().parallel);
  CHECK(l.a.engine().pathfinder().activeSearches() == 0);
  CHECK(l.a.engine().pathfinder().pendingQueries() == 0);
  CHECK(l.a.engine().sessions().bufferedCount() == 0);
  CHECK(l.a.engine().sessions().counters().bufferExpired == 1);
}

TEST_CASE("a switch error for a learned path forgets it and marks the session's path dead") {
  Line l;
  CHECK(l.send(l.a, l.c, "first") == session::SendResult::kBuffered);
  l.net.pump();
  REQUIRE(l.atC.size() == 1);
  const crypto::Ip6 cIp = crypto::addressOf(l.c.publicKey());
  REQUIRE(l.a.engine().pathfinder().lookup(cIp).has_value());
  // C goes away; B forgets it (an incoming peer) and frees its switch slot.
  l.net.down.assign(3, false);
  l.net.down[2] = true;
  l.net.run(300000);
  REQUIRE(l.b.engine().peers().peers().size() == 1);
  // A still remembers C's path (30 minutes) and tries it: B's switch has no
  // such interface and answers with an error, which A reads as a broken path.
  const auto errorsBefore = l.a.engine().routerCounters().errorsPathBroken;
  l.send(l.a, l.c, "into the void");
  l.net.pump();
  CHECK(l.b.engine().switchCore().counters().errorsSent >= 1);
  CHECK(l.a.engine().routerCounters().errorsPathBroken > errorsBefore);
  CHECK(l.a.engine().pathfinder().counters().pathsBroken >= 1);
  CHECK_FALSE(l.a.engine().pathfinder().lookup(cIp).has_value());
  l.net.run(15000);
  CHECK(l.atC.size() == 1);
  CHECK(l.a.engine().pathfinder().activeSearches() == 0);
}

TEST_CASE("in a diamond, traffic finds the other way within 15 s when the middle node on its path dies") {
  // A - B - D and A - C - D: A and D are not peers.
  SimNet net;
  SimNet::Node& a = net.add("10.0.1.1");
  SimNet::Node& b = net.add("10.0.1.2");
  SimNet::Node& c = net.add("10.0.1.3");
  SimNet::Node& d = net.add("10.0.1.4");
  for (SimNet::Node* n : {&b, &c, &d}) {
    REQUIRE(n->engine().users().add("secret", "x") == crypto::CryptoAuthUsers::AddResult::kAdded);
  }
  connect(net, a, b, "secret", "x");
  connect(net, a, c, "secret", "x");
  connect(net, b, d, "secret", "x");
  connect(net, c, d, "secret", "x");
  net.pump();
  net.run(5000);
  std::size_t atD = 0, atA = 0;
  d.engine().setDataHandler([&](const session::Delivery&, wire::Message&, std::uint64_t) { ++atD; });
  a.engine().setDataHandler([&](const session::Delivery&, wire::Message&, std::uint64_t) { ++atA; });
  auto send = [&](SimNet::Node& from, SimNet::Node& to) {
    wire::Message m;
    REQUIRE(m.append(textBytes("x")));
    (void)from.engine().sendToNode(crypto::addressOf(to.publicKey()), session::content_type::kUdp, m, net.now);
  };
  for (int i = 0; i < 5; ++i) {
    send(a, d);
    send(d, a);
    net.run(1000);
  }
  REQUIRE(atD >= 4);
  REQUIRE(atA >= 4);
  // Which middle node carries A's traffic to D? Kill that one.
  const auto path = a.engine().sessions().sessionFor(crypto::addressOf(d.publicKey()));
  REQUIRE(path);
  std::size_t middle = 0;
  for (const auto& p : a.engine().peers().peers()) {
    if (switching::routesThrough(path->path, p.label)) middle = p.publicKey == b.publicKey() ? 1 : 2;
  }
  REQUIRE(middle != 0);
  net.down.assign(4, false);
  net.down[middle] = true;
  const std::size_t dBefore = atD, aBefore = atA;
  int recoveredAfter = -1;
  for (int s = 1; s <= 40 && recoveredAfter < 0; ++s) {
    send(a, d);
    send(d, a);
    net.run(1000);
    if (atD > dBefore && atA > aBefore) recoveredAfter = s;
  }
  MESSAGE("recovered after ", recoveredAfter, " s");
  CHECK(recoveredAfter > 0);
  CHECK(recoveredAfter <= 15);  // link lost at 10 s of silence, then one search
  CHECK(a.engine().routerCounters().peerLinksLost == 1);
}
