// Fuzz target: one packet from the network into CryptoAuth decrypt (wire.md 6).
//
// Each input goes to (1) a fresh responder made for an unknown peer, as the
// peer layer makes one for a Hello from a new address (requireAuth, one
// authorized password), and (2) both ends of an established session. Nothing
// may crash, and a session must still work afterwards. Everything is
// deterministic, so a crash replays from its input alone.
//
// The seeds in corpus/crypto-auth/ were made with the keys below: a Hello with
// auth type 2, the same with auth type 0, a data packet for the established
// session, a Key, and a Hello captured from real cjdns v21.1.
#include <cstddef>
#include <cstdint>
#include <span>

#include "core/crypto/crypto-auth.h"
#include "core/wire/message.h"

namespace {

using cjdns::crypto::CryptoAuthSession;
using cjdns::crypto::CryptoAuthUsers;
using cjdns::crypto::DeterministicRandom;
using cjdns::crypto::PrivateKey;
using cjdns::crypto::PublicKey;
using cjdns::wire::Message;

constexpr std::uint64_t kNowMs = 1'000'000;
constexpr char kPassword[] = "fuzz password";
constexpr char kLogin[] = "fuzz-login";

struct Node {
  explicit Node(std::uint64_t seed) : rng(seed) {
    rng.fill(key.mutableBytes());
    pub = cjdns::crypto::publicKeyOf(key);
  }
  DeterministicRandom rng;
  PrivateKey key;
  PublicKey pub{};
};

/// Alice dials Bob with a login; Bob requires auth. handshake() takes both
/// to ESTABLISHED (the last packet Alice sent was data nonce 4).
struct Link {
  Node alice{101}, bob{202};
  CryptoAuthUsers bobUsers;
  CryptoAuthSession atAlice{alice.key, bob.pub, false, nullptr, alice.rng};
  CryptoAuthSession atBob{bob.key, alice.pub, true, &bobUsers, bob.rng};

  Link() {
    bobUsers.add(kPassword, kLogin);
    atAlice.setAuth(kPassword, kLogin);
  }
  bool pass(CryptoAuthSession& from, CryptoAuthSession& to) {
    Message m;
    static constexpr std::uint8_t kPayload[] = {'f', 'u', 'z', 'z'};
    return m.append(kPayload) && from.encrypt(m, kNowMs) &&
           to.decrypt(m, kNowMs) == cjdns::crypto::DecryptError::kNone;
  }
  bool handshake() {
    return pass(atAlice, atBob) && pass(atBob, atAlice) && pass(atAlice, atBob) && pass(atBob, atAlice);
  }
};

void feed(CryptoAuthSession& session, std::span<const std::uint8_t> input) {
  Message m;
  const std::size_t room = Message::kCapacity - Message::kDefaultHeadroom;
  if (!m.assign(input.first(input.size() < room ? input.size() : room))) __builtin_trap();
  (void)session.decrypt(m, kNowMs);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> input(data, size);

  // (1) A stranger's first packet: the session is keyed from the packet.
  {
    Link keys;  // only for the users table and Alice's key
    DeterministicRandom rng(303);
    const PublicKey her = cjdns::crypto::handshakePermanentKey(input).value_or(keys.alice.pub);
    CryptoAuthSession fresh(keys.bob.key, her, true, &keys.bobUsers, rng);
    feed(fresh, input);
    Message reply;
    static constexpr std::uint8_t kReply[] = {'r'};
    if (!reply.append(kReply) || !fresh.encrypt(reply, kNowMs)) __builtin_trap();
  }

  // (2) Both ends of an established session.
  {
    Link link;
    if (!link.handshake()) __builtin_trap();
    feed(link.atBob, input);
    feed(link.atAlice, input);
    // Whatever the input did, the sessions can still talk: a re-keying Hello
    // may have reset one end, so allow a fresh handshake.
    if (!link.pass(link.atAlice, link.atBob)) {
      link.atAlice.reset();
      link.atBob.reset();
      if (!link.handshake()) __builtin_trap();
    }
  }
  return 0;
}
