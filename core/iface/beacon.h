// Beacons: LAN discovery of cjdns nodes (wire.md 4.2-4.4), I/O-free.
//
// A beacon is 56 bytes: [protocol version BE 4][password 20][public key 32].
// On Ethernet it is the whole payload of a frame sent to ff:ff:ff:ff:ff:ff
// (eth-frame.h). Over UDP (v20.3+) it follows an 8-byte header
// [FF FF FF FC][version 0][zero][commPort BE] in a datagram sent from a
// separate beacon socket (port 64512 by default, IPv4, broadcast) to the
// directed broadcast address of each chosen device; the receiver peers with
// the sender's IPv4 address at commPort, the sender's data port.
//
// BeaconPolicy is the same for both links: it says when to send our beacon
// (mode 2: at once, then every 32768 ms) and, for a heard one, whether to
// peer with its sender. cjdns peers with every acceptable beacon; here a
// flood of beacons (one address repeating itself, or many spoofed addresses)
// is cut down, so it cannot make us start handshakes without bound. Every
// refusal is counted by reason.
//
// Lifetime: BeaconPolicy copies what it is given and borrows nothing.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/crypto/keys.h"
#include "core/crypto/random.h"
#include "core/iface/link-address.h"

namespace cjdns::iface {

inline constexpr std::size_t kBeaconSize = 56;
inline constexpr std::size_t kBeaconPasswordSize = 20;
inline constexpr std::uint64_t kBeaconIntervalMs = 32768;
inline constexpr std::size_t kUdpBeaconHeaderSize = 8;
inline constexpr std::size_t kUdpBeaconSize = kUdpBeaconHeaderSize + kBeaconSize;
inline constexpr std::uint32_t kUdpBeaconMagic = 0xfffffffc;
inline constexpr std::uint8_t kUdpBeaconVersion = 0;
inline constexpr std::uint16_t kDefaultBeaconPort = 64512;
/// Beacons from older protocol versions are ignored (wire.md 1).
inline constexpr std::uint32_t kBeaconMinVersion = 20;
/// Version from which a beacon peer may use Noise (if we have it).
inline constexpr std::uint32_t kBeaconNoiseVersion = 22;
/// The login under which a beacon password is registered and presented.
inline constexpr std::string_view kBeaconLogin = "Local Peers";

using BeaconPassword = std::array<std::uint8_t, kBeaconPasswordSize>;

struct Beacon {
  std::uint32_t version = 0;
  BeaconPassword password{};
  crypto::PublicKey key{};
  friend bool operator==(const Beacon&, const Beacon&) = default;
};

enum class BeaconParseError {
  kNone,
  kTooShort,    ///< fewer than 56 bytes of beacon (64 for UDP)
  kBadMagic,    ///< UDP: not FF FF FF FC
  kBadVersion,  ///< UDP: header version is not 0
  kBadPadding,  ///< UDP: the zero byte is not zero
  kZeroPort,    ///< UDP: commPort 0, nowhere to connect to (our check)
};
inline constexpr std::size_t kBeaconParseErrorCount = 6;
const char* describe(BeaconParseError error);

struct ParsedBeacon {
  BeaconParseError error = BeaconParseError::kNone;
  Beacon beacon;
  bool ok() const { return error == BeaconParseError::kNone; }
};

struct ParsedUdpBeacon {
  BeaconParseError error = BeaconParseError::kNone;
  std::uint16_t commPort = 0;
  Beacon beacon;
  bool ok() const { return error == BeaconParseError::kNone; }
};

std::array<std::uint8_t, kBeaconSize> encodeBeacon(const Beacon& beacon);
/// Bytes past the 56th are ignored, as cjdns does.
ParsedBeacon parseBeacon(std::span<const std::uint8_t> bytes);

std::array<std::uint8_t, kUdpBeaconSize> encodeUdpBeacon(std::uint16_t commPort, const Beacon& beacon);
/// Bytes past the 64th are ignored.
ParsedUdpBeacon parseUdpBeacon(std::span<const std::uint8_t> datagram);

/// Where a UDP beacon's sender takes peer traffic: its IPv4 source address
/// with commPort. Empty if `from` is not IPv4 (beacons are IPv4 only).
LinkAddress udpBeaconPeerAddress(const LinkAddress& from, std::uint16_t commPort);

/// A fresh beacon password, made once per start: 19 random base32
/// characters and a NUL (the v22 form, printable; all 20 bytes count).
BeaconPassword makeBeaconPassword(crypto::Random& rng);
/// The 20 password bytes as a string, for CryptoAuth (NUL included).
std::string beaconPasswordString(const BeaconPassword& password);

/// Config and admin "beacon" values.
enum class BeaconMode : std::uint8_t { kOff = 0, kAccept = 1, kSendAndAccept = 2 };
std::optional<BeaconMode> beaconModeFromInt(std::int64_t value);
/// "disabled", "accepting", "sending and accepting" (ETHInterface_beacon's stateName).
const char* stateName(BeaconMode mode);

/// What became of a heard beacon. Everything but kConnect is a counted drop.
enum class BeaconVerdict {
  kConnect,        ///< peer with the sender
  kModeOff,        ///< mode 0
  kMalformed,      ///< see BeaconParseError
  kBadAddress,     ///< UDP: the sender is not IPv4
  kBadKey,         ///< the key gives no fc00::/8 address
  kOwnKey,         ///< our own beacon came back
  kIncompatible,   ///< version below 20
  kAlreadyPeered,  ///< nothing changed since we acted on this address
  kTooSoon,        ///< this address changed again within perAddressMs
  kRateLimited,    ///< over the budget of new connections
};
inline constexpr std::size_t kBeaconVerdictCount = 10;
const char* name(BeaconVerdict verdict);

/// "Connect to this address with this key and these credentials": for the
/// peer controller (beginConnection). cjdns flags such a peer "incoming" for
/// timeouts, so it is forgotten when it falls silent.
struct BeaconConnect {
  LinkAddress address;
  crypto::PublicKey key{};
  std::string password;  ///< the 20 beacon bytes
  std::string login;     ///< kBeaconLogin
  std::uint32_t version = 0;  ///< the beacon's version, the peer's first known version
  bool noise = false;    ///< version >= 22 and Noise enabled locally
};

struct BeaconOutcome {
  BeaconVerdict verdict = BeaconVerdict::kMalformed;
  BeaconParseError parseError = BeaconParseError::kNone;  ///< for kMalformed
  std::optional<BeaconConnect> connect;                    ///< for kConnect
};

struct BeaconOptions {
  std::uint64_t intervalMs = kBeaconIntervalMs;
  /// One address is acted on again only if its beacon changed (key,
  /// password, version) or this long after the last time: re-peering a peer
  /// that was forgotten without forget() being called.
  std::uint64_t refreshMs = 2 * kBeaconIntervalMs;
  /// Least time between two actions for one address, even when it changed.
  std::uint64_t perAddressMs = 4096;
  /// Token bucket for all actions: burst size, then one per refillMs. The
  /// default (2/s) cannot fill maxTracked within refreshMs, so eviction
  /// only ever removes stale entries.
  std::uint32_t connectBurst = 8;
  std::uint64_t connectRefillMs = 500;
  std::size_t maxTracked = 256;
  bool noiseEnabled = false;  ///< we have no Noise link yet (wire.md 18)
};

struct BeaconCounters {
  std::array<std::uint64_t, kBeaconVerdictCount> verdicts{};
  std::array<std::uint64_t, kBeaconParseErrorCount> parseErrors{};
  std::uint64_t sent = 0;  ///< times sendDue() said yes
  std::uint64_t of(BeaconVerdict v) const { return verdicts[static_cast<std::size_t>(v)]; }
  std::uint64_t of(BeaconParseError e) const { return parseErrors[static_cast<std::size_t>(e)]; }
};

class BeaconPolicy {
 public:
  /// Starts in mode 0 (as a cjdns interface does until "beacon" is set).
  BeaconPolicy(const crypto::PublicKey& ourKey, const BeaconPassword& password, std::uint32_t ourVersion,
               BeaconOptions options = {});

