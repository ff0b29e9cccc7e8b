#include "core/iface/tun-adapter.h"

#include <array>
#include <cstring>
#include <vector>

#include "core/wire/checksum.h"
#include "core/wire/endian.h"

namespace cjdns::iface {
namespace {

constexpr std::size_t kMinMtu = 1280;
constexpr std::size_t kIcmpHeader = 8;

crypto::Ip6 addressAt(const std::uint8_t* p) {
  crypto::Ip6 a{};
  std::memcpy(a.data(), p, a.size());
  return a;
}

void writeHeader(std::uint8_t* h, std::size_t payloadLength, std::uint8_t nextHeader, const crypto::Ip6& src,
                 const crypto::Ip6& dst) {
  std::memset(h, 0, kIp6HeaderSize);
  h[0] = 0x60;  // version 6, traffic class and flow label 0
  wire::storeBe16(h + 4, static_cast<std::uint16_t>(payloadLength));
  h[6] = nextHeader;
  h[7] = kHopLimit;
  std::memcpy(h + 8, src.data(), 16);
  std::memcpy(h + 24, dst.data(), 16);
}

}  // namespace

const char* describe(TunVerdict v) {
  switch (v) {
    case TunVerdict::kToSession: return "to session";
    case TunVerdict::kNotIpv6: return "not IPv6";
    case TunVerdict::kRunt: return "runt";
    case TunVerdict::kWrongSource: return "source is not our address";
    case TunVerdict::kNotCjdns: return "destination outside fc00::/8";
    case TunVerdict::kToSelf: return "destination is ourselves";
  }
  return "?";
}

TunVerdict fromTun(wire::Message& msg, const crypto::Ip6& ourAddress, TunPacket& out) {
  if (msg.length() < 1 || (msg.data()[0] >> 4) != 6) return TunVerdict::kNotIpv6;
  if (msg.length() < kIp6HeaderSize) return TunVerdict::kRunt;
  const std::uint8_t* h = msg.data();
  const std::size_t payload = wire::loadBe16(h + 4);
  if (msg.length() < kIp6HeaderSize + payload) return TunVerdict::kRunt;
  if (std::memcmp(h + 8, ourAddress.data(), 16) != 0) return TunVerdict::kWrongSource;
  crypto::Ip6 dst = addressAt(h + 24);
  if (!crypto::isValidAddress(dst)) return TunVerdict::kNotCjdns;
  if (dst == ourAddress) return TunVerdict::kToSelf;
  out.destination = dst;
  out.contentType = h[6];
  (void)msg.truncate(kIp6HeaderSize + payload);
  (void)msg.pop(kIp6HeaderSize);
  return TunVerdict::kToSession;
}

bool forIpTunnel(std::span<const std::uint8_t> packet) {
  if (packet.empty()) return false;
  switch (packet[0] >> 4) {
    case 4: return true;
    case 6: return packet.size() >= kIp6HeaderSize && !crypto::isValidAddress(addressAt(packet.data() + 24));
    default: return false;
  }
}

bool toTun(wire::Message& msg, std::uint8_t contentType, const crypto::Ip6& source, const crypto::Ip6& ourAddress) {
  const std::size_t payload = msg.length();
  if (payload > 0xffff) return false;
  std::uint8_t* h = msg.push(kIp6HeaderSize);
  if (h == nullptr) return false;
  writeHeader(h, payload, contentType, source, ourAddress);
  return true;
}

bool makeUnreachable(wire::Message& msg, const crypto::Ip6& reporter, Unreachable code) {
  if (msg.length() < kIp6HeaderSize) return false;
  const crypto::Ip6 sender = addressAt(msg.data() + 8);
  const std::size_t quoted = std::min(msg.length(), kMinMtu - kIp6HeaderSize - kIcmpHeader);
  (void)msg.truncate(quoted);
  std::uint8_t* icmp = msg.push(kIcmpHeader);
  if (icmp == nullptr) return false;
  std::memset(icmp, 0, kIcmpHeader);
  icmp[0] = 1;  // Destination Unreachable
  icmp[1] = static_cast<std::uint8_t>(code);
  const std::uint16_t sum =
      wire::ip6PseudoHeaderChecksum(reporter, sender, wire::kIpProtoIcmp6, msg.bytes());
  wire::storeBe16(icmp + 2, sum);
  std::uint8_t* h = msg.push(kIp6HeaderSize);
  if (h == nullptr) return false;
  writeHeader(h, quoted + kIcmpHeader, wire::kIpProtoIcmp6, reporter, sender);
  h[7] = 64;  // a locally generated error, not a rebuilt cjdns header
  return true;
}

}  // namespace cjdns::iface
