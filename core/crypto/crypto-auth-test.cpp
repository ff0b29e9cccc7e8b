// Two CryptoAuth sessions talking to each other through byte buffers, and
// hostile or broken packets thrown at them (wire.md 6).
#include "core/crypto/crypto-auth.h"

#include <doctest/doctest.h>
#include <sodium.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/address.h"
#include "core/wire/endian.h"

namespace cjdns::crypto {

/// Reaches the nonce counter, so that a test can stand just before the rollover.
struct CryptoAuthSessionProbe {
  static void setNextNonce(CryptoAuthSession& s, std::uint32_t n) { s.nextNonce_ = n; }
  static std::uint32_t nextNonce(const CryptoAuthSession& s) { return s.nextNonce_; }
};

}  // namespace cjdns::crypto

using namespace cjdns::crypto;
using cjdns::wire::Message;
using Bytes = std::vector<std::uint8_t>;

namespace {

constexpr std::uint64_t kT0 = 1'700'000'000'000;  // any wall-clock-like start, in ms

struct Node {
  explicit Node(std::uint64_t seed) : rng(seed) {
    rng.fill(key.mutableBytes());
    pub = publicKeyOf(key);
  }
  DeterministicRandom rng;
  PrivateKey key;
  PublicKey pub{};
};

Bytes seal(CryptoAuthSession& s, std::string_view text, std::uint64_t now = kT0) {
  Message m;
  REQUIRE(m.append({reinterpret_cast<const std::uint8_t*>(text.data()), text.size()}));
  REQUIRE(s.encrypt(m, now));
  return {m.bytes().begin(), m.bytes().end()};
}

struct Opened {
  DecryptError error;
  std::string text;
};

Opened open(CryptoAuthSession& s, const Bytes& packet, std::uint64_t now = kT0) {
  Message m;
  REQUIRE(m.assign(packet));
  DecryptError e = s.decrypt(m, now);
  if (e != DecryptError::kNone) return {e, {}};
  return {e, std::string(reinterpret_cast<const char*>(m.data()), m.length())};
}

std::uint32_t nonceOf(const Bytes& packet) { return cjdns::wire::loadBe32(packet.data()); }

/// Alice (initiator) and Bob, each with a session toward the other.
struct Pair {
  Node a{1}, b{2};
  CryptoAuthUsers bobUsers;
  CryptoAuthSession alice{a.key, b.pub, false, nullptr, a.rng};
  CryptoAuthSession bob;
  explicit Pair(bool bobRequiresAuth = false) : bob(b.key, a.pub, bobRequiresAuth, &bobUsers, b.rng) {}

  /// Hello, Key, first data both ways; returns with both established.
  void handshake(std::uint64_t now = kT0) {
    REQUIRE(open(bob, seal(alice, "hello", now), now).error == DecryptError::kNone);
    REQUIRE(open(alice, seal(bob, "key", now), now).error == DecryptError::kNone);
    REQUIRE(open(bob, seal(alice, "data", now), now).error == DecryptError::kNone);
    REQUIRE(open(alice, seal(bob, "data", now), now).error == DecryptError::kNone);
    REQUIRE(alice.established());
    REQUIRE(bob.established());
  }
};

/// A Hello from `from` to `to` built by hand, so that it can carry any
/// temporary key (the session would never send a bad one).
Bytes craftHello(const Node& from, const PublicKey& to, const PublicKey& temp, std::string_view text) {
  Bytes p(kHandshakeHeaderSize + text.size(), 0x5a);
  cjdns::wire::storeBe32(p.data(), 0);
  p[4] = 0;  // auth type 0
  std::copy(from.pub.begin(), from.pub.end(), p.begin() + 40);
  std::copy(temp.begin(), temp.end(), p.begin() + 88);
  std::memcpy(p.data() + 120, text.data(), text.size());
  Secret32 key;
  REQUIRE(handshakeSecret(from.key.bytes(), to, nullptr, key));
  REQUIRE(crypto_box_detached_afternm(p.data() + 88, p.data() + 72, p.data() + 88, 32 + text.size(),
                                      p.data() + 16, key.data()) == 0);
  return p;
}

}  // namespace

