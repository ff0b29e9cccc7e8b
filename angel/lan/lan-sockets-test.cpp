#include "angel/lan/lan-sockets.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace cjdns::angel;

namespace {

HostDevice device(std::string name, bool up, bool loopback, bool mac, std::vector<HostDevice::Ipv4> v4 = {}) {
  HostDevice d;
  d.name = std::move(name);
  d.ifIndex = 7;
  d.up = up;
  d.loopback = loopback;
  if (mac) d.mac = MacBytes{0x02, 0, 0, 0, 0, 1};
  d.ipv4 = std::move(v4);
  return d;
}

HostDevice::Ipv4 v4(Ipv4Bytes address, Ipv4Bytes netmask) { return HostDevice::Ipv4{address, netmask}; }

std::vector<HostDevice> host() {
  return {
      device("lo", true, true, false, {v4({127, 0, 0, 1}, {255, 0, 0, 0})}),
      device("eth0", true, false, true, {v4({10, 81, 0, 1}, {255, 255, 255, 0})}),
      device("eth1", false, false, true, {v4({192, 168, 5, 9}, {255, 255, 0, 0})}),
      device("tun0", true, false, false, {v4({10, 9, 9, 9}, {255, 255, 255, 0})}),
      device("wg0", true, false, false, {v4({172, 16, 0, 1}, {255, 255, 255, 255})}),
  };
}

std::vector<std::string> names(const std::vector<const HostDevice*>& ds) {
  std::vector<std::string> out;
  for (const auto* d : ds) out.push_back(d->name);
  return out;
}

}  // namespace

TEST_CASE("ETHInterface bind all takes every up device with a MAC, never loopback or the TUN") {
  const auto devices = host();
  std::vector<std::string> notes;
  CHECK(names(ethDevicesFor("all", devices, notes)) == std::vector<std::string>{"eth0"});
  CHECK(notes.empty());
}

TEST_CASE("ETHInterface bind names one device, and says why it cannot") {
  const auto devices = host();
  std::vector<std::string> notes;
  CHECK(names(ethDevicesFor("eth1", devices, notes)) == std::vector<std::string>{"eth1"});
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("down") != std::string::npos);
  notes.clear();
  CHECK(ethDevicesFor("tun0", devices, notes).empty());
  CHECK(notes.at(0).find("no MAC") != std::string::npos);
  notes.clear();
  CHECK(ethDevicesFor("nope", devices, notes).empty());
  CHECK(notes.at(0).find("no such device") != std::string::npos);
}

TEST_CASE("bind all on a host without Ethernet says so") {
  std::vector<HostDevice> devices{device("lo", true, true, false)};
  std::vector<std::string> notes;
  CHECK(ethDevicesFor("all", devices, notes).empty());
  CHECK(notes.size() == 1);
}

TEST_CASE("beaconDevices all gives the directed broadcast of every up device but loopback and the TUN") {
  const auto devices = host();
  std::vector<std::string> notes;
  const auto b = beaconBroadcasts({"all"}, devices, "tun0", notes);
  // eth1 is down, wg0 is a /32 (no broadcast address).
  CHECK(b == std::vector<Ipv4Bytes>{{10, 81, 0, 255}});
  CHECK(notes.empty());
}

TEST_CASE("beaconDevices by name, by broadcast address, and an unknown name") {
  const auto devices = host();
  std::vector<std::string> notes;
  auto b = beaconBroadcasts({"eth0", "10.81.0.255", "192.168.77.255", "ghost"}, devices, "tun0", notes);
  CHECK(b == std::vector<Ipv4Bytes>{{10, 81, 0, 255}, {192, 168, 77, 255}});
  REQUIRE(notes.size() == 1);
  CHECK(notes[0].find("ghost") != std::string::npos);
  notes.clear();
  b = beaconBroadcasts({"lo"}, devices, "tun0", notes);
  CHECK(b.empty());
  CHECK(notes.size() == 1);
}

TEST_CASE("a /24 and a /16 give their broadcast addresses") {
  std::vector<HostDevice> devices{device("a", true, false, true, {v4({10, 1, 2, 3}, {255, 255, 0, 0})}),
                                  device("b", true, false, true, {v4({10, 5, 6, 7}, {255, 255, 255, 254})})};
  std::vector<std::string> notes;
  CHECK(beaconBroadcasts({"all"}, devices, "", notes) == std::vector<Ipv4Bytes>{{10, 1, 255, 255}});
}

TEST_CASE("the host's own device list has loopback, without a MAC") {
  std::string err;
  const auto devices = listHostDevices(err);
  CHECK(err.empty());
  bool sawLoopback = false;
  for (const auto& d : devices) {
    if (!d.loopback) continue;
    sawLoopback = true;
    CHECK_FALSE(d.mac.has_value());
  }
  CHECK(sawLoopback);
}
