#include "core/iface/beacon.h"

#include <arpa/inet.h>
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "core/iface/eth-frame.h"
#include "core/util/hex.h"

using namespace cjdns;
using iface::Beacon;
using iface::BeaconMode;
using iface::BeaconParseError;
using iface::BeaconPolicy;
using iface::BeaconVerdict;
using iface::LinkAddress;

namespace {

crypto::PublicKey keyFromPrivateHex(std::string_view privHex) {
  auto priv = crypto::parsePrivateKeyHex(privHex);
  REQUIRE(priv.has_value());
  return crypto::publicKeyOf(*priv);
}

// The fixed keys of cjdns test/BeaconFramework.c (wire.md 15.1).
const crypto::PublicKey& keyA() {
  static const auto k = keyFromPrivateHex("ad7ea326aa01940a25bc9e012622db694fd9b4177cf3f89116f3cfe85c80e14a");
  return k;
}
const crypto::PublicKey& keyB() {
  static const auto k = keyFromPrivateHex("d8543e70b9ae7c41bc18a49a9ceeca9cdc4501966bbd7e76cf3a9fbc12ed8bb4");
  return k;
}

/// The n-th valid fc key of a deterministic stream (for floods).
crypto::PublicKey fcKey(std::uint64_t seed) {
  crypto::DeterministicRandom r(seed);
  while (true) {
    std::array<std::uint8_t, 32> b{};
    r.fill(b);
    const auto pub = crypto::publicKeyOf(crypto::PrivateKey(b));
    if (crypto::isValidAddress(crypto::addressOf(pub))) return pub;
  }
}

iface::BeaconPassword password(char fill) {
  iface::BeaconPassword p{};
  std::fill(p.begin(), p.end() - 1, static_cast<std::uint8_t>(fill));
  return p;
}

LinkAddress ip4(const char* ip, std::uint16_t port) {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  REQUIRE(inet_pton(AF_INET, ip, &sin.sin_addr) == 1);
  return LinkAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
}

LinkAddress macAddr(std::uint8_t last) {
  const std::uint8_t m[6] = {0x02, 0, 0, 0, 0x10, last};
  return LinkAddress::fromMac(m);
}

Beacon beaconOf(const crypto::PublicKey& key, std::uint32_t version = 21, char pw = 'p') {
  Beacon b;
  b.version = version;
  b.password = password(pw);
  b.key = key;
  return b;
}

BeaconPolicy policyFor(const crypto::PublicKey& ours, BeaconMode mode, iface::BeaconOptions options = {}) {
  BeaconPolicy p(ours, password('o'), 21, options);
  p.setMode(mode, 1000);
  return p;
}

}  // namespace

TEST_CASE("the beacon keys of BeaconFramework.c are the ones wire.md prints") {
  CHECK(crypto::publicKeyToString(keyA()) == "kmzm4w0kj9bswd5qmx74nu7kusv5pj40vcsmp781j6xxgpd59z00.k");
  CHECK(crypto::publicKeyToString(keyB()) == "vz21tg07061s8v9mckrvgtfds7j2u5lst8cwl6nqhp81njrh5wg0.k");
}

TEST_CASE("beacon is version, password, key: 56 bytes as wire.md 4.4 lays them out") {
  Beacon b;
  b.version = 22;
  const std::string pw = "abcdefghijklmnopqrs";
  std::copy(pw.begin(), pw.end(), b.password.begin());
  for (std::size_t i = 0; i < b.key.size(); ++i) b.key[i] = static_cast<std::uint8_t>(0xa0 + i);
  const auto bytes = iface::encodeBeacon(b);
  CHECK(util::toHex(bytes) ==
        "00000016"
        "6162636465666768696a6b6c6d6e6f7071727300"
        "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf");
  const auto parsed = iface::parseBeacon(bytes);
  REQUIRE(parsed.ok());
  CHECK(parsed.beacon == b);
}

TEST_CASE("beacon parser refuses 55 bytes and ignores bytes past the 56th") {
  const auto bytes = iface::encodeBeacon(beaconOf(keyA()));
  CHECK(iface::parseBeacon(std::span(bytes).first(55)).error == BeaconParseError::kTooShort);
  CHECK(iface::parseBeacon({}).error == BeaconParseError::kTooShort);
  std::vector<std::uint8_t> longer(bytes.begin(), bytes.end());
  longer.push_back(0x99);
  const auto parsed = iface::parseBeacon(longer);
  REQUIRE(parsed.ok());
  CHECK(parsed.beacon == beaconOf(keyA()));
}

