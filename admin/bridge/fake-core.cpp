#include "admin/bridge/fake-core.h"

#include <algorithm>
#include <cstring>

#include "core/crypto/address.h"
#include "core/switch/encoding-scheme.h"

namespace cjdns::admin::testing {
namespace {

capnp::Data::Reader bytes(std::span<const std::uint8_t> b) { return capnp::Data::Reader(b.data(), b.size()); }

bool sameBytes(capnp::Data::Reader d, std::span<const std::uint8_t> b) {
  return d.size() == b.size() && std::equal(d.begin(), d.end(), b.begin());
}

void fillNodeRef(proto::NodeRef::Builder r, const FakePeer& p) {
  r.setPublicKey(bytes(p.key));
  r.setVersion(p.version);
  r.setPath(p.label);
}

}  // namespace

FakeState defaultState() {
  FakeState s;
  s.self = crypto::generateIdentity();
  FakePeer p;
  p.key = crypto::generateIdentity().publicKey;
  s.peers.push_back(p);
  return s;
}

NodeInfo FakeCore::info() const {
  NodeInfo i;
  i.publicKey = state_.self.publicKey;
  i.ip6 = state_.self.address;
  i.protocolVersion = state_.protocolVersion;
  i.encodingScheme = switching::EncodingScheme::v358().serialize();
  i.corePid = state_.pid;
  i.adminPassword = state_.password;
  i.startedMs = 1;
  return i;
}

bool FakeCore::send(capnp::MessageBuilder& message) {
  if (!linkUp) return false;
  auto req = message.getRoot<proto::AdminToCore>().asReader();
  seen_.push_back(static_cast<unsigned>(req.which()));
  if (!answer || req.which() == proto::AdminToCore::CANCEL) return true;
  auto mb = std::make_unique<capnp::MallocMessageBuilder>(256);
  auto out = mb->initRoot<proto::CoreToAdmin>();
  out.setId(req.getId());
  if (!override_ || !override_(req, out)) fill(req, out);
  queue_.push_back(std::move(mb));
  return true;
}

std::size_t FakeCore::pump(Bridge& bridge, std::uint64_t now) {
  std::size_t n = 0;
  while (!queue_.empty()) {
    auto mb = std::move(queue_.front());
    queue_.pop_front();
    bridge.onCoreMessage(mb->getRoot<proto::CoreToAdmin>().asReader(), now);
    ++n;
  }
  return n;
}

void FakeCore::fill(proto::AdminToCore::Reader req, proto::CoreToAdmin::Builder out) {
  using R = proto::AdminToCore;
  const FakePeer* peer = state_.peers.empty() ? nullptr : &state_.peers.front();
  auto peerByIp = [&](capnp::Data::Reader ip) -> const FakePeer* {
    for (const FakePeer& p : state_.peers) {
      if (sameBytes(ip, crypto::addressOf(p.key))) return &p;
    }
    return nullptr;
  };
  auto peerByLabel = [&](std::uint64_t label) -> const FakePeer* {
    for (const FakePeer& p : state_.peers) {
      if (p.label == label) return &p;
    }
    return nullptr;
  };
  auto scheme = switching::EncodingScheme::v358().serialize();
  auto session = [&](const FakePeer& p, std::uint32_t handle) {
    auto s = out.initSession();
    s.setPublicKey(bytes(p.key));
    s.setIp6(bytes(crypto::addressOf(p.key)));
    s.setVersion(p.version);
    s.setPath(p.label);
    s.setState("ESTABLISHED");
    s.setHandle(handle);
    s.setSendHandle(44112);
    s.setMetric(0xff1fffff);
    s.setTimeOfLastUsageMs(1795352866944);
  };

  switch (req.which()) {
    case R::HELLO:
    case R::NODE_INFO: {
      auto i = out.initInfo();
      i.setPublicKey(bytes(state_.self.publicKey));
      i.setIp6(bytes(state_.self.address));
      i.setProtocolVersion(state_.protocolVersion);
      i.setEncodingScheme(bytes(scheme));
      i.setCorePid(state_.pid);
      i.setAdminPassword(state_.password);
      i.setStartedMs(1);
      break;
    }
    case R::EXIT: out.setDone(); break;
    case R::PEER_STATS: {
      auto list = out.initPeers(static_cast<unsigned>(state_.peers.size()));
      for (unsigned i = 0; i < list.size(); ++i) {
        const FakePeer& p = state_.peers[i];
        auto s = list[i];
        s.setPublicKey(bytes(p.key));
        s.setVersion(p.version);
        s.setLabel(p.label);
        s.setState("ESTABLISHED");
        s.setUser(p.user);
        s.setHasUser(!p.user.empty());
        s.setLastMs(1795352877434);
        s.setLladdr(p.lladdr);
        s.setBytesIn(6416);
        s.setBytesOut(5940);
        s.setReceivedPackets(7);
        s.setRecvKbps(3);
        s.setSendKbps(3);
      }
      break;
    }
    case R::INTERFACES: {
      auto list = out.initInterfaces(1);
      list[0].setIfNum(0);
      list[0].setName("UDP/IPv4/0.0.0.0:7937");
      list[0].setBeaconState("disabled");
      break;
    }
    case R::DISCONNECT_PEER:
    case R::RESET_PEERING: {
      auto key = req.which() == R::DISCONNECT_PEER ? req.getDisconnectPeer() : req.getResetPeering();
      bool known = key.size() == 0 && req.which() == R::RESET_PEERING;
      for (const FakePeer& p : state_.peers) known = known || sameBytes(key, p.key);
      if (known) {
        out.setDone();
      } else {
        out.setError("no peer found for that key");
      }
      break;
    }
    case R::DUMP_TABLE: {
      auto t = out.initNodes();
      auto entries = t.initEntries(static_cast<unsigned>(state_.peers.size() + 1));
      for (unsigned i = 0; i < state_.peers.size(); ++i) {
        const FakePeer& p = state_.peers[i];
        entries[i].setPublicKey(bytes(p.key));
        entries[i].setIp6(bytes(crypto::addressOf(p.key)));
        entries[i].setPath(p.label);
        entries[i].setVersion(p.version);
        entries[i].setLink(1024);
        entries[i].setBucket(3);
        entries[i].setTimeMs(611);
      }
      auto self = entries[static_cast<unsigned>(state_.peers.size())];
      self.setPublicKey(bytes(state_.self.publicKey));
      self.setIp6(bytes(state_.self.address));
      self.setPath(1);
      self.setVersion(state_.protocolVersion);
      self.setBucket(127);
      self.setTimeMs(11150);
      t.setPeerCount(static_cast<std::uint32_t>(state_.peers.size()));
      break;
    }
    case R::NODE_FOR_ADDR: {
      auto ip = req.getNodeForAddr();
      auto d = out.initNodeDetail();
      const bool self = ip.size() == 0 || sameBytes(ip, state_.self.address);
      const FakePeer* p = self ? nullptr : peerByIp(ip);
      if (!self && p == nullptr) {
        d.setFound(false);
        break;
      }
      d.setFound(true);
      d.setPublicKey(bytes(self ? state_.self.publicKey : p->key));
      d.setRouteLabel(self ? 1 : p->label);
      d.setProtocolVersion(self ? state_.protocolVersion : p->version);
      d.setLinkCount(self ? 3 : 1);
      d.setCost(self ? 0 : 1024);
      d.setEncodingScheme(bytes(scheme));
      d.setBestParentIp6(bytes(state_.self.address));
      d.setBestParentIsOneHop(!self);
      d.setBestParentChildLabel(self ? 1 : p->label);
      break;
    }
    case R::GET_HANDLES: {
      auto list = out.initHandles(static_cast<unsigned>(state_.handles.size()));
      for (unsigned i = 0; i < list.size(); ++i) list.set(i, state_.handles[i]);
      break;
    }
    case R::SESSION_STATS: {
      const std::uint32_t h = req.getSessionStats();
      if (peer != nullptr && std::find(state_.handles.begin(), state_.handles.end(), h) != state_.handles.end()) {
        session(*peer, h);
      } else {
        out.setError("no such session");
      }
      break;
    }
    case R::SESSION_STATS_BY_IP:
    case R::RESET_SESSION: {
      auto ip = req.which() == R::RESET_SESSION ? req.getResetSession() : req.getSessionStatsByIp();
      const FakePeer* p = peerByIp(ip);
      if (p == nullptr || state_.handles.empty()) {
        out.setError("no such session");
      } else if (req.which() == R::RESET_SESSION) {
        out.setDone();
      } else {
        session(*p, state_.handles.front());
      }
      break;
    }
    case R::PASSWORD_ADD: {
      auto a = req.getPasswordAdd();
      std::string user = a.getUser().size() > 0 ? std::string(a.getUser()) : std::string(a.getPassword());
      if (std::find(state_.users.begin(), state_.users.end(), user) != state_.users.end()) {
        out.setError("Password already added.");
      } else {
        state_.users.push_back(user);
        out.setDone();
      }
      break;
    }
    case R::PASSWORD_REMOVE: {
      auto it = std::find(state_.users.begin(), state_.users.end(), std::string(req.getPasswordRemove()));
      if (it == state_.users.end()) {
        out.setError("Unknown error.");
      } else {
        state_.users.erase(it);
        out.setDone();
      }
      break;
    }
    case R::PASSWORD_LIST: {
      auto list = out.initUsers(static_cast<unsigned>(state_.users.size()));
      for (unsigned i = 0; i < list.size(); ++i) list.set(i, state_.users[i]);
      break;
    }
    case R::SWITCH_PING: {
      auto ping = req.getSwitchPing();
      auto pong = out.initSwitchPong();
      const FakePeer* p = peerByLabel(ping.getPath());
      pong.setPath(ping.getPath());
      if (p == nullptr) {
        pong.setResult("timeout");
        pong.setMs(ping.getTimeoutMs());
        pong.setVersion(state_.protocolVersion);
        break;
      }
      pong.setResult("pong");
      pong.setMs(0);
      pong.setVersion(p->version);
      pong.setData(ping.getData());
      if (ping.getKind() == proto::SwitchPingKind::KEY_PING) pong.setKey(bytes(p->key));
      if (ping.getKind() == proto::SwitchPingKind::RPATH) pong.setRpath(0x13);
      if (ping.getKind() == proto::SwitchPingKind::LLADDR) pong.setLladdr("10.99.0.2:7937");
      break;
    }
    case R::ROUTER_PING: {
      auto ping = req.getRouterPing();
      const FakePeer* p = ping.isIp6() ? peerByIp(ping.getIp6()) : peerByLabel(ping.getPath());
      if (p == nullptr) {
        out.setError("not_found");
        break;
      }
      auto pong = out.initRouterPong();
      pong.setResult("pong");
      pong.setMs(4);
      pong.setProtocol(p->version);
      fillNodeRef(pong.initFrom(), *p);
      break;
    }
    case R::ROUTER_QUERY: {
      auto q = req.getRouterQuery();
      const FakePeer* p = q.isIp6() ? peerByIp(q.getIp6()) : peerByLabel(q.getPath());
      if (p == nullptr) {
        out.setError("not_found");
        break;
      }
      auto r = out.initRouterNodes();
      r.setResult(q.getKind() == proto::RouterQueryKind::GET_PEERS ? "peers" : "nodes");
      r.setMs(5);
      fillNodeRef(r.initNodes(1)[0], *p);
      r.setEncodingScheme(bytes(scheme));
      break;
    }
    case R::LOOKUP: {
      const FakePeer* p = peerByIp(req.getLookup());
      out.setText(p == nullptr ? std::string("not found") : crypto::labelToString(p->label));
      break;
    }
    case R::UDP_NEW: {
      auto u = out.initUdpInterface();
      u.setInterfaceNumber(1);
      u.setBindAddress("0.0.0.0:41234");
      break;
    }
    case R::UDP_BEGIN_CONNECTION:
      if (req.getUdpBeginConnection().getInterfaceNumber() != 0) {
        out.setError("no such interface for interfaceNumber");
      } else {
        out.setDone();
      }
      break;
    case R::MEMORY: out.setNumber(331544); break;
    case R::CHECK_PERMISSIONS: {
      auto perm = out.initPermissions();
      perm.setUserId(65534);
      perm.setNoOpenFiles(false);
      break;
    }
    default: out.setError("fake core: unexpected request"); break;
  }
}

}  // namespace cjdns::admin::testing