TEST_CASE("two sessions complete Hello, Key, RepeatKey and data both ways") {
  Pair p;
  CHECK(p.alice.state() == CryptoAuthState::kInit);
  Bytes hello = seal(p.alice, "ping");
  CHECK(hello.size() == kHandshakeHeaderSize + 4);
  CHECK(nonceOf(hello) == 0);
  CHECK(std::equal(p.a.pub.begin(), p.a.pub.end(), hello.begin() + 40));
  CHECK(p.alice.state() == CryptoAuthState::kSentHello);
  CHECK(p.alice.isInitiator());

  Opened got = open(p.bob, hello);
  CHECK(got.error == DecryptError::kNone);
  CHECK(got.text == "ping");
  CHECK(p.bob.state() == CryptoAuthState::kReceivedHello);

  Bytes key = seal(p.bob, "pong");
  CHECK(nonceOf(key) == 2);
  CHECK(key[4] == 0);  // Bob has no password for Alice: auth type 0
  CHECK(p.bob.state() == CryptoAuthState::kSentKey);
  Bytes repeatKey = seal(p.bob, "pong again");
  CHECK(nonceOf(repeatKey) == 3);

  CHECK(open(p.alice, key).text == "pong");
  CHECK(p.alice.state() == CryptoAuthState::kReceivedKey);
  CHECK(open(p.alice, repeatKey).text == "pong again");
  CHECK(p.alice.state() == CryptoAuthState::kReceivedKey);

  Bytes first = seal(p.alice, "first data");
  CHECK(first.size() == kDataHeaderSize + 10);
  CHECK(nonceOf(first) == 4);
  CHECK(open(p.bob, first).text == "first data");
  CHECK(p.bob.state() == CryptoAuthState::kEstablished);
  CHECK_FALSE(p.alice.established());  // not until Bob's data arrives

  Bytes reply = seal(p.bob, "reply");
  CHECK(nonceOf(reply) == 6);  // SENT_KEY 3 + 3
  CHECK(open(p.alice, reply).text == "reply");
  CHECK(p.alice.state() == CryptoAuthState::kEstablished);

  for (int i = 0; i < 5; ++i) {
    CHECK(open(p.bob, seal(p.alice, "a" + std::to_string(i))).text == "a" + std::to_string(i));
    CHECK(open(p.alice, seal(p.bob, "b" + std::to_string(i))).text == "b" + std::to_string(i));
  }
  CHECK(p.alice.replayStats().duplicates == 0);
  CHECK(p.bob.replayStats().lost == 0);
}

TEST_CASE("a repeat hello reuses the temporary key under a fresh handshake nonce") {
  Pair p;
  Bytes hello = seal(p.alice, "one");
  Bytes repeat = seal(p.alice, "two");
  CHECK(nonceOf(repeat) == 1);
  CHECK(!std::equal(hello.begin() + 16, hello.begin() + 40, repeat.begin() + 16));
  CHECK(open(p.bob, hello).error == DecryptError::kNone);
  PublicKey temp = p.bob.herTempPublicKey();
  CHECK(open(p.bob, repeat).text == "two");
  CHECK(p.bob.herTempPublicKey() == temp);
  CHECK(p.bob.state() == CryptoAuthState::kReceivedHello);
  // The same Hello again is a replay.
  CHECK(open(p.bob, hello).error == DecryptError::kInvalidPacket);
}

TEST_CASE("auth type 1 authenticates a password-only peer to a session that requires auth") {
  Pair p(true);
  p.bobUsers.add("s3cret", "", std::nullopt, "password [0]");
  p.alice.setAuth("s3cret", "");
  Bytes hello = seal(p.alice, "x");
  CHECK(hello[4] == 1);
  CHECK(open(p.bob, hello).error == DecryptError::kNone);
  REQUIRE(p.bob.authenticatedUser() != nullptr);
  CHECK(p.bob.authenticatedUser()->displayName == "password [0]");
  p.handshake();
}

TEST_CASE("auth type 2 authenticates a peer by login and mixes the password in") {
  Pair p(true);
  p.bobUsers.add("other", "someone");
  p.bobUsers.add("pw2", "alice");
  p.alice.setAuth("pw2", "alice");
  Bytes hello = seal(p.alice, "x");
  CHECK(hello[4] == 2);
  CHECK(std::all_of(hello.begin() + 12, hello.begin() + 16, [](auto b) { return b == 0; }));
  CHECK(open(p.bob, hello).error == DecryptError::kNone);
  REQUIRE(p.bob.authenticatedUser() != nullptr);
  CHECK(p.bob.authenticatedUser()->login == "alice");
  p.handshake();
}

