#include "core/node/eth-link.h"

#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

namespace cjdns::node {

EthFrameKind ethFrameKind(unsigned packetType) {
  switch (packetType) {
    case PACKET_HOST: return EthFrameKind::kPeer;
    case PACKET_BROADCAST: return EthFrameKind::kBeacon;  // wire.md 4.3: exactly the broadcast frames
    default: return EthFrameKind::kIgnored;               // multicast, other hosts', outgoing
  }
}

EthLinks::EthLinks(std::vector<EthPortSpec> ports) : ports_(std::move(ports)) {}

EthLinks::~EthLinks() {
  for (const auto& p : ports_) {
    if (p.fd >= 0) ::close(p.fd);
  }
}

bool EthLinks::sendOnLink(unsigned port, const iface::LinkAddress& to, const wire::Message& msg) {
  const auto mac = iface::MacAddress::fromLinkAddress(to);
  if (!mac || !mac->usableAsPeer()) {
    ++counters_.sendErrors;
    return false;
  }
  return sendTo(port, *mac, msg.bytes());
}

bool EthLinks::sendBroadcast(unsigned port, std::span<const std::uint8_t> payload) {
  return sendTo(port, iface::MacAddress::broadcast(), payload);
}

bool EthLinks::sendTo(unsigned port, const iface::MacAddress& dst, std::span<const std::uint8_t> payload) {
  if (port >= ports_.size() || !scratch_.assign(payload, 64) ||
      iface::pushEthHeader(scratch_) != iface::EthFrameError::kNone) {
    ++counters_.sendErrors;
    return false;
  }
  sockaddr_ll to{};
  to.sll_family = AF_PACKET;
  to.sll_protocol = htons(iface::kEthertypeCjdns);
  to.sll_ifindex = static_cast<int>(ports_[port].ifIndex);
  to.sll_halen = iface::MacAddress::kSize;
  std::copy(dst.bytes().begin(), dst.bytes().end(), to.sll_addr);
  const ssize_t sent = ::sendto(ports_[port].fd, scratch_.data(), scratch_.length(), MSG_DONTWAIT,
                                reinterpret_cast<const sockaddr*>(&to), sizeof to);
  if (sent != static_cast<ssize_t>(scratch_.length())) {
    ++counters_.sendErrors;
    return false;
  }
  ++counters_.framesOut;
  return true;
}

bool EthLinks::receive(unsigned port, wire::MessagePool& pool, const FrameHandler& handler, unsigned maxFrames) {
  if (port >= ports_.size()) return false;
  for (unsigned n = 0; n < maxFrames; ++n) {
    auto msg = pool.acquire();
    sockaddr_ll from{};
    socklen_t fromLen = sizeof from;
    // Bodies longer than the room are cut; the cjdns header's length (at
    // most kEthMaxBody) says how much counts, so nothing that matters is lost.
    const ssize_t got = ::recvfrom(ports_[port].fd, msg->tailStart(), msg->tailroom(), MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &fromLen);
    if (got < 0) return false;
    (void)msg->extend(std::min(static_cast<std::size_t>(got), msg->tailroom()));
    const EthFrameKind kind = ethFrameKind(from.sll_pkttype);
    if (kind == EthFrameKind::kIgnored || from.sll_halen != iface::MacAddress::kSize) {
      ++counters_.ignored;
      continue;
    }
    const iface::MacAddress src(std::span<const std::uint8_t, iface::MacAddress::kSize>(from.sll_addr, 6));
    if (!src.usableAsPeer()) {
      ++counters_.badSource;
      continue;
    }
    if (iface::popEthHeader(*msg) != iface::EthFrameError::kNone) {
      ++counters_.malformed;
      continue;
    }
    ++(kind == EthFrameKind::kBeacon ? counters_.beaconsIn : counters_.framesIn);
    handler(src, kind, *msg);
  }
  return true;
}

}  // namespace cjdns::node
