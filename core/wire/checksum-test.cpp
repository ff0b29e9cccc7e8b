#include "core/wire/checksum.h"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/util/hex.h"
#include "core/util/vectors.h"
#include "core/wire/endian.h"

using cjdns::util::Value;
using namespace cjdns::wire;

namespace {

std::vector<std::uint8_t> bytesOf(const std::string& hex) {
  auto b = cjdns::util::fromHex(hex);
  REQUIRE_MESSAGE(b.has_value(), "bad hex " << hex);
  return *b;
}

const std::string& textAt(const Value& v, const char* key) {
  const Value* f = cjdns::testing::at(v, key);
  REQUIRE_MESSAGE((f != nullptr && f->isString()), "vector lacks string \"" << key << "\"");
  return f->asString();
}

std::uint16_t numberFromHex(const std::string& hex) {
  auto b = bytesOf(hex);
  REQUIRE(b.size() == 2);
  return loadBe16(b.data());
}

}  // namespace

TEST_CASE("checksum of an odd-length buffer pads the last byte as a high byte") {
  const std::array<std::uint8_t, 1> ff{0xff};
  CHECK(internetChecksum(ff) == 0x00ff);
  const std::array<std::uint8_t, 3> three{0x00, 0x01, 0x02};
  CHECK(internetChecksum(three) == 0xfdfe);
}

TEST_CASE("checksum of nothing is all ones") {
  CHECK(internetChecksum({}) == 0xffff);
}

TEST_CASE("checksum summed in even chunks equals the checksum of the whole") {
  std::vector<std::uint8_t> data(301);
  for (std::size_t i = 0; i < data.size(); ++i) data[i] = static_cast<std::uint8_t>(i * 37 + 11);
  std::span<const std::uint8_t> all(data);
  std::uint64_t sum = checksumAdd(all.subspan(0, 100));
  sum = checksumAdd(all.subspan(100, 200), sum);
  sum = checksumAdd(all.subspan(300), sum);
  CHECK(checksumFinish(sum) == internetChecksum(all));
}

TEST_CASE("a region holding its own checksum sums to zero") {
  std::vector<std::uint8_t> data{0x12, 0x34, 0x00, 0x00, 0xab, 0xcd, 0xef};
  storeBe16(&data[2], internetChecksum(data));
  CHECK(internetChecksum(data) == 0);
}

TEST_CASE("checksum matches every vector of cjdns Checksum_test and the random RFC 1071 cases") {
  auto doc = cjdns::testing::loadVectorJson("spec-vectors.json");
  if (!doc) return;
  const Value* cases = cjdns::testing::at(*doc, "checksums");
  REQUIRE((cases != nullptr && cases->isList()));
  int withValue = 0, verifying = 0;
  for (const Value& c : cases->asList()) {
    auto data = bytesOf(textAt(c, "dataHex"));
    CAPTURE(textAt(c, "dataHex"));
    if (cjdns::testing::at(c, "checksum") != nullptr) {
      CHECK(internetChecksum(data) == numberFromHex(textAt(c, "checksum")));
      ++withValue;
    } else {
      const Value* v = cjdns::testing::at(c, "verifiesToZero");
      REQUIRE((v != nullptr && v->isInt()));
      CHECK((internetChecksum(data) == 0) == (v->asInt() != 0));
      ++verifying;
    }
  }
  CHECK(withValue == 19);
  CHECK(verifying == 2);
}

TEST_CASE("checksum recomputes the IPv4 header and UDP-over-IPv6 checksums of the Checksum_test packets") {
  auto doc = cjdns::testing::loadVectorJson("spec-vectors.json");
  if (!doc) return;
  const Value* packets = cjdns::testing::at(*doc, "checksumPseudoHeaderPackets");
  REQUIRE(packets != nullptr);

  auto ip4 = bytesOf(textAt(*packets, "ipv4Udp"));
  REQUIRE(ip4.size() >= 20);
  const std::uint16_t storedIp4 = loadBe16(&ip4[10]);
  CHECK(storedIp4 == 0xf877);
  storeBe16(&ip4[10], 0);
  CHECK(internetChecksum(std::span(ip4).first(20)) == storedIp4);

  auto ip6 = bytesOf(textAt(*packets, "ipv6Udp"));
  REQUIRE(ip6.size() == 65);
  std::span<const std::uint8_t, 16> src(ip6.data() + 8, 16);
  std::span<const std::uint8_t, 16> dst(ip6.data() + 24, 16);
  std::span<std::uint8_t> udp(ip6.data() + 40, ip6.size() - 40);
  CHECK(ip6PseudoHeaderChecksum(src, dst, kIpProtoUdp, udp) == 0);  // with its checksum in place
  const std::uint16_t storedUdp = loadBe16(&udp[6]);
  CHECK(storedUdp == 0x4972);
  storeBe16(&udp[6], 0);
  CHECK(ip6PseudoHeaderChecksum(src, dst, kIpProtoUdp, udp) == storedUdp);
  CHECK(ip6PseudoHeaderChecksum(src, dst, kIpProtoIcmp6, udp) != storedUdp);
}