TEST_CASE("when both sides set passwords each side's handshake uses its own") {
  Pair p(true);
  CryptoAuthUsers aliceUsers;
  aliceUsers.add("for alice", "bob");
  CryptoAuthSession alice(p.a.key, p.b.pub, false, &aliceUsers, p.a.rng);
  p.bobUsers.add("for bob", "alice");
  alice.setAuth("for bob", "alice");
  p.bob.setAuth("for alice", "bob");
  CHECK(open(p.bob, seal(alice, "hello")).error == DecryptError::kNone);
  Bytes key = seal(p.bob, "key");
  CHECK(key[4] == 2);
  CHECK(open(alice, key).error == DecryptError::kNone);
  REQUIRE(alice.authenticatedUser() != nullptr);
  CHECK(alice.authenticatedUser()->login == "bob");
  CHECK(open(p.bob, seal(alice, "data")).text == "data");
  CHECK(open(alice, seal(p.bob, "data")).text == "data");
  CHECK(alice.established());
}

TEST_CASE("a wrong password is unrecognized, and missing auth is refused where it is required") {
  SUBCASE("wrong password to a session that does not require auth") {
    Pair p(false);
    p.bobUsers.add("right", "alice");
    p.alice.setAuth("wrong", "mallory");
    CHECK(open(p.bob, seal(p.alice, "x")).error == DecryptError::kUnrecognizedAuth);
    CHECK(p.bob.state() == CryptoAuthState::kInit);
  }
  SUBCASE("the right login with the wrong password does not open the box") {
    Pair p(true);
    p.bobUsers.add("right", "alice");
    p.alice.setAuth("wrong", "alice");
    CHECK(open(p.bob, seal(p.alice, "x")).error == DecryptError::kHandshakeDecryptFailed);
  }
  SUBCASE("no auth to a session that requires it") {
    Pair p(true);
    p.bobUsers.add("right", "alice");
    CHECK(open(p.bob, seal(p.alice, "x")).error == DecryptError::kAuthRequired);
  }
  SUBCASE("wrong password to a session that requires auth") {
    Pair p(true);
    p.bobUsers.add("right", "alice");
    p.alice.setAuth("wrong", "");
    CHECK(open(p.bob, seal(p.alice, "x")).error == DecryptError::kAuthRequired);
  }
  SUBCASE("no users table at all") {
    Node a{1}, b{2};
    CryptoAuthSession alice(a.key, b.pub, false, nullptr, a.rng);
    CryptoAuthSession bob(b.key, a.pub, true, nullptr, b.rng);
    CHECK(open(bob, seal(alice, "x")).error == DecryptError::kAuthRequired);
  }
}

TEST_CASE("a user restricted to another address is refused with IP_RESTRICTED") {
  Pair p(true);
  Ip6 elsewhere = addressOf(Node{99}.pub);
  p.bobUsers.add("pw", "alice", elsewhere);
  p.bobUsers.add("pw2", "alice2", addressOf(p.a.pub));
  p.alice.setAuth("pw", "alice");
  CHECK(open(p.bob, seal(p.alice, "x")).error == DecryptError::kIpRestricted);
  p.alice.setAuth("pw2", "alice2");
  CHECK(open(p.bob, seal(p.alice, "x")).error == DecryptError::kNone);
}

TEST_CASE("crypto-auth rejects a replayed data packet and counts it") {
  Pair p;
  p.handshake();
  Bytes data = seal(p.alice, "once");
  CHECK(open(p.bob, data).error == DecryptError::kNone);
  CHECK(open(p.bob, data).error == DecryptError::kReplay);
  CHECK(p.bob.replayStats().duplicates == 1);
  // A packet that fell behind the window is out of range.
  Bytes old = seal(p.alice, "old");
  for (int i = 0; i < 100; ++i) REQUIRE(open(p.bob, seal(p.alice, "new")).error == DecryptError::kNone);
  CHECK(open(p.bob, old).error == DecryptError::kReplay);
  CHECK(p.bob.replayStats().outOfRange == 1);
}

TEST_CASE("a tampered data packet fails to decrypt and changes nothing") {
  Pair p;
  p.handshake();
  Bytes data = seal(p.alice, "payload");
  Bytes bad = data;
  bad.back() ^= 1;
  CHECK(open(p.bob, bad).error == DecryptError::kDecrypt);
  CHECK(open(p.bob, data).text == "payload");
}

