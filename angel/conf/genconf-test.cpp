#include "angel/conf/genconf.h"

#include <doctest/doctest.h>

#include <set>
#include <string>

#include "angel/conf/core-config.h"
#include "core/util/json-reader.h"
#include "core/util/vectors.h"

using namespace cjdns;

namespace {

/// Every key path in a tree, list indexes written as [].
void collectPaths(const util::Value& v, const std::string& prefix, std::set<std::string>& out) {
  if (v.isDict()) {
    for (const auto& [k, child] : v.asDict().entries()) {
      std::string p = prefix.empty() ? k : prefix + "." + k;
      out.insert(p);
      collectPaths(child, p, out);
    }
  } else if (v.isList()) {
    for (const auto& child : v.asList()) collectPaths(child, prefix + "[]", out);
  }
}

util::Value strictParse(const std::string& text) {
  auto v = util::parseJson(text);  // strict grammar, comments allowed
  REQUIRE_MESSAGE(v.ok(), v.error().toString());
  return std::move(v).value();
}

}  // namespace

TEST_CASE("genconf output is strict JSON that maps to a valid CoreConfig without warnings") {
  for (bool eth : {false, true}) {
    angel::GenconfOptions o;
    o.eth = eth;
    util::Value v = strictParse(angel::generateConfig(o));
    auto loaded = angel::buildCoreConfig(v);
    REQUIRE_MESSAGE(loaded.ok(), loaded.error().toString());
    CHECK(loaded.value()->warnings.empty());
    auto cfg = loaded.value()->config();
    CHECK(cfg.getIpv6()[0] == 0xfc);
    CHECK(cfg.getUdpInterfaces().size() == 2);
    CHECK(cfg.getEthInterfaces().size() == (eth ? 1u : 0u));
    CHECK(cfg.getUdpInterfaces()[0].getBind().getPort() == cfg.getUdpInterfaces()[1].getBind().getPort());
    CHECK(cfg.getUdpInterfaces()[0].getBind().getPort() >= 1025);
    CHECK(cfg.getAdmin().getPassword() == "NONE");
    CHECK(cfg.getAuthorizedPasswords().size() == 1);
    CHECK(cfg.getAuthorizedPasswords()[0].getPassword().size() == 31);
    CHECK(cfg.getRouter().getInterface().isTun());
    CHECK(cfg.getConfigVersion() == 2);
  }
}

TEST_CASE("genconf makes a new identity and new passwords every time") {
  angel::GenconfOptions o;
  util::Value a = strictParse(angel::generateConfig(o));
  util::Value b = strictParse(angel::generateConfig(o));
  CHECK(a.asDict().find("privateKey")->asString() != b.asDict().find("privateKey")->asString());
  CHECK_FALSE(a.asDict().find("authorizedPasswords")->asList()[0] ==
              b.asDict().find("authorizedPasswords")->asList()[0]);
}

TEST_CASE("genconf emits every key that real cjdns v21 and v22 genconf emit") {
  std::string dir = cjdns::testing::vectorsDir();
  if (dir.empty()) {
    MESSAGE("skipped: vectors not found");
    return;
  }
  for (auto fileEth : {std::pair{"genconf-v21.1.conf", false}, {"genconf-v22.conf", false},
                       {"genconf-v21.1-eth.conf", true}, {"genconf-v22-eth.conf", true}}) {
    const char* file = fileEth.first;  // named: INFO cannot take a binding (clang 14)
    const bool eth = fileEth.second;
    auto text = cjdns::testing::readFile(dir + "/configs/" + file);
    REQUIRE(text.has_value());
    std::set<std::string> real;
    std::set<std::string> ours;
    collectPaths(strictParse(*text), "", real);
    angel::GenconfOptions o;
    o.eth = eth;
    collectPaths(strictParse(angel::generateConfig(o)), "", ours);
    for (const auto& p : real) {
      INFO(file << ": " << p);
      CHECK(ours.count(p) == 1);
    }
  }
}
