#include "core/wire/checksum.h"

namespace cjdns::wire {

std::uint64_t checksumAdd(std::span<const std::uint8_t> bytes, std::uint64_t sum) {
  const std::size_t pairs = bytes.size() / 2;
  // A 64-bit accumulator cannot overflow for any buffer that fits in memory
  // (2^48 words of at most 0xffff), so carries are folded only at the end.
  for (std::size_t i = 0; i < pairs; ++i) {
    sum += static_cast<std::uint64_t>(bytes[2 * i]) << 8 | bytes[2 * i + 1];
  }
  if (bytes.size() % 2 != 0) sum += static_cast<std::uint64_t>(bytes.back()) << 8;
  return sum;
}

std::uint16_t checksumFinish(std::uint64_t sum) {
  while (sum > 0xffff) sum = (sum >> 16) + (sum & 0xffff);
  return static_cast<std::uint16_t>(~sum);
}

std::uint16_t internetChecksum(std::span<const std::uint8_t> bytes) {
  return checksumFinish(checksumAdd(bytes));
}

std::uint16_t ip6PseudoHeaderChecksum(std::span<const std::uint8_t, 16> source,
                                      std::span<const std::uint8_t, 16> destination,
                                      std::uint8_t nextHeader,
                                      std::span<const std::uint8_t> packet) {
  std::uint64_t sum = checksumAdd(source);
  sum = checksumAdd(destination, sum);
  const std::uint64_t length = packet.size();
  sum += (length >> 16) + (length & 0xffff);  // the 32-bit upper-layer length as two words
  sum += nextHeader;                          // three zero bytes, then next header
  return checksumFinish(checksumAdd(packet, sum));
}

}  // namespace cjdns::wire