TEST_CASE("data sent before the first accepted data packet counts as out of range") {
  Pair p;
  REQUIRE(open(p.bob, seal(p.alice, "hello")).error == DecryptError::kNone);
  REQUIRE(open(p.alice, seal(p.bob, "key")).error == DecryptError::kNone);
  Bytes d4 = seal(p.alice, "four");
  Bytes d5 = seal(p.alice, "five");
  Bytes tampered = d4;
  tampered[10] ^= 0x80;
  CHECK(open(p.bob, tampered).error == DecryptError::kDecrypt);
  CHECK_FALSE(p.bob.established());
  CHECK(open(p.bob, d5).text == "five");
  CHECK(p.bob.established());
  CHECK(open(p.bob, d4).error == DecryptError::kReplay);
  CHECK(p.bob.replayStats().outOfRange == 1);
}

TEST_CASE("crossed hellos resolve: the higher key yields and answers with a Key") {
  Pair p;
  const bool aliceLower = std::memcmp(p.a.pub.data(), p.b.pub.data(), 32) < 0;
  CryptoAuthSession& low = aliceLower ? p.alice : p.bob;
  CryptoAuthSession& high = aliceLower ? p.bob : p.alice;
  Bytes fromLow = seal(low, "low hello");
  Bytes fromHigh = seal(high, "high hello");
  // The lower key keeps its own Hello, but still delivers hers.
  Opened atLow = open(low, fromHigh);
  CHECK(atLow.error == DecryptError::kNone);
  CHECK(atLow.text == "high hello");
  CHECK(low.state() == CryptoAuthState::kSentHello);
  CHECK(low.isInitiator());
  // The higher key drops its Hello and becomes the responder.
  CHECK(open(high, fromLow).text == "low hello");
  CHECK(high.state() == CryptoAuthState::kReceivedHello);
  CHECK_FALSE(high.isInitiator());

  Bytes key = seal(high, "key");
  CHECK(nonceOf(key) == 2);
  CHECK(open(low, key).text == "key");
  CHECK(open(high, seal(low, "data")).text == "data");
  CHECK(open(low, seal(high, "data")).text == "data");
  CHECK(low.established());
  CHECK(high.established());
}

