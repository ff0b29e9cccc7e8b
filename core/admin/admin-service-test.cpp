#include "core/admin/admin-service.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "core/admin/admin-test-net.h"
#include "core/crypto/address.h"
#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"

using namespace cjdns;
using admin::test::Net;
using proto::AdminToCore;
using proto::CoreToAdmin;

namespace {

std::string str(capnp::Text::Reader t) { return std::string(t.cStr(), t.size()); }

kj::ArrayPtr<const kj::byte> bytes(const crypto::PublicKey& k) { return kj::arrayPtr(k.data(), k.size()); }
kj::ArrayPtr<const kj::byte> bytes(const crypto::Ip6& a) { return kj::arrayPtr(a.data(), a.size()); }

crypto::PublicKey keyOf(capnp::Data::Reader d) {
  crypto::PublicKey k{};
  REQUIRE(d.size() == k.size());
  std::memcpy(k.data(), d.begin(), k.size());
  return k;
}

std::string errorOf(const Net::Node& n, std::uint64_t id) {
  const auto* a = n.answerFor(id);
  REQUIRE(a != nullptr);
  REQUIRE(a->get().isError());
  return str(a->get().getError());
}

bool doneFor(const Net::Node& n, std::uint64_t id) {
  const auto* a = n.answerFor(id);
  return a != nullptr && a->get().isDone();
}

/// A dials B (B lets "pw" in as user "a-login"), then time runs.
struct Pair {
  Net net;
  Net::Node& a;
  Net::Node& b;
  Pair() : a(net.add("10.0.0.1")), b(net.add("10.0.0.2")) {
    b.engine().users().add("pw", "a-login", std::nullopt, "a-login");
    a.engine().users().add("pw", "b-login", std::nullopt, "b-login");
    REQUIRE(a.engine().peers().beginConnection(0, b.addr(), b.publicKey(), admin::test::creds("pw"), net.now) ==
            iface::PeerController::ConnectResult::kOk);
    net.run(6000);
  }
  std::uint64_t labelOfB() const {
    const auto peers = a.engine().peers().peers();
    REQUIRE(peers.size() == 1);
    return peers[0].label;
  }
};

}  // namespace

