#include "core/switch/encoding-scheme.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <random>

#include "core/switch/label.h"
#include "core/switch/test-util.h"

using namespace cjdns::switching;
using cjdns::switching::test::bytesOf;
using cjdns::switching::test::hexOf;

namespace {

/// A random sane variable-width scheme, built the way cjdns's own test does:
/// random forms, distinct bitCounts and prefixes, sorted by bitCount.
EncodingScheme randomScheme(std::mt19937& rng) {
  for (;;) {
    std::vector<EncodingForm> forms(2 + rng() % 5);
    for (auto& f : forms) {
      f.bitCount = static_cast<std::uint8_t>(1 + rng() % 31);
      f.prefixLen = static_cast<std::uint8_t>(1 + rng() % 31);
      f.prefix = static_cast<std::uint32_t>(rng() & ((std::uint64_t{1} << f.prefixLen) - 1));
    }
    std::sort(forms.begin(), forms.end(), [](auto& a, auto& b) { return a.bitCount < b.bitCount; });
    if (auto s = EncodingScheme::fromForms(forms)) return *s;
  }
}

}  // namespace

TEST_CASE("the 358 scheme serializes to the 5 bytes real nodes send") {
  CHECK(hexOf(EncodingScheme::v358().serialize()) == "6114458100");
  auto back = EncodingScheme::deserialize(bytesOf("6114458100"));
  REQUIRE(back.has_value());
  CHECK(*back == EncodingScheme::v358());
  CHECK(back->is358());
  CHECK_FALSE(EncodingScheme::v4x8().is358());
}

TEST_CASE("encoding schemes refuse forms that break cjdns's sanity rules") {
  using F = EncodingForm;
  CHECK(EncodingScheme::fromForms({{4, 0, 0}}).has_value());
  CHECK_FALSE(EncodingScheme::fromForms({}).has_value());
  CHECK_FALSE(EncodingScheme::fromForms({F{4, 1, 0}}).has_value());           // fixed width with a prefix
  CHECK_FALSE(EncodingScheme::fromForms({F{0, 0, 0}}).has_value());           // no bits
  CHECK_FALSE(EncodingScheme::fromForms({F{5, 1, 1}, F{3, 1, 0}}).has_value());  // descending
  CHECK_FALSE(EncodingScheme::fromForms({F{3, 1, 1}, F{5, 2, 1}}).has_value());  // 01 starts like 1
  CHECK_FALSE(EncodingScheme::fromForms({F{3, 1, 1}, F{31, 31, 0}}).has_value());  // 62 bits wide
  CHECK_FALSE(EncodingScheme::fromForms({F{3, 1, 2}, F{5, 2, 0}}).has_value());  // prefix wider than 1 bit
  CHECK(EncodingScheme::fromForms({F{3, 1, 1}, F{5, 2, 2}, F{8, 2, 0}}).has_value());
}

TEST_CASE("encoding scheme deserialization refuses truncated and trailing input") {
  CHECK_FALSE(EncodingScheme::deserialize({}).has_value());
  CHECK_FALSE(EncodingScheme::deserialize(bytesOf("61144581")).has_value());   // third form cut short
  CHECK_FALSE(EncodingScheme::deserialize(bytesOf("6114")).has_value());       // stray bits after one form
  CHECK_FALSE(EncodingScheme::deserialize(bytesOf("6114458180")).has_value()); // stray bit after the end
  // Zero padding that fits in the read window is tolerated, as in cjdns;
  // more is not.
  CHECK(EncodingScheme::deserialize(bytesOf("611445810000")).has_value());
  CHECK_FALSE(EncodingScheme::deserialize(bytesOf("61144581000000000000000000")).has_value());
}

TEST_CASE("random sane encoding schemes survive serialization") {
  std::mt19937 rng(358);
  for (int i = 0; i < 300; ++i) {
    EncodingScheme s = randomScheme(rng);
    auto back = EncodingScheme::deserialize(s.serialize());
    REQUIRE(back.has_value());
    REQUIRE(*back == s);
  }
}

