// EthLinks: the core's ETHInterface sockets (wire.md 4.3).
//
// Each is an AF_PACKET SOCK_DGRAM socket for EtherType 0xfc00 that the
// angel opened and bound to one device; the angel also says the device's
// index and MAC, which the core cannot ask the kernel for under seccomp.
// The kernel adds and strips the MAC header (our source MAC is the
// device's); here the 6-byte cjdns header is pushed and checked
// (eth-frame.h). A frame sent to ff:ff:ff:ff:ff:ff is a beacon; one sent to
// us is a peer-link packet from its source MAC; anything else the device
// picked up (multicast, other hosts' frames, our own) is ignored.
//
// Owns the fds. Nothing here logs; everything dropped is counted.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <vector>

#include "core/iface/eth-frame.h"
#include "core/iface/peer-controller.h"
#include "core/wire/message.h"

namespace cjdns::node {

/// One ETHInterface socket as the angel handed it over.
struct EthPortSpec {
  int fd = -1;
  unsigned interface = 0;  ///< index into config.ethInterfaces
  std::string device;
  unsigned ifIndex = 0;
  iface::MacAddress mac;  ///< the device's own address
};

/// How a received frame is treated, from its link-layer packet type.
enum class EthFrameKind { kPeer, kBeacon, kIgnored };
EthFrameKind ethFrameKind(unsigned packetType);

struct EthCounters {
  std::uint64_t framesIn = 0;   ///< peer-link packets handed on
  std::uint64_t beaconsIn = 0;  ///< broadcast payloads handed on
  std::uint64_t framesOut = 0;
  std::uint64_t ignored = 0;    ///< multicast, other hosts' or our own frames
  std::uint64_t badSource = 0;  ///< a group or zero source MAC
  std::uint64_t malformed = 0;  ///< refused by parseEthBody
  std::uint64_t sendErrors = 0;
};

class EthLinks final : public iface::LinkSender {
 public:
  explicit EthLinks(std::vector<EthPortSpec> ports);
  ~EthLinks() override;
  EthLinks(const EthLinks&) = delete;
  EthLinks& operator=(const EthLinks&) = delete;

  std::size_t size() const { return ports_.size(); }
  const EthPortSpec& port(unsigned i) const { return ports_[i]; }

  /// LinkSender: here the id is the port index (LinkMux translates). `to`
  /// must be a MAC (LinkAddress::fromMac).
  bool sendOnLink(unsigned port, const iface::LinkAddress& to, const wire::Message& msg) override;
  /// Sends `payload` to ff:ff:ff:ff:ff:ff (our beacon).
  bool sendBroadcast(unsigned port, std::span<const std::uint8_t> payload);

  /// A well-formed frame's payload (cjdns header and padding removed).
  using FrameHandler =
      std::function<void(const iface::MacAddress& from, EthFrameKind kind, wire::Message& payload)>;
  /// Reads at most `maxFrames` frames from a port. False once it is empty
  /// (or failed), true if it may hold more.
  bool receive(unsigned port, wire::MessagePool& pool, const FrameHandler& handler, unsigned maxFrames);

  const EthCounters& counters() const { return counters_; }

 private:
  bool sendTo(unsigned port, const iface::MacAddress& dst, std::span<const std::uint8_t> payload);

  std::vector<EthPortSpec> ports_;
  wire::Message scratch_;  ///< the outgoing frame: one copy, no allocation per packet
  EthCounters counters_;
};

}  // namespace cjdns::node
