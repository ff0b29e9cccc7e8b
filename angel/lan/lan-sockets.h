// The angel's side of ETHInterface and UDP beacons: which devices and
// broadcast addresses the config means on this host, and the sockets for
// them. An AF_PACKET socket needs CAP_NET_RAW and the host's device list
// needs netlink, neither of which the sandboxed core has, so the angel opens
// them here and hands them over (proto/angel.capnp, FdRole eth/udpBeacon)
// with the facts the core needs: the device index and MAC, the broadcast
// addresses.
//
// The selection is pure (HostDevice lists in, names and addresses out) and
// unit-tested; listHostDevices() and the open* functions are the thin I/O.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "proto/config.capnp.h"

namespace spdlog {
class logger;
}

namespace cjdns::angel {

using Ipv4Bytes = std::array<std::uint8_t, 4>;
using MacBytes = std::array<std::uint8_t, 6>;

/// One network device of this host, as getifaddrs() reports it.
struct HostDevice {
  std::string name;
  unsigned ifIndex = 0;
  bool up = false;        ///< IFF_UP
  bool loopback = false;  ///< IFF_LOOPBACK
  std::optional<MacBytes> mac;  ///< a 6-byte, non-zero hardware address (Ethernet-like devices)
  struct Ipv4 {
    Ipv4Bytes address{};
    Ipv4Bytes netmask{};
  };
  std::vector<Ipv4> ipv4;
};

/// Every device with its link-layer and IPv4 addresses. Empty on failure
/// (with `error` set).
std::vector<HostDevice> listHostDevices(std::string& error);

/// The devices one ETHInterface `bind` means: "all" is every device that
/// is up, not loopback and has a MAC (the TUN has none); a name is that
/// device, if it exists and has a MAC. Problems go to `notes`.
std::vector<const HostDevice*> ethDevicesFor(const std::string& bind, const std::vector<HostDevice>& devices,
                                             std::vector<std::string>& notes);

/// The directed broadcast addresses `(addr & mask) | ~mask` that a
/// UDPInterface's beaconDevices name: device names, broadcast addresses
/// in dotted form, or "all" (every up, non-loopback device but `exclude`,
/// the TUN). Devices that are down are skipped, as are /32 and /31
/// addresses, which have no broadcast address. Duplicates are removed.
std::vector<Ipv4Bytes> beaconBroadcasts(const std::vector<std::string>& beaconDevices,
                                        const std::vector<HostDevice>& devices, const std::string& exclude,
                                        std::vector<std::string>& notes);

/// An ETHInterface socket for the core.
struct EthSocketFd {
  int fd = -1;
  unsigned interface = 0;  ///< index into config.ethInterfaces
  std::string device;
  unsigned ifIndex = 0;
  MacBytes mac{};
};

/// A UDPInterface's beacon socket for the core.
struct BeaconSocketFd {
  int fd = -1;
  unsigned interface = 0;  ///< index into config.udpInterfaces
  std::vector<Ipv4Bytes> broadcast;
};

/// Everything opened for the LAN; the angel keeps it for the node's life
/// (a restarted core gets the same fds).
struct LanFds {
  std::vector<EthSocketFd> eth;
  std::vector<BeaconSocketFd> beacon;
  void closeAll();
};

/// AF_PACKET, SOCK_DGRAM, EtherType 0xfc00, bound to the device, non-blocking,
/// close-on-exec, with a large receive buffer. -1 and `error` on failure.
int openEthSocket(unsigned ifIndex, std::string& error);
/// IPv4 UDP on 0.0.0.0:port with SO_BROADCAST (and SO_REUSEADDR, so that
/// several nodes on one host can hear the same beacons). -1 and `error` on failure.
int openBeaconSocket(std::uint16_t port, std::string& error);

/// Opens what the config's ETHInterface and UDP beacon settings need, as
/// cjdns does at start: a device that cannot be bound is logged and
/// skipped (ETHInterface_new is not fatal in cjdns); a beacon socket that
/// cannot be bound is fatal (nullopt), as UDPInterface_new is.
std::optional<LanFds> openLanSockets(proto::CoreConfig::Reader cfg, const std::string& tunName, spdlog::logger& log);

}  // namespace cjdns::angel
