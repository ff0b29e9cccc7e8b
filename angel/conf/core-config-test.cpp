#include "angel/conf/core-config.h"

#include <doctest/doctest.h>

#include <string>

#include "core/util/json-reader.h"
#include "core/util/vectors.h"

using namespace cjdns;

namespace {

// A minimal valid config: key pair from wire.md 15.1 (CryptoAddress_test).
const std::string kPriv = "751d3db85b848deaf221e0ed2b6cc17f587b29057d74cdd4dc0bd18b7157288e";
const std::string kPub = "r6jzx210usqbgnm3pdtm1z6btd14pvdtkn5j8qnpgqzknpggkuw0.k";
const std::string kPeerKey = "kmzm4w0kj9bswd5qmx74nu7kusv5pj40vcsmp781j6xxgpd59z00.k";

std::string withBody(const std::string& extra) {
  return "{ \"privateKey\": \"" + kPriv + "\", \"admin\": {\"bind\": \"127.0.0.1:11234\", \"password\": \"x\"}" +
         (extra.empty() ? "" : ", " + extra) + " }";
}

util::Result<std::unique_ptr<angel::LoadedConfig>> load(const std::string& text) {
  auto v = util::readConfigText(text);
  REQUIRE_MESSAGE(v.ok(), v.error().toString());
  return angel::buildCoreConfig(v.value());
}

std::unique_ptr<angel::LoadedConfig> loadOk(const std::string& text) {
  auto r = load(text);
  REQUIRE_MESSAGE(r.ok(), r.error().toString());
  return std::move(r).value();
}

util::Error loadFail(const std::string& text) {
  auto r = load(text);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

bool hasWarning(const angel::LoadedConfig& c, const std::string& path, const std::string& needle) {
  for (const auto& w : c.warnings) {
    if (w.path == path && w.message.find(needle) != std::string::npos) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("core config derives the public key and address from the private key") {
  auto c = loadOk(withBody("\"publicKey\": \"" + kPub + "\", \"ipv6\": \"fc68:cb2c:60db:cb96:19ac:34a8:fd34:3fc\""));
  auto cfg = c->config();
  CHECK(cfg.getPrivateKey().size() == 32);
  CHECK(cfg.getPublicKey()[0] == 0xd7);
  CHECK(cfg.getIpv6()[0] == 0xfc);
  CHECK(cfg.getIpv6()[1] == 0x68);
  CHECK(c->warnings.empty());
}

TEST_CASE("core config refuses a missing or malformed private key and a mismatched public key or address") {
  auto e = loadFail("{\"admin\": {\"bind\": \"127.0.0.1:1\"}}");
  CHECK(e.path == "privateKey");
  CHECK(e.message.find("missing") != std::string::npos);
  e = loadFail("{\"privateKey\": \"" + kPriv.substr(2) + "\", \"admin\": {\"bind\": \"127.0.0.1:1\"}}");
  CHECK(e.path == "privateKey");
  CHECK(e.message.find("64 hex digits") != std::string::npos);
  e = loadFail(withBody("\"publicKey\": \"" + kPeerKey + "\""));
  CHECK(e.path == "publicKey");
  CHECK(e.message.find(kPub) != std::string::npos);
  e = loadFail(withBody("\"ipv6\": \"fc00::1\""));
  CHECK(e.path == "ipv6");
  CHECK(e.message.find("fc68:cb2c") != std::string::npos);
  e = loadFail(withBody("\"publicKey\": \"not-a-key.k\""));
  CHECK(e.path == "publicKey");
}

TEST_CASE("core config requires admin.bind and makes up an admin password when there is none") {
  auto e = loadFail("{\"privateKey\": \"" + kPriv + "\", \"admin\": {}}");
  CHECK(e.path == "admin.bind");
  auto c = loadOk("{\"privateKey\": \"" + kPriv + "\", \"admin\": {\"bind\": \"127.0.0.1:11234\"}}");
  CHECK(c->config().getAdmin().getPasswordGenerated());
  CHECK(c->config().getAdmin().getPassword().size() == 32);
  CHECK(hasWarning(*c, "admin.password", "random"));
  CHECK(c->config().getAdmin().getBind().getPort() == 11234);
}

TEST_CASE("core config warns about unknown and obsolete keys but keeps going") {
  auto c = loadOk(withBody("\"corePath\": \"/x\", \"frobnicate\": 1, \"_comment\": 2"));
  CHECK(hasWarning(*c, "corePath", "obsolete"));
  CHECK(hasWarning(*c, "frobnicate", "unknown"));
  CHECK(c->warnings.size() == 2);
}

TEST_CASE("core config reads UDP interfaces, as a list or a single dict, with their peers") {
  std::string peer = "{\"password\": \"pw\", \"publicKey\": \"" + kPeerKey +
                     "\", \"login\": \"me\", \"peerName\": \"them\", \"version\": 21}";
  auto c = loadOk(withBody("\"interfaces\": {\"UDPInterface\": {\"bind\": \"[::]:5000\", \"beacon\": 2, "
                           "\"beaconPort\": 64512, \"beaconDevices\": [\"all\"], \"dscp\": 46, "
                           "\"connectTo\": {\"10.0.0.2:7937\": " + peer + "}}}"));
  auto udp = c->config().getUdpInterfaces();
  REQUIRE(udp.size() == 1);
  CHECK(udp[0].getBind().getIp().size() == 16);
  CHECK(udp[0].getBind().getPort() == 5000);
  CHECK(udp[0].getBeacon() == 2);
  CHECK(udp[0].getDscp() == 46);
  REQUIRE(udp[0].getConnectTo().size() == 1);
  auto p = udp[0].getConnectTo()[0];
  CHECK(p.getAddress().getPort() == 7937);
  CHECK(p.getPeer().getLogin() == "me");
  CHECK(p.getPeer().getVersion() == 21);
  CHECK(p.getPeer().getPublicKey().size() == 32);
}

TEST_CASE("core config names the connectTo entry that is broken") {
  auto e = loadFail(withBody("\"interfaces\": {\"UDPInterface\": [{\"connectTo\": {\"example.com:1\": "
                             "{\"password\": \"p\", \"publicKey\": \"" + kPeerKey + "\"}}}]}"));
  CHECK(e.path == "interfaces.UDPInterface[0].connectTo[\"example.com:1\"]");
  CHECK(e.message.find("hostnames aren't supported") != std::string::npos);
  e = loadFail(withBody("\"interfaces\": {\"UDPInterface\": [{\"connectTo\": {\"10.0.0.1:1\": {\"password\": \"p\"}}}]}"));
  CHECK(e.path == "interfaces.UDPInterface[0].connectTo[\"10.0.0.1:1\"].publicKey");
  e = loadFail(withBody("\"interfaces\": {\"UDPInterface\": [{\"bind\": 5}]}"));
  CHECK(e.path == "interfaces.UDPInterface[0].bind");
  CHECK(e.message.find("expected a string, found an integer") != std::string::npos);
  e = loadFail(withBody("\"interfaces\": {\"UDPInterface\": [{\"beacon\": 3}]}"));
  CHECK(e.path == "interfaces.UDPInterface[0].beacon");
  CHECK(e.message.find("from 0 to 2") != std::string::npos);
}

TEST_CASE("core config refuses unknown interface and router interface types") {
  auto e = loadFail(withBody("\"interfaces\": {\"TCPInterface\": []}"));
  CHECK(e.path == "interfaces.TCPInterface");
  e = loadFail(withBody("\"router\": {\"interface\": {\"type\": \"TAPInterface\"}}"));
  CHECK(e.path == "router.interface.type");
  auto c = loadOk(withBody("\"interfaces\": {\"_disabled_TCPInterface\": []}"));
  CHECK(c->warnings.empty());
}

TEST_CASE("core config reads ETH interfaces with MAC-keyed peers") {
  auto c = loadOk(withBody("\"interfaces\": {\"ETHInterface\": [{\"bind\": \"eth0\", \"beacon\": 1, \"connectTo\": "
                           "{\"01:02:03:04:05:06\": {\"password\": \"p\", \"publicKey\": \"" + kPeerKey + "\"}}}]}"));
  auto eth = c->config().getEthInterfaces();
  REQUIRE(eth.size() == 1);
  CHECK(eth[0].getBind() == "eth0");
  CHECK(eth[0].getConnectTo()[0].getMac()[5] == 6);
  auto e = loadFail(withBody("\"interfaces\": {\"ETHInterface\": [{\"bind\": \"eth0\", \"connectTo\": "
                             "{\"01:02:03\": {\"password\": \"p\", \"publicKey\": \"" + kPeerKey + "\"}}}]}"));
  CHECK(e.path == "interfaces.ETHInterface[0].connectTo[\"01:02:03\"]");
}

TEST_CASE("core config reads the router section: tun device, socket, ipTunnel, supernodes, publicPeer") {
  auto c = loadOk(withBody(
      "\"router\": {\"interface\": {\"type\": \"TUNInterface\", \"tunDevice\": \"cjdroute0\"}, "
      "\"supernodes\": [\"" + kPeerKey + "\"], \"dnsSeeds\": [\"seed.example\"], \"publicPeer\": \"pp1\", "
      "\"ipTunnel\": {\"outgoingConnections\": [\"" + kPeerKey + "\"], \"allowedConnections\": [{\"publicKey\": \"" +
      kPeerKey + "\", \"ip4Address\": \"192.168.1.24\", \"ip6Address\": \"2001:db8::10\", \"ip6Alloc\": 64}]}}"));
  auto r = c->config().getRouter();
  CHECK(r.getInterface().getTun().getTunDevice() == "cjdroute0");
  CHECK(r.getSupernodes().size() == 1);
  CHECK(r.getDnsSeeds()[0] == "seed.example");
  CHECK(r.getPublicPeer().getId() == "pp1");
  auto a = r.getIpTunnel().getAllowedConnections()[0];
  CHECK(a.getIp4Address().size() == 4);
  CHECK(a.getIp4Prefix() == 32);
  CHECK(a.getIp4Alloc() == 32);
  CHECK(a.getIp6Prefix() == 128);
  CHECK(a.getIp6Alloc() == 64);
  auto s = loadOk(withBody("\"router\": {\"interface\": {\"type\": \"SocketInterface\", \"socketFullPath\": \"/run/x\"}}"));
  CHECK(s->config().getRouter().getInterface().getSocket().getSocketFullPath() == "/run/x");
  auto none = loadOk(withBody(""));
  CHECK(none->config().getRouter().getInterface().isNone());
}

TEST_CASE("core config refuses ipTunnel entries without an address or with a prefix but no address") {
  std::string head = "\"router\": {\"ipTunnel\": {\"allowedConnections\": [{\"publicKey\": \"" + kPeerKey + "\"";
  auto e = loadFail(withBody(head + "}]}}"));
  CHECK(e.path == "router.ipTunnel.allowedConnections[0]");
  e = loadFail(withBody(head + ", \"ip6Address\": \"2001:db8::1\", \"ip4Prefix\": 24}]}}"));
  CHECK(e.path == "router.ipTunnel.allowedConnections[0].ip4Prefix");
  e = loadFail(withBody(head + ", \"ip4Address\": \"2001:db8::1\"}]}}"));
  CHECK(e.path == "router.ipTunnel.allowedConnections[0].ip4Address");
  e = loadFail(withBody(head + ", \"ip4Address\": \"10.0.0.1\", \"ip4Prefix\": \"24\"}]}}"));
  CHECK(e.path == "router.ipTunnel.allowedConnections[0].ip4Prefix");
}

TEST_CASE("core config applies cjdns's security defaults and overrides in file order") {
  auto d = loadOk(withBody(""));
  auto s = d->config().getSecurity();
  CHECK(s.getSetuser() == "nobody");
  CHECK(s.getKeepNetAdmin());
  CHECK(s.getChroot() == "/var/run/");
  CHECK(s.getNoforks());
  CHECK_FALSE(s.getNofiles());
  CHECK(s.getSeccomp());
  auto c = loadOk(withBody("\"security\": [{\"setuser\": \"cjdns\", \"exemptAngel\": 1}, {\"chroot\": 0}, "
                           "{\"nofiles\": 1}, {\"seccomp\": 0}, {\"bogus\": 1}]"));
  s = c->config().getSecurity();
  CHECK(s.getSetuser() == "cjdns");
  CHECK(s.getKeepNetAdmin());
  CHECK(s.getChroot() == "");
  CHECK(s.getNofiles());
  CHECK_FALSE(s.getSeccomp());
  CHECK(hasWarning(*c, "security[4]", "unrecognized"));
  auto off = loadOk(withBody("\"security\": [{\"setuser\": 0}]"));
  CHECK(off->config().getSecurity().getSetuser() == "");
  auto noKeep = loadOk(withBody("\"security\": [{\"setuser\": \"nobody\"}]"));
  CHECK_FALSE(noKeep->config().getSecurity().getKeepNetAdmin());
}

TEST_CASE("core config accepts every real genconf output and keeps its values") {
  std::string dir = cjdns::testing::vectorsDir();
  if (dir.empty()) {
    MESSAGE("skipped: vectors not found");
    return;
  }
  auto index = cjdns::testing::loadVectorJson("configs/index.json");
  REQUIRE(index.has_value());
  std::vector<std::string> files;
  for (const auto& f : index->asDict().find("files")->asList()) files.push_back(f.asDict().find("file")->asString());
  for (const auto& f : index->asDict().find("genconfSeed")->asList()) files.push_back(f.asDict().find("file")->asString());
  REQUIRE(files.size() >= 4);
  for (const auto& file : files) {
    INFO(file);
    auto text = cjdns::testing::readFile(dir + "/configs/" + file);
    REQUIRE(text.has_value());
    auto c = loadOk(*text);
    CHECK(c->warnings.empty());
    auto tree = util::readConfigText(*text);
    const auto& root = tree->asDict();
    auto cfg = c->config();
    auto port = root.find("interfaces")->asDict().find("UDPInterface")->asList()[0].asDict().find("bind")->asString();
    CHECK(port.ends_with(":" + std::to_string(cfg.getUdpInterfaces()[0].getBind().getPort())));
    CHECK(cfg.getAuthorizedPasswords()[0].getPassword() ==
          root.find("authorizedPasswords")->asList()[0].asDict().find("password")->asString());
    CHECK(cfg.getEthInterfaces().size() == (file.find("eth") != std::string::npos ? 1u : 0u));
  }
}

TEST_CASE("core config refuses every bad vector config that cjdns refuses, at start-up at the latest") {
  std::string dir = cjdns::testing::vectorsDir();
  if (dir.empty()) {
    MESSAGE("skipped: vectors not found");
    return;
  }
  // Files that parse but that cjdns (or we, deliberately) refuse at start-up.
  struct Case {
    const char* file;
    const char* path;
    const char* needle;
  };
  const Case cases[] = {
      {"privkey-wrong-length.conf", "privateKey", "64 hex digits"},
      {"pubkey-mismatch.conf", "publicKey", "does not match"},
      {"bad-connectto-address.conf", "interfaces.UDPInterface[0].connectTo[\"example.com:48422\"]", "hostnames"},
      {"unknown-interface-type.conf", "interfaces.TCPInterface", "unknown interface type"},
      {"unknown-router-interface-type.conf", "router.interface.type", "TUNInterface"},
  };
  for (const auto& c : cases) {
    INFO(c.file);
    auto text = cjdns::testing::readFile(dir + "/configs/bad/" + c.file);
    REQUIRE(text.has_value());
    auto e = loadFail(*text);
    CHECK(e.path == c.path);
    CHECK(e.message.find(c.needle) != std::string::npos);
    CHECK(e.pos.line > 0);
  }
  // CRLF line endings are accepted (as v20-v22.1 do) and mean the same thing.
  auto crlf = cjdns::testing::readFile(dir + "/configs/bad/crlf.conf");
  auto base = cjdns::testing::readFile(dir + "/configs/genconf-v21.1.conf");
  REQUIRE(crlf.has_value());
  REQUIRE(base.has_value());
  auto a = util::readConfigText(*crlf);
  auto b = util::readConfigText(*base);
  REQUIRE(a.ok());
  REQUIRE(b.ok());
  CHECK(a.value() == b.value());
  CHECK(loadOk(*crlf)->warnings.empty());
}
