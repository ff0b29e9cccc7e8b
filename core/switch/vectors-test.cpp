// Checks against ../shared/vectors: the switch and checksum vectors of
// spec-vectors.json (cjdns's own tests and derived tables), the internal
// packets of cjdns's fuzz corpus, and the switch headers and control
// messages decrypted from real v21.1 and v22 peering captures.
#include <doctest/doctest.h>

#include <map>

#include "core/switch/control-message.h"
#include "core/switch/control-responder.h"
#include "core/switch/encoding-scheme.h"
#include "core/switch/label.h"
#include "core/switch/switch-core.h"
#include "core/switch/test-util.h"
#include "core/util/json-reader.h"
#include "core/wire/endian.h"
#include "core/wire/message.h"

using namespace cjdns::switching;
using namespace cjdns::switching::test;
using cjdns::util::Value;
using cjdns::wire::Message;

namespace {

std::optional<Value> specSwitch() {
  auto doc = cjdns::testing::loadVectorJson("spec-vectors.json");
  if (!doc) return std::nullopt;
  return field(*doc, "switch");
}

std::uint16_t swapBytes(std::uint16_t v) { return static_cast<std::uint16_t>((v >> 8) | (v << 8)); }

/// A switch whose slot 0 holds the peer, as on both nodes of the captures.
SwitchCore switchWithOnePeer() {
  SwitchCore core;
  REQUIRE(core.addInterface() == 0u);
  return core;
}

/// One captured handshake payload: the decrypted switch packet and its decoding.
struct Captured {
  std::string file;
  int index = 0;
  std::string direction;
  std::vector<std::uint8_t> payload;
  const Value* decoded = nullptr;  ///< the "payload" view with switchHeader and control
};

std::vector<Captured> capturedPayloads(const std::vector<Value>& docs, const std::vector<std::string>& names) {
  std::vector<Captured> out;
  for (std::size_t f = 0; f < docs.size(); ++f) {
    for (const Value& p : list(docs[f], "packets")) {
      const Value* d = cjdns::testing::at(p, "decrypted");
      if (d == nullptr) continue;
      Captured c{names[f], static_cast<int>(integer(p, "index")), text(p, "direction"),
                 bytesOf(text(*d, "payloadHex")), &field(*d, "payload")};
      out.push_back(std::move(c));
    }
  }
  return out;
}

/// Both capture files, or nothing when the vectors are absent.
std::vector<Captured> loadCaptures(std::vector<Value>& storage) {
  const std::vector<std::string> names{"wire/peering-v21.json", "wire/peering-v22.json"};
  const std::string dir = cjdns::testing::vectorsDir();
  if (dir.empty()) {
    MESSAGE("skipped: test vectors not found");
    return {};
  }
  for (const auto& n : names) {
    auto doc = cjdns::testing::loadVectorJson(n);  // fractions (timestamps) arrive as text
    REQUIRE(doc.has_value());
    storage.push_back(std::move(*doc));
  }
  return capturedPayloads(storage, names);
}

}  // namespace

TEST_CASE("encoding schemes serialize to the bytes of the spec vectors and back") {
  auto sw = specSwitch();
  if (!sw) return;
  int count = 0;
  for (const Value& s : list(*sw, "encodingSchemes")) {
    CAPTURE(text(s, "name"));
    std::vector<EncodingForm> forms;
    for (const Value& f : list(s, "forms")) {
      forms.push_back({static_cast<std::uint8_t>(integer(f, "bitCount")), static_cast<std::uint8_t>(integer(f, "prefixLen")),
                       static_cast<std::uint32_t>(hexNumber(text(f, "prefix")))});
    }
    auto scheme = EncodingScheme::fromForms(forms);
    REQUIRE(scheme.has_value());
    CHECK(hexOf(scheme->serialize()) == text(s, "serializedHex"));
    auto back = EncodingScheme::deserialize(bytesOf(text(s, "serializedHex")));
    REQUIRE(back.has_value());
    CHECK(back->forms() == forms);
    ++count;
  }
  CHECK(count == 2);
}

TEST_CASE("the 358 admin list is what real nodes print in Core_nodeInfo") {
  auto sw = specSwitch();
  if (!sw) return;
  CHECK(EncodingScheme::v358().toAdminList() == field(field(*sw, "adminEncodingSchemeList"), "value"));
}

