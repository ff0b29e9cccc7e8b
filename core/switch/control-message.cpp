#include "core/switch/control-message.h"

#include <algorithm>
#include <cstring>
#include <type_traits>

#include "core/switch/label.h"
#include "core/wire/checksum.h"
#include "core/wire/endian.h"
#include "core/wire/message.h"

namespace cjdns::switching {

namespace {

using Bytes = std::span<const std::uint8_t>;

constexpr std::size_t kErrorFixed = 4;            // code
constexpr std::size_t kErrorMinCause = SwitchHeader::kSize + 4;
constexpr std::size_t kPingFixed = 8;             // magic, version
constexpr std::size_t kKeyPingFixed = 40;         // magic, version, key
constexpr std::size_t kGetSnodeFixed = 56;
constexpr std::size_t kRPathFixed = 16;
constexpr std::size_t kLlAddrFixed = 40;
constexpr std::size_t kPacketPrefix = SwitchHeader::kSize + 4;  // header + handle

/// Which ControlBody alternative a type uses; -1 for unknown types.
int bodyIndexFor(ControlType type) {
  switch (type) {
    case ControlType::kError: return 0;
    case ControlType::kPing:
    case ControlType::kPong: return 1;
    case ControlType::kKeyPing:
    case ControlType::kKeyPong: return 2;
    case ControlType::kGetSnodeQuery:
    case ControlType::kGetSnodeReply: return 3;
    case ControlType::kRPathQuery:
    case ControlType::kRPathReply: return 4;
    case ControlType::kLlAddrQuery:
    case ControlType::kLlAddrReply: return 5;
  }
  return -1;
}

bool isKnownType(std::uint16_t type) { return bodyIndexFor(static_cast<ControlType>(type)) >= 0; }

/// Sequential big-endian writes into a span whose size was checked beforehand.
class Writer {
 public:
  explicit Writer(std::span<std::uint8_t> out) : p_(out.data()) {}
  void u16(std::uint16_t v) {
    wire::storeBe16(p_, v);
    p_ += 2;
  }
  void u32(std::uint32_t v) {
    wire::storeBe32(p_, v);
    p_ += 4;
  }
  void u64(std::uint64_t v) {
    wire::storeBe64(p_, v);
    p_ += 8;
  }
  void bytes(Bytes b) {
    if (!b.empty()) std::memcpy(p_, b.data(), b.size());
    p_ += b.size();
  }

