#include "core/iptunnel/route-gen.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace cjdns::iptunnel;

namespace {

IpPrefix pfx(const char* text) {
  const auto p = IpPrefix::parse(text);
  REQUIRE_MESSAGE(p.has_value(), text);
  return *p;
}

std::vector<std::string> texts(const std::vector<IpPrefix>& ps) {
  std::vector<std::string> out;
  for (const IpPrefix& p : ps) out.push_back(p.toString());
  return out;
}

std::vector<std::string> generate4(const std::vector<const char*>& prefixes,
                                   const std::vector<const char*>& exceptions) {
  RouteGen rg;
  for (const char* p : prefixes) rg.addPrefix(pfx(p));
  for (const char* e : exceptions) rg.addException(pfx(e));
  return texts(rg.generate(false));
}

/// cjdns's RouteGen_test: 0.0.0.0/0 with the exception 77.66.55.44/32.
const std::vector<std::string> kDefaultMinusOne = {
    "77.66.55.45/32", "77.66.55.46/31", "77.66.55.40/30", "77.66.55.32/29", "77.66.55.48/28", "77.66.55.0/27",
    "77.66.55.64/26", "77.66.55.128/25", "77.66.54.0/24", "77.66.52.0/23", "77.66.48.0/22", "77.66.56.0/21",
    "77.66.32.0/20", "77.66.0.0/19", "77.66.64.0/18", "77.66.128.0/17", "77.67.0.0/16", "77.64.0.0/15",
    "77.68.0.0/14", "77.72.0.0/13", "77.80.0.0/12", "77.96.0.0/11", "77.0.0.0/10", "77.128.0.0/9",
    "76.0.0.0/8", "78.0.0.0/7", "72.0.0.0/6", "64.0.0.0/5", "80.0.0.0/4", "96.0.0.0/3",
    "0.0.0.0/2", "128.0.0.0/1"};

}  // namespace

TEST_CASE("prefixes parse, print, mask and contain one another") {
  CHECK(pfx("192.168.1.7/16").masked().toString() == "192.168.0.0/16");
  CHECK(pfx("2001:db8::1").toString() == "2001:db8::1/128");
  CHECK(pfx("2001:db8:ffff::/33").masked().toString() == "2001:db8:8000::/33");
  CHECK(pfx("10.0.0.0/8").contains(pfx("10.200.0.0/16")));
  CHECK_FALSE(pfx("10.200.0.0/16").contains(pfx("10.0.0.0/8")));
  CHECK_FALSE(pfx("0.0.0.0/0").contains(pfx("::/128")));
  CHECK(pfx("::/0").contains(pfx("2001:db8::/32")));
  for (const char* bad : {"10.0.0.0/33", "::/129", "10.0.0/8", "x", "10.0.0.0/", "10.0.0.0/8x", "fc00::/-1"}) {
    CHECK_MESSAGE(!IpPrefix::parse(bad).has_value(), bad);
  }
}

TEST_CASE("a default route becomes the two halves /1") {
  RouteGen rg;
  rg.addPrefix(pfx("0.0.0.0/0"));
  rg.addPrefix(pfx("::/0"));
  CHECK(texts(rg.generate()) == std::vector<std::string>{"0.0.0.0/1", "128.0.0.0/1", "::/1", "8000::/1"});
}

TEST_CASE("routes leave out an exception as cjdns's RouteGen test expects") {
  CHECK(generate4({"0.0.0.0/0"}, {"77.66.55.44/32"}) == kDefaultMinusOne);
  const std::vector<std::string> inside16(kDefaultMinusOne.begin(), kDefaultMinusOne.begin() + 16);
  CHECK(generate4({"77.66.0.0/16"}, {"77.66.55.44/32"}) == inside16);
  // A second prefix the exception does not touch is routed whole.
  std::vector<std::string> two = inside16;
  two.insert(two.begin() + 16, "77.99.0.0/16");
  CHECK(generate4({"77.66.0.0/16", "77.99.0.0/16"}, {"77.66.55.44/32"}) == two);
  // A /30 exception.
  CHECK(generate4({"77.66.0.0/16"}, {"77.66.55.44/30"}) == std::vector<std::string>(
      {"77.66.55.40/30", "77.66.55.32/29", "77.66.55.48/28", "77.66.55.0/27", "77.66.55.64/26", "77.66.55.128/25",
       "77.66.54.0/24", "77.66.52.0/23", "77.66.48.0/22", "77.66.56.0/21", "77.66.32.0/20", "77.66.0.0/19",
       "77.66.64.0/18", "77.66.128.0/17"}));
}

