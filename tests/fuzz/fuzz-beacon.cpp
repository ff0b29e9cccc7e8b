// Fuzz target: arbitrary bytes as Ethernet framing and beacons (wire.md
// 4.2-4.4), three ways:
//   1. as a whole ETH frame, as the body after the EtherType and as a
//      Message to pop: whatever parses must rebuild to the same bytes (up to
//      the unchecked zero byte and the cut padding), and a refused Message
//      must be left as it was;
//   2. as a 56-byte beacon and a 64-byte UDP beacon: whatever parses must
//      encode back to the bytes it came from;
//   3. as a script for one BeaconPolicy: records of [control byte][beacon
//      bytes], the control choosing the link (ETH or UDP), the sender, the
//      time step, a mode change and whether to plant a valid fc key (ours
//      among them) so that the flood limits are reached. Every connect must
//      name a valid key that is not ours with a compatible version, the
//      tracking table must stay bounded, connects must stay within the
//      token budget, and every beacon must be counted once.
// Everything is deterministic, so a crash replays from its input.
//
// The seeds in corpus/beacon/ are an ETH data frame with NIC padding, a
// broadcast frame carrying a beacon, a bare ETH body, a UDP beacon and a
// policy script that plants keys and floods one address.
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <span>
#include <vector>

#include <arpa/inet.h>

#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/iface/beacon.h"
#include "core/iface/eth-frame.h"
#include "core/wire/message.h"

namespace {

using namespace cjdns;
using iface::BeaconVerdict;

void require(bool ok) {
  if (!ok) std::abort();
}

bool sameBytes(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin());
}

crypto::PublicKey fcKey(std::uint64_t seed) {
  crypto::DeterministicRandom r(seed);
  while (true) {
    std::array<std::uint8_t, 32> b{};
    r.fill(b);
    const auto pub = crypto::publicKeyOf(crypto::PrivateKey(b));
    if (crypto::isValidAddress(crypto::addressOf(pub))) return pub;
  }
}

/// keys()[0] is ours.
const std::array<crypto::PublicKey, 4>& keys() {
  static const std::array<crypto::PublicKey, 4> all{fcKey(11), fcKey(22), fcKey(33), fcKey(44)};
  return all;
}

void frames(std::span<const std::uint8_t> in) {
  const auto frame = iface::parseEthFrame(in);
  if (frame.ok()) {
    require(frame.payload.size() <= iface::kEthMaxPayload);
    require(frame.src.usableAsPeer());
    wire::Message m;
    require(m.append(frame.payload));
    require(iface::pushEthFrame(m, frame.dst, frame.src) == iface::EthFrameError::kNone);
    std::vector<std::uint8_t> want(in.begin(), in.begin() + static_cast<std::ptrdiff_t>(m.length()));
    want[iface::kEthMacHeaderSize + 1] = 0;  // the zero byte is not checked on receive
    require(sameBytes(m.bytes(), want));
  }
  const auto body = iface::parseEthBody(in);
  wire::Message m;
  require(m.append(in.first(std::min(in.size(), std::size_t{2048}))));
  const auto popped = iface::popEthHeader(m);
  if (in.size() <= 2048) require(popped == body.error);
  if (popped != iface::EthFrameError::kNone) {
    require(sameBytes(m.bytes(), in.first(std::min(in.size(), std::size_t{2048}))));
  } else if (body.ok()) {
    require(sameBytes(m.bytes(), body.payload));
  }
}

void beacons(std::span<const std::uint8_t> in) {
  const auto b = iface::parseBeacon(in);
  if (b.ok()) require(sameBytes(iface::encodeBeacon(b.beacon), in.first(iface::kBeaconSize)));
  const auto u = iface::parseUdpBeacon(in);
  if (u.ok()) {
    require(u.commPort != 0);
    require(sameBytes(iface::encodeUdpBeacon(u.commPort, u.beacon), in.first(iface::kUdpBeaconSize)));
  }
}

iface::LinkAddress sender(unsigned n, bool udp) {
  if (!udp) {
    const std::uint8_t mac[6] = {0x02, 0, 0, 0, 0, static_cast<std::uint8_t>(n)};
    return iface::LinkAddress::fromMac(mac);
  }
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(iface::kDefaultBeaconPort);
  sin.sin_addr.s_addr = htonl(0xc0a80100u + n);
  return iface::LinkAddress::fromSockaddr(reinterpret_cast<const sockaddr*>(&sin), sizeof sin);
}

void checkConnect(const iface::BeaconOutcome& out) {
  if (out.verdict != BeaconVerdict::kConnect) {
    require(!out.connect.has_value());
    return;
  }
  require(out.connect.has_value());
  const iface::BeaconConnect& c = *out.connect;
  require(c.key != keys()[0]);
  require(crypto::isValidAddress(crypto::addressOf(c.key)));
  require(c.version >= iface::kBeaconMinVersion);
  require(c.password.size() == iface::kBeaconPasswordSize);
  require(c.login == iface::kBeaconLogin);
  require(!c.address.empty());
}

void policy(std::span<const std::uint8_t> in) {
  iface::BeaconOptions opts;
  opts.maxTracked = 6;
  opts.connectBurst = 4;
  opts.connectRefillMs = 500;
  iface::BeaconPolicy p(keys()[0], iface::BeaconPassword{}, 21, opts);
  const std::uint64_t start = 1000;
  std::uint64_t now = start;
  p.setMode(iface::BeaconMode::kAccept, now);
  std::uint64_t calls = 0;
  std::uint64_t connects = 0;
  std::size_t pos = 0;
  while (pos < in.size()) {
    const std::uint8_t ctl = in[pos++];
    const bool udp = (ctl & 1) != 0;
    now += (ctl >> 5) * 700u;
    if ((ctl & 0xf0) == 0xf0) p.setMode(static_cast<iface::BeaconMode>(ctl % 3), now);
    if (ctl == 0x40) p.forget(sender(0, false));
    p.sendDue(now);
    const std::size_t want = udp ? iface::kUdpBeaconSize : iface::kBeaconSize;
    const std::size_t take = std::min(want, in.size() - pos);
    std::vector<std::uint8_t> bytes(in.begin() + static_cast<std::ptrdiff_t>(pos),
                                    in.begin() + static_cast<std::ptrdiff_t>(pos + take));
    pos += take;
    const std::size_t keyAt = want - 32;
    if ((ctl & 2) != 0 && bytes.size() >= want) {
      const auto& k = keys()[(ctl >> 2) & 3];
      std::copy(k.begin(), k.end(), bytes.begin() + static_cast<std::ptrdiff_t>(keyAt));
    }
    const auto from = sender((ctl >> 3) & 3, udp);
    const auto out = udp ? p.onUdpBeacon(from, bytes, now) : p.onBeacon(from, bytes, now);
    ++calls;
    checkConnect(out);
    if (out.verdict == BeaconVerdict::kConnect) ++connects;
    require(p.tracked() <= opts.maxTracked);
    require(connects <= opts.connectBurst + (now - start) / opts.connectRefillMs);
  }
  std::uint64_t counted = 0;
  for (const std::uint64_t v : p.counters().verdicts) counted += v;
  require(counted == calls);
  require(p.counters().of(BeaconVerdict::kConnect) == connects);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  frames(in);
  beacons(in);
  policy(in);
  return 0;
}