TEST_CASE("isOneHop agrees with cjdns's lists for the 358 and v4x8 schemes") {
  auto sw = specSwitch();
  if (!sw) return;
  const Value& lists = field(*sw, "isOneHop");
  const std::pair<const char*, const EncodingScheme*> schemes[] = {{"v3x5x8", &EncodingScheme::v358()},
                                                                   {"v4x8", &EncodingScheme::v4x8()}};
  int checked = 0;
  for (const auto& nameScheme : schemes) {
    const char* name = nameScheme.first;  // named: CAPTURE cannot take a binding (clang 14)
    const EncodingScheme* scheme = nameScheme.second;
    for (const char* expect : {"true", "false"}) {
      for (const Value& l : list(field(lists, name), expect)) {
        const std::uint64_t label = hexNumber(l.asString());
        CAPTURE(name);
        CAPTURE(l.asString());
        CHECK(scheme->isOneHop(label) == (std::string(expect) == "true"));
        if (scheme == &EncodingScheme::v358()) CHECK(isOneHop(label) == (std::string(expect) == "true"));
        ++checked;
      }
    }
  }
  CHECK(checked == 15);
}

TEST_CASE("splice, unsplice and routesThrough agree with cjdns LabelSplicer_test and the derived cases") {
  auto sw = specSwitch();
  if (!sw) return;
  const Value& ls = field(*sw, "labelSplicer");
  for (const Value& c : list(ls, "splice")) {
    CHECK(splice(hexNumber(text(c, "goHere")), hexNumber(text(c, "viaHere"))) == hexNumber(text(c, "expect")));
  }
  for (const Value& c : list(ls, "unsplice")) {
    CHECK(unsplice(hexNumber(text(c, "fullPath")), hexNumber(text(c, "midPath"))) == hexNumber(text(c, "expect")));
  }
  for (const Value& c : list(ls, "routesThrough")) {
    CHECK(routesThrough(hexNumber(text(c, "dest")), hexNumber(text(c, "mid"))) == (integer(c, "expect") != 0));
  }
  int derived = 0;
  for (const Value& c : list(field(*sw, "derivedLabelCases"), "cases")) {
    const std::uint64_t go = hexNumber(text(c, "goHere")), via = hexNumber(text(c, "viaHere"));
    const std::uint64_t spliced = splice(go, via);
    CHECK(spliced == hexNumber(text(c, "splice")));
    CHECK(unsplice(spliced, via) == hexNumber(text(c, "unspliceBack")));
    CHECK(routesThrough(spliced, via) == (integer(c, "routesThrough(splice, via)") != 0));
    ++derived;
  }
  CHECK(derived == 8);
}

TEST_CASE("every slot gets the director and peer label of the v3x5x8 table, in allocation order") {
  auto sw = specSwitch();
  if (!sw) return;
  const Value& table = field(*sw, "peerLabelsV3x5x8");
  const Value& router = field(table, "router");
  CHECK(SwitchCore::labelForSlot(static_cast<unsigned>(integer(router, "slot"))) == hexNumber(text(router, "label")));
  CHECK(EncodingScheme::v358().serializeDirector(1) == hexNumber(text(router, "director")));

  SwitchCore core;
  int rows = 0;
  for (const Value& row : list(table, "table")) {
    const auto slot = static_cast<unsigned>(integer(row, "slot"));
    CAPTURE(slot);
    REQUIRE(core.addInterface() == slot);
    CHECK(v358::bitsForSlot(slot) == integer(row, "bits"));
    CHECK(v358::encodeSlot(slot, v358::bitsForSlot(slot)) == hexNumber(text(row, "director")));
    CHECK(EncodingScheme::v358().serializeDirector(static_cast<int>(slot)) == hexNumber(text(row, "director")));
    CHECK(SwitchCore::labelForSlot(slot) == hexNumber(text(row, "peerLabel")));
    CHECK(isOneHop(SwitchCore::labelForSlot(slot)));
    ++rows;
  }
  CHECK(rows == 256);
  CHECK_FALSE(core.addInterface().has_value());
}