TEST_CASE("encoding scheme deserialization of random bytes never yields an insane scheme") {
  std::mt19937 rng(1);
  int accepted = 0;
  for (int i = 0; i < 3000; ++i) {
    std::vector<std::uint8_t> junk(rng() % 24);
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    if (auto s = EncodingScheme::deserialize(junk)) {
      ++accepted;
      REQUIRE(EncodingScheme::fromForms(s->forms()).has_value());
      REQUIRE(EncodingScheme::deserialize(s->serialize()) == s);
    }
  }
  CHECK(accepted > 0);  // the check above ran at least once
}

TEST_CASE("the 358 director functions agree with the generic scheme for every slot") {
  const EncodingScheme& s = EncodingScheme::v358();
  for (unsigned slot = 0; slot < v358::kSlots; ++slot) {
    CAPTURE(slot);
    const unsigned bits = v358::bitsForSlot(slot);
    const std::uint64_t director = v358::encodeSlot(slot, bits);
    REQUIRE(s.serializeDirector(static_cast<int>(slot)) == director);
    REQUIRE(s.parseDirector(director) == static_cast<int>(slot));
    REQUIRE(v358::bitsForLabel(director | (std::uint64_t{1} << bits)) == bits);
    REQUIRE(v358::decodeSlot(director, bits) == slot);
    REQUIRE(v358::encodeSlot(1, bits) == 1);
  }
}

TEST_CASE("every 16-bit label names a valid 358 slot") {
  int bad = 0;
  for (std::uint64_t label = 0; label <= 0xffff; ++label) {
    if (v358::decodeSlot(label, v358::bitsForLabel(label)) >= v358::kSlots) ++bad;
  }
  CHECK(bad == 0);
}

TEST_CASE("358 writes the router only as 0001 and refuses numbers too big for a form") {
  const EncodingScheme& s = EncodingScheme::v358();
  CHECK(s.serializeDirector(1) == 1);
  CHECK(s.serializeDirector(1, 1) == kInvalidLabel);
  CHECK(s.serializeDirector(8, 0) == kInvalidLabel);
  CHECK(s.serializeDirector(33, 1) == kInvalidLabel);
  CHECK(s.serializeDirector(0, 2) == 0);
  CHECK(s.serializeDirector(257) == kInvalidLabel);
  CHECK(s.serializeDirector(-1) == kInvalidLabel);
  CHECK(s.serializeDirector(3, 3) == kInvalidLabel);
}

TEST_CASE("v4x8 swaps interfaces 0 and 1 and round-trips every number") {
  const EncodingScheme& s = EncodingScheme::v4x8();
  CHECK(s.serializeDirector(1) == 1);
  CHECK(s.serializeDirector(0) == 3);
  for (int n = 0; n < 256; ++n) {
    const std::uint64_t d = s.serializeDirector(n);
    REQUIRE(d != kInvalidLabel);
    REQUIRE(s.parseDirector(d) == n);
  }
}

TEST_CASE("label conversion re-encodes the first director of a 358 label in a wider or narrower form") {
  const EncodingScheme& s = EncodingScheme::v358();
  CHECK(s.convertLabel(0x13, 1) == 0x82);
  CHECK(s.convertLabel(0x13, 2) == 0x400);
  CHECK(s.convertLabel(0x96, 0) == 0x1d);   // wide form of slot 6
  CHECK(s.convertLabel(0x400, EncodingScheme::kCanonicalForm) == 0x13);
  CHECK(s.convertLabel(0x153, 2) == 0x5400);  // only the first director changes
  CHECK(s.convertLabel(0x9e, 0) == kInvalidLabel);  // slot 8 needs more than 3 bits
  CHECK(s.convertLabel(0x131, 1) == kInvalidLabel);  // self routes stay as they are
  CHECK(s.convertLabel(0x131, 0) == 0x131);
  CHECK(s.convertLabel((std::uint64_t{1} << 55) | 0x13, 2) == kInvalidLabel);  // would pass 59 bits
}

