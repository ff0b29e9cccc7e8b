#include "core/iptunnel/ip-tunnel-messages.h"

#include <algorithm>
#include <cstring>

#include "core/util/value.h"
#include "core/wire/bencode.h"
#include "core/wire/checksum.h"
#include "core/wire/endian.h"

namespace cjdns::iptunnel {

using util::Dict;
using util::Value;

namespace {

constexpr std::array<std::uint8_t, 16> kZeroAddress{};

bool allZero(std::span<const std::uint8_t> bytes) {
  return std::all_of(bytes.begin(), bytes.end(), [](std::uint8_t b) { return b == 0; });
}

std::string bytesString(std::span<const std::uint8_t> b) {
  return std::string(reinterpret_cast<const char*>(b.data()), b.size());
}

/// The UDP checksum cjdns uses: zero source and destination addresses.
std::uint16_t udpChecksum(std::span<const std::uint8_t> udpHeaderAndBody) {
  return wire::ip6PseudoHeaderChecksum(kZeroAddress, kZeroAddress, wire::kIpProtoUdp, udpHeaderAndBody);
}

void writeIp6Header(std::uint8_t* h, std::size_t payloadLength) {
  std::memset(h, 0, kIp6HeaderSize);
  h[0] = 0x60;  // version 6; traffic class, flow label, hop limit and both addresses 0
  wire::storeBe16(h + 4, static_cast<std::uint16_t>(payloadLength));
  h[6] = wire::kIpProtoUdp;
}

void writeUdpHeader(std::uint8_t* u, std::size_t bodyLength) {
  std::memset(u, 0, kUdpHeaderSize);
  wire::storeBe16(u + 4, static_cast<std::uint16_t>(bodyLength));  // body only: cjdns's quirk
  const std::uint16_t sum = udpChecksum({u, kUdpHeaderSize + bodyLength});
  wire::storeBe16(u + 6, sum);
}

/// prefix/alloc as cjdns's client reads them: absent or out of range gives
/// the full length. An alloc of 0 is out of range too (admin range 1..max):
/// cjdns would take it and then fail an assertion on the first packet.
ControlError readLength(const Dict& d, const char* key, std::int64_t min, std::int64_t max, std::uint8_t& out) {
  out = static_cast<std::uint8_t>(max);
  const Value* v = d.find(key);
  if (v == nullptr) return ControlError::kNone;
  if (!v->isInt()) return ControlError::kBadPrefixType;
  if (v->asInt() >= min && v->asInt() <= max) out = static_cast<std::uint8_t>(v->asInt());
  return ControlError::kNone;
}

/// The bytes of "ip4"/"ip6": nullptr if absent, else `error` says if they are usable.
const std::string* readAddress(const Dict& d, const char* key, std::size_t size, ControlError& error) {
  const Value* v = d.find(key);
  if (v == nullptr) return nullptr;
  const bool ok = v->isString() && v->asString().size() == size &&
                  !allZero({reinterpret_cast<const std::uint8_t*>(v->asString().data()), size});
  if (!ok) error = ControlError::kBadAddress;
  return ok ? &v->asString() : nullptr;
}

ControlError readGrant4(const Dict& d, Grants& out) {
  ControlError e = ControlError::kNone;
  const std::string* a = readAddress(d, "ip4", 4, e);
  if (a == nullptr) return e;
  Grant4 g;
  std::memcpy(g.address.data(), a->data(), 4);
  if ((e = readLength(d, "ip4Prefix", 0, 32, g.prefix)) != ControlError::kNone) return e;
  if ((e = readLength(d, "ip4Alloc", 1, 32, g.alloc)) != ControlError::kNone) return e;
  out.ip4 = g;
  return ControlError::kNone;
}

ControlError readGrant6(const Dict& d, Grants& out) {
  ControlError e = ControlError::kNone;
  const std::string* a = readAddress(d, "ip6", 16, e);
  if (a == nullptr) return e;
  // fc00::/8 is cjdns's own network: never tunnelled, never an issued address.
  if (static_cast<std::uint8_t>((*a)[0]) == 0xfc) return ControlError::kBadAddress;
  Grant6 g;
  std::memcpy(g.address.data(), a->data(), 16);
  if ((e = readLength(d, "ip6Prefix", 0, 128, g.prefix)) != ControlError::kNone) return e;
  if ((e = readLength(d, "ip6Alloc", 1, 128, g.alloc)) != ControlError::kNone) return e;
  out.ip6 = g;
  return ControlError::kNone;
}

ControlParse failed(ControlError e) {
  ControlParse p;
  p.error = e;
  return p;
}

ControlParse readResponse(const Dict& top, const Dict& addresses) {
  const Value* txid = top.find("txid");
  if (txid == nullptr || !txid->isString() || txid->asString().size() != kTxidSize) {
    return failed(ControlError::kBadTxid);
  }
  ControlParse p;
  p.message.kind = ControlKind::kResponse;
  p.message.txid = txid->asString();
  if (ControlError e = readGrant4(addresses, p.message.grants); e != ControlError::kNone) return failed(e);
  if (ControlError e = readGrant6(addresses, p.message.grants); e != ControlError::kNone) return failed(e);
  if (p.message.grants.empty()) return failed(ControlError::kNoAddresses);
  return p;
}

ControlParse readRequest(const Dict& top) {
  ControlParse p;
  p.message.kind = ControlKind::kRequest;
  if (const Value* txid = top.find("txid")) {
    if (!txid->isString() || txid->asString().size() > kMaxRequestTxid) return failed(ControlError::kBadTxid);
    p.message.txid = txid->asString();
  }
  return p;
}

}  // namespace

const char* describe(ControlError e) {
  switch (e) {
    case ControlError::kNone: return "none";
    case ControlError::kRunt: return "shorter than the IPv6 and UDP headers";
    case ControlError::kNotIp6: return "not IPv6";
    case ControlError::kNotControl: return "addresses are not zero";
    case ControlError::kNotUdp: return "next header is not UDP";
    case ControlError::kBadLength: return "IPv6 payload length out of bounds";
    case ControlError::kTooLong: return "body too long";
    case ControlError::kBadChecksum: return "bad UDP checksum";
    case ControlError::kBadPorts: return "UDP ports are not zero";
    case ControlError::kBadUdpLength: return "UDP length does not match";
    case ControlError::kBadBencode: return "not bencode";
    case ControlError::kNotDict: return "not a dictionary";
    case ControlError::kUnknownMessage: return "neither a request nor a response";
    case ControlError::kBadTxid: return "bad txid";
    case ControlError::kBadAddress: return "bad address";
    case ControlError::kBadPrefixType: return "prefix or alloc is not an integer";
    case ControlError::kNoAddresses: return "response without addresses";
  }
  return "unknown";
}

std::string txidFor(std::uint32_t connection) {
  std::array<std::uint8_t, kTxidSize> b{};
  wire::storeLe32(b.data(), connection);
  return bytesString(b);
}

std::optional<std::uint32_t> connectionOf(std::string_view txid) {
  if (txid.size() != kTxidSize) return std::nullopt;
  return wire::loadLe32(reinterpret_cast<const std::uint8_t*>(txid.data()));
}

std::string encodeRequest(std::string_view txid) {
  Dict d;
  d.add("q", Value(std::string(kGetAddresses)));
  d.add("txid", Value(std::string(txid)));
  return wire::bencodeEncode(Value(std::move(d)));
}

std::string encodeResponse(const Grants& grants, const std::optional<std::string>& txid) {
  Dict a;
  if (grants.ip4) {
    a.add("ip4", Value(bytesString(grants.ip4->address)));
    a.add("ip4Prefix", Value(std::int64_t{grants.ip4->prefix}));
    a.add("ip4Alloc", Value(std::int64_t{grants.ip4->alloc}));
  }
  if (grants.ip6) {
    a.add("ip6", Value(bytesString(grants.ip6->address)));
    a.add("ip6Prefix", Value(std::int64_t{grants.ip6->prefix}));
    a.add("ip6Alloc", Value(std::int64_t{grants.ip6->alloc}));
  }
  Dict d;
  d.add("addresses", Value(std::move(a)));
  if (txid) d.add("txid", Value(*txid));
  return wire::bencodeEncode(Value(std::move(d)));
}

bool wrapControl(wire::Message& msg) {
  const std::size_t body = msg.length();
  if (body > kMaxControlBody || msg.headroom() < kControlHeaderSize) return false;
  std::uint8_t* udp = msg.push(kUdpHeaderSize);
  writeUdpHeader(udp, body);
  writeIp6Header(msg.push(kIp6HeaderSize), kUdpHeaderSize + body);
  return true;
}

std::vector<std::uint8_t> controlPacket(std::string_view body) {
  wire::Message msg(kControlHeaderSize);
  if (!msg.append({reinterpret_cast<const std::uint8_t*>(body.data()), body.size()}) || !wrapControl(msg)) return {};
  return {msg.data(), msg.data() + msg.length()};
}

bool looksLikeControl(std::span<const std::uint8_t> packet) {
  return packet.size() >= kIp6HeaderSize && (packet[0] >> 4) == 6 && allZero(packet.subspan(8, 32));
}

ControlError unwrapControl(std::span<const std::uint8_t> packet, std::span<const std::uint8_t>& body) {
  if (packet.size() < kControlHeaderSize) return ControlError::kRunt;
  if ((packet[0] >> 4) != 6) return ControlError::kNotIp6;
  if (!allZero(packet.subspan(8, 32))) return ControlError::kNotControl;
  if (packet[6] != wire::kIpProtoUdp) return ControlError::kNotUdp;
  const std::size_t payload = wire::loadBe16(packet.data() + 4);
  if (payload < kUdpHeaderSize || kIp6HeaderSize + payload > packet.size()) return ControlError::kBadLength;
  if (payload - kUdpHeaderSize > kMaxControlBody) return ControlError::kTooLong;
  const auto udp = packet.subspan(kIp6HeaderSize, payload);
  if (udpChecksum(udp) != 0) return ControlError::kBadChecksum;  // a correct stored sum makes the total 0
  if (wire::loadBe16(udp.data()) != 0 || wire::loadBe16(udp.data() + 2) != 0) return ControlError::kBadPorts;
  if (wire::loadBe16(udp.data() + 4) != payload - kUdpHeaderSize) return ControlError::kBadUdpLength;
  body = udp.subspan(kUdpHeaderSize);
  return ControlError::kNone;
}

ControlParse parseBody(std::span<const std::uint8_t> body) {
  auto decoded = wire::bencodeDecode(std::string_view(reinterpret_cast<const char*>(body.data()), body.size()));
  if (!decoded) return failed(ControlError::kBadBencode);
  if (!decoded->isDict()) return failed(ControlError::kNotDict);
  const Dict& top = decoded->asDict();
  if (const Value* a = top.find("addresses"); a != nullptr && a->isDict()) return readResponse(top, a->asDict());
  const Value* q = top.find("q");
  if (q != nullptr && q->isString() && q->asString() == kGetAddresses) return readRequest(top);
  return failed(ControlError::kUnknownMessage);
}

ControlParse parseControl(std::span<const std::uint8_t> packet) {
  std::span<const std::uint8_t> body;
  if (ControlError e = unwrapControl(packet, body); e != ControlError::kNone) return failed(e);
  return parseBody(body);
}

}  // namespace cjdns::iptunnel