TEST_CASE("udp beacon is magic, version 0, zero, data port, then the beacon (wire.md 4.2)") {
  const Beacon b = beaconOf(keyA(), 20);
  const auto bytes = iface::encodeUdpBeacon(0x1234, b);
  REQUIRE(bytes.size() == 64);
  CHECK(util::toHex(std::span(bytes).first(8)) == "fffffffc00001234");
  CHECK(util::toHex(std::span(bytes).subspan(8)) == util::toHex(iface::encodeBeacon(b)));
  const auto parsed = iface::parseUdpBeacon(bytes);
  REQUIRE(parsed.ok());
  CHECK(parsed.commPort == 0x1234);
  CHECK(parsed.beacon == b);
}

TEST_CASE("udp beacon parser refuses each malformed header with its reason") {
  const auto good = iface::encodeUdpBeacon(5000, beaconOf(keyA()));
  struct Case {
    const char* what;
    std::size_t at;
    std::uint8_t value;
    BeaconParseError want;
  };
  const Case cases[] = {
      {"magic fffffffd", 3, 0xfd, BeaconParseError::kBadMagic},
      {"magic 7ffffffc", 0, 0x7f, BeaconParseError::kBadMagic},
      {"version 1", 4, 1, BeaconParseError::kBadVersion},
      {"zero byte 1", 5, 1, BeaconParseError::kBadPadding},
  };
  for (const Case& c : cases) {
    INFO(c.what);
    auto bad = good;
    bad[c.at] = c.value;
    CHECK(iface::parseUdpBeacon(bad).error == c.want);
  }
  auto port0 = good;
  port0[6] = port0[7] = 0;
  CHECK(iface::parseUdpBeacon(port0).error == BeaconParseError::kZeroPort);
  CHECK(iface::parseUdpBeacon(std::span(good).first(63)).error == BeaconParseError::kTooShort);
  CHECK(iface::parseUdpBeacon(std::span(good).first(8)).error == BeaconParseError::kTooShort);
}

TEST_CASE("udp beacon peer address is the sender's IPv4 address at its data port") {
  CHECK(iface::udpBeaconPeerAddress(ip4("192.168.1.7", 64512), 41234) == ip4("192.168.1.7", 41234));
  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  sin6.sin6_port = htons(64512);
  const auto v6 = LinkAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sin6), sizeof sin6);
  CHECK(iface::udpBeaconPeerAddress(v6, 41234).empty());
  CHECK(iface::udpBeaconPeerAddress(macAddr(1), 41234).empty());
}

TEST_CASE("beacon password is 19 base32 characters and a NUL, fresh per start") {
  crypto::DeterministicRandom r1(1), r2(2);
  const auto p1 = iface::makeBeaconPassword(r1);
  const auto p2 = iface::makeBeaconPassword(r2);
  CHECK(p1 != p2);
  CHECK(p1[19] == 0);
  const std::string alphabet = "0123456789bcdfghjklmnpqrstuvwxyz";
  for (std::size_t i = 0; i < 19; ++i) CHECK(alphabet.find(static_cast<char>(p1[i])) != std::string::npos);
  const std::string s = iface::beaconPasswordString(p1);
  CHECK(s.size() == 20);
  CHECK(s.back() == '\0');
}

TEST_CASE("beacon modes read from config values and print as cjdns names them") {
  CHECK(iface::beaconModeFromInt(0) == BeaconMode::kOff);
  CHECK(iface::beaconModeFromInt(1) == BeaconMode::kAccept);
  CHECK(iface::beaconModeFromInt(2) == BeaconMode::kSendAndAccept);
  CHECK_FALSE(iface::beaconModeFromInt(3));
  CHECK_FALSE(iface::beaconModeFromInt(-1));
  CHECK(std::string(iface::stateName(BeaconMode::kOff)) == "disabled");
  CHECK(std::string(iface::stateName(BeaconMode::kAccept)) == "accepting");
  CHECK(std::string(iface::stateName(BeaconMode::kSendAndAccept)) == "sending and accepting");
}

TEST_CASE("mode 0 neither sends nor accepts beacons") {
  BeaconPolicy p(keyA(), password('o'), 21);
  CHECK(p.mode() == BeaconMode::kOff);
  CHECK_FALSE(p.sendDue(0));
  CHECK_FALSE(p.sendDue(1'000'000));
  CHECK(p.nextSendMs() == UINT64_MAX);
  const auto out = p.onBeacon(macAddr(1), iface::encodeBeacon(beaconOf(keyB())), 5);
  CHECK(out.verdict == BeaconVerdict::kModeOff);
  CHECK_FALSE(out.connect);
  CHECK(p.onUdpBeacon(ip4("10.0.0.2", 64512), iface::encodeUdpBeacon(9, beaconOf(keyB())), 5).verdict ==
        BeaconVerdict::kModeOff);
  CHECK(p.consider(macAddr(1), beaconOf(keyB()), 5).verdict == BeaconVerdict::kModeOff);
  CHECK(p.counters().of(BeaconVerdict::kModeOff) == 3);
}

