// Benchmark: SwitchCore forwarding rate for a full-size packet (1304-byte
// TUN MTU payload behind its headers) between peer interfaces, beside a
// baseline measured in the same run: copying the same packet once with
// memcpy, the least a forwarding node does per packet. Prints packets/s and
// the cost of a switch decision relative to that copy.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "core/switch/label.h"
#include "core/switch/switch-core.h"
#include "core/switch/switch-header.h"
#include "core/wire/message.h"

using namespace cjdns::switching;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kPacketSize = 1304;
constexpr double kSeconds = 2.0;

/// Keeps the compiler from discarding work whose result is never read.
template <typename T>
void keep(T const& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}

struct Figure {
  double packetsPerSecond;
  double nsPerPacket;
};

/// Runs `step` in batches until kSeconds have passed.
template <typename Step>
Figure measure(Step&& step) {
  std::uint64_t done = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(kSeconds);
  auto now = start;
  while (now < deadline) {
    for (int i = 0; i < 4096; ++i) step();
    done += 4096;
    now = Clock::now();
  }
  const double secs = std::chrono::duration<double>(now - start).count();
  return {static_cast<double>(done) / secs, secs * 1e9 / static_cast<double>(done)};
}

/// Gbit/s only where the payload is actually moved.
void print(const char* what, const Figure& f, bool movesPayload) {
  std::printf("%-46s %12.0f packets/s %8.1f ns/packet", what, f.packetsPerSecond, f.nsPerPacket);
  if (movesPayload) std::printf(" %8.2f Gbit/s", f.packetsPerSecond * kPacketSize * 8 / 1e9);
  std::printf("\n");
}

}  // namespace

int main() {
  // A transit node: peers in slots 0 and 2..40, a packet from slot 0 going on
  // to slot 2 and three more hops after it.
  SwitchCore core;
  for (int i = 0; i < 40; ++i) core.addInterface();
  const std::uint64_t label = splice(splice(0x153, 0x17), SwitchCore::labelForSlot(2));

  std::vector<std::uint8_t> packet(kPacketSize);
  for (std::size_t i = 0; i < packet.size(); ++i) packet[i] = static_cast<std::uint8_t>(i * 131);
  SwitchHeader header;
  header.label = label;
  header.labelShift = 4;
  header.serialize(std::span<std::uint8_t, SwitchHeader::kSize>(packet.data(), SwitchHeader::kSize));
  const auto wireHeader = header.toBytes();

  cjdns::wire::Message msg;
  if (!msg.assign(packet)) return 1;
  std::vector<std::uint8_t> sink(kPacketSize);

  const Figure copy = measure([&] {
    std::memcpy(sink.data(), packet.data(), kPacketSize);
    keep(sink.data()[0]);
  });
  const Figure switched = measure([&] {
    // Restore the header the previous round rewrote, then switch.
    std::memcpy(msg.data(), wireHeader.data(), wireHeader.size());
    const SwitchResult r = core.switchPacket(0, msg);
    keep(r.slot);
  });
  const Figure both = measure([&] {
    std::memcpy(msg.data(), packet.data(), kPacketSize);
    const SwitchResult r = core.switchPacket(0, msg);
    keep(r.slot);
  });
  if (core.counters().forwarded == 0 || core.counters().errorsSent != 0) {
    std::fprintf(stderr, "bench-switch: the packet was not forwarded\n");
    return 1;
  }

  std::printf("SwitchCore forwarding, %zu-byte packet, slot 0 -> slot 2, %.0f s per figure\n", kPacketSize,
              kSeconds);
  print("baseline: memcpy of the packet", copy, true);
  print("switchPacket (header restore + decision)", switched, false);
  print("memcpy of the packet + switchPacket", both, true);
  std::printf("switch decision costs %.2fx a packet copy; copy+switch runs at %.0f%% of copy alone\n",
              switched.nsPerPacket / copy.nsPerPacket, 100.0 * copy.nsPerPacket / both.nsPerPacket);
  return 0;
}