TEST_CASE("label conversion round-trips between forms of random schemes") {
  std::mt19937 rng(99);
  std::vector<EncodingScheme> schemes{EncodingScheme::v358(), EncodingScheme::v4x8()};
  for (int i = 0; i < 20; ++i) schemes.push_back(randomScheme(rng));
  int converted = 0;
  for (const EncodingScheme& s : schemes) {
    const auto& forms = s.forms();
    for (int i = 0; i < 200; ++i) {
      const int from = static_cast<int>(rng() % forms.size());
      const int to = static_cast<int>(rng() % forms.size());
      const EncodingForm& f = forms[static_cast<std::size_t>(from)];
      std::uint64_t label = (std::uint64_t{rng()} << 32 | rng()) >> (rng() % 64);
      label = (label << f.prefixLen) | f.prefix;
      if (labelLog2(label) > kMaxLabelLog2 || s.isSelfRoute(label)) continue;
      REQUIRE(s.formNumber(label) == from);
      const std::uint64_t there = s.convertLabel(label, to);
      if (there == kInvalidLabel) continue;
      ++converted;
      REQUIRE(s.formNumber(there) == to);
      REQUIRE(s.parseDirector(there) == s.parseDirector(label));
      REQUIRE(s.convertLabel(there, from) == label);
    }
  }
  CHECK(converted > 1000);
}

TEST_CASE("labelFor widens a narrow first director to the asker's width") {
  const EncodingScheme& s = EncodingScheme::v358();
  CHECK(v358::labelFor(0x13, 0x9e) == 0x82);
  CHECK(v358::labelFor(0x13, 0x480) == 0x400);
  CHECK(v358::labelFor(0x9e, 0x13) == 0x9e);  // already at least as wide
  std::mt19937 rng(5);
  for (int i = 0; i < 2000; ++i) {
    const auto first = static_cast<unsigned>(rng() % v358::kSlots);
    const auto second = static_cast<unsigned>(rng() % v358::kSlots);
    const auto askerSlot = static_cast<unsigned>(rng() % v358::kSlots);
    if (first == v358::kRouterSlot || second == v358::kRouterSlot || askerSlot == v358::kRouterSlot) continue;
    const std::uint64_t target = splice(v358::peerLabel(second), v358::peerLabel(first));
    const std::uint64_t asker = v358::peerLabel(askerSlot);
    const int askerForm = s.formNumber(asker);
    const std::uint64_t widened = v358::labelFor(target, asker);
    if (s.forms()[static_cast<std::size_t>(s.formNumber(target))].width() >=
        s.forms()[static_cast<std::size_t>(askerForm)].width()) {
      REQUIRE(widened == target);
    } else {
      REQUIRE(widened == s.convertLabel(target, askerForm));
    }
  }
}

TEST_CASE("encoding scheme admin list shows each form with its prefix in hex") {
  auto list = EncodingScheme::fromForms({{2, 15, 0x7ffd}, {4, 20, 0xffffb}, {8, 18, 0x3fff7}})->toAdminList();
  REQUIRE(list.isList());
  REQUIRE(list.asList().size() == 3);
  const auto& first = list.asList()[0].asDict();
  CHECK(first.find("prefix")->asString() == "7ffd");
  CHECK(first.find("bitCount")->asInt() == 2);
  CHECK(first.find("prefixLen")->asInt() == 15);
  CHECK(list.asList()[2].asDict().find("prefix")->asString() == "03fff7");
  auto fixed = EncodingScheme::fixedWidth(8).toAdminList();
  CHECK(fixed.asList()[0].asDict().find("prefix")->asString().empty());
}
