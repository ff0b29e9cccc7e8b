#include "angel/conf/core-config.h"

#include <capnp/message.h>

#include <cstring>
#include <string>

#include "angel/conf/conf-walker.h"
#include "angel/conf/random-text.h"
#include "core/crypto/address.h"
#include "core/crypto/keys.h"
#include "core/util/host-port.h"

namespace cjdns::angel {
namespace {

using util::Value;
using Type = util::Value::Type;

capnp::Data::Reader bytesOf(const void* p, std::size_t n) {
  return capnp::Data::Reader(static_cast<const capnp::byte*>(p), n);
}

/// A bare IPv4 or IPv6 address (no port) into out (4 or 16 bytes).
bool parseIp(bool v6, const std::string& text, std::uint8_t* out) {
  auto parsed = util::parseHostPort(v6 ? "[" + text + "]" : text, util::PortRule::kOptional);
  bool stray = v6 ? text.find(']') != std::string::npos : text.find(':') != std::string::npos;
  if (stray || !parsed.ok() || parsed->isIpv6 != v6) {
    return false;
  }
  std::memcpy(out, parsed->ip.data(), parsed->ipLength());
  return true;
}

/// One pass over the tree, writing into a CoreConfig builder.
class Mapper {
 public:
  Mapper(LoadedConfig& out, ConfWalker& w) : w_(w), cfg_(out.message.initRoot<proto::CoreConfig>()) {}

  bool run(const Value& root) {
    w_.checkKeys(root, "",
                 {"privateKey", "publicKey", "ipv6", "authorizedPasswords", "admin", "interfaces", "router",
                  "security", "logging", "noBackground", "pipe", "version"},
                 {"corePath", "resetAfterInactivitySeconds", "dns"});
    identity(root) && passwords(root) && admin(root) && interfaces(root) && router(root) && security(root) &&
        misc(root);
    return !w_.failed();
  }

 private:
  ConfWalker& w_;
  proto::CoreConfig::Builder cfg_;

  // ---- identity -----------------------------------------------------------

  bool identity(const Value& root) {
    const Value* priv = w_.need(root, "", "privateKey", Type::kString);
    if (priv == nullptr) return false;
    auto key = crypto::parsePrivateKeyHex(priv->asString());
    if (!key) {
      return w_.fail(*priv, "privateKey",
                     "expected 64 hex digits, found " + std::to_string(priv->asString().size()) + " characters");
    }
    crypto::PublicKey pub = crypto::publicKeyOf(*key);
    crypto::Ip6 ip = crypto::addressOf(pub);
    if (!crypto::isValidAddress(ip)) {
      return w_.fail(*priv, "privateKey",
                     "this key gives the address " + crypto::ip6ToString(ip) +
                         ", outside fc00::/8; generate a new one with cjdroute --genconf");
    }
    if (const Value* text = w_.get(root, "", "publicKey", Type::kString)) {
      auto parsed = crypto::parsePublicKey(text->asString());
      if (!parsed.ok()) return w_.fail(*text, "publicKey", crypto::describe(parsed.error));
      if (parsed.key != pub) {
        return w_.fail(*text, "publicKey",
                       "does not match privateKey, whose public key is " + crypto::publicKeyToString(pub));
      }
    }
    if (const Value* text = w_.get(root, "", "ipv6", Type::kString)) {
      auto parsed = crypto::parseIp6(text->asString());
      if (!parsed) return w_.fail(*text, "ipv6", "not an IPv6 address");
      if (*parsed != ip) {
        return w_.fail(*text, "ipv6", "does not match privateKey, whose address is " + crypto::ip6ToString(ip));
      }
    }
    cfg_.setPrivateKey(bytesOf(key->bytes().data(), key->bytes().size()));
    cfg_.setPublicKey(bytesOf(pub.data(), pub.size()));
    cfg_.setIpv6(bytesOf(ip.data(), ip.size()));
    return !w_.failed();
  }

  // ---- authorizedPasswords and admin -------------------------------------