TEST_CASE("mode 1 accepts beacons but never sends one") {
  BeaconPolicy p = policyFor(keyA(), BeaconMode::kAccept);
  for (std::uint64_t t = 0; t < 200'000; t += 1000) CHECK_FALSE(p.sendDue(t));
  CHECK(p.counters().sent == 0);
  CHECK(p.onBeacon(macAddr(1), iface::encodeBeacon(beaconOf(keyB())), 2000).verdict == BeaconVerdict::kConnect);
}

TEST_CASE("mode 2 sends at once, then every 32768 ms, and again at once when set again") {
  BeaconPolicy p(keyA(), password('o'), 21);
  p.setMode(BeaconMode::kSendAndAccept, 1000);
  CHECK(p.nextSendMs() == 1000);
  CHECK(p.sendDue(1000));
  CHECK_FALSE(p.sendDue(1000));
  CHECK(p.nextSendMs() == 1000 + 32768);
  CHECK_FALSE(p.sendDue(1000 + 32767));
  CHECK(p.sendDue(1000 + 32768));
  CHECK_FALSE(p.sendDue(1000 + 40000));
  p.setMode(BeaconMode::kSendAndAccept, 50'000);
  CHECK(p.sendDue(50'000));
  p.setMode(BeaconMode::kAccept, 60'000);
  CHECK_FALSE(p.sendDue(500'000));
  CHECK(p.counters().sent == 3);
  CHECK(p.onBeacon(macAddr(1), iface::encodeBeacon(beaconOf(keyB())), 60'001).verdict == BeaconVerdict::kConnect);
}

TEST_CASE("our beacon carries our version, password and key") {
  BeaconPolicy p(keyA(), password('o'), 21);
  const auto eth = p.ethBeacon();
  CHECK(util::toHex(std::span(eth).first(4)) == "00000015");
  const auto parsed = iface::parseBeacon(eth);
  REQUIRE(parsed.ok());
  CHECK(parsed.beacon.key == keyA());
  CHECK(parsed.beacon.password == password('o'));
  const auto udp = iface::parseUdpBeacon(p.udpBeacon(41234));
  REQUIRE(udp.ok());
  CHECK(udp.commPort == 41234);
  CHECK(udp.beacon == parsed.beacon);
}

TEST_CASE("a heard beacon becomes a connect action with the beacon's key, password and version") {
  BeaconPolicy p = policyFor(keyA(), BeaconMode::kAccept);
  const auto out = p.onBeacon(macAddr(7), iface::encodeBeacon(beaconOf(keyB(), 22, 'x')), 2000);
  REQUIRE(out.verdict == BeaconVerdict::kConnect);
  REQUIRE(out.connect.has_value());
  CHECK(out.connect->address == macAddr(7));
  CHECK(out.connect->key == keyB());
  CHECK(out.connect->password == std::string(19, 'x') + std::string(1, '\0'));
  CHECK(out.connect->login == "Local Peers");
  CHECK(out.connect->version == 22);
  CHECK_FALSE(out.connect->noise);  // Noise is off by default
  CHECK(p.counters().of(BeaconVerdict::kConnect) == 1);
}

TEST_CASE("a v22 beacon asks for Noise only when Noise is enabled locally") {
  iface::BeaconOptions o;
  o.noiseEnabled = true;
  BeaconPolicy p = policyFor(keyA(), BeaconMode::kAccept, o);
  auto v22 = p.consider(macAddr(1), beaconOf(keyB(), 22), 2000);
  REQUIRE(v22.connect);
  CHECK(v22.connect->noise);
  auto v21 = p.consider(macAddr(2), beaconOf(fcKey(3), 21), 2000);
  REQUIRE(v21.connect);
  CHECK_FALSE(v21.connect->noise);
}

TEST_CASE("our own beacon, a key without an fc address and old versions are ignored and counted") {
  BeaconPolicy p = policyFor(keyA(), BeaconMode::kSendAndAccept);
  CHECK(p.onBeacon(macAddr(1), p.ethBeacon(), 2000).verdict == BeaconVerdict::kOwnKey);
  CHECK(p.onUdpBeacon(ip4("10.0.0.1", 64512), p.udpBeacon(41234), 2000).verdict == BeaconVerdict::kOwnKey);

  crypto::PublicKey bad{};
  bad[0] = 1;
  REQUIRE_FALSE(crypto::isValidAddress(crypto::addressOf(bad)));
  CHECK(p.consider(macAddr(2), beaconOf(bad), 2000).verdict == BeaconVerdict::kBadKey);
  CHECK(p.consider(macAddr(3), beaconOf(keyB(), 19), 2000).verdict == BeaconVerdict::kIncompatible);
  CHECK(p.consider(macAddr(3), beaconOf(keyB(), 0), 2000).verdict == BeaconVerdict::kIncompatible);
  CHECK(p.consider(macAddr(3), beaconOf(keyB(), 30), 2000).verdict == BeaconVerdict::kConnect);

  CHECK(p.counters().of(BeaconVerdict::kOwnKey) == 2);
  CHECK(p.counters().of(BeaconVerdict::kBadKey) == 1);
  CHECK(p.counters().of(BeaconVerdict::kIncompatible) == 2);
  CHECK(p.tracked() == 1);
}

TEST_CASE("malformed beacons are refused with their parse error and counted") {
  BeaconPolicy p = policyFor(keyA(), BeaconMode::kAccept);
  const auto eth = iface::encodeBeacon(beaconOf(keyB()));
  auto out = p.onBeacon(macAddr(1), std::span(eth).first(40), 2000);
  CHECK(out.verdict == BeaconVerdict::kMalformed);
  CHECK(out.parseError == BeaconParseError::kTooShort);
  auto udp = iface::encodeUdpBeacon(41234, beaconOf(keyB()));
  udp[0] = 0;
  out = p.onUdpBeacon(ip4("10.0.0.2", 64512), udp, 2000);
  CHECK(out.verdict == BeaconVerdict::kMalformed);
  CHECK(out.parseError == BeaconParseError::kBadMagic);
  CHECK(p.counters().of(BeaconVerdict::kMalformed) == 2);
  CHECK(p.counters().of(BeaconParseError::kTooShort) == 1);
  CHECK(p.counters().of(BeaconParseError::kBadMagic) == 1);
}

TEST_CASE("a repeated beacon is acted on once, again after the refresh time or once forgotten") {
  BeaconPolicy p = policyFor(keyA(), BeaconMode::kAccept);
  const auto bytes = iface::encodeBeacon(beaconOf(keyB()));
  CHECK(p.onBeacon(macAddr(1), bytes, 2000).verdict == BeaconVerdict::kConnect);
  for (int i = 1; i <= 100; ++i) {
    CHECK(p.onBeacon(macAddr(1), bytes, 2000 + static_cast<std::uint64_t>(i) * 100).verdict ==
          BeaconVerdict::kAlreadyPeered);
  }
  CHECK(p.onBeacon(macAddr(1), bytes, 2000 + 32768).verdict == BeaconVerdict::kAlreadyPeered);
  CHECK(p.onBeacon(macAddr(1), bytes, 2000 + 65536).verdict == BeaconVerdict::kConnect);
  p.forget(macAddr(1));
  CHECK(p.onBeacon(macAddr(1), bytes, 2000 + 65537).verdict == BeaconVerdict::kConnect);
  CHECK(p.counters().of(BeaconVerdict::kAlreadyPeered) == 101);
  CHECK(p.counters().of(BeaconVerdict::kConnect) == 3);
}

TEST_CASE("a changed beacon from one address is acted on at most once per perAddressMs") {
  BeaconPolicy p = policyFor(keyA(), BeaconMode::kAccept);
  CHECK(p.consider(macAddr(1), beaconOf(keyB(), 21, 'a'), 2000).verdict == BeaconVerdict::kConnect);
  // A restarted neighbour (new password) or an attacker cycling keys.
  CHECK(p.consider(macAddr(1), beaconOf(keyB(), 21, 'b'), 2001).verdict == BeaconVerdict::kTooSoon);
  CHECK(p.consider(macAddr(1), beaconOf(fcKey(9), 21, 'a'), 3000).verdict == BeaconVerdict::kTooSoon);
  const auto out = p.consider(macAddr(1), beaconOf(keyB(), 21, 'b'), 2000 + 4096);
  REQUIRE(out.verdict == BeaconVerdict::kConnect);
  CHECK(out.connect->password[0] == 'b');
  CHECK(p.counters().of(BeaconVerdict::kTooSoon) == 2);
}

TEST_CASE("a flood of beacons from many addresses starts a bounded number of handshakes") {
  iface::BeaconOptions o;
  o.maxTracked = 16;
  BeaconPolicy p = policyFor(keyA(), BeaconMode::kAccept, o);
  std::vector<crypto::PublicKey> keys;
  for (std::uint64_t s = 1; s <= 4; ++s) keys.push_back(fcKey(s * 77));
  // 4000 beacons from 4000 spoofed addresses within one second.
  std::size_t connects = 0;
  for (std::uint32_t i = 0; i < 4000; ++i) {
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_port = htons(64512);
    sin.sin_addr.s_addr = htonl(0x0a000000u + i);
    const auto from = LinkAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
    const auto datagram = iface::encodeUdpBeacon(41234, beaconOf(keys[i % keys.size()]));
    const auto out = p.onUdpBeacon(from, datagram, 2000 + i / 4);
    if (out.verdict == BeaconVerdict::kConnect) ++connects;
  }
  // The burst, plus one token per 500 ms of the 1000 ms the flood lasted.
  CHECK(connects == o.connectBurst + 1);
  CHECK(p.counters().of(BeaconVerdict::kRateLimited) == 4000 - connects);
  CHECK(p.tracked() <= o.maxTracked);
  // A real neighbour after the flood gets through once tokens come back.
  CHECK(p.consider(macAddr(9), beaconOf(keyB()), 2999).verdict == BeaconVerdict::kRateLimited);
  CHECK(p.consider(macAddr(9), beaconOf(keyB()), 3000).verdict == BeaconVerdict::kConnect);
}

TEST_CASE("the tracking table stays bounded and evicts the stalest address") {
  iface::BeaconOptions o;
  o.maxTracked = 4;
  o.connectBurst = 100;
  BeaconPolicy p = policyFor(keyA(), BeaconMode::kAccept, o);
  for (std::uint8_t i = 1; i <= 6; ++i) {
    CHECK(p.consider(macAddr(i), beaconOf(keyB()), 2000 + i).verdict == BeaconVerdict::kConnect);
    CHECK(p.tracked() <= 4);
  }
  // Addresses 1 and 2 were evicted: acted on again; 6 is still known.
  CHECK(p.consider(macAddr(6), beaconOf(keyB()), 2100).verdict == BeaconVerdict::kAlreadyPeered);
  CHECK(p.consider(macAddr(1), beaconOf(keyB()), 2100).verdict == BeaconVerdict::kConnect);
}

TEST_CASE("udp beacons lead to the sender's data port; non-IPv4 senders are refused") {
  BeaconPolicy them(keyB(), password('t'), 22);
  BeaconPolicy us = policyFor(keyA(), BeaconMode::kSendAndAccept);
  const auto out = us.onUdpBeacon(ip4("192.168.1.20", 64512), them.udpBeacon(41234), 2000);
  REQUIRE(out.verdict == BeaconVerdict::kConnect);
  CHECK(out.connect->address == ip4("192.168.1.20", 41234));
  CHECK(out.connect->key == keyB());
  CHECK(out.connect->version == 22);
  CHECK(us.onUdpBeacon(macAddr(1), them.udpBeacon(41234), 2000).verdict == BeaconVerdict::kBadAddress);
  CHECK(us.counters().of(BeaconVerdict::kBadAddress) == 1);
}

TEST_CASE("an ethernet beacon frame from a neighbour leads to its source MAC") {
  BeaconPolicy them(keyB(), password('t'), 21);
  BeaconPolicy us = policyFor(keyA(), BeaconMode::kAccept);
  const auto beacon = them.ethBeacon();
  wire::Message frame;
  REQUIRE(frame.append(beacon));
  const auto src = iface::MacAddress::parse("02:aa:bb:cc:dd:ee");
  REQUIRE(iface::pushEthFrame(frame, iface::MacAddress::broadcast(), *src) == iface::EthFrameError::kNone);
  const auto parsed = iface::parseEthFrame(frame.bytes());
  REQUIRE(parsed.ok());
  REQUIRE(parsed.isBeacon());
  const auto out = us.onBeacon(parsed.src.toLinkAddress(), parsed.payload, 2000);
  REQUIRE(out.verdict == BeaconVerdict::kConnect);
  CHECK(out.connect->address.toString() == "02:aa:bb:cc:dd:ee");
}

TEST_CASE("every beacon verdict and parse error has a name") {
  for (std::size_t i = 0; i < iface::kBeaconVerdictCount; ++i) {
    CHECK(std::string(iface::name(static_cast<BeaconVerdict>(i))) != "unknown");
  }
  for (std::size_t i = 0; i < iface::kBeaconParseErrorCount; ++i) {
    CHECK(std::string(iface::describe(static_cast<BeaconParseError>(i))) != "unknown");
  }
}