 private:
  std::uint8_t* p_;
};

template <std::size_t N>
std::array<std::uint8_t, N> copyArray(Bytes b) {
  std::array<std::uint8_t, N> out{};
  std::memcpy(out.data(), b.data(), N);
  return out;
}

ControlParseStatus parseError(Bytes body, ControlMessage& out) {
  if (body.size() < kErrorFixed + kErrorMinCause) return ControlParseStatus::kBadLength;
  out.body = ErrorBody{wire::loadBe32(body.data()), body.subspan(kErrorFixed)};
  return ControlParseStatus::kOk;
}

ControlParseStatus parsePing(Bytes body, ControlMessage& out) {
  if (body.size() < kPingFixed) return ControlParseStatus::kBadLength;
  if (wire::loadBe32(body.data()) != controlMagic(out.type)) return ControlParseStatus::kBadMagic;
  out.body = PingBody{wire::loadBe32(body.data() + 4), body.subspan(kPingFixed)};
  return ControlParseStatus::kOk;
}

ControlParseStatus parseKeyPing(Bytes body, ControlMessage& out) {
  if (body.size() < kKeyPingFixed || body.size() > kKeyPingFixed + kKeyPingMaxCookie) {
    return ControlParseStatus::kBadLength;
  }
  if (wire::loadBe32(body.data()) != controlMagic(out.type)) return ControlParseStatus::kBadMagic;
  out.body = KeyPingBody{wire::loadBe32(body.data() + 4), copyArray<32>(body.subspan(8)),
                         body.subspan(kKeyPingFixed)};
  return ControlParseStatus::kOk;
}

ControlParseStatus parseGetSnode(Bytes body, ControlMessage& out) {
  if (body.size() < kGetSnodeFixed) return ControlParseStatus::kBadLength;
  if (wire::loadBe32(body.data()) != controlMagic(out.type)) return ControlParseStatus::kBadMagic;
  GetSnodeBody b;
  b.version = wire::loadBe32(body.data() + 4);
  b.snodeVersion = wire::loadBe32(body.data() + 8);
  b.kbps = wire::loadBe32(body.data() + 12);
  b.snodeKey = copyArray<32>(body.subspan(16));
  b.pathToSnode = wire::loadBe64(body.data() + 48);
  b.extra = body.subspan(kGetSnodeFixed);
  out.body = b;
  return ControlParseStatus::kOk;
}

ControlParseStatus parseRPath(Bytes body, ControlMessage& out) {
  if (body.size() < kRPathFixed) return ControlParseStatus::kBadLength;
  if (wire::loadBe32(body.data()) != controlMagic(out.type)) return ControlParseStatus::kBadMagic;
  out.body = RPathBody{wire::loadBe32(body.data() + 4), wire::loadBe64(body.data() + 8), body.subspan(kRPathFixed)};
  return ControlParseStatus::kOk;
}

ControlParseStatus parseLlAddr(Bytes body, ControlMessage& out) {
  if (body.size() < kLlAddrFixed) return ControlParseStatus::kBadLength;
  if (wire::loadBe32(body.data()) != controlMagic(out.type)) return ControlParseStatus::kBadMagic;
  out.body = LlAddrBody{wire::loadBe32(body.data() + 4), copyArray<32>(body.subspan(8)), body.subspan(kLlAddrFixed)};
  return ControlParseStatus::kOk;
}

/// Body size of m, or 0 when its body does not suit its type or is out of range.
std::size_t bodySize(const ControlMessage& m) {
  if (bodyIndexFor(m.type) != static_cast<int>(m.body.index())) return 0;
  struct Sizer {
    std::size_t operator()(const ErrorBody& b) const {
      return b.cause.size() < kErrorMinCause ? 0 : kErrorFixed + b.cause.size();
    }
    std::size_t operator()(const PingBody& b) const { return kPingFixed + b.data.size(); }
    std::size_t operator()(const KeyPingBody& b) const {
      return b.cookie.size() > kKeyPingMaxCookie ? 0 : kKeyPingFixed + b.cookie.size();
    }
    std::size_t operator()(const GetSnodeBody& b) const { return kGetSnodeFixed + b.extra.size(); }
    std::size_t operator()(const RPathBody& b) const { return kRPathFixed + b.extra.size(); }
    std::size_t operator()(const LlAddrBody& b) const { return kLlAddrFixed + b.data.size(); }
  };
  return std::visit(Sizer{}, m.body);
}

void writeBody(Writer& w, std::uint32_t magic, const ControlBody& body) {
  struct BodyWriter {
    Writer& w;
    std::uint32_t magic;
    void operator()(const ErrorBody& b) const {
      w.u32(b.code);
      w.bytes(b.cause);
    }
    void operator()(const PingBody& b) const {
      w.u32(magic); w.u32(b.version);
      w.bytes(b.data);
    }
    void operator()(const KeyPingBody& b) const {
      w.u32(magic); w.u32(b.version);
      w.bytes(b.key); w.bytes(b.cookie);
    }
    void operator()(const GetSnodeBody& b) const {
      w.u32(magic); w.u32(b.version); w.u32(b.snodeVersion); w.u32(b.kbps);
      w.bytes(b.snodeKey); w.u64(b.pathToSnode); w.bytes(b.extra);
    }
    void operator()(const RPathBody& b) const {
      w.u32(magic); w.u32(b.version); w.u64(b.rpath);
      w.bytes(b.extra);
    }
    void operator()(const LlAddrBody& b) const {
      w.u32(magic); w.u32(b.version);
      w.bytes(b.addr); w.bytes(b.data);
    }
  };
  std::visit(BodyWriter{w, magic}, body);
}

/// Resets msg to hold [SwitchHeader(label)][handle][m].
bool buildPacket(wire::Message& msg, std::uint64_t label, const ControlMessage& m) {
  msg.reset();
  SwitchHeader header;
  header.label = label;
  return appendControl(msg, m) && msg.pushBe32(kControlHandle) && header.push(msg);
}

}  // namespace

const char* controlTypeName(std::uint16_t type) {
  switch (type) {
    case 2: return "ERROR";
    case 3: return "PING";
    case 4: return "PONG";
    case 5: return "KEYPING";
    case 6: return "KEYPONG";
    case 7: return "GETSNODE_QUERY";
    case 8: return "GETSNODE_REPLY";
    case 9: return "RPATH_QUERY";
    case 10: return "RPATH_REPLY";
    case 11: return "LLADDR_QUERY";
    case 12: return "LLADDR_REPLY";
    default: return "UNKNOWN";
  }
}

std::uint32_t controlMagic(ControlType type) {
  namespace m = control_magic;
  switch (type) {
    case ControlType::kError: return 0;
    case ControlType::kPing: return m::kPing;
    case ControlType::kPong: return m::kPong;
    case ControlType::kKeyPing: return m::kKeyPing;
    case ControlType::kKeyPong: return m::kKeyPong;
    case ControlType::kGetSnodeQuery:
    case ControlType::kRPathQuery: return m::kSnodeQuery;
    case ControlType::kGetSnodeReply:
    case ControlType::kRPathReply: return m::kSnodeReply;
    case ControlType::kLlAddrQuery: return m::kLlAddrQuery;
    case ControlType::kLlAddrReply: return m::kLlAddrReply;
  }
  return 0;
}

const char* errorCodeName(std::uint32_t code) {
  static constexpr const char* kNames[] = {
      "NONE",    "MALFORMED_ADDRESS", "FLOOD",      "LINK_LIMIT_EXCEEDED", "OVERSIZE_MESSAGE",
      "RUNT",    "AUTHENTICATION",    "INVALID",    "UNDELIVERABLE",       "LOOP_ROUTE",
      "RETURN_PATH_INVALID",          "UNHANDLED",  "OVERFLOW",            "INTERNAL"};
  return code < std::size(kNames) ? kNames[code] : "UNKNOWN";
}

const char* describe(ControlParseStatus status) {
  switch (status) {
    case ControlParseStatus::kOk: return "ok";
    case ControlParseStatus::kNotControl: return "not a control frame";
    case ControlParseStatus::kRunt: return "runt";
    case ControlParseStatus::kBadChecksum: return "bad checksum";
    case ControlParseStatus::kUnknownType: return "unknown type";
    case ControlParseStatus::kBadMagic: return "bad magic";
    case ControlParseStatus::kBadLength: return "bad length for its type";
  }
  return "?";
}

SwitchHeader ErrorBody::causeHeader() const { return SwitchHeader::parse(cause).value_or(SwitchHeader{}); }

std::uint32_t ErrorBody::causeHandle() const {
  return cause.size() < kErrorMinCause ? 0 : wire::loadBe32(cause.data() + SwitchHeader::kSize);
}

std::span<const std::uint8_t> ErrorBody::causeControl() const {
  if (cause.size() < kErrorMinCause || causeHandle() != kControlHandle) return {};
  return cause.subspan(kErrorMinCause);
}

std::uint32_t ControlMessage::version() const {
  return std::visit(
      [](const auto& b) -> std::uint32_t {
        if constexpr (std::is_same_v<std::decay_t<decltype(b)>, ErrorBody>) {
          return 0;
        } else {
          return b.version;
        }
      },
      body);
}

ControlParseStatus parseControl(std::span<const std::uint8_t> bytes, ControlMessage& out, ChecksumPolicy policy) {
  if (bytes.size() < kControlMinSize) return ControlParseStatus::kRunt;
  if (policy == ChecksumPolicy::kVerify && wire::internetChecksum(bytes) != 0) {
    return ControlParseStatus::kBadChecksum;
  }
  const std::uint16_t type = wire::loadBe16(bytes.data() + 2);
  if (!isKnownType(type)) return ControlParseStatus::kUnknownType;
  out.checksum = wire::loadBe16(bytes.data());
  out.type = static_cast<ControlType>(type);
  const Bytes body = bytes.subspan(kControlHeaderSize);
  switch (bodyIndexFor(out.type)) {
    case 0: return parseError(body, out);
    case 1: return parsePing(body, out);
    case 2: return parseKeyPing(body, out);
    case 3: return parseGetSnode(body, out);
    case 4: return parseRPath(body, out);
    default: return parseLlAddr(body, out);
  }
}

std::size_t serializedSize(const ControlMessage& m) {
  const std::size_t body = bodySize(m);
  return body == 0 ? 0 : kControlHeaderSize + body;
}

bool serializeControl(const ControlMessage& m, std::span<std::uint8_t> out) {
  const std::size_t size = serializedSize(m);
  if (size == 0 || out.size() != size) return false;
  Writer w(out);
  w.u16(0);
  w.u16(static_cast<std::uint16_t>(m.type));
  writeBody(w, controlMagic(m.type), m.body);
  fixControlChecksum(out);
  return true;
}

bool appendControl(wire::Message& msg, const ControlMessage& m) {
  const std::size_t size = serializedSize(m);
  if (size == 0 || size > msg.tailroom()) return false;
  std::uint8_t* p = msg.extend(size);
  return p != nullptr && serializeControl(m, std::span(p, size));
}

void fixControlChecksum(std::span<std::uint8_t> control) {
  wire::storeBe16(control.data(), 0);
  wire::storeBe16(control.data(), wire::internetChecksum(control));
}

std::uint64_t ControlPacket::returnPath() const { return bitReverse64(header.label); }

ControlParseStatus parseControlPacket(std::span<const std::uint8_t> packet, ControlPacket& out,
                                      ChecksumPolicy policy) {
  if (packet.size() < kPacketPrefix) return ControlParseStatus::kRunt;
  out.header = *SwitchHeader::parse(packet);
  if (wire::loadBe32(packet.data() + SwitchHeader::kSize) != kControlHandle) return ControlParseStatus::kNotControl;
  return parseControl(packet.subspan(kPacketPrefix), out.message, policy);
}

bool buildControlPacket(wire::Message& msg, std::uint64_t label, const ControlMessage& m) {
  return buildPacket(msg, label, m);
}

bool buildPing(wire::Message& msg, std::uint64_t label, std::uint32_t version, std::span<const std::uint8_t> data) {
  return buildPacket(msg, label, {ControlType::kPing, PingBody{version, data}});
}

bool buildKeyPing(wire::Message& msg, std::uint64_t label, std::uint32_t version, const crypto::PublicKey& ourKey,
                  std::span<const std::uint8_t> cookie) {
  return buildPacket(msg, label, {ControlType::kKeyPing, KeyPingBody{version, ourKey, cookie}});
}

bool buildRPathQuery(wire::Message& msg, std::uint64_t label, std::uint32_t version) {
  return buildPacket(msg, label, {ControlType::kRPathQuery, RPathBody{version, label, {}}});
}

bool buildLlAddrQuery(wire::Message& msg, std::uint64_t label, std::uint32_t version,
                      std::span<const std::uint8_t> data) {
  LlAddrBody body{version, {}, data};
  body.addr[1] = 2;  // {type 0 "none", len 2}
  return buildPacket(msg, label, {ControlType::kLlAddrQuery, body});
}

bool wrapAsError(wire::Message& msg, const SwitchHeader& header, ErrorCode code) {
  constexpr std::size_t kPushed = kPacketPrefix + kControlHeaderSize + kErrorFixed;
  if (msg.length() < kErrorMinCause || msg.headroom() < kPushed) return false;
  if (msg.length() > kErrorMaxCause && !msg.truncate(kErrorMaxCause)) return false;
  std::uint8_t* p = msg.push(kPushed);
  if (p == nullptr) return false;
  header.serialize(std::span<std::uint8_t, SwitchHeader::kSize>(p, SwitchHeader::kSize));
  Writer w(std::span(p + SwitchHeader::kSize, kPushed - SwitchHeader::kSize));
  w.u32(kControlHandle);
  w.u16(0);
  w.u16(static_cast<std::uint16_t>(ControlType::kError));
  w.u32(static_cast<std::uint32_t>(code));
  fixControlChecksum(msg.bytes().subspan(kPacketPrefix));
  return true;
}

LlAddr llAddrUdp4(std::span<const std::uint8_t, 4> ip, std::uint16_t port) {
  LlAddr a{};
  a[0] = 1;
  a[1] = 8;
  wire::storeBe16(&a[2], port);
  std::copy(ip.begin(), ip.end(), a.begin() + 4);
  return a;
}

LlAddr llAddrUdp6(std::span<const std::uint8_t, 16> ip, std::uint16_t port) {
  LlAddr a{};
  a[0] = 2;
  a[1] = 20;
  wire::storeBe16(&a[2], port);
  std::copy(ip.begin(), ip.end(), a.begin() + 4);
  return a;
}

}  // namespace cjdns::switching