  bool passwords(const Value& root) {
    const Value* list = w_.get(root, "", "authorizedPasswords", Type::kList);
    if (list == nullptr) return !w_.failed();
    auto out = cfg_.initAuthorizedPasswords(static_cast<unsigned>(list->asList().size()));
    for (std::size_t i = 0; i < list->asList().size(); ++i) {
      const Value& e = list->asList()[i];
      std::string path = indexPath("authorizedPasswords", i);
      if (!w_.expectType(e, path, Type::kDict)) return false;
      w_.checkKeys(e, path, {"password", "user", "ipv6", "publicKey", "login"});
      const Value* pw = w_.need(e, path, "password", Type::kString);
      if (pw == nullptr) return false;
      auto b = out[static_cast<unsigned>(i)];
      b.setPassword(pw->asString());
      if (auto user = w_.getString(e, path, "user")) b.setUser(*user);
      if (const Value* ip = w_.get(e, path, "ipv6", Type::kString)) {
        auto parsed = crypto::parseIp6(ip->asString());
        if (!parsed || !crypto::isValidAddress(*parsed)) {
          return w_.fail(*ip, childPath(path, "ipv6"), "expected a cjdns (fc00::/8) IPv6 address");
        }
        b.setIpv6(bytesOf(parsed->data(), parsed->size()));
      }
      if (w_.failed()) return false;
    }
    return true;
  }

  bool admin(const Value& root) {
    const Value* a = w_.need(root, "", "admin", Type::kDict);
    if (a == nullptr) return false;
    w_.checkKeys(*a, "admin", {"bind", "password"});
    const Value* bind = w_.need(*a, "admin", "bind", Type::kString);
    if (bind == nullptr) return false;
    auto out = cfg_.initAdmin();
    if (!hostPort(*bind, "admin.bind", util::PortRule::kRequired, out.initBind())) return false;
    if (auto pw = w_.getString(*a, "admin", "password")) {
      out.setPassword(*pw);
    } else if (!w_.failed()) {
      w_.warn(*a, "admin.password", "not set: a random password is used and admin tools cannot log in");
      out.setPassword(randomPassword(32));
      out.setPasswordGenerated(true);
    }
    return !w_.failed();
  }

  bool hostPort(const Value& v, const std::string& path, util::PortRule rule, proto::SockAddr::Builder out) {
    auto hp = util::parseHostPort(v.asString(), rule);
    if (!hp.ok()) return w_.fail(v, path, hp.error().message);
    out.setIp(bytesOf(hp->ip.data(), hp->ipLength()));
    out.setPort(hp->port);
    return true;
  }

  // ---- interfaces --------------------------------------------------------

  /// cjdns accepts an interface section as a list of dicts or a single dict.
  std::vector<const Value*> entriesOf(const Value& v, const std::string& path) {
    std::vector<const Value*> out;
    if (v.isDict()) {
      out.push_back(&v);
    } else if (v.isList()) {
      for (std::size_t i = 0; i < v.asList().size(); ++i) {
        if (!w_.expectType(v.asList()[i], indexPath(path, i), Type::kDict)) return {};
        out.push_back(&v.asList()[i]);
      }
    } else {
      w_.fail(v, path, std::string("expected a list of dicts, found ") + util::typeName(v.type()));
    }
    return out;
  }

  bool interfaces(const Value& root) {
    const Value* ifs = w_.get(root, "", "interfaces", Type::kDict);
    if (ifs == nullptr) return !w_.failed();
    for (const auto& [name, value] : ifs->asDict().entries()) {
      if (name == "UDPInterface" || name == "ETHInterface" || name.starts_with("_")) continue;
      return w_.fail(value, childPath("interfaces", name),
                     "unknown interface type (expected UDPInterface or ETHInterface; "
                     "rename it to _disabled_" + name + " to keep it in the file)");
    }
    if (const Value* udp = ifs->asDict().find("UDPInterface")) {
      auto list = entriesOf(*udp, "interfaces.UDPInterface");
      auto out = cfg_.initUdpInterfaces(static_cast<unsigned>(list.size()));
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (!udpInterface(*list[i], indexPath("interfaces.UDPInterface", i), out[static_cast<unsigned>(i)])) {
          return false;
        }
      }
    }
    if (const Value* eth = ifs->asDict().find("ETHInterface")) {
      auto list = entriesOf(*eth, "interfaces.ETHInterface");
      auto out = cfg_.initEthInterfaces(static_cast<unsigned>(list.size()));
      for (std::size_t i = 0; i < list.size(); ++i) {
        if (!ethInterface(*list[i], indexPath("interfaces.ETHInterface", i), out[static_cast<unsigned>(i)])) {
          return false;
        }
      }
    }
    return !w_.failed();
  }