TEST_CASE("routes are invertible: the default minus the routes is the exception") {
  std::vector<const char*> routes;
  for (const std::string& r : kDefaultMinusOne) routes.push_back(r.c_str());
  CHECK(generate4({"0.0.0.0/0"}, routes) == std::vector<std::string>{"77.66.55.44/32"});
}

TEST_CASE("two exceptions under one prefix are cut out independently") {
  const auto out = generate4({"0.0.0.0/0"}, {"77.33.55.44/32", "77.66.55.44/32"});
  CHECK(out.size() == 53);  // cjdns's vector: 9 shared, then 22 on each side
  CHECK(out.front() == "77.33.55.45/32");
  CHECK(out[1] == "77.66.55.45/32");
  CHECK(out.back() == "128.0.0.0/1");
  for (const std::string& r : out) {
    CHECK_FALSE(pfx(r.c_str()).contains(pfx("77.33.55.44/32")));
    CHECK_FALSE(pfx(r.c_str()).contains(pfx("77.66.55.44/32")));
  }
}

TEST_CASE("an IPv6 exception splits ::/0 into 128 routes") {
  RouteGen rg;
  rg.addPrefix(pfx("::/0"));
  rg.addException(pfx("2a00:1450:400d:807::200e/128"));
  const auto out = texts(rg.generate(true));
  REQUIRE(out.size() == 128);
  CHECK(out[0] == "2a00:1450:400d:807::200f/128");
  CHECK(out[1] == "2a00:1450:400d:807::200c/127");
  CHECK(out[126] == "4000::/2");
  CHECK(out[127] == "8000::/1");
  CHECK(rg.generate(false).empty());
}

TEST_CASE("an exception inside a local prefix does not cut the routes") {
  CHECK(generate4({"0.0.0.0/0"}, {"192.168.1.5/32"}) == std::vector<std::string>{"0.0.0.0/1", "128.0.0.0/1"});
  // Unless the gateway hands out part of that local prefix.
  const auto out = generate4({"10.1.0.0/16"}, {"10.1.2.3/32"});
  CHECK(out.size() == 16);
  CHECK(out.front() == "10.1.2.2/32");
  CHECK(out.back() == "10.1.128.0/17");
}

TEST_CASE("an exception covering a prefix removes it, and prefixes inside another are merged") {
  CHECK(generate4({"77.66.0.0/16"}, {"77.0.0.0/8"}).empty());
  CHECK(generate4({"77.0.0.0/8", "77.66.0.0/16"}, {}) == std::vector<std::string>{"77.0.0.0/8"});
}

TEST_CASE("sets are masked, keep no duplicates and say what they removed") {
  RouteGen rg;
  rg.addPrefix(pfx("77.66.1.2/16"));
  rg.addPrefix(pfx("77.66.0.0/16"));
  CHECK(texts(rg.prefixes()) == std::vector<std::string>{"77.66.0.0/16"});
  CHECK(rg.removePrefix(pfx("77.66.9.9/16")));
  CHECK_FALSE(rg.removePrefix(pfx("77.66.0.0/16")));
  CHECK(rg.localPrefixes().size() == 6);
  CHECK(rg.removeLocalPrefix(pfx("10.0.0.0/8")));
  rg.addException(pfx("1.2.3.4"));
  CHECK(rg.removeException(pfx("1.2.3.4/32")));
  CHECK(rg.exceptions().empty());
  CHECK(rg.generate().empty());
}
