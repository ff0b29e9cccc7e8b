// PeerController: the peers of this node on its links (cjdns
// InterfaceController, wire.md 8), I/O-free.
//
// One peer per (link interface, link address): a peer-link CryptoAuth
// session and a switch slot. Datagrams from a link are decrypted and handed
// to the switch; packets the switch sends to a peer's slot are encrypted and
// handed to the LinkSender. The controller also keeps peers alive: it pings
// idle ones on the switch (control PING), learns their version from the
// PONG, and marks them UNRESPONSIVE or forgets them when they fall silent.
//
// Lifetime: borrows the users table, the random source, the switch, the
// packet sink and the link sender; all must outlive it.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/crypto/crypto-auth.h"
#include "core/iface/link-address.h"
#include "core/iface/rate-window.h"
#include "core/switch/control-message.h"
#include "core/switch/control-responder.h"
#include "core/switch/switch-core.h"
#include "core/wire/message.h"

namespace cjdns::iface {

/// As InterfaceController_peerStats reports it (wire.md 8.3).
enum class PeerState : int {
  kIncompatible = -3,
  kUnauthenticated = -2,
  kUnresponsive = -1,
  kInit = 0,
  kSentHello = 1,
  kReceivedHello = 2,
  kSentKey = 3,
  kReceivedKey = 4,
  kEstablished = 100,
};
/// "ESTABLISHED", "UNRESPONSIVE", ... as cjdns prints them.
const char* name(PeerState state);

/// Where encrypted datagrams go: the UDP (or Ethernet) interface glue.
class LinkSender {
 public:
  virtual ~LinkSender() = default;
  /// False if the link refused the packet (counted by the controller).
  virtual bool sendOnLink(unsigned linkIface, const LinkAddress& to, const wire::Message& msg) = 0;
};

/// Where decrypted switch packets go: the node's switch dispatch.
class SwitchPort {
 public:
  virtual ~SwitchPort() = default;
  virtual void fromPeer(unsigned slot, wire::Message& msg, std::uint64_t nowMs) = 0;
};

/// Timers of wire.md 8.5, in milliseconds.
struct PeerTimers {
  std::uint64_t pingInterval = 1024;      ///< how often tick() should run
  std::uint64_t pingAfter = 3072;         ///< an idle peer is pinged after this
  std::uint64_t unresponsiveAfter = 20480;
  std::uint64_t pingTimeout = 2048;
  std::uint64_t forgetAfter = 262144;     ///< incoming peers only
  /// Hellos from unknown addresses cost an X25519 each: at most this many
  /// per second are tried (a burst of the same size is allowed).
  std::uint32_t unknownHellosPerSecond = 256;
};

struct PeerCounters {
  std::uint64_t bytesIn = 0;
  std::uint64_t bytesOut = 0;
  std::uint64_t packetsIn = 0;
  std::uint64_t packetsOut = 0;
  std::uint64_t decryptErrors = 0;
  std::uint64_t filteredBeforeEstablished = 0;  ///< wire.md 8.4, both directions
  std::uint64_t sendFailures = 0;
};

/// A snapshot of one peer, for peerStats and logs.
struct PeerInfo {
  unsigned linkIface = 0;
  LinkAddress address;
  crypto::PublicKey publicKey{};
  std::uint64_t label = 0;      ///< our switch label for it (0x13 for slot 0)
  PeerState state = PeerState::kInit;
  std::uint32_t version = 0;    ///< 0 until its PONG tells us
  bool incoming = false;
  std::string user;             ///< peerName (outgoing) or the login it used (incoming)
  std::uint64_t lastMessageMs = 0;
  PeerCounters counters;
  crypto::ReplayProtector::Stats replay;
  /// Kilobits per 1024 ms over the last second (RateWindow); filled only by
  /// peers(nowMs), 0 from peers().
  std::uint32_t recvKbps = 0;
  std::uint32_t sendKbps = 0;
};

/// Drops the controller counts for packets that never reached a peer.
struct PeerControllerCounters {
  std::uint64_t unknownNotHello = 0;   ///< unknown address, not a Hello
  std::uint64_t unknownBadKey = 0;     ///< Hello with an unusable or our own key
  std::uint64_t unknownRateLimited = 0;  ///< Hellos from unknown addresses over the budget
  std::uint64_t handshakeRefused = 0;  ///< Hello from an unknown address that did not decrypt/authenticate
  std::uint64_t noFreeSlot = 0;
  std::uint64_t noSuchSlot = 0;
  std::array<std::uint64_t, 16> decryptErrors{};  ///< by crypto::DecryptError, all peers
};

class PeerController {
 public:
  PeerController(const crypto::PrivateKey& ourKey, const crypto::CryptoAuthUsers& users, crypto::Random& rng,
                 switching::SwitchCore& sw, SwitchPort& port, LinkSender& link, wire::MessagePool& pool,
                 std::uint32_t ourVersion, PeerTimers timers = {});
  ~PeerController();
  PeerController(const PeerController&) = delete;
  PeerController& operator=(const PeerController&) = delete;

