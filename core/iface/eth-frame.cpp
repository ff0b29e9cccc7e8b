#include "core/iface/eth-frame.h"

#include <algorithm>
#include <cstdio>

#include "core/wire/endian.h"

namespace cjdns::iface {

namespace {

int hexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

/// Writes the 6-byte cjdns header for a payload of `payloadLen` bytes.
void writeEthHeader(std::uint8_t* p, std::size_t payloadLen) {
  p[0] = kEthHeaderVersion;
  p[1] = 0;
  wire::storeBe16(p + 2, static_cast<std::uint16_t>(payloadLen + kEthHeaderSize));
  wire::storeBe16(p + 4, kEthHeaderMagic);
}

}  // namespace

MacAddress::MacAddress(std::span<const std::uint8_t, kSize> bytes) {
  std::copy(bytes.begin(), bytes.end(), bytes_.begin());
}

MacAddress MacAddress::broadcast() {
  MacAddress m;
  m.bytes_.fill(0xff);
  return m;
}

std::optional<MacAddress> MacAddress::parse(std::string_view text) {
  if (text.size() != kSize * 3 - 1) return std::nullopt;
  MacAddress m;
  for (std::size_t i = 0; i < kSize; ++i) {
    const std::size_t at = i * 3;
    if (i > 0 && text[at - 1] != ':') return std::nullopt;
    const int hi = hexDigit(text[at]);
    const int lo = hexDigit(text[at + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    m.bytes_[i] = static_cast<std::uint8_t>(hi * 16 + lo);
  }
  return m;
}

std::optional<MacAddress> MacAddress::fromLinkAddress(const LinkAddress& address) {
  if (address.family() != AF_PACKET || address.sockaddrLen() != kSize) return std::nullopt;
  // A MAC LinkAddress keeps the six bytes at the start of its blob.
  const auto* p = reinterpret_cast<const std::uint8_t*>(address.sockaddrPtr());
  return MacAddress(std::span<const std::uint8_t, kSize>(p, kSize));
}

std::string MacAddress::toString() const {
  char buf[18] = {};
  std::snprintf(buf, sizeof buf, "%02x:%02x:%02x:%02x:%02x:%02x", bytes_[0], bytes_[1], bytes_[2], bytes_[3],
                bytes_[4], bytes_[5]);
  return buf;
}

bool MacAddress::isBroadcast() const {
  return std::all_of(bytes_.begin(), bytes_.end(), [](std::uint8_t b) { return b == 0xff; });
}

bool MacAddress::isZero() const {
  return std::all_of(bytes_.begin(), bytes_.end(), [](std::uint8_t b) { return b == 0; });
}

const char* describe(EthFrameError error) {
  switch (error) {
    case EthFrameError::kNone: return "ok";
    case EthFrameError::kTooShort: return "frame shorter than its headers";
    case EthFrameError::kWrongEthertype: return "EtherType is not 0xFC00";
    case EthFrameError::kBadSource: return "source MAC is a group or zero address";
    case EthFrameError::kBadVersion: return "cjdns Ethernet header version is not 0";
    case EthFrameError::kLengthTooSmall: return "length field smaller than the header";
    case EthFrameError::kLengthTooLarge: return "length field larger than cjdns reads";
    case EthFrameError::kTruncated: return "frame shorter than its length field";
    case EthFrameError::kBadMagic: return "cjdns Ethernet header magic is not FC 00";
    case EthFrameError::kPayloadTooLong: return "payload too long for an Ethernet frame";
    case EthFrameError::kNoHeadroom: return "no room in front of the payload";
  }
  return "unknown";
}

ParsedEthBody parseEthBody(std::span<const std::uint8_t> body) {
  ParsedEthBody out;
  if (body.size() < kEthHeaderSize) {
    out.error = EthFrameError::kTooShort;
  } else if (body[0] != kEthHeaderVersion) {
    out.error = EthFrameError::kBadVersion;
  } else {
    // body[1] is "zero" on send; cjdns does not look at it on receive.
    const std::size_t length = wire::loadBe16(body.data() + 2);
    if (length < kEthHeaderSize) {
      out.error = EthFrameError::kLengthTooSmall;
    } else if (length > kEthMaxBody) {
      out.error = EthFrameError::kLengthTooLarge;
    } else if (length > body.size()) {
      out.error = EthFrameError::kTruncated;
    } else if (wire::loadBe16(body.data() + 4) != kEthHeaderMagic) {
      out.error = EthFrameError::kBadMagic;
    } else {
      out.payload = body.subspan(kEthHeaderSize, length - kEthHeaderSize);
    }
  }
  return out;
}

ParsedEthFrame parseEthFrame(std::span<const std::uint8_t> frame) {
  ParsedEthFrame out;
  if (frame.size() < kEthMacHeaderSize + kEthHeaderSize) {
    out.error = EthFrameError::kTooShort;
    return out;
  }
  out.dst = MacAddress(frame.subspan<0, MacAddress::kSize>());
  out.src = MacAddress(frame.subspan<MacAddress::kSize, MacAddress::kSize>());
  if (wire::loadBe16(frame.data() + 12) != kEthertypeCjdns) {
    out.error = EthFrameError::kWrongEthertype;
  } else if (!out.src.usableAsPeer()) {
    out.error = EthFrameError::kBadSource;
  } else {
    const ParsedEthBody body = parseEthBody(frame.subspan(kEthMacHeaderSize));
    out.error = body.error;
    out.payload = body.payload;
  }
  return out;
}

EthFrameError pushEthHeader(wire::Message& msg) {
  const std::size_t payloadLen = msg.length();
  if (payloadLen > kEthMaxPayload) return EthFrameError::kPayloadTooLong;
  std::uint8_t* p = msg.push(kEthHeaderSize);
  if (p == nullptr) return EthFrameError::kNoHeadroom;
  writeEthHeader(p, payloadLen);
  return EthFrameError::kNone;
}

EthFrameError pushEthFrame(wire::Message& msg, const MacAddress& dst, const MacAddress& src) {
  const std::size_t payloadLen = msg.length();
  if (payloadLen > kEthMaxPayload) return EthFrameError::kPayloadTooLong;
  std::uint8_t* p = msg.push(kEthMacHeaderSize + kEthHeaderSize);
  if (p == nullptr) return EthFrameError::kNoHeadroom;
  std::copy(dst.bytes().begin(), dst.bytes().end(), p);
  std::copy(src.bytes().begin(), src.bytes().end(), p + MacAddress::kSize);
  wire::storeBe16(p + 12, kEthertypeCjdns);
  writeEthHeader(p + kEthMacHeaderSize, payloadLen);
  return EthFrameError::kNone;
}

EthFrameError popEthHeader(wire::Message& msg) {
  const ParsedEthBody body = parseEthBody(msg.bytes());
  if (!body.ok()) return body.error;
  const bool popped = msg.pop(kEthHeaderSize) && msg.truncate(body.payload.size());
  return popped ? EthFrameError::kNone : EthFrameError::kTooShort;  // cannot fail after a good parse
}

EthFrameError popEthFrame(wire::Message& msg, MacAddress& dst, MacAddress& src) {
  const ParsedEthFrame frame = parseEthFrame(msg.bytes());
  if (!frame.ok()) return frame.error;
  if (!msg.pop(kEthMacHeaderSize + kEthHeaderSize) || !msg.truncate(frame.payload.size())) {
    return EthFrameError::kTooShort;  // cannot happen after a good parse
  }
  dst = frame.dst;
  src = frame.src;
  return EthFrameError::kNone;
}

}  // namespace cjdns::iface