  /// Setting mode 2 (again) makes a beacon due at once.
  void setMode(BeaconMode mode, std::uint64_t nowMs);
  BeaconMode mode() const { return mode_; }

  /// True when our beacon should go out now (the caller sends ethBeacon() or
  /// udpBeacon()); the next one is then due intervalMs later.
  bool sendDue(std::uint64_t nowMs);
  /// When sendDue will next say yes; UINT64_MAX unless in mode 2.
  std::uint64_t nextSendMs() const;

  const Beacon& ourBeacon() const { return ours_; }
  std::array<std::uint8_t, kBeaconSize> ethBeacon() const { return encodeBeacon(ours_); }
  /// commPort: our UDP data port.
  std::array<std::uint8_t, kUdpBeaconSize> udpBeacon(std::uint16_t commPort) const {
    return encodeUdpBeacon(commPort, ours_);
  }

  /// A broadcast Ethernet frame's payload from `from` (a MAC LinkAddress).
  BeaconOutcome onBeacon(const LinkAddress& from, std::span<const std::uint8_t> payload, std::uint64_t nowMs);
  /// A datagram on the beacon socket from `from` (IPv4 source address and port).
  BeaconOutcome onUdpBeacon(const LinkAddress& from, std::span<const std::uint8_t> datagram, std::uint64_t nowMs);
  /// A parsed beacon whose sender takes peer traffic at `peer`.
  BeaconOutcome consider(const LinkAddress& peer, const Beacon& beacon, std::uint64_t nowMs);

  /// The peer at `address` is gone: its next beacon is acted on at once.
  void forget(const LinkAddress& address) { tracked_.erase(address); }
  std::size_t tracked() const { return tracked_.size(); }
  const BeaconCounters& counters() const { return counters_; }
  const BeaconOptions& options() const { return options_; }

 private:
  struct Seen {
    Beacon beacon;
    std::uint64_t lastActionMs = 0;
  };
  BeaconOutcome refuse(BeaconVerdict verdict, BeaconParseError error = BeaconParseError::kNone);
  std::optional<BeaconVerdict> checkBeacon(const Beacon& beacon) const;
  std::optional<BeaconVerdict> checkRepeat(const LinkAddress& peer, const Beacon& beacon, std::uint64_t nowMs) const;
  bool takeToken(std::uint64_t nowMs);
  void remember(const LinkAddress& peer, const Beacon& beacon, std::uint64_t nowMs);
  BeaconConnect connectTo(const LinkAddress& peer, const Beacon& beacon) const;

  crypto::PublicKey ourKey_;
  Beacon ours_;
  BeaconOptions options_;
  BeaconMode mode_ = BeaconMode::kOff;
  std::uint64_t nextSendMs_ = 0;
  std::uint32_t tokens_;
  std::uint64_t refillMs_ = 0;
  bool refillStarted_ = false;
  std::unordered_map<LinkAddress, Seen> tracked_;
  BeaconCounters counters_;
};

}  // namespace cjdns::iface