TEST_CASE("a session without traffic resets after the setup and established timeouts") {
  Pair p;
  REQUIRE(open(p.bob, seal(p.alice, "hello", kT0), kT0).error == DecryptError::kNone);
  SUBCASE("a half-open responder starts over after 10 s") {
    CHECK(nonceOf(seal(p.bob, "key", kT0 + 9'999)) == 2);
    CHECK(nonceOf(seal(p.bob, "key", kT0 + 10'000)) == 0);  // a new Hello
    CHECK(p.bob.state() == CryptoAuthState::kSentHello);
  }
  SUBCASE("an initiator waiting for her Key never resets") {
    CHECK(nonceOf(seal(p.alice, "hello", kT0 + 3'600'000)) == 1);
  }
  SUBCASE("an established session lives 60 s without data") {
    Pair q;
    q.handshake(kT0);
    CHECK(nonceOf(seal(q.alice, "d", kT0 + 59'999)) >= 4);
    CHECK(nonceOf(seal(q.alice, "d", kT0 + 60'000)) == 0);
    CHECK(q.alice.state() == CryptoAuthState::kSentHello);
  }
  SUBCASE("received data restarts the clock") {
    Pair q;
    q.handshake(kT0);
    REQUIRE(open(q.alice, seal(q.bob, "d", kT0 + 50'000), kT0 + 50'000).error == DecryptError::kNone);
    CHECK(nonceOf(seal(q.alice, "d", kT0 + 100'000)) >= 4);
  }
  SUBCASE("handshake packets do not restart the clock") {
    Pair q;
    REQUIRE(open(q.bob, seal(q.alice, "hello", kT0), kT0).error == DecryptError::kNone);
    REQUIRE(open(q.bob, seal(q.alice, "again", kT0 + 8'000), kT0 + 8'000).error == DecryptError::kNone);
    q.bob.resetIfTimeout(kT0 + 10'000);
    CHECK(q.bob.state() == CryptoAuthState::kInit);
  }
}

TEST_CASE("key packets out of place are stray, or refused once established") {
  Pair p;
  REQUIRE(open(p.bob, seal(p.alice, "hello")).error == DecryptError::kNone);
  Bytes key = seal(p.bob, "key");
  // A fresh session of Alice's that never sent a Hello cannot use it.
  Node a2{1};
  CryptoAuthSession fresh(a2.key, p.b.pub, false, nullptr, a2.rng);
  CHECK(open(fresh, key).error == DecryptError::kStrayKey);
  // Bob's own Key thrown back at him (the permanent key is his, not Alice's).
  CHECK(open(p.bob, key).error == DecryptError::kWrongPermPubkey);
  REQUIRE(open(p.alice, key).error == DecryptError::kNone);
  CHECK(open(p.alice, key).error == DecryptError::kInvalidPacket);  // the same Key again
  REQUIRE(open(p.bob, seal(p.alice, "d")).error == DecryptError::kNone);
  REQUIRE(open(p.alice, seal(p.bob, "d")).error == DecryptError::kNone);
  CHECK(open(p.alice, key).error == DecryptError::kKeyPktEstablishedSession);
}

TEST_CASE("data to a session that has not exchanged keys finds no session") {
  Pair p;
  p.handshake();
  Node b2{2};
  CryptoAuthSession stranger(b2.key, p.a.pub, false, nullptr, b2.rng);
  CHECK(open(stranger, seal(p.alice, "data")).error == DecryptError::kNoSession);
}

TEST_CASE("a hello from someone else's key is refused") {
  Pair p;
  Node carol{3};
  CryptoAuthSession fromCarol(carol.key, p.b.pub, false, nullptr, carol.rng);
  CHECK(open(p.bob, seal(fromCarol, "hi")).error == DecryptError::kWrongPermPubkey);
}

TEST_CASE("a zero or small-order temporary key is a wiseguy") {
  Pair p;
  CHECK(open(p.bob, craftHello(p.a, p.b.pub, PublicKey{}, "zero")).error == DecryptError::kWiseguy);
  PublicKey one{};
  one[0] = 1;  // the point of order 4 (u = 1)
  CHECK(open(p.bob, craftHello(p.a, p.b.pub, one, "one")).error == DecryptError::kWiseguy);
  CHECK(p.bob.state() == CryptoAuthState::kInit);
  Opened ok = open(p.bob, craftHello(p.a, p.b.pub, Node{7}.pub, "fine"));
  CHECK(ok.error == DecryptError::kNone);
  CHECK(ok.text == "fine");
}

TEST_CASE("a restarted peer's hello re-keys an established session") {
  Pair p;
  p.handshake();
  Bytes stale = seal(p.alice, "stale");
  // Alice again, after a restart: same permanent key, new temporary key
  // (another random stream, or the Hello would repeat her old one).
  DeterministicRandom otherStream(11);
  CryptoAuthSession restarted(p.a.key, p.b.pub, false, nullptr, otherStream);
  CHECK(open(p.bob, seal(restarted, "I am back")).text == "I am back");
  CHECK(p.bob.state() == CryptoAuthState::kReceivedHello);
  CHECK(p.bob.replayStats().received == 0);
  CHECK(open(p.bob, stale).error == DecryptError::kNoSession);
  REQUIRE(open(restarted, seal(p.bob, "key")).error == DecryptError::kNone);
  CHECK(open(p.bob, seal(restarted, "d")).text == "d");
  CHECK(p.bob.established());
}

TEST_CASE("truncated packets are runts") {
  Pair p;
  Bytes hello = seal(p.alice, "hello");
  for (std::size_t n : {0, 1, 4, 19}) {
    CHECK(open(p.bob, Bytes(hello.begin(), hello.begin() + static_cast<long>(n))).error ==
          DecryptError::kRunt);
  }
  CHECK(open(p.bob, Bytes(hello.begin(), hello.begin() + 119)).error == DecryptError::kRunt);
  p.handshake();
  Bytes data = seal(p.alice, "x");
  CHECK(open(p.bob, Bytes(data.begin(), data.begin() + 19)).error == DecryptError::kRunt);
  CHECK(open(p.bob, Bytes(data.begin(), data.begin() + 20)).error == DecryptError::kDecrypt);
}

TEST_CASE("an empty payload travels in a 20-byte data packet") {
  Pair p;
  p.handshake();
  Bytes empty = seal(p.alice, "");
  CHECK(empty.size() == kDataHeaderSize);
  Opened got = open(p.bob, empty);
  CHECK(got.error == DecryptError::kNone);
  CHECK(got.text.empty());
}

TEST_CASE("encrypt refuses a message without headroom and leaves it alone") {
  Pair p;
  Message m(10);
  REQUIRE(m.append(std::vector<std::uint8_t>{1, 2, 3}));
  CHECK_FALSE(p.alice.encrypt(m, kT0));
  CHECK(m.length() == 3);
  CHECK(p.alice.state() == CryptoAuthState::kInit);
  p.handshake();
  Message small(19);
  REQUIRE(small.append(std::vector<std::uint8_t>{1}));
  CHECK_FALSE(p.alice.encrypt(small, kT0));
  Message enough(20);
  REQUIRE(enough.append(std::vector<std::uint8_t>{1}));
  CHECK(p.alice.encrypt(enough, kT0));
}

TEST_CASE("the nonce counter resets the session before it can wrap") {
  Pair p;
  p.handshake();
  CryptoAuthSessionProbe::setNextNonce(p.alice, 0xffffffefu);
  Bytes last = seal(p.alice, "last");
  CHECK(nonceOf(last) == 0xffffffefu);
  CHECK(nonceOf(seal(p.alice, "wrapped")) == 0);  // a new Hello
  CHECK(p.alice.state() == CryptoAuthState::kSentHello);
}

TEST_CASE("changing our credentials resets the session, the same ones do not") {
  Pair p;
  p.handshake();
  p.alice.setAuth("", "");
  CHECK(p.alice.established());
  p.bobUsers.add("pw", "");
  p.alice.setAuth("pw", "");
  CHECK(p.alice.state() == CryptoAuthState::kInit);
  p.handshake();
  p.alice.setAuth("pw", "");
  CHECK(p.alice.established());
  p.alice.setAuth("pw", "login");
  CHECK(p.alice.state() == CryptoAuthState::kInit);
}

TEST_CASE("an explicit reset wipes the keys and the replay window") {
  Pair p;
  p.handshake();
  REQUIRE(open(p.bob, seal(p.alice, "d")).error == DecryptError::kNone);
  p.bob.reset();
  CHECK(p.bob.state() == CryptoAuthState::kInit);
  CHECK(p.bob.herTempPublicKey() == PublicKey{});
  CHECK(p.bob.replayStats().received == 0);
  CHECK(open(p.bob, seal(p.alice, "d")).error == DecryptError::kNoSession);
}

TEST_CASE("handshakePermanentKey reads the sender's key from hellos only") {
  Pair p;
  Bytes hello = seal(p.alice, "hi");
  REQUIRE(handshakePermanentKey(hello).has_value());
  CHECK(*handshakePermanentKey(hello) == p.a.pub);
  Bytes repeat = seal(p.alice, "hi");
  CHECK(handshakePermanentKey(repeat) == p.a.pub);
  CHECK_FALSE(handshakePermanentKey(Bytes(hello.begin(), hello.begin() + 119)));
  REQUIRE(open(p.bob, hello).error == DecryptError::kNone);
  CHECK_FALSE(handshakePermanentKey(seal(p.bob, "key")));  // nonce 2
  Bytes zeroKey = hello;
  std::fill(zeroKey.begin() + 40, zeroKey.begin() + 72, 0);
  CHECK_FALSE(handshakePermanentKey(zeroKey));
}

TEST_CASE("random garbage never crashes a session in any state") {
  DeterministicRandom junk(1234);
  for (int stage = 0; stage < 4; ++stage) {
    Pair p(stage % 2 == 1);
    p.bobUsers.add("pw", "alice");
    p.alice.setAuth("pw", "alice");
    if (stage >= 1) REQUIRE(open(p.bob, seal(p.alice, "hello")).error == DecryptError::kNone);
    if (stage >= 2) REQUIRE(open(p.alice, seal(p.bob, "key")).error == DecryptError::kNone);
    if (stage >= 3) p.handshake();
    const CryptoAuthState before = p.bob.state();
    for (int i = 0; i < 2000; ++i) {
      std::uint8_t len8[2];
      junk.fill(len8);
      Bytes packet(static_cast<std::size_t>(len8[0]) + (len8[1] & 1 ? 100 : 0));
      junk.fill(packet);
      if (packet.size() >= 4 && (i % 3) == 0) packet[0] = packet[1] = packet[2] = 0;  // handshake-ish
      if (packet.size() >= 72 && (i % 5) == 0) std::copy(p.a.pub.begin(), p.a.pub.end(), packet.begin() + 40);
      CHECK(open(p.bob, packet).error != DecryptError::kNone);
    }
    CHECK(p.bob.state() == before);
  }
}