  /// Registers a link interface (a UDP socket, an Ethernet device); returns its id.
  unsigned addLinkInterface(std::string name);

  struct Credentials {
    std::string password;
    std::string login;     ///< "" = auth type 1
    std::string peerName;  ///< shown as "user" in peerStats
    std::uint32_t version = 0;
    /// Forgotten after timers().forgetAfter of silence, like an incoming
    /// peer: set for peers found by a beacon (cjdns flags them "incoming").
    bool forgetWhenSilent = false;
  };
  enum class ConnectResult { kOk, kUpdated, kBadKey, kOwnKey, kNoFreeSlot, kNoSuchInterface };
  /// A configured peer (connectTo): created now and pinged at once, which
  /// starts the handshake. An existing peer at that address with the same
  /// key gets the new credentials; with another key it is replaced.
  ConnectResult beginConnection(unsigned linkIface, const LinkAddress& address, const crypto::PublicKey& key,
                                const Credentials& creds, std::uint64_t nowMs);

  /// One datagram from a link; consumed (decrypted in place and switched).
  void receiveFromLink(unsigned linkIface, const LinkAddress& from, wire::Message& msg, std::uint64_t nowMs);

  /// The switch sends msg (a switch packet) to the peer in `slot`.
  void sendToSlot(unsigned slot, wire::Message& msg, std::uint64_t nowMs);

  /// A PONG (or KEYPONG) reached our router. True if it answered one of our pings.
  bool handlePong(const switching::ControlPacket& pong, std::uint64_t nowMs);

  /// Keepalive cycle: call every timers().pingInterval ms.
  void tick(std::uint64_t nowMs);

  /// Forgets a peer (and frees its slot). False if there is none there.
  bool disconnect(unsigned linkIface, const LinkAddress& address);

  std::vector<PeerInfo> peers() const;
  /// The same with recvKbps/sendKbps measured up to `nowMs`.
  std::vector<PeerInfo> peers(std::uint64_t nowMs) const;
  std::optional<PeerInfo> peerBySlot(unsigned slot) const;

  // For the admin API (InterfaceController_*).
  /// Forgets every peer with this key (on any link); returns how many.
  std::size_t disconnectKey(const crypto::PublicKey& key);
  /// Resets the link CryptoAuth session of every peer with this key, or of
  /// every peer when `key` is null, so that it handshakes again; returns how many.
  std::size_t resetPeering(const crypto::PublicKey* key);
  /// The names given to addLinkInterface, by link interface id.
  std::vector<std::string> linkNames() const;
  const PeerControllerCounters& counters() const { return counters_; }
  const PeerTimers& timers() const { return timers_; }

 private:
  struct Peer;
  struct LinkIface {
    std::string name;
    std::size_t nextPing = 0;  ///< round-robin position among this link's peers
  };
  struct Key {
    unsigned iface;
    LinkAddress addr;
    friend bool operator==(const Key&, const Key&) = default;
  };
  struct KeyHash {
    std::size_t operator()(const Key& k) const { return k.addr.hash() * 31 + k.iface; }
  };

  Peer* find(unsigned iface, const LinkAddress& addr);
  Peer* acceptNewPeer(unsigned iface, const LinkAddress& from, wire::Message& msg, std::uint64_t nowMs);
  Peer* createPeer(unsigned iface, const LinkAddress& addr, std::unique_ptr<crypto::CryptoAuthSession> session,
                   bool incoming, std::uint64_t nowMs);
  void removePeer(Peer* p);
  void afterDecrypt(Peer& p, wire::Message& msg, std::uint64_t nowMs);
  void countDecryptError(Peer* p, crypto::DecryptError e);
  void sendPing(Peer& p, std::uint64_t nowMs);
  bool pingCycleVisit(Peer& p, std::uint64_t nowMs);
  PeerInfo info(const Peer& p) const;

  crypto::PrivateKey ourKey_;
  crypto::PublicKey ourPublicKey_{};
  const crypto::CryptoAuthUsers& users_;
  crypto::Random& rng_;
  switching::SwitchCore& switch_;
  SwitchPort& port_;
  LinkSender& link_;
  wire::MessagePool& pool_;
  std::uint32_t ourVersion_;
  PeerTimers timers_;
  std::vector<LinkIface> links_;
  std::unordered_map<Key, std::unique_ptr<Peer>, KeyHash> peers_;
  std::array<Peer*, switching::SwitchCore::kSlots> bySlot_{};
  std::uint64_t cycles_ = 0;
  // Token bucket for unknown Hellos (see PeerTimers::unknownHellosPerSecond).
  double helloTokens_ = 0;
  std::uint64_t helloRefillMs_ = 0;
  bool helloBucketStarted_ = false;
  bool takeHelloToken(std::uint64_t nowMs);
  PeerControllerCounters counters_;
};

}  // namespace cjdns::iface