TEST_CASE("the wire.md 9.6 forwarding example goes hop by hop as recorded") {
  auto sw = specSwitch();
  if (!sw) return;
  const Value& ex = field(*sw, "forwardingExample");
  SwitchCore a = switchWithOnePeer(), b = switchWithOnePeer(), c = switchWithOnePeer();
  REQUIRE(b.addInterface() == 2u);
  const std::uint64_t labelAtoC = splice(0x15, 0x13);
  CHECK(labelAtoC == hexNumber(text(ex, "labelAtoC")));

  Message msg;
  REQUIRE(buildPing(msg, labelAtoC, 21, {}));
  const auto& hops = list(ex, "hops");
  REQUIRE(hops.size() == 3);
  struct Hop {
    SwitchCore* core;
    unsigned from;
  } path[] = {{&a, SwitchCore::kRouterSlot}, {&b, 0}, {&c, 0}};
  for (std::size_t i = 0; i < 3; ++i) {
    CAPTURE(text(hops[i], "at"));
    REQUIRE(path[i].core->switchPacket(path[i].from, msg).action == SwitchAction::kForward);
    CHECK(cjdns::wire::loadBe64(msg.data()) == hexNumber(text(hops[i], "labelOut")));
  }
  ControlPacket atC;
  REQUIRE(parseControlPacket(msg.bytes(), atC) == ControlParseStatus::kOk);
  CHECK(atC.returnPath() == hexNumber(text(ex, "returnPathAtC")));

  const Value& oneHop = field(ex, "onHopPing");
  REQUIRE(buildPing(msg, hexNumber(text(oneHop, "labelPinged")), 21, {}));
  REQUIRE(a.switchPacket(SwitchCore::kRouterSlot, msg).slot == 0u);
  CHECK(cjdns::wire::loadBe64(msg.data()) == hexNumber(text(oneHop, "labelOnWire")));
}

TEST_CASE("every packet of cjdns's fuzz corpus has the recorded switch header and control message") {
  auto doc = cjdns::testing::loadVectorJson("spec-vectors.json");
  if (!doc) return;
  // The error code each captured ERROR carries, by file name.
  const std::map<std::string, ErrorCode> errorCodes{{"CtrlAddrErr", ErrorCode::kMalformedAddress},
                                                    {"CtrlAuthErr", ErrorCode::kAuthentication},
                                                    {"CtrlUndeliverable", ErrorCode::kUndeliverable}};
  int controls = 0, others = 0;
  for (const Value& c : list(field(*doc, "fuzzCases"), "cases")) {
    CAPTURE(text(c, "name"));
    const auto bytes = bytesOf(text(c, "hex"));
    REQUIRE(bytes.size() >= 72);
    // RouteHeader: key 32, SwitchHeader 12, version 4, flags 1, pad 3, IPv6 16.
    const Value& rh = field(c, "routeHeader");
    const std::span<const std::uint8_t> sh(bytes.data() + 32, SwitchHeader::kSize);
    CHECK(hexOf(sh) == text(rh, "switchHeaderHex"));
    auto header = SwitchHeader::parse(sh);
    REQUIRE(header.has_value());
    auto again = header->toBytes();
    CHECK(hexOf(again) == text(rh, "switchHeaderHex"));
    CHECK(cjdns::wire::loadBe32(bytes.data() + 44) == integer(rh, "version"));
    CHECK(bytes[48] == integer(rh, "flags"));

    const std::span<const std::uint8_t> rest(bytes.data() + 68, bytes.size() - 68);
    const Value* ctrl = cjdns::testing::at(c, "control");
    if (ctrl == nullptr) {
      CHECK(hexOf(rest.first(4)) == text(c, "dataHeaderHex"));
      ++others;
      continue;
    }
    CHECK(hexOf(rest) == text(*ctrl, "hex"));
    const bool verifies = integer(*ctrl, "checksumVerifies") != 0;
    ControlMessage m;
    CHECK((parseControl(rest, m) == ControlParseStatus::kOk) == verifies);
    REQUIRE(parseControl(rest, m, ChecksumPolicy::kIgnore) == ControlParseStatus::kOk);
    CHECK(static_cast<int>(m.type) == integer(*ctrl, "type"));
    std::vector<std::uint8_t> out(serializedSize(m));
    REQUIRE(serializeControl(m, out));
    const std::uint16_t stored = cjdns::wire::loadBe16(rest.data());
    if (verifies) {
      CHECK(hexOf(out) == hexOf(rest));
    } else {
      // v20 wrote this checksum byte-swapped; everything else is the same.
      CHECK(cjdns::wire::loadBe16(out.data()) == swapBytes(stored));
      CHECK(hexOf(std::span(out).subspan(2)) == hexOf(rest.subspan(2)));
    }
    if (auto it = errorCodes.find(text(c, "name")); it != errorCodes.end()) {
      REQUIRE(m.type == ControlType::kError);
      CHECK(std::get<ErrorBody>(m.body).code == static_cast<std::uint32_t>(it->second));
    }
    ++controls;
  }
  CHECK(controls == 5);
  CHECK(others == 3);
}

