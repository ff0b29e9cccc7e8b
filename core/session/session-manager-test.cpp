#include "core/session/session-manager.h"

#include <doctest/doctest.h>

#include <algorithm>

#include "core/session/test-net.h"
#include "core/switch/control-message.h"

using namespace cjdns;
using namespace cjdns::session;
using namespace cjdns::session::test;
using crypto::CryptoAuthState;

namespace {

constexpr std::uint16_t kCjdht = content_type::kCjdht;

SendResult sendText(Node& from, const crypto::Ip6& to, const crypto::PublicKey* key, std::uint32_t version,
                    std::uint64_t label, std::uint16_t type, const std::string& text, std::uint64_t now) {
  wire::Message m;
  fill(m, text);
  return from.sm.send(to, key, version, label, type, m, now);
}

/// A pings B over CJDHT, B answers, then A and B exchange one data packet
/// each: both sessions end up ESTABLISHED.
void establish(FakeSwitch& net) {
  Node& a = net.a();
  Node& b = net.b();
  REQUIRE(sendText(a, b.ip6, &b.pub, 21, FakeSwitch::kAtoB, kCjdht, "ping", net.now) == SendResult::kSent);
  net.pump();
  REQUIRE(sendText(a, b.ip6, nullptr, 0, 0, content_type::kTcp, "a-data", net.now) == SendResult::kSent);
  net.pump();
  REQUIRE(sendText(b, a.ip6, nullptr, 0, 0, content_type::kUdp, "b-data", net.now) == SendResult::kSent);
  net.pump();
  REQUIRE(a.sm.sessionFor(b.ip6)->state == CryptoAuthState::kEstablished);
  REQUIRE(b.sm.sessionFor(a.ip6)->state == CryptoAuthState::kEstablished);
}

/// [SwitchHeader as B's router receives it from A][rest].
void arrivingAtB(wire::Message& m, const std::vector<std::uint8_t>& rest, std::uint8_t byte8 = 0) {
  m.reset();
  switching::SwitchHeader h;
  h.label = switching::bitReverse64(FakeSwitch::kBtoA);
  h.suppressErrors = (byte8 & 1) != 0;
  REQUIRE(m.append(h.toBytes()));
  REQUIRE(m.append(rest));
}

std::vector<std::uint8_t> be32(std::uint32_t v) {
  std::vector<std::uint8_t> out(4);
  wire::storeBe32(out.data(), v);
  return out;
}

std::vector<std::uint8_t> concat(std::vector<std::uint8_t> a, const std::vector<std::uint8_t>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

crypto::Ip6 someFcAddress(std::uint8_t n) {
  crypto::Ip6 ip{};
  ip[0] = 0xfc;
  ip[1] = n;
  ip[15] = 1;
  return ip;
}

}  // namespace

TEST_CASE("a CJDHT message to a new node leaves as a Hello carrying our receive handle") {
  FakeSwitch net;
  Node& a = net.a();
  Node& b = net.b();
  b.autoReply = false;
  REQUIRE(sendText(a, b.ip6, &b.pub, 21, FakeSwitch::kAtoB, kCjdht, "ping", net.now) == SendResult::kSent);
  REQUIRE(a.sent.size() == 1);
  const auto& p = a.sent[0];
  CHECK(wire::loadBe64(p.data()) == FakeSwitch::kAtoB);
  CHECK(p[8] == 0x00);
  CHECK(p[9] == 0x40);  // header version 1
  CHECK(wire::loadBe16(p.data() + 10) == 0);
  CHECK(wire::loadBe32(p.data() + 12) == 0);  // a Hello, no handle in front
  CHECK(std::equal(a.pub.begin(), a.pub.end(), p.begin() + 12 + 40));
  CHECK(p.size() == 12 + 120 + 4 + 4 + 4);  // header, our handle, DataHeader, "ping"
  const auto atA = a.sm.sessionFor(b.ip6);
  REQUIRE(atA);
  CHECK(atA->state == CryptoAuthState::kSentHello);
  CHECK(atA->version == 21);
  CHECK(atA->path == FakeSwitch::kAtoB);
  CHECK(atA->sendHandle == 0);

  net.pump();
  REQUIRE(b.got.size() == 1);
  CHECK(b.got[0].payload == "ping");
  CHECK(b.got[0].d.contentType == kCjdht);
  CHECK(b.got[0].d.returnPath == FakeSwitch::kBtoA);
  CHECK(b.got[0].d.key == a.pub);
  CHECK(b.got[0].d.ip6 == a.ip6);
  CHECK(b.got[0].d.version == 0);  // a handshake tells no version
  const auto atB = b.sm.sessionFor(a.ip6);
  REQUIRE(atB);
  CHECK(atB->sendHandle == atA->receiveHandle);
  CHECK(atB->state == CryptoAuthState::kReceivedHello);
  CHECK(atB->path == FakeSwitch::kBtoA);
}

TEST_CASE("two session managers complete a handshake and carry data both ways behind each other's handles") {
  FakeSwitch net;
  Node& a = net.a();
  Node& b = net.b();
  REQUIRE(sendText(a, b.ip6, &b.pub, 21, FakeSwitch::kAtoB, kCjdht, "ping", net.now) == SendResult::kSent);
  net.pump();
  REQUIRE(b.replies.size() == 1);
  CHECK(b.replies[0] == SendResult::kSent);
  REQUIRE(a.got.size() == 1);
  CHECK(a.got[0].payload == "pong");
  CHECK(a.got[0].d.returnPath == FakeSwitch::kAtoB);
  CHECK(a.got[0].d.version == 21);
  auto atA = *a.sm.sessionFor(b.ip6);
  auto atB = *b.sm.sessionFor(a.ip6);
  CHECK(atA.state == CryptoAuthState::kReceivedKey);
  CHECK(atB.state == CryptoAuthState::kSentKey);
  CHECK(atA.sendHandle == atB.receiveHandle);
  CHECK(atB.sendHandle == atA.receiveHandle);
  CHECK(atB.version == 21);  // from the reply B sent

  REQUIRE(sendText(a, b.ip6, nullptr, 0, 0, content_type::kTcp, "tcp-1", net.now) == SendResult::kSent);
  const auto& data = a.sent.back();
  CHECK(wire::loadBe32(data.data() + 12) == atB.receiveHandle);
  CHECK(wire::loadBe32(data.data() + 16) == 4);  // the initiator's first data nonce
  CHECK(data.size() == 12 + 4 + 20 + 4 + 5);
  net.pump();
  REQUIRE(b.got.size() == 2);
  CHECK(b.got[1].payload == "tcp-1");
  CHECK(b.got[1].d.contentType == content_type::kTcp);
  CHECK(b.got[1].d.version == 21);
  CHECK(b.sm.sessionFor(a.ip6)->state == CryptoAuthState::kEstablished);

  REQUIRE(sendText(b, a.ip6, nullptr, 0, 0, content_type::kUdp, "udp-1", net.now) == SendResult::kSent);
  CHECK(wire::loadBe32(b.sent.back().data() + 12) == atA.receiveHandle);
  net.pump();
  REQUIRE(a.got.size() == 2);
  CHECK(a.got[1].payload == "udp-1");
  CHECK(a.got[1].d.contentType == content_type::kUdp);
  atA = *a.sm.sessionFor(b.ip6);
  CHECK(atA.state == CryptoAuthState::kEstablished);
  CHECK(atA.bytesOut > 0);
  CHECK(atA.bytesIn == 4 + 4 + 4 + 5);  // "pong" and "udp-1", each with its DataHeader
  CHECK(atA.replay.duplicates == 0);
  CHECK(net.misrouted == 0);
  CHECK(a.sm.counters().delivered == 2);
}

TEST_CASE("user traffic before the Key packet waits while a CJDHT ping sets the session up") {
  FakeSwitch net;
  Node& a = net.a();
  Node& b = net.b();
  CHECK(sendText(a, b.ip6, &b.pub, 21, FakeSwitch::kAtoB, content_type::kTcp, "early", net.now) ==
        SendResult::kBuffered);
  REQUIRE(a.setups.size() == 1);
  CHECK(a.setups[0].key == b.pub);
  CHECK(a.setups[0].label == FakeSwitch::kAtoB);
  CHECK(a.setups[0].version == 21);
  REQUIRE(a.pings.size() == 1);
  CHECK(a.pings[0] == SendResult::kSent);
  CHECK(a.sent.size() == 1);  // only the Hello, which carries the ping
  CHECK(a.sm.bufferedCount() == 1);

  net.pump();
  REQUIRE(b.got.size() == 2);
  CHECK(b.got[0].d.contentType == kCjdht);
  CHECK(b.got[1].d.contentType == content_type::kTcp);
  CHECK(b.got[1].payload == "early");
  CHECK(a.sm.bufferedCount() == 0);
  CHECK(a.sm.counters().bufferFlushed == 1);
}

TEST_CASE("traffic for a node of unknown version waits for learnNode, which sets up the session and sends it") {
  FakeSwitch net;
  Node& a = net.a();
  Node& b = net.b();
  CHECK(sendText(a, b.ip6, &b.pub, 0, FakeSwitch::kAtoB, content_type::kTcp, "v0", net.now) == SendResult::kBuffered);
  REQUIRE(a.searches.size() == 1);
  CHECK(a.searches[0].first == b.ip6);
  CHECK(a.searches[0].second == 0);
  CHECK(a.sm.sessionCount() == 0);
  CHECK(a.sent.empty());

  a.sm.learnNode(b.pub, FakeSwitch::kAtoB, 21, net.now);
  CHECK(a.setups.size() == 1);
  CHECK(a.sm.sessionFor(b.ip6)->version == 21);
  net.pump();
  REQUIRE(b.got.size() == 2);
  CHECK(b.got[1].payload == "v0");
  CHECK(net.misrouted == 0);
}

TEST_CASE("learnNode sends waiting traffic at once when the session is already set up") {
  FakeSwitch net;
  Node& a = net.a();
  Node& b = net.b();
  establish(net);
  a.sm.learnNode(b.pub, FakeSwitch::kAtoB, 21, net.now, metric::kDeadLink);
  CHECK(sendText(a, b.ip6, nullptr, 0, 0, content_type::kTcp, "after", net.now) == SendResult::kBuffered);
  CHECK(a.searches.size() == 1);
  const std::size_t before = b.got.size();
  a.sm.learnNode(b.pub, FakeSwitch::kAtoB, 21, net.now, metric::kDhtPeer);
  net.pump();
  REQUIRE(b.got.size() == before + 1);
  CHECK(b.got.back().payload == "after");
}

TEST_CASE("learnNode keeps the best of up to three paths first, and ignores nodes it has no business with") {
  FakeSwitch net;
  Node& a = net.a();
  Node& b = net.b();
  establish(net);
  a.sm.learnNode(b.pub, 0x9e, 21, net.now, metric::kDhtPeer);
  CHECK(a.sm.sessionFor(b.ip6)->path == 0x9e);
  CHECK(a.sm.sessionFor(b.ip6)->metric == metric::kDhtPeer);
  a.sm.learnNode(b.pub, 0xa2, 21, net.now, metric::kSnodeSays);
  CHECK(a.sm.sessionFor(b.ip6)->path == 0xa2);
  a.sm.learnNode(b.pub, 0xa6, 21, net.now, metric::kPingReply);  // replaces 0x13, the worst
  CHECK(a.sm.sessionFor(b.ip6)->path == 0xa2);
  a.sm.learnNode(b.pub, 0xa2, 21, net.now, metric::kDeadLink);
  CHECK(a.sm.sessionFor(b.ip6)->path == 0x9e);
  a.sm.learnNode(b.pub, 0xa6, 21, net.now + 5, metric::kDhtPeer);  // better than 0x9e, aged 5 ms
  CHECK(a.sm.sessionFor(b.ip6)->path == 0xa6);

  const crypto::PublicKey stranger = crypto::publicKeyOf(makeKey(3));
  a.sm.learnNode(stranger, 0x17, 21, net.now);
  CHECK(a.sm.sessionCount() == 1);
}

TEST_CASE("a data packet that does not decrypt is answered with an AUTHENTICATION error on the return path") {
  FakeSwitch net;
  Node& b = net.b();
  establish(net);
  const std::uint32_t handle = b.sm.sessionFor(net.a().ip6)->receiveHandle;
  std::vector<std::uint8_t> garbage(40, 0x5a);
  wire::storeBe32(garbage.data(), 1000);  // a data nonce
  wire::Message m;
  arrivingAtB(m, concat(be32(handle), garbage));
  const auto received = std::vector<std::uint8_t>(m.data(), m.data() + 12);
  const std::size_t sentBefore = b.sent.size();
  b.sm.fromSwitch(m, net.now);

  REQUIRE(b.sent.size() == sentBefore + 1);
  CHECK(net.misrouted == 0);  // it went to the return path
  const auto& e = b.sent.back();
  CHECK(e.size() == 60);
  CHECK(e[8] == 0x01);  // S set, congestion 0
  CHECK(e[9] == 0x40);
  switching::ControlPacket pkt;
  REQUIRE(switching::parseControlPacket(e, pkt) == switching::ControlParseStatus::kOk);
  REQUIRE(pkt.message.type == switching::ControlType::kError);
  const auto& body = std::get<switching::ErrorBody>(pkt.message.body);
  CHECK(body.code == static_cast<std::uint32_t>(switching::ErrorCode::kAuthentication));
  REQUIRE(body.cause.size() == 36);
  CHECK(std::equal(received.begin(), received.end(), body.cause.begin()));
  CHECK(std::equal(garbage.begin(), garbage.begin() + 16, body.cause.begin() + 12));
  CHECK(wire::loadBe32(body.cause.data() + 28) == static_cast<std::uint32_t>(crypto::DecryptError::kDecrypt));
  CHECK(wire::loadBe32(body.cause.data() + 32) == static_cast<std::uint32_t>(CryptoAuthState::kEstablished));
  CHECK(b.sm.counters().authErrorsSent == 1);
  CHECK(b.sm.counters().decryptErrors[static_cast<std::size_t>(crypto::DecryptError::kDecrypt)] == 1);
}

TEST_CASE("a handshake that does not open gets an error and leaves no session behind") {
  FakeSwitch net;
  Node& b = net.b();
  const crypto::PublicKey stranger = crypto::publicKeyOf(makeKey(3));
  std::vector<std::uint8_t> hello(140, 0x33);
  wire::storeBe32(hello.data(), 0);
  hello[4] = 0;  // auth type 0, as end-to-end sessions use
  std::copy(stranger.begin(), stranger.end(), hello.begin() + 40);
  wire::Message m;
  arrivingAtB(m, hello);
  b.sm.fromSwitch(m, net.now);
  CHECK(b.sm.sessionCount() == 0);
  REQUIRE(b.sent.size() == 1);
  switching::ControlPacket pkt;
  REQUIRE(switching::parseControlPacket(b.sent[0], pkt) == switching::ControlParseStatus::kOk);
  const auto& body = std::get<switching::ErrorBody>(pkt.message.body);
  CHECK(wire::loadBe32(body.cause.data() + 28) ==
        static_cast<std::uint32_t>(crypto::DecryptError::kHandshakeDecryptFailed));
  CHECK(wire::loadBe32(body.cause.data() + 32) == 0);  // INIT
}

TEST_CASE("no error answers a packet with the S bit set, and errors are limited to 16 a second") {
  FakeSwitch net;
  Node& b = net.b();
  establish(net);
  const std::uint32_t handle = b.sm.sessionFor(net.a().ip6)->receiveHandle;
  std::vector<std::uint8_t> garbage(40, 0x77);
  wire::storeBe32(garbage.data(), 999);
  const std::size_t sentBefore = b.sent.size();
  wire::Message withS;
  arrivingAtB(withS, concat(be32(handle), garbage), 0x01);
  b.sm.fromSwitch(withS, net.now);
  CHECK(b.sent.size() == sentBefore);
  CHECK(b.sm.counters().authErrorsSuppressed == 1);

  for (int i = 0; i < 20; ++i) {
    wire::Message m;
    arrivingAtB(m, concat(be32(handle), garbage));
    b.sm.fromSwitch(m, net.now + 1);
  }
  CHECK(b.sm.counters().authErrorsSent == 16);
  CHECK(b.sm.counters().authErrorsSuppressed == 5);
  wire::Message later;
  arrivingAtB(later, concat(be32(handle), garbage));
  b.sm.fromSwitch(later, net.now + 1001);
  CHECK(b.sm.counters().authErrorsSent == 17);
}

TEST_CASE("packets the manager cannot place are dropped, counted and never answered") {
  FakeSwitch net;
  Node& a = net.a();
  Node& b = net.b();
  establish(net);
  const std::size_t sentBefore = b.sent.size();
  const auto& c = b.sm.counters();
  const std::uint32_t handle = b.sm.sessionFor(a.ip6)->receiveHandle;

  wire::Message runt;
  arrivingAtB(runt, {0, 0, 0});
  b.sm.fromSwitch(runt, net.now);
  CHECK(c.runts == 1);

  wire::Message control;
  arrivingAtB(control, concat(be32(0xffffffff), std::vector<std::uint8_t>(20, 0)));
  b.sm.fromSwitch(control, net.now);
  CHECK(c.controlFrames == 1);

  wire::Message unknown;
  arrivingAtB(unknown, concat(be32(handle + 1000), std::vector<std::uint8_t>(40, 1)));
  b.sm.fromSwitch(unknown, net.now);
  CHECK(c.unknownHandle == 1);

  wire::Message setup;
  arrivingAtB(setup, concat(be32(handle), concat(be32(2), std::vector<std::uint8_t>(40, 1))));
  b.sm.fromSwitch(setup, net.now);
  CHECK(c.setupWithHandle == 1);

  std::vector<std::uint8_t> fromUs(140, 0);
  std::copy(b.pub.begin(), b.pub.end(), fromUs.begin() + 40);
  wire::Message own;
  arrivingAtB(own, fromUs);
  b.sm.fromSwitch(own, net.now);
  CHECK(c.ownKey == 1);

  std::vector<std::uint8_t> notFc(140, 0);  // the zero key has no fc address
  wire::Message bad;
  arrivingAtB(bad, notFc);
  b.sm.fromSwitch(bad, net.now);
  CHECK(c.badKey == 1);

  wire::Message shortHello;
  arrivingAtB(shortHello, std::vector<std::uint8_t>(100, 0));
  b.sm.fromSwitch(shortHello, net.now);
  CHECK(c.runts == 2);

  CHECK(b.sent.size() == sentBefore);
  CHECK(b.sm.sessionCount() == 1);
}

TEST_CASE("a session ends after 120 seconds without a validated path") {
  FakeSwitch net;
  Node& a = net.a();
  Node& b = net.b();
  establish(net);
  a.sm.tick(net.now + 119'000);
  CHECK(a.sm.sessionCount() == 1);
  a.sm.tick(net.now + 120'001);
  CHECK(a.sm.sessionCount() == 0);
  REQUIRE(a.ended.size() == 1);
  CHECK(a.ended[0].ip6 == b.ip6);
  CHECK(a.sm.handles().empty());
  CHECK(a.sm.counters().sessionsEnded == 1);
}

TEST_CASE("a waiting packet expires after 10 seconds") {
  FakeSwitch net;
  Node& a = net.a();
  CHECK(sendText(a, someFcAddress(1), nullptr, 0, 0, content_type::kTcp, "x", net.now) == SendResult::kBuffered);
  a.sm.tick(net.now + 9'999);
  CHECK(a.sm.bufferedCount() == 1);
  a.sm.tick(net.now + 10'000);
  CHECK(a.sm.bufferedCount() == 0);
  CHECK(a.sm.counters().bufferExpired == 1);
}

TEST_CASE("only the newest packet per destination waits, and no more than 30 in all") {
  FakeSwitch net;
  Node& a = net.a();
  CHECK(sendText(a, someFcAddress(0), nullptr, 0, 0, content_type::kTcp, "old", net.now) == SendResult::kBuffered);
  CHECK(sendText(a, someFcAddress(0), nullptr, 0, 0, content_type::kTcp, "new", net.now) == SendResult::kBuffered);
  CHECK(a.sm.bufferedCount() == 1);
  CHECK(a.sm.counters().bufferReplaced == 1);
  for (std::uint8_t i = 1; i < 30; ++i) {
    CHECK(sendText(a, someFcAddress(i), nullptr, 0, 0, content_type::kTcp, "x", net.now) == SendResult::kBuffered);
  }
  CHECK(a.sm.bufferedCount() == 30);
  CHECK(sendText(a, someFcAddress(30), nullptr, 0, 0, content_type::kTcp, "x", net.now) == SendResult::kDropped);
  CHECK(a.sm.counters().bufferFull == 1);
  // CJDHT is the pathfinder's own traffic: it never waits.
  CHECK(sendText(a, someFcAddress(31), nullptr, 0, 0, kCjdht, "x", net.now) == SendResult::kDropped);
  CHECK(a.sm.bufferedCount() == 30);
}

TEST_CASE("sends to addresses that are not fc, are our own, or do not match the key are refused") {
  FakeSwitch net;
  Node& a = net.a();
  Node& b = net.b();
  crypto::Ip6 notFc = b.ip6;
  notFc[0] = 0xfd;
  CHECK(sendText(a, notFc, nullptr, 21, 0x13, kCjdht, "x", net.now) == SendResult::kBadDestination);
  CHECK(sendText(a, a.ip6, &a.pub, 21, 0x13, kCjdht, "x", net.now) == SendResult::kBadDestination);
  CHECK(sendText(a, b.ip6, &a.pub, 21, 0x13, kCjdht, "x", net.now) == SendResult::kBadDestination);
  CHECK(a.sm.sessionCount() == 0);
  CHECK(a.sent.empty());
}

TEST_CASE("handles start at a random base between 4 and 100000 and list every session") {
  FakeSwitch net;
  Node& a = net.a();
  Node& b = net.b();
  const crypto::PublicKey c = crypto::publicKeyOf(makeKey(3));
  REQUIRE(sendText(a, b.ip6, &b.pub, 21, 0x13, kCjdht, "x", net.now) == SendResult::kSent);
  REQUIRE(sendText(a, crypto::addressOf(c), &c, 21, 0x15, kCjdht, "x", net.now) == SendResult::kSent);
  const auto hs = a.sm.handles();
  REQUIRE(hs.size() == 2);
  CHECK(hs[0] >= 4);
  CHECK(hs[0] < 100000);
  CHECK(hs[1] == hs[0] + 1);
  const auto first = a.sm.sessionStats(hs[0]);
  REQUIRE(first);
  CHECK(first->ip6 == b.ip6);
  CHECK(first->key == b.pub);
  CHECK(first->receiveHandle == hs[0]);
  CHECK(a.sm.sessionStats(hs[1])->key == c);
  CHECK_FALSE(a.sm.sessionStats(hs[1] + 1).has_value());
  // A different random source gives a different base.
  CHECK(b.sm.handles().empty());
  REQUIRE(sendText(b, a.ip6, &a.pub, 21, 0x15, kCjdht, "x", net.now) == SendResult::kSent);
  CHECK(b.sm.handles()[0] != hs[0]);
}

TEST_CASE("no new session is made beyond the configured maximum, neither for sending nor for a handshake") {
  struct Quiet final : Outbound, Upper {
    void sendFromRouter(wire::Message& msg, std::uint64_t) override {
      sent.emplace_back(msg.data(), msg.data() + msg.length());
    }
    void deliver(const Delivery&, wire::Message&, std::uint64_t) override {}
    std::vector<std::vector<std::uint8_t>> sent;
  } io;
  FakeSwitch net;
  Node& a = net.a();
  Node& b = net.b();
  crypto::DeterministicRandom rng(9);
  SessionManagerConfig config;
  config.maxSessions = 1;
  const crypto::PrivateKey key = makeKey(4);
  SessionManager sm(key, rng, io, io, config);
  const crypto::PublicKey c = crypto::publicKeyOf(makeKey(3));
  wire::Message m;
  fill(m, "x");
  REQUIRE(sm.send(b.ip6, &b.pub, 21, 0x13, kCjdht, m, net.now) == SendResult::kSent);
  fill(m, "x");
  CHECK(sm.send(crypto::addressOf(c), &c, 21, 0x15, kCjdht, m, net.now) == SendResult::kTooManySessions);

  // A's Hello to this manager is refused as well, silently.
  const crypto::PublicKey ours = crypto::publicKeyOf(key);
  REQUIRE(sendText(a, crypto::addressOf(ours), &ours, 21, FakeSwitch::kAtoB, kCjdht, "x", net.now) ==
          SendResult::kSent);
  wire::Message hello;
  REQUIRE(hello.append(a.sent.back()));
  sm.fromSwitch(hello, net.now);
  CHECK(sm.sessionCount() == 1);
  CHECK(sm.counters().tooManySessions == 2);
  CHECK(io.sent.size() == 1);  // only our own first send
}

TEST_CASE("a burst of user packets waiting for one handshake asks for a setup at most once a second") {
  FakeSwitch net;
  Node& a = net.a();
  Node& b = net.b();
  net.dropAll = true;  // the Hello is lost
  for (int i = 0; i < 3; ++i) {
    CHECK(sendText(a, b.ip6, &b.pub, 21, FakeSwitch::kAtoB, content_type::kTcp, "burst", net.now + 10 * i) ==
          SendResult::kBuffered);
  }
  CHECK(a.setups.size() == 1);
  a.sm.tick(net.now + 999);
  CHECK(a.setups.size() == 1);
  a.sm.tick(net.now + 1000);  // still in use and not set up: asked again
  CHECK(a.setups.size() == 2);
  CHECK(a.sm.counters().bufferReplaced == 2);
}