  bool beaconSettings(const Value& e, const std::string& path, std::uint8_t& beacon) {
    auto b = w_.getInt(e, path, "beacon", 0, 2);
    beacon = static_cast<std::uint8_t>(b.value_or(0));
    return !w_.failed();
  }

  bool udpInterface(const Value& e, const std::string& path, proto::UdpInterface::Builder out) {
    w_.checkKeys(e, path, {"bind", "dscp", "beacon", "beaconDevices", "beaconPort", "connectTo"});
    if (const Value* bind = w_.get(e, path, "bind", Type::kString)) {
      if (!hostPort(*bind, childPath(path, "bind"), util::PortRule::kOptional, out.initBind())) return false;
    } else {
      out.initBind().setIp(bytesOf("\0\0\0\0", 4));  // cjdns default: 0.0.0.0, any port
    }
    out.setDscp(static_cast<std::uint8_t>(w_.getInt(e, path, "dscp", 0, 63).value_or(0)));
    std::uint8_t beacon = 0;
    if (!beaconSettings(e, path, beacon)) return false;
    out.setBeacon(beacon);
    auto port = w_.getInt(e, path, "beaconPort", 1, 65535);
    out.setBeaconPort(static_cast<std::uint16_t>(port.value_or(0)));
    if (const Value* devs = w_.get(e, path, "beaconDevices", Type::kList)) {
      auto b = out.initBeaconDevices(static_cast<unsigned>(devs->asList().size()));
      for (std::size_t i = 0; i < devs->asList().size(); ++i) {
        const Value& d = devs->asList()[i];
        if (!w_.expectType(d, indexPath(childPath(path, "beaconDevices"), i), Type::kString)) return false;
        b.set(static_cast<unsigned>(i), d.asString());
      }
    }
    if (w_.failed()) return false;
    if (beacon != 0 && (!port || !e.asDict().find("beaconDevices"))) {
      w_.warn(e, childPath(path, "beacon"), "beaconing needs beaconPort and beaconDevices; it stays off");
    }
    const Value* peers = w_.get(e, path, "connectTo", Type::kDict);
    if (peers == nullptr) return !w_.failed();
    auto list = out.initConnectTo(static_cast<unsigned>(peers->asDict().size()));
    unsigned i = 0;
    for (const auto& [addr, value] : peers->asDict().entries()) {
      std::string p = childPath(childPath(path, "connectTo"), addr);
      auto hp = util::parseHostPort(addr, util::PortRule::kRequired);
      if (!hp.ok()) return w_.fail(value, p, "bad peer address: " + hp.error().message);
      auto b = list[i++];
      b.initAddress().setIp(bytesOf(hp->ip.data(), hp->ipLength()));
      b.getAddress().setPort(hp->port);
      if (!peer(value, p, b.initPeer())) return false;
    }
    return true;
  }

  bool ethInterface(const Value& e, const std::string& path, proto::EthInterface::Builder out) {
    w_.checkKeys(e, path, {"bind", "beacon", "connectTo"});
    const Value* bind = w_.need(e, path, "bind", Type::kString);
    if (bind == nullptr) return false;
    out.setBind(bind->asString());
    std::uint8_t beacon = 0;
    if (!beaconSettings(e, path, beacon)) return false;
    out.setBeacon(beacon);
    const Value* peers = w_.get(e, path, "connectTo", Type::kDict);
    if (peers == nullptr) return !w_.failed();
    if (!peers->asDict().empty() && bind->asString() == "all") {
      return w_.fail(*peers, childPath(path, "connectTo"), "connectTo needs a named device, not bind \"all\"");
    }
    auto list = out.initConnectTo(static_cast<unsigned>(peers->asDict().size()));
    unsigned i = 0;
    for (const auto& [mac, value] : peers->asDict().entries()) {
      std::string p = childPath(childPath(path, "connectTo"), mac);
      std::array<std::uint8_t, 6> m{};
      if (!util::parseMac(mac, m)) return w_.fail(value, p, "expected a MAC address like 01:02:03:04:05:06");
      auto b = list[i++];
      b.setMac(bytesOf(m.data(), m.size()));
      if (!peer(value, p, b.initPeer())) return false;
    }
    return true;
  }

  bool publicKeyField(const Value& v, const std::string& path, crypto::PublicKey& out) {
    if (!w_.expectType(v, path, Type::kString)) return false;
    auto parsed = crypto::parsePublicKey(v.asString());
    if (!parsed.ok()) return w_.fail(v, path, std::string("bad public key: ") + crypto::describe(parsed.error));
    out = parsed.key;
    return true;
  }