TEST_CASE("every switch header and control message of the captured handshakes parses and re-serializes exactly") {
  std::vector<Value> docs;
  auto captures = loadCaptures(docs);
  if (captures.empty()) return;
  for (const Captured& c : captures) {
    CAPTURE(c.file);
    CAPTURE(c.index);
    const Value& sh = field(*c.decoded, "switchHeader");
    auto h = SwitchHeader::parse(c.payload);
    REQUIRE(h.has_value());
    CHECK(h->label == hexNumber(text(sh, "label")));
    CHECK(h->congestion == integer(sh, "congestion"));
    CHECK(h->suppressErrors == (integer(sh, "suppressErrors") != 0));
    CHECK(h->version == integer(sh, "version"));
    CHECK(h->labelShift == integer(sh, "labelShift"));
    CHECK(h->trafficClass == hexNumber(text(sh, "trafficClass")));
    auto again = h->toBytes();
    CHECK(hexOf(again) == text(sh, "hex"));

    const Value& ctrl = field(*c.decoded, "control");
    const std::span<const std::uint8_t> control = std::span(c.payload).subspan(16);
    CHECK(hexOf(control) == text(ctrl, "hex"));
    ControlPacket p;
    REQUIRE(parseControlPacket(c.payload, p) == ControlParseStatus::kOk);
    CHECK(integer(ctrl, "checksumVerifies") != 0);
    CHECK(p.message.checksum == hexNumber(text(ctrl, "checksum")));
    CHECK(static_cast<int>(p.message.type) == integer(ctrl, "type"));
    CHECK(controlTypeName(static_cast<std::uint16_t>(p.message.type)) == text(ctrl, "typeName"));
    CHECK(controlMagic(p.message.type) == hexNumber(text(ctrl, "magic")));
    CHECK(p.message.version() == static_cast<std::uint32_t>(integer(ctrl, "version")));
    CHECK(hexOf(std::get<PingBody>(p.message.body).data) == text(ctrl, "rest"));
    std::vector<std::uint8_t> out(serializedSize(p.message));
    REQUIRE(serializeControl(p.message, out));
    CHECK(hexOf(out) == hexOf(control));
  }
  CHECK(captures.size() == 5);
}

TEST_CASE("our router and switch reproduce every captured ping and pong byte for byte") {
  std::vector<Value> docs;
  auto captures = loadCaptures(docs);
  if (captures.empty()) return;
  int pings = 0, pongs = 0;
  ControlResponder responder;
  for (const Captured& c : captures) {
    CAPTURE(c.file);
    CAPTURE(c.index);
    ControlPacket p;
    REQUIRE(parseControlPacket(c.payload, p) == ControlParseStatus::kOk);
    const auto& body = std::get<PingBody>(p.message.body);
    const std::vector<std::uint8_t> data(body.data.begin(), body.data.end());
    Message msg;
    if (p.message.type == ControlType::kPing) {
      // The sender's router pings its peer in slot 0 (label 0x13).
      SwitchCore sender = switchWithOnePeer();
      REQUIRE(buildPing(msg, SwitchCore::labelForSlot(0), body.version, data));
      REQUIRE(sender.switchPacket(SwitchCore::kRouterSlot, msg).slot == 0u);
      CHECK(hexOf(msg.bytes()) == hexOf(c.payload));
      ++pings;
      continue;
    }
    REQUIRE(p.message.type == ControlType::kPong);
    // The ping it answers came the other way with the same data: run that
    // ping into the responder's switch and router and back out.
    const Captured* ping = nullptr;
    for (const Captured& other : captures) {
      ControlPacket q;
      REQUIRE(parseControlPacket(other.payload, q) == ControlParseStatus::kOk);
      if (other.file == c.file && other.direction != c.direction && q.message.type == ControlType::kPing &&
          std::get<PingBody>(q.message.body).data.size() == data.size() &&
          std::equal(data.begin(), data.end(), std::get<PingBody>(q.message.body).data.begin())) {
        ping = &other;
      }
    }
    REQUIRE(ping != nullptr);
    SwitchCore answerer = switchWithOnePeer();
    load(msg, ping->payload);
    REQUIRE(answerer.switchPacket(0, msg).slot == SwitchCore::kRouterSlot);
    responder.version = body.version;
    REQUIRE(handleControl(msg, responder).disposition == ControlDisposition::kReply);
    REQUIRE(answerer.switchPacket(SwitchCore::kRouterSlot, msg).slot == 0u);
    CHECK(hexOf(msg.bytes()) == hexOf(c.payload));
    ++pongs;
  }
  CHECK(pings == 4);
  CHECK(pongs == 1);
}
