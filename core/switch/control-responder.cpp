#include "core/switch/control-responder.h"

#include <algorithm>
#include <cstring>

#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"
#include "core/wire/endian.h"
#include "core/wire/message.h"

namespace cjdns::switching {

namespace {

constexpr std::size_t kControlOffset = SwitchHeader::kSize + 4;  // after header and handle
// Offsets inside a control message (from its checksum field).
constexpr std::size_t kTypeAt = 2;
constexpr std::size_t kMagicAt = 4;
constexpr std::size_t kVersionAt = 8;
constexpr std::size_t kKeyAt = 12;            // KEYPING key; LLADDR addr
constexpr std::size_t kSnodeVersionAt = 12;   // GETSNODE
constexpr std::size_t kKbpsAt = 16;
constexpr std::size_t kSnodeKeyAt = 20;
constexpr std::size_t kSnodePathAt = 52;
constexpr std::size_t kRPathAt = 12;

ControlDrop dropFor(ControlParseStatus status) {
  switch (status) {
    case ControlParseStatus::kOk: return ControlDrop::kNone;
    case ControlParseStatus::kNotControl: return ControlDrop::kNotControl;
    case ControlParseStatus::kRunt: return ControlDrop::kRunt;
    case ControlParseStatus::kBadChecksum: return ControlDrop::kBadChecksum;
    case ControlParseStatus::kUnknownType: return ControlDrop::kUnknownType;
    case ControlParseStatus::kBadMagic: return ControlDrop::kBadMagic;
    case ControlParseStatus::kBadLength: return ControlDrop::kBadLength;
  }
  return ControlDrop::kRunt;
}

ControlHandling dropped(ControlDrop why, std::uint16_t type) { return {ControlDisposition::kDropped, why, type}; }

/// Sets the reply's type, magic and version; the caller fills the rest.
void startReply(std::span<std::uint8_t> ctrl, ControlType type, std::uint32_t version) {
  wire::storeBe16(ctrl.data() + kTypeAt, static_cast<std::uint16_t>(type));
  wire::storeBe32(ctrl.data() + kMagicAt, controlMagic(type));
  wire::storeBe32(ctrl.data() + kVersionAt, version);
}

/// Fills the GETSNODE reply fields: kbps "unlimited", our supernode or zeros.
void fillSnodeReply(std::span<std::uint8_t> ctrl, const ControlResponder& self, std::uint64_t returnPath) {
  wire::storeBe32(ctrl.data() + kKbpsAt, 0xffffffff);
  std::uint32_t version = 0;
  std::uint64_t path = 0;
  crypto::PublicKey key{};
  if (self.snode) {
    version = self.snode->version;
    key = self.snode->key;
    // Re-encoded so that the querier can splice it onto its path to us.
    path = v358::labelFor(self.snode->path, returnPath);
  }
  wire::storeBe32(ctrl.data() + kSnodeVersionAt, version);
  std::memcpy(ctrl.data() + kSnodeKeyAt, key.data(), key.size());
  wire::storeBe64(ctrl.data() + kSnodePathAt, path);
}

/// Writes the reply's header in front of its control message.
void addressReply(std::span<std::uint8_t> packet, std::uint64_t returnPath) {
  SwitchHeader header;
  header.label = returnPath;
  header.serialize(packet.first<SwitchHeader::kSize>());
}

}  // namespace

const char* describe(ControlDrop drop) {
  switch (drop) {
    case ControlDrop::kNone: return "none";
    case ControlDrop::kNotControl: return "not a control frame";
    case ControlDrop::kRunt: return "runt";
    case ControlDrop::kBadChecksum: return "bad checksum";
    case ControlDrop::kUnknownType: return "unknown type";
    case ControlDrop::kBadMagic: return "bad magic";
    case ControlDrop::kBadLength: return "bad length for its type";
    case ControlDrop::kIncompatibleVersion: return "incompatible version";
    case ControlDrop::kNotOneHop: return "lladdr query from a non-peer";
    case ControlDrop::kNoLinkAddress: return "no link address to report";
  }
  return "?";
}

const char* describe(PongCheck check) {
  switch (check) {
    case PongCheck::kMatch: return "match";
    case PongCheck::kNotAPong: return "not a pong";
    case PongCheck::kLabelMismatch: return "different label";
    case PongCheck::kWrongData: return "different data";
    case PongCheck::kOldVersion: return "version below 20";
  }
  return "?";
}

ControlHandling handleControl(wire::Message& msg, const ControlResponder& self, const LlAddr* querierAddress) {
  ControlPacket packet;
  const ControlParseStatus status = parseControlPacket(msg.bytes(), packet);
  const std::uint16_t type =
      msg.length() >= kControlOffset + 4 ? wire::loadBe16(msg.data() + kControlOffset + kTypeAt) : 0;
  if (status != ControlParseStatus::kOk) return dropped(dropFor(status), type);

  const ControlMessage& m = packet.message;
  const std::uint64_t returnPath = packet.returnPath();
  const std::span<std::uint8_t> ctrl = msg.bytes().subspan(kControlOffset);
  switch (m.type) {
    case ControlType::kError:
      if (ctrl.size() < kErrorMinUseful) return dropped(ControlDrop::kRunt, type);
      return {ControlDisposition::kForPathfinder, ControlDrop::kNone, type};
    case ControlType::kPong:
    case ControlType::kKeyPong:
    case ControlType::kGetSnodeReply:
    case ControlType::kRPathReply:
    case ControlType::kLlAddrReply: return {ControlDisposition::kForPinger, ControlDrop::kNone, type};
    case ControlType::kPing:
      if (!pingToPong(ctrl, self.version)) return dropped(ControlDrop::kIncompatibleVersion, type);
      break;
    case ControlType::kKeyPing:
      if (m.version() < kMinCompatibleVersion) return dropped(ControlDrop::kIncompatibleVersion, type);
      startReply(ctrl, ControlType::kKeyPong, self.version);
      std::memcpy(ctrl.data() + kKeyAt, self.publicKey.data(), self.publicKey.size());
      break;
    case ControlType::kGetSnodeQuery:
      if (m.version() < kMinCompatibleVersion) return dropped(ControlDrop::kIncompatibleVersion, type);
      startReply(ctrl, ControlType::kGetSnodeReply, self.version);
      fillSnodeReply(ctrl, self, returnPath);
      break;
    case ControlType::kRPathQuery:
      // cjdns answers regardless of the querier's version.
      startReply(ctrl, ControlType::kRPathReply, self.version);
      wire::storeBe64(ctrl.data() + kRPathAt, returnPath);
      break;
    case ControlType::kLlAddrQuery:
      if (!isOneHop(returnPath)) return dropped(ControlDrop::kNotOneHop, type);
      if (querierAddress == nullptr) return dropped(ControlDrop::kNoLinkAddress, type);
      startReply(ctrl, ControlType::kLlAddrReply, self.version);
      std::memcpy(ctrl.data() + kKeyAt, querierAddress->data(), querierAddress->size());
      break;
  }
  fixControlChecksum(ctrl);
  addressReply(msg.bytes(), returnPath);
  return {ControlDisposition::kReply, ControlDrop::kNone, type};
}

bool pingToPong(std::span<std::uint8_t> control, std::uint32_t ourVersion) {
  ControlMessage m;
  if (parseControl(control, m) != ControlParseStatus::kOk || m.type != ControlType::kPing) return false;
  if (m.version() < kMinCompatibleVersion) return false;
  startReply(control, ControlType::kPong, ourVersion);
  fixControlChecksum(control);
  return true;
}

PongCheck checkPong(const ControlPacket& pong, std::uint64_t pingedLabel, std::span<const std::uint8_t> sentData) {
  std::span<const std::uint8_t> echoed;
  if (pong.message.type == ControlType::kPong) {
    echoed = std::get<PingBody>(pong.message.body).data;
  } else if (pong.message.type == ControlType::kKeyPong) {
    echoed = std::get<KeyPingBody>(pong.message.body).cookie;
  } else {
    return PongCheck::kNotAPong;
  }
  if (pong.returnPath() != pingedLabel) return PongCheck::kLabelMismatch;
  if (!std::ranges::equal(echoed, sentData)) return PongCheck::kWrongData;
  if (pong.message.version() < kMinCompatibleVersion) return PongCheck::kOldVersion;
  return PongCheck::kMatch;
}

}  // namespace cjdns::switching