TEST_SUITE("unit") {

TEST_CASE("admin: hello and nodeInfo answer with the node's identity") {
  Net net;
  auto& a = net.add("10.0.0.1");
  CHECK(a.ask(1, [](AdminToCore::Builder r) { r.setHello(); }) == admin::AdminService::Outcome::kAnswered);
  CHECK(a.ask(2, [](AdminToCore::Builder r) { r.setNodeInfo(); }) == admin::AdminService::Outcome::kAnswered);
  for (std::uint64_t id : {1u, 2u}) {
    const auto* ans = a.answerFor(id);
    REQUIRE(ans != nullptr);
    REQUIRE(ans->get().isInfo());
    auto info = ans->get().getInfo();
    CHECK(keyOf(info.getPublicKey()) == a.publicKey());
    REQUIRE(info.getIp6().size() == 16);
    CHECK(std::memcmp(info.getIp6().begin(), a.ip6().data(), 16) == 0);
    CHECK(info.getProtocolVersion() == 21);
    const auto es = info.getEncodingScheme();
    CHECK(std::vector<std::uint8_t>(es.begin(), es.end()) ==
          std::vector<std::uint8_t>{0x61, 0x14, 0x45, 0x81, 0x00});
    CHECK(info.getCorePid() == 4242);
    CHECK(str(info.getAdminPassword()) == "secret");
    CHECK(info.getStartedMs() == 1'700'000'000'000);
  }
}

TEST_CASE("admin: exit answers done, then stops the node") {
  Net net;
  auto& a = net.add("10.0.0.1");
  a.ask(3, [](AdminToCore::Builder r) { r.setExit(); });
  CHECK(doneFor(a, 3));
  CHECK(a.stops == 1);
}

TEST_CASE("admin: peerStats of two peered engines") {
  Pair p;
  // Some traffic inside the last second, for the rates.
  for (int i = 0; i < 5; ++i) {
    p.a.ask(100 + i, [&](AdminToCore::Builder r) {
      auto s = r.initSwitchPing();
      s.setPath(p.labelOfB());
      s.setData(kj::heapArray<kj::byte>(200).asPtr());
    });
  }
  p.net.pump();
  p.a.ask(10, [](AdminToCore::Builder r) { r.setPeerStats(); });
  const auto* ans = p.a.answerFor(10);
  REQUIRE(ans != nullptr);
  REQUIRE(ans->get().isPeers());
  auto peers = ans->get().getPeers();
  REQUIRE(peers.size() == 1);
  auto s = peers[0];
  CHECK(keyOf(s.getPublicKey()) == p.b.publicKey());
  CHECK(str(s.getState()) == "ESTABLISHED");
  CHECK(s.getVersion() == 21);
  CHECK(s.getLabel() == p.labelOfB());
  CHECK(str(s.getLladdr()) == "10.0.0.2:7937");
  CHECK(s.getHasUser());
  CHECK(str(s.getUser()) == "peer-b");  // the peerName it was dialled with
  CHECK_FALSE(s.getIsIncoming());
  CHECK(s.getIfNum() == 0);
  CHECK(s.getBytesIn() > 0);
  CHECK(s.getBytesOut() > 0);
  CHECK(s.getReceivedPackets() > 0);
  CHECK(s.getRecvKbps() > 0);  // five ~250-byte pongs in the last second
  CHECK(s.getSendKbps() > 0);
  // The last message, on the unix clock of the context.
  CHECK(s.getLastMs() <= 1'700'000'000'000 + p.net.now);
  CHECK(s.getLastMs() + 5000 > 1'700'000'000'000 + p.net.now);

  // B sees A as incoming, named by the login A's password matched.
  p.b.ask(11, [](AdminToCore::Builder r) { r.setPeerStats(); });
  auto bs = p.b.answerFor(11)->get().getPeers();
  REQUIRE(bs.size() == 1);
  CHECK(bs[0].getIsIncoming());
  CHECK(str(bs[0].getUser()) == "a-login");
  CHECK(str(bs[0].getLladdr()) == "10.0.0.1:7937");

  // Rates fall back to zero when the link is quiet for a second.
  p.net.down = {true, true};
  p.net.run(2048);
  p.a.ask(12, [](AdminToCore::Builder r) { r.setPeerStats(); });
  auto quiet = p.a.answerFor(12)->get().getPeers();
  CHECK(quiet[0].getRecvKbps() == 0);
}

TEST_CASE("admin: interfaces are named as cjdns names them") {
  Net net;
  auto& a = net.add("10.0.0.1");
  a.ask(1, [](AdminToCore::Builder r) { r.setInterfaces(); });
  auto list = a.answerFor(1)->get().getInterfaces();
  REQUIRE(list.size() == 1);
  CHECK(list[0].getIfNum() == 0);
  CHECK(str(list[0].getName()) == "UDP/IPv4/10.0.0.1:7937");
  CHECK(str(list[0].getBeaconState()) == "DISABLED");
  CHECK(admin::interfaceName("UDP/[::]:7937") == "UDP/IPv6/[::]:7937");
  CHECK(admin::interfaceName("UDP/IPv4/0.0.0.0:1") == "UDP/IPv4/0.0.0.0:1");
  CHECK(admin::interfaceName("ETH/eth0") == "ETH/eth0");
}

TEST_CASE("admin: a switch ping that pongs, of every kind") {
  Pair p;
  const std::uint64_t label = p.labelOfB();
  auto ping = [&](std::uint64_t id, proto::SwitchPingKind kind, std::string data = {}) {
    auto out = p.a.ask(id, [&](AdminToCore::Builder r) {
      auto s = r.initSwitchPing();
      s.setPath(label);
      s.setTimeoutMs(1000);
      s.setKind(kind);
      s.setData(kj::arrayPtr(reinterpret_cast<const kj::byte*>(data.data()), data.size()));
    });
    CHECK(out == admin::AdminService::Outcome::kPending);
    p.net.pump();
    const auto* ans = p.a.answerFor(id);
    REQUIRE(ans != nullptr);
    REQUIRE(ans->get().isSwitchPong());
    return ans->get().getSwitchPong();
  };
  auto pong = ping(1, proto::SwitchPingKind::PING, "hello");
  CHECK(str(pong.getResult()) == "pong");
  CHECK(pong.getPath() == label);
  CHECK(pong.getVersion() == 21);
  CHECK(std::string(reinterpret_cast<const char*>(pong.getData().begin()), pong.getData().size()) == "hello");
  CHECK(pong.getMs() == 0);

  auto key = ping(2, proto::SwitchPingKind::KEY_PING);
  CHECK(str(key.getResult()) == "pong");
  CHECK(keyOf(key.getKey()) == p.b.publicKey());

  auto rpath = ping(3, proto::SwitchPingKind::RPATH);
  CHECK(str(rpath.getResult()) == "pong");
  const auto bPeers = p.b.engine().peers().peers();
  REQUIRE(bPeers.size() == 1);
  CHECK(rpath.getRpath() == bPeers[0].label);  // B's label for us

  auto ll = ping(4, proto::SwitchPingKind::LLADDR);
  CHECK(str(ll.getResult()) == "pong");
  CHECK(str(ll.getLladdr()) == "10.0.0.1:7937");  // our address as B sees it

  // B knows no supernode: cjdns's pinger ignores such a reply, so it times out.
  p.a.ask(5, [&](AdminToCore::Builder r) {
    auto s = r.initSwitchPing();
    s.setPath(label);
    s.setTimeoutMs(500);
    s.setKind(proto::SwitchPingKind::GET_SNODE);
  });
  p.net.pump();
  CHECK(p.a.answerFor(5) == nullptr);
  p.net.run(640);
  REQUIRE(p.a.answerFor(5) != nullptr);
  CHECK(str(p.a.answerFor(5)->get().getSwitchPong().getResult()) == "timeout");

  // Ourselves (label 1): answered by our own router at once.
  p.a.ask(6, [](AdminToCore::Builder r) { r.initSwitchPing().setPath(1); });
  REQUIRE(p.a.answerFor(6) != nullptr);
  CHECK(str(p.a.answerFor(6)->get().getSwitchPong().getResult()) == "pong");
  CHECK(p.a.service->pending() == 0);
}

TEST_CASE("admin: a switch ping that times out") {
  Pair p;
  // 0x15: a switch slot with no peer behind it (as the v21.1 capture's unknown slot).
  p.a.ask(7, [](AdminToCore::Builder r) {
    auto s = r.initSwitchPing();
    s.setPath(0x15);
    s.setTimeoutMs(1000);
  });
  p.net.run(768);
  CHECK(p.a.answerFor(7) == nullptr);
  p.net.run(384);
  const auto* ans = p.a.answerFor(7);
  REQUIRE(ans != nullptr);
  auto pong = ans->get().getSwitchPong();
  CHECK(str(pong.getResult()) == "timeout");
  CHECK(pong.getPath() == 0x15);
  CHECK(pong.getMs() >= 1000);
  CHECK(p.a.countFor(7) == 1);
  p.net.run(3000);
  CHECK(p.a.countFor(7) == 1);  // answered once only
}

TEST_CASE("admin: a switch ping through a peer that cannot forward gets err_switch") {
  Pair p;
  // B has no slot 0x15 of its own: its switch refuses and errors back.
  const std::uint64_t label = switching::splice(0x15, p.labelOfB());
  p.a.ask(8, [&](AdminToCore::Builder r) { r.initSwitchPing().setPath(label); });
  p.net.pump();
  const auto* ans = p.a.answerFor(8);
  REQUIRE(ans != nullptr);
  CHECK(str(ans->get().getSwitchPong().getResult()) == "err_switch");
}

TEST_CASE("admin: cancel forgets a pending switch ping") {
  Pair p;
  p.a.ask(9, [](AdminToCore::Builder r) { r.initSwitchPing().setPath(0x15); });
  CHECK(p.a.service->pending() == 1);
  p.a.ask(10, [](AdminToCore::Builder r) { r.setCancel(9); });
  CHECK(doneFor(p.a, 10));
  CHECK(p.a.service->pending() == 0);
  p.net.run(5000);
  CHECK(p.a.answerFor(9) == nullptr);
}

TEST_CASE("admin: pending requests are bounded") {
  Pair p;
  // The switch pinger keeps at most 50 pings (cjdns's limit).
  int pending = 0, refused = 0;
  for (std::uint64_t id = 1000; id < 1060; ++id) {
    auto out = p.a.ask(id, [](AdminToCore::Builder r) {
      auto s = r.initSwitchPing();
      s.setPath(0x15);
      s.setTimeoutMs(60'000);
    });
    if (out == admin::AdminService::Outcome::kPending) {
      ++pending;
    } else {
      ++refused;
      CHECK(errorOf(p.a, id) == "no open slots to store ping, try later.");
    }
  }
  CHECK(pending == 50);
  CHECK(refused == 10);
  // An id already pending is refused, not overwritten.
  p.a.ask(1000, [](AdminToCore::Builder r) { r.initSwitchPing().setPath(0x15); });
  CHECK(p.a.countFor(1000) == 1);
  // Data over 256 bytes is refused as cjdns's newPing refuses it.
  p.a.service->cancelAll();
  p.a.ask(2000, [](AdminToCore::Builder r) {
    auto s = r.initSwitchPing();
    s.setPath(0x15);
    s.setData(kj::heapArray<kj::byte>(257).asPtr());
  });
  CHECK(errorOf(p.a, 2000) == "no open slots to store ping, try later.");

  // The service's own bound, over every kind of asynchronous request.
  admin::AdminLimits lim;
  lim.maxPending = 3;
  admin::AdminService small(p.a.engine(), {}, lim);
  std::vector<std::unique_ptr<admin::test::Answer>> got;
  small.setSink([&](capnp::MessageBuilder& mb) { got.push_back(std::make_unique<admin::test::Answer>(mb)); });
  for (std::uint64_t id = 1; id <= 4; ++id) {
    capnp::MallocMessageBuilder mb;
    auto r = mb.initRoot<AdminToCore>();
    r.setId(id);
    r.initSwitchPing().setPath(0x15);
    small.handle(mb.getRoot<AdminToCore>().asReader(), p.net.now);
  }
  CHECK(small.pending() == 3);
  REQUIRE(got.size() == 1);
  CHECK(got[0]->get().getId() == 4);
  CHECK(str(got[0]->get().getError()) == "too many requests in flight, try later.");
}

TEST_CASE("admin: a router ping over the session") {
  Pair p;
  p.a.ask(20, [&](AdminToCore::Builder r) {
    auto rp = r.initRouterPing();
    rp.setIp6(bytes(p.b.ip6()));
    rp.setTimeoutMs(2000);
  });
  CHECK(p.a.service->pending() == 1);
  p.net.run(1024);
  const auto* ans = p.a.answerFor(20);
  REQUIRE(ans != nullptr);
  REQUIRE(ans->get().isRouterPong());
  auto pong = ans->get().getRouterPong();
  CHECK(str(pong.getResult()) == "pong");
  CHECK(pong.getProtocol() == 21);
  CHECK(keyOf(pong.getFrom().getPublicKey()) == p.b.publicKey());
  CHECK(pong.getFrom().getPath() == p.labelOfB());
  CHECK(pong.getFrom().getVersion() == 21);

  // By label too.
  p.a.ask(21, [&](AdminToCore::Builder r) { r.initRouterPing().setPath(p.labelOfB()); });
  p.net.run(1024);
  REQUIRE(p.a.answerFor(21) != nullptr);
  CHECK(str(p.a.answerFor(21)->get().getRouterPong().getResult()) == "pong");

  // A node we know nothing of, a bad address.
  crypto::Ip6 unknown{};
  unknown[0] = 0xfc;
  unknown[15] = 1;
  p.a.ask(22, [&](AdminToCore::Builder r) { r.initRouterPing().setIp6(bytes(unknown)); });
  CHECK(errorOf(p.a, 22) == "not_found");
  p.a.ask(23, [&](AdminToCore::Builder r) { r.initRouterPing().setIp6(kj::heapArray<kj::byte>(15).asPtr()); });
  CHECK(errorOf(p.a, 23) == "parse_path");

  // B stops answering: timeout, with the node that was asked.
  p.net.down = {false, true};
  p.a.ask(24, [&](AdminToCore::Builder r) {
    auto rp = r.initRouterPing();
    rp.setIp6(bytes(p.b.ip6()));
    rp.setTimeoutMs(500);
  });
  p.net.run(768);
  REQUIRE(p.a.answerFor(24) != nullptr);
  auto to = p.a.answerFor(24)->get().getRouterPong();
  CHECK(str(to.getResult()) == "timeout");
  CHECK(keyOf(to.getFrom().getPublicKey()) == p.b.publicKey());
}

TEST_CASE("admin: sessions: getHandles, sessionStats, resetSession") {
  Pair p;
  p.a.ask(30, [&](AdminToCore::Builder r) { r.initRouterPing().setIp6(bytes(p.b.ip6())); });
  p.net.run(2048);
  REQUIRE(p.a.answerFor(30) != nullptr);
  p.a.ask(31, [](AdminToCore::Builder r) { r.setGetHandles(); });
  auto handles = p.a.answerFor(31)->get().getHandles();
  REQUIRE(handles.size() >= 1);
  p.a.ask(32, [&](AdminToCore::Builder r) { r.setSessionStats(handles[0]); });
  const auto* ans = p.a.answerFor(32);
  REQUIRE(ans->get().isSession());
  auto s = ans->get().getSession();
  CHECK(keyOf(s.getPublicKey()) == p.b.publicKey());
  CHECK(std::memcmp(s.getIp6().begin(), p.b.ip6().data(), 16) == 0);
  CHECK(s.getHandle() == handles[0]);
  CHECK(s.getSendHandle() != 0);
  // We sent the Hello: RECEIVED_KEY until B's first data packet.
  const std::string state = str(s.getState());
  CHECK((state == "RECEIVED_KEY" || state == "ESTABLISHED"));
  CHECK(s.getVersion() == 21);
  CHECK(s.getPath() == p.labelOfB());
  CHECK(s.getMetric() != 0);

  p.a.ask(33, [&](AdminToCore::Builder r) { r.setSessionStatsByIp(bytes(p.b.ip6())); });
  CHECK(p.a.answerFor(33)->get().getSession().getHandle() == handles[0]);

  p.a.ask(34, [](AdminToCore::Builder r) { r.setSessionStats(0xdeadbeef); });
  CHECK(errorOf(p.a, 34) == "no such session");
  p.a.ask(35, [](AdminToCore::Builder r) { r.setSessionStatsByIp(kj::heapArray<kj::byte>(4).asPtr()); });
  CHECK(errorOf(p.a, 35) == "malformed_ip");
  crypto::Ip6 other = p.b.ip6();
  other[15] ^= 1;
  p.a.ask(36, [&](AdminToCore::Builder r) { r.setSessionStatsByIp(bytes(other)); });
  CHECK(errorOf(p.a, 36) == "no such session");

  p.a.ask(37, [&](AdminToCore::Builder r) { r.setResetSession(bytes(p.b.ip6())); });
  CHECK(doneFor(p.a, 37));
  p.a.ask(38, [&](AdminToCore::Builder r) { r.setSessionStatsByIp(bytes(p.b.ip6())); });
  CHECK(str(p.a.answerFor(38)->get().getSession().getState()) == "INIT");
  p.a.ask(39, [&](AdminToCore::Builder r) { r.setResetSession(bytes(other)); });
  CHECK(errorOf(p.a, 39) == "no such session");
  // The session comes back with the next ping.
  p.a.ask(40, [&](AdminToCore::Builder r) { r.initRouterPing().setIp6(bytes(p.b.ip6())); });
  p.net.run(2048);
  REQUIRE(p.a.answerFor(40) != nullptr);
  CHECK(str(p.a.answerFor(40)->get().getRouterPong().getResult()) == "pong");
}

TEST_CASE("admin: passwords added at run time let a peer in at once") {
  Net net;
  auto& a = net.add("10.0.0.1");
  auto& b = net.add("10.0.0.2");
  REQUIRE(a.engine().peers().beginConnection(0, b.addr(), b.publicKey(), admin::test::creds("late-pw"), net.now) ==
          iface::PeerController::ConnectResult::kOk);
  net.run(4096);
  CHECK(a.engine().peers().peers()[0].state != iface::PeerState::kEstablished);

  b.ask(1, [](AdminToCore::Builder r) {
    auto pa = r.initPasswordAdd();
    pa.setPassword("late-pw");
    pa.setUser("latecomer");
  });
  CHECK(doneFor(b, 1));
  b.ask(2, [](AdminToCore::Builder r) {
    auto pa = r.initPasswordAdd();
    pa.setPassword("late-pw");
    pa.setUser("latecomer");
  });
  CHECK(errorOf(b, 2) == "Password already added.");
  b.ask(3, [](AdminToCore::Builder r) {
    auto pa = r.initPasswordAdd();
    pa.setPassword("x");
    pa.setIpv6(kj::heapArray<kj::byte>(5).asPtr());
  });
  CHECK(errorOf(b, 3) == "Invalid IPv6 Address");
  b.ask(4, [](AdminToCore::Builder r) { r.initPasswordAdd().setPassword("anon-pw"); });
  CHECK(doneFor(b, 4));

  net.run(30'000);
  const auto ap = a.engine().peers().peers();
  REQUIRE(ap.size() == 1);
  CHECK(ap[0].state == iface::PeerState::kEstablished);
  b.ask(5, [](AdminToCore::Builder r) { r.setPeerStats(); });
  auto bs = b.answerFor(5)->get().getPeers();
  REQUIRE(bs.size() == 1);
  CHECK(str(bs[0].getUser()) == "latecomer");

  b.ask(6, [](AdminToCore::Builder r) { r.setPasswordList(); });
  auto users = b.answerFor(6)->get().getUsers();
  REQUIRE(users.size() == 2);
  CHECK(str(users[0]) == "latecomer");
  CHECK(str(users[1]) == "Anon #1");

  b.ask(7, [](AdminToCore::Builder r) { r.setPasswordRemove("latecomer"); });
  CHECK(doneFor(b, 7));
  b.ask(8, [](AdminToCore::Builder r) { r.setPasswordRemove("latecomer"); });
  CHECK(errorOf(b, 8) == "Unknown error.");
  b.ask(9, [](AdminToCore::Builder r) { r.setPasswordList(); });
  CHECK(b.answerFor(9)->get().getUsers().size() == 1);
}

TEST_CASE("admin: disconnectPeer and resetPeering") {
  Pair p;
  p.a.ask(1, [](AdminToCore::Builder r) { r.setDisconnectPeer(kj::heapArray<kj::byte>(31).asPtr()); });
  CHECK(errorOf(p.a, 1) == "bad key");
  p.a.ask(2, [&](AdminToCore::Builder r) { r.setDisconnectPeer(bytes(p.a.publicKey())); });
  CHECK(errorOf(p.a, 2) == "no peer found for that key");
  p.a.ask(3, [](AdminToCore::Builder r) { r.setResetPeering(kj::heapArray<kj::byte>(3).asPtr()); });
  CHECK(errorOf(p.a, 3) == "bad key");

  p.a.ask(4, [&](AdminToCore::Builder r) { r.setResetPeering(bytes(p.b.publicKey())); });
  CHECK(doneFor(p.a, 4));
  CHECK(p.a.engine().peers().peers()[0].state != iface::PeerState::kEstablished);
  p.net.run(8192);
  CHECK(p.a.engine().peers().peers()[0].state == iface::PeerState::kEstablished);
  p.a.ask(5, [](AdminToCore::Builder r) { r.setResetPeering(capnp::Data::Reader()); });  // empty: every peer
  CHECK(doneFor(p.a, 5));

  p.a.ask(6, [&](AdminToCore::Builder r) { r.setDisconnectPeer(bytes(p.b.publicKey())); });
  CHECK(doneFor(p.a, 6));
  CHECK(p.a.engine().peers().peers().empty());
}

TEST_CASE("admin: dumpTable and nodeForAddr") {
  Pair p;
  p.a.ask(1, [](AdminToCore::Builder r) { r.setDumpTable(); });
  auto table = p.a.answerFor(1)->get().getNodes();
  CHECK(table.getPeerCount() == 1);
  auto entries = table.getEntries();
  REQUIRE(entries.size() == 2);
  bool sawSelf = false, sawPeer = false;
  for (auto e : entries) {
    const auto key = keyOf(e.getPublicKey());
    if (key == p.a.publicKey()) {
      sawSelf = true;
      CHECK(e.getPath() == 1);
      CHECK(e.getBucket() == 127);
      CHECK(e.getLink() == 0);
    } else {
      sawPeer = true;
      CHECK(key == p.b.publicKey());
      CHECK(e.getPath() == p.labelOfB());
      CHECK(e.getVersion() == 21);
      CHECK(e.getLink() == 1024);
      CHECK(e.getBucket() == admin::bucketFor(p.a.ip6(), p.b.ip6()));
    }
  }
  CHECK(sawSelf);
  CHECK(sawPeer);
  // As the v21.1 capture: fc81:698d:... and fc9d:8f6f:... are 3 apart.
  const auto x = crypto::parseIp6("fc81:698d:0505:55d6:06e9:e709:ebfc:141c");
  const auto y = crypto::parseIp6("fc9d:8f6f:3df1:aa12:1c66:81ce:5f72:3599");
  REQUIRE(x);
  REQUIRE(y);
  CHECK(admin::bucketFor(*x, *y) == 3);
  CHECK(admin::bucketFor(*x, *x) == 127);

  p.a.ask(2, [](AdminToCore::Builder r) { r.setNodeForAddr(capnp::Data::Reader()); });
  auto self = p.a.answerFor(2)->get().getNodeDetail();
  CHECK(self.getFound());
  CHECK(self.getRouteLabel() == 1);
  CHECK(self.getCost() == 0);
  p.a.ask(3, [&](AdminToCore::Builder r) { r.setNodeForAddr(bytes(p.b.ip6())); });
  auto peer = p.a.answerFor(3)->get().getNodeDetail();
  CHECK(peer.getFound());
  CHECK(peer.getRouteLabel() == p.labelOfB());
  CHECK(peer.getBestParentIsOneHop());
  CHECK(std::memcmp(peer.getBestParentIp6().begin(), p.a.ip6().data(), 16) == 0);
  crypto::Ip6 unknown{};
  unknown[0] = 0xfc;
  p.a.ask(4, [&](AdminToCore::Builder r) { r.setNodeForAddr(bytes(unknown)); });
  CHECK_FALSE(p.a.answerFor(4)->get().getNodeDetail().getFound());
  p.a.ask(5, [](AdminToCore::Builder r) { r.setNodeForAddr(kj::heapArray<kj::byte>(7).asPtr()); });
  CHECK(errorOf(p.a, 5) == "parse_ip");

  // lookup: a known node by its label, ourselves, nothing nearer.
  p.a.ask(6, [&](AdminToCore::Builder r) { r.setLookup(bytes(p.b.ip6())); });
  CHECK(str(p.a.answerFor(6)->get().getText()) == crypto::labelToString(p.labelOfB()));
  p.a.ask(7, [&](AdminToCore::Builder r) { r.setLookup(bytes(p.a.ip6())); });
  CHECK(str(p.a.answerFor(7)->get().getText()) == "0000.0000.0000.0001");
  p.a.ask(8, [](AdminToCore::Builder r) { r.setLookup(kj::heapArray<kj::byte>(3).asPtr()); });
  CHECK(errorOf(p.a, 8) == "address wrong length");
}

TEST_CASE("admin: getPeers, findNode and nextHop through a peer") {
  // A - B - C: A asks B about C.
  Net net;
  auto& a = net.add("10.0.0.1");
  auto& b = net.add("10.0.0.2");
  auto& c = net.add("10.0.0.3");
  b.engine().users().add("pw", "x", std::nullopt, "x");
  REQUIRE(a.engine().peers().beginConnection(0, b.addr(), b.publicKey(), admin::test::creds("pw"), net.now) ==
          iface::PeerController::ConnectResult::kOk);
  REQUIRE(c.engine().peers().beginConnection(0, b.addr(), b.publicKey(), admin::test::creds("pw"), net.now) ==
          iface::PeerController::ConnectResult::kOk);
  net.run(8192);
  const auto aPeers = a.engine().peers().peers();
  REQUIRE(aPeers.size() == 1);
  const std::uint64_t aToB = aPeers[0].label;
  std::uint64_t bToC = 0;
  for (const auto& pi : b.engine().peers().peers()) {
    if (pi.publicKey == c.publicKey()) bToC = pi.label;
  }
  REQUIRE(bToC != 0);

  a.ask(1, [&](AdminToCore::Builder r) {
    auto q = r.initRouterQuery();
    q.setKind(proto::RouterQueryKind::GET_PEERS);
    q.setPath(aToB);
    q.setNearbyPath(0);
  });
  net.run(1024);
  const auto* gp = a.answerFor(1);
  REQUIRE(gp != nullptr);
  auto gpn = gp->get().getRouterNodes();
  CHECK(str(gpn.getResult()) == "peers");
  CHECK(gpn.getEncodingScheme().size() == 5);
  bool sawC = false;
  for (auto n : gpn.getNodes()) {
    if (keyOf(n.getPublicKey()) == c.publicKey()) {
      sawC = true;
      CHECK(n.getPath() == bToC);  // as B wrote it: not spliced
    }
  }
  CHECK(sawC);

  for (auto kind : {proto::RouterQueryKind::FIND_NODE, proto::RouterQueryKind::NEXT_HOP}) {
    const std::uint64_t id = kind == proto::RouterQueryKind::FIND_NODE ? 2 : 3;
    a.ask(id, [&](AdminToCore::Builder r) {
      auto q = r.initRouterQuery();
      q.setKind(kind);
      q.setIp6(bytes(b.ip6()));
      q.setTarget(bytes(c.ip6()));
    });
    net.run(1024);
    REQUIRE(a.answerFor(id) != nullptr);
    auto rn = a.answerFor(id)->get().getRouterNodes();
    CHECK(str(rn.getResult()) == "nodes");
    if (kind == proto::RouterQueryKind::FIND_NODE) {
      bool found = false;
      for (auto n : rn.getNodes()) {
        if (keyOf(n.getPublicKey()) == c.publicKey()) {
          found = true;
          CHECK(n.getPath() == switching::splice(bToC, aToB));  // spliced onto our path to B
        }
      }
      CHECK(found);
    }
  }
  a.ask(4, [&](AdminToCore::Builder r) {
    auto q = r.initRouterQuery();
    q.setKind(proto::RouterQueryKind::FIND_NODE);
    q.setIp6(bytes(b.ip6()));
    q.setTarget(kj::heapArray<kj::byte>(8).asPtr());
  });
  CHECK(errorOf(a, 4) == "parse_target");
}

TEST_CASE("admin: udpBeginConnection adds a peer at run time") {
  Net net;
  auto& a = net.add("10.0.0.1");
  auto& b = net.add("10.0.0.2");
  b.engine().users().add("pw", "x", std::nullopt, "x");
  auto begin = [&](std::uint64_t id, unsigned ifNum, std::vector<kj::byte> ip, const crypto::PublicKey& key) {
    a.ask(id, [&](AdminToCore::Builder r) {
      auto u = r.initUdpBeginConnection();
      u.setInterfaceNumber(ifNum);
      auto addr = u.initAddress();
      addr.setIp(kj::arrayPtr(ip.data(), ip.size()));
      addr.setPort(7937);
      auto peer = u.initPeer();
      peer.setPublicKey(bytes(key));
      peer.setPassword("pw");
      peer.setPeerName("bee");
    });
  };
  begin(1, 1, {10, 0, 0, 2}, b.publicKey());
  CHECK(errorOf(a, 1) == "no such interface for interfaceNumber");
  begin(2, 0, {10, 0, 0}, b.publicKey());
  CHECK(errorOf(a, 2) == "unable to parse ip address and port.");
  begin(3, 0, std::vector<kj::byte>(16, 1), b.publicKey());
  CHECK(errorOf(a, 3) == "different address type than this socket is bound to.");
  begin(4, 0, {10, 0, 0, 2}, a.publicKey());
  CHECK(errorOf(a, 4) == "invalid cjdns public key.");
  begin(5, 0, {10, 0, 0, 2}, b.publicKey());
  CHECK(doneFor(a, 5));
  net.run(6000);
  const auto ps = a.engine().peers().peers();
  REQUIRE(ps.size() == 1);
  CHECK(ps[0].state == iface::PeerState::kEstablished);
  CHECK(ps[0].user == "bee");
}

TEST_CASE("admin: udpNew asks the angel and answers when the socket arrives") {
  Net net;
  auto& a = net.add("10.0.0.1");
  std::vector<std::uint64_t> asked;
  admin::AdminContext ctx;
  ctx.requestUdpSocket = [&](std::uint64_t token, std::span<const std::uint8_t> ip, std::uint16_t port)
      -> std::optional<std::string> {
    CHECK(ip.size() == 4);
    CHECK(port == 0);
    asked.push_back(token);
    return std::nullopt;
  };
  ctx.addUdpSocket = [&](int fd) -> std::variant<admin::AdminContext::UdpAdded, std::string> {
    if (fd < 0) return std::string("bad socket");
    return admin::AdminContext::UdpAdded{1, "0.0.0.0:41234"};
  };
  admin::AdminService svc(a.engine(), std::move(ctx));
  std::vector<std::unique_ptr<admin::test::Answer>> got;
  svc.setSink([&](capnp::MessageBuilder& mb) { got.push_back(std::make_unique<admin::test::Answer>(mb)); });
  auto ask = [&](std::uint64_t id) {
    capnp::MallocMessageBuilder mb;
    auto r = mb.initRoot<AdminToCore>();
    r.setId(id);
    r.initUdpNew().setIp(kj::heapArray<kj::byte>(4).asPtr());
    return svc.handle(mb.getRoot<AdminToCore>().asReader(), net.now);
  };
  CHECK(ask(50) == admin::AdminService::Outcome::kPending);
  REQUIRE(asked == std::vector<std::uint64_t>{50});
  CHECK(got.empty());
  svc.udpSocketOpened(50, -1);
  REQUIRE(got.size() == 1);
  CHECK(str(got[0]->get().getError()) == "bad socket");
  CHECK(ask(51) == admin::AdminService::Outcome::kPending);
  svc.udpSocketOpened(51, 99);  // our fake socket: the hook does not touch it
  REQUIRE(got.size() == 2);
  REQUIRE(got[1]->get().isUdpInterface());
  CHECK(got[1]->get().getUdpInterface().getInterfaceNumber() == 1);
  CHECK(str(got[1]->get().getUdpInterface().getBindAddress()) == "0.0.0.0:41234");
  // No answer from the angel: an error after the timeout.
  CHECK(ask(52) == admin::AdminService::Outcome::kPending);
  svc.udpSocketFailed(52, "Address already in use");
  CHECK(str(got.back()->get().getError()) == "Address already in use");
  CHECK(ask(53) == admin::AdminService::Outcome::kPending);
  svc.tick(net.now + 10'001);
  CHECK(got.back()->get().getId() == 53);
  CHECK(got.back()->get().isError());
  // At most 8 wait for the angel at once.
  for (std::uint64_t id = 60; id < 70; ++id) ask(id);
  CHECK(svc.pending() == 8);

  // Without the hooks it is refused.
  a.ask(54, [](AdminToCore::Builder r) { r.initUdpNew().setIp(kj::heapArray<kj::byte>(4).asPtr()); });
  CHECK(a.answerFor(54)->get().isError());
}

TEST_CASE("admin: memory, checkPermissions and an unreadable request") {
  Net net;
  auto& a = net.add("10.0.0.1");
  a.ask(1, [](AdminToCore::Builder r) { r.setMemory(); });
  CHECK(a.answerFor(1)->get().getNumber() > 0);
  a.ask(2, [](AdminToCore::Builder r) { r.setCheckPermissions(); });
  auto perm = a.answerFor(2)->get().getPermissions();
  CHECK(perm.getUserId() == static_cast<std::uint32_t>(::getuid()));
  CHECK_FALSE(perm.getNoOpenFiles());

  // A text that is not NUL-terminated: the reader throws; the id still gets an error.
  capnp::MallocMessageBuilder mb;
  auto r = mb.initRoot<AdminToCore>();
  r.setId(77);
  r.setPasswordRemove("abc");
  auto words = capnp::messageToFlatArray(mb);
  auto bytesView = words.asBytes();
  // Find "abc\0" and overwrite the terminator.
  for (std::size_t i = 0; i + 3 < bytesView.size(); ++i) {
    if (bytesView[i] == 'a' && bytesView[i + 1] == 'b' && bytesView[i + 2] == 'c' && bytesView[i + 3] == 0) {
      bytesView[i + 3] = 'd';
    }
  }
  capnp::FlatArrayMessageReader reader(words.asPtr());
  CHECK(a.service->handle(reader.getRoot<AdminToCore>(), net.now) == admin::AdminService::Outcome::kMalformed);
  REQUIRE(a.answerFor(77) != nullptr);
  CHECK(a.answerFor(77)->get().isError());
  CHECK(a.service->counters().malformed == 1);
}

}  // TEST_SUITE