  bool peer(const Value& v, const std::string& path, proto::Peer::Builder out) {
    if (!w_.expectType(v, path, Type::kDict)) return false;
    w_.checkKeys(v, path, {"password", "publicKey", "login", "peerName", "version"});
    const Value* pw = w_.need(v, path, "password", Type::kString);
    const Value* key = w_.need(v, path, "publicKey", Type::kString);
    if (pw == nullptr || key == nullptr) return false;
    crypto::PublicKey k{};
    if (!publicKeyField(*key, childPath(path, "publicKey"), k)) return false;
    out.setPassword(pw->asString());
    out.setPublicKey(bytesOf(k.data(), k.size()));
    if (auto login = w_.getString(v, path, "login")) out.setLogin(*login);
    if (auto name = w_.getString(v, path, "peerName")) out.setPeerName(*name);
    if (auto ver = w_.getInt(v, path, "version", 0, 0xffffffffLL)) out.setVersion(static_cast<std::uint32_t>(*ver));
    return !w_.failed();
  }

  // ---- router ------------------------------------------------------------

  bool router(const Value& root) {
    const Value* r = w_.get(root, "", "router", Type::kDict);
    auto out = cfg_.initRouter();
    out.getInterface().setNone();
    if (r == nullptr) return !w_.failed();
    w_.checkKeys(*r, "router", {"interface", "ipTunnel", "supernodes", "dnsSeeds", "publicPeer"});
    return routerInterface(*r, out) && ipTunnel(*r, out) && keyList(*r, "router", "supernodes", out) &&
           dnsSeeds(*r, out) && publicPeer(*r, out);
  }

  bool routerInterface(const Value& r, proto::Router::Builder out) {
    const Value* i = w_.get(r, "router", "interface", Type::kDict);
    if (i == nullptr) return !w_.failed();
    const std::string path = "router.interface";
    w_.checkKeys(*i, path, {"type", "tunDevice", "socketFullPath"}, {"tunfd", "socketAttemptToCreate"});
    const Value* type = w_.need(*i, path, "type", Type::kString);
    if (type == nullptr) return false;
    if (type->asString() == "TUNInterface") {
      auto tun = out.getInterface().initTun();
      if (auto dev = w_.getString(*i, path, "tunDevice")) tun.setTunDevice(*dev);
    } else if (type->asString() == "SocketInterface") {
      const Value* p = w_.need(*i, path, "socketFullPath", Type::kString);
      if (p == nullptr) return false;
      out.getInterface().initSocket().setSocketFullPath(p->asString());
    } else {
      // cjdns silently runs without a TUN here; a typo should not do that.
      return w_.fail(*type, childPath(path, "type"),
                     "expected \"TUNInterface\" or \"SocketInterface\", found \"" + type->asString() +
                         "\" (rename the section to _disabled_interface to run without one)");
    }
    return !w_.failed();
  }

  bool keyList(const Value& parent, const std::string& parentPath, std::string_view key,
               proto::Router::Builder out) {
    const Value* l = w_.get(parent, parentPath, key, Type::kList);
    if (l == nullptr) return !w_.failed();
    std::string path = childPath(parentPath, key);
    auto b = key == "supernodes" ? out.initSupernodes(static_cast<unsigned>(l->asList().size()))
                                 : out.getIpTunnel().initOutgoingConnections(static_cast<unsigned>(l->asList().size()));
    for (std::size_t i = 0; i < l->asList().size(); ++i) {
      crypto::PublicKey k{};
      if (!publicKeyField(l->asList()[i], indexPath(path, i), k)) return false;
      b.set(static_cast<unsigned>(i), bytesOf(k.data(), k.size()));
    }
    return true;
  }

  bool ipTunnel(const Value& r, proto::Router::Builder out) {
    const Value* t = w_.get(r, "router", "ipTunnel", Type::kDict);
    out.initIpTunnel();
    if (t == nullptr) return !w_.failed();
    const std::string path = "router.ipTunnel";
    w_.checkKeys(*t, path, {"allowedConnections", "outgoingConnections"});
    if (!keyList(*t, path, "outgoingConnections", out)) return false;
    const Value* allowed = w_.get(*t, path, "allowedConnections", Type::kList);
    if (allowed == nullptr) return !w_.failed();
    auto b = out.getIpTunnel().initAllowedConnections(static_cast<unsigned>(allowed->asList().size()));
    for (std::size_t i = 0; i < allowed->asList().size(); ++i) {
      if (!allowedConnection(allowed->asList()[i], indexPath(childPath(path, "allowedConnections"), i),
                             b[static_cast<unsigned>(i)])) {
        return false;
      }
    }
    return true;
  }

  /// One address family of an allowedConnections entry; returns false on error.
  bool tunnelAddress(const Value& e, const std::string& path, bool v6, proto::AllowedConnection::Builder out,
                     bool& present) {
    const char* addrKey = v6 ? "ip6Address" : "ip4Address";
    const char* prefixKey = v6 ? "ip6Prefix" : "ip4Prefix";
    const char* allocKey = v6 ? "ip6Alloc" : "ip4Alloc";
    const int bits = v6 ? 128 : 32;
    auto prefix = w_.getInt(e, path, prefixKey, 0, bits);
    auto alloc = w_.getInt(e, path, allocKey, 1, bits);
    const Value* addr = w_.get(e, path, addrKey, Type::kString);
    if (w_.failed()) return false;
    present = addr != nullptr;
    if (!present) {
      if (prefix || alloc) return w_.fail(e, childPath(path, prefix ? prefixKey : allocKey),
                                          std::string("given without ") + addrKey);
      return true;
    }
    std::array<std::uint8_t, 16> ip{};
    std::string text = addr->asString();
    if (!parseIp(v6, text, ip.data())) {
      return w_.fail(*addr, childPath(path, addrKey), std::string("not an IPv") + (v6 ? "6" : "4") + " address");
    }
    auto p = static_cast<std::uint8_t>(prefix.value_or(bits));
    auto a = static_cast<std::uint8_t>(alloc.value_or(bits));
    if (v6) {
      out.setIp6Address(bytesOf(ip.data(), 16));
      out.setIp6Prefix(p);
      out.setIp6Alloc(a);
    } else {
      out.setIp4Address(bytesOf(ip.data(), 4));
      out.setIp4Prefix(p);
      out.setIp4Alloc(a);
    }
    return true;
  }


  bool allowedConnection(const Value& e, const std::string& path, proto::AllowedConnection::Builder out) {
    if (!w_.expectType(e, path, Type::kDict)) return false;
    w_.checkKeys(e, path,
                 {"publicKey", "ip4Address", "ip4Prefix", "ip4Alloc", "ip6Address", "ip6Prefix", "ip6Alloc"});
    const Value* key = w_.need(e, path, "publicKey", Type::kString);
    if (key == nullptr) return false;
    crypto::PublicKey k{};
    if (!publicKeyField(*key, childPath(path, "publicKey"), k)) return false;
    out.setPublicKey(bytesOf(k.data(), k.size()));
    bool has4 = false;
    bool has6 = false;
    if (!tunnelAddress(e, path, false, out, has4) || !tunnelAddress(e, path, true, out, has6)) return false;
    if (!has4 && !has6) return w_.fail(e, path, "needs ip4Address or ip6Address (or both)");
    return true;
  }

  bool dnsSeeds(const Value& r, proto::Router::Builder out) {
    const Value* l = w_.get(r, "router", "dnsSeeds", Type::kList);
    if (l == nullptr) return !w_.failed();
    auto b = out.initDnsSeeds(static_cast<unsigned>(l->asList().size()));
    for (std::size_t i = 0; i < l->asList().size(); ++i) {
      if (!w_.expectType(l->asList()[i], indexPath("router.dnsSeeds", i), Type::kString)) return false;
      b.set(static_cast<unsigned>(i), l->asList()[i].asString());
    }
    return true;
  }

  bool publicPeer(const Value& r, proto::Router::Builder out) {
    const Value* p = r.asDict().find("publicPeer");
    if (p == nullptr) return true;
    auto b = out.initPublicPeer();
    if (p->isString()) {  // older form: just the id
      b.setId(p->asString());
      return true;
    }
    if (!w_.expectType(*p, "router.publicPeer", Type::kDict)) return false;
    w_.checkKeys(*p, "router.publicPeer", {"id", "ipv4", "ipv6"});
    if (auto id = w_.getString(*p, "router.publicPeer", "id")) b.setId(*id);
    if (auto v4 = w_.getString(*p, "router.publicPeer", "ipv4")) b.setIpv4(*v4);
    if (auto v6 = w_.getString(*p, "router.publicPeer", "ipv6")) b.setIpv6(*v6);
    return !w_.failed();
  }

  // ---- security, logging, the rest -----------------------------------------

  bool security(const Value& root);
  bool misc(const Value& root);
};

bool Mapper::security(const Value& root) {
  // cjdns defaults (upper.md 4.3), overridden entry by entry in file order.
  std::string user = "nobody";
  bool keepNetAdmin = true;
  std::string chroot = "/var/run/";
  bool nofiles = false;
  bool noforks = true;
  bool seccomp = true;
  bool setupComplete = true;
  const Value* list = w_.get(root, "", "security", Type::kList);
  for (std::size_t i = 0; list != nullptr && i < list->asList().size(); ++i) {
    const Value& e = list->asList()[i];
    std::string path = indexPath("security", i);
    if (!w_.expectType(e, path, Type::kDict)) return false;
    const auto& d = e.asDict();
    if (const Value* su = d.find("setuser")) {
      if (su->isString()) {
        user = su->asString();
        auto keep = w_.getInt(e, path, "keepNetAdmin", 0, 1);
        if (!keep && !w_.failed()) keep = w_.getInt(e, path, "exemptAngel", 0, 1);
        keepNetAdmin = keep.value_or(0) != 0;
      } else if (su->isInt() && su->asInt() == 0) {
        user.clear();
      } else {
        return w_.fail(*su, childPath(path, "setuser"), "expected a user name, or 0 to keep the current user");
      }
    } else if (const Value* ch = d.find("chroot")) {
      if (ch->isString()) {
        chroot = ch->asString();
      } else if (ch->isInt() && ch->asInt() == 0) {
        chroot.clear();
      } else {
        return w_.fail(*ch, childPath(path, "chroot"), "expected a directory, or 0 to disable");
      }
    } else if (d.find("nofiles")) {
      nofiles = w_.getInt(e, path, "nofiles", INT64_MIN, INT64_MAX).value_or(0) != 0;
    } else if (d.find("noforks")) {
      noforks = w_.getInt(e, path, "noforks", INT64_MIN, INT64_MAX).value_or(1) != 0;
    } else if (d.find("seccomp")) {
      seccomp = w_.getInt(e, path, "seccomp", INT64_MIN, INT64_MAX).value_or(1) != 0;
    } else if (d.find("setupComplete")) {
      setupComplete = w_.getInt(e, path, "setupComplete", INT64_MIN, INT64_MAX).value_or(1) != 0;
    } else {
      w_.warn(e, path, "unrecognized security entry, ignored");
    }
    if (w_.failed()) return false;
  }
  if (w_.failed()) return false;
  auto s = cfg_.initSecurity();
  s.setSetuser(user);
  s.setKeepNetAdmin(keepNetAdmin);
  s.setChroot(chroot);
  s.setNofiles(nofiles);
  s.setNoforks(noforks);
  s.setSeccomp(seccomp);
  s.setSetupComplete(setupComplete);
  return true;
}

bool Mapper::misc(const Value& root) {
  auto logging = cfg_.initLogging();
  if (const Value* l = w_.get(root, "", "logging", Type::kDict)) {
    w_.checkKeys(*l, "logging", {"logTo"});
    if (auto to = w_.getString(*l, "logging", "logTo")) {
      if (*to != "stdout") w_.warn(*l->asDict().find("logTo"), "logging.logTo", "only \"stdout\" is known, ignored");
      else logging.setLogTo(*to);
    }
  }
  if (auto nb = w_.getInt(root, "", "noBackground", INT64_MIN, INT64_MAX)) cfg_.setNoBackground(*nb != 0);
  if (auto pipe = w_.getString(root, "", "pipe")) cfg_.setPipe(*pipe);
  if (auto v = w_.getInt(root, "", "version", INT64_MIN, INT64_MAX)) cfg_.setConfigVersion(*v);
  return !w_.failed();
}

}  // namespace

util::Result<std::unique_ptr<LoadedConfig>> buildCoreConfig(const util::Value& root) {
  auto out = std::make_unique<LoadedConfig>();
  if (!root.isDict()) {
    return util::Error{std::string("the configuration must be a dict, not ") + util::typeName(root.type()),
                       root.pos(), ""};
  }
  ConfWalker walker(out->warnings);
  Mapper mapper(*out, walker);
  if (!mapper.run(root)) return walker.error();
  return out;
}

}  // namespace cjdns::angel
