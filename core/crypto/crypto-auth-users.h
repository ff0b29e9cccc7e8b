// The authorizedPasswords table of CryptoAuth (wire.md 6.3) and the password
// hashing both ends of a handshake share.
//
// A peer names the credentials it uses by a 12-byte auth challenge in the
// handshake header: auth type 1 carries a hash of the password, type 2 a hash
// of the login. The receiver finds the user by that hash and mixes the user's
// SHA256(password) into the handshake key, so a wrong password never opens
// the box. Hashes are computed once, when a user is added.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/crypto/keys.h"

namespace cjdns::crypto {

/// 32 secret bytes (a password hash, a shared key), wiped with
/// sodium_memzero when they die or on wipe(). Not copyable, so that secret
/// copies are always spelled out.
struct Secret32 {
  std::array<std::uint8_t, 32> bytes{};

  Secret32() = default;
  Secret32(const Secret32&) = delete;
  Secret32& operator=(const Secret32&) = delete;
  ~Secret32() { wipe(); }
  void wipe();
  std::uint8_t* data() { return bytes.data(); }
  const std::uint8_t* data() const { return bytes.data(); }
};

/// Header offset 4..16 of a handshake: type, 7 lookup bytes, 2 bytes
/// "derivations", 2 bytes "additional" (the last two deprecated, sent as 0).
using AuthChallenge = std::array<std::uint8_t, 12>;

enum class AuthType : std::uint8_t {
  kNone = 0,      ///< no password
  kPassword = 1,  ///< lookup = SHA256(SHA256(password))[1..8]
  kLogin = 2,     ///< lookup = SHA256(login)[1..8]
};

/// SHA256(password): the secret mixed into the handshake key.
void hashPassword(std::string_view password, Secret32& out);

/// The challenge a sender writes for type 1 or 2 (derivations and additional
/// zero). For kNone it returns type 0 and zeroes; senders randomise those.
AuthChallenge authChallenge(AuthType type, std::string_view password, std::string_view login);

class CryptoAuthUsers {
 public:
  /// One authorizedPasswords entry. Shared with the sessions that accepted
  /// it, so a removed user stays valid for as long as a session points at it.
  struct User {
    std::string login;        ///< as given, or "Anon #<n>" when added without one
    bool anonymous = false;   ///< true when the login was made up
    std::string displayName;  ///< for logs and peerStats
    std::optional<Ip6> restrictedTo;  ///< the only address allowed to use it
    Secret32 secret;                  ///< SHA256(password)
    std::array<std::uint8_t, 8> passwordLookup{};  ///< challenge[0..8] for type 1
    std::array<std::uint8_t, 8> loginLookup{};     ///< challenge[0..8] for type 2
  };
  using UserPtr = std::shared_ptr<const User>;

  enum class AddResult { kAdded, kDuplicateLogin };

  /// Adds a user at the end of the table. An empty login means "no login":
  /// the user then answers type 1 only (its type-2 name is "Anon #<n>", n the
  /// table size before the add, as in cjdns). A login already present is
  /// refused. Password and login are bytes, used exactly as given.
  AddResult add(std::string_view password, std::string_view login,
                std::optional<Ip6> restrictedTo = std::nullopt, std::string displayName = {});

  /// Removes every user with this login; returns how many.
  std::size_t remove(std::string_view login);
  void clear() { users_.clear(); }

  /// The user a handshake's challenge names, or null (type 0, unknown type,
  /// or no match). Compares type byte and 7 lookup bytes; the rest is ignored.
  UserPtr find(std::span<const std::uint8_t, 12> challenge) const;

  /// Logins in table order (AuthorizedPasswords_list).
  std::vector<std::string> logins() const;
  const std::vector<UserPtr>& users() const { return users_; }
  std::size_t size() const { return users_.size(); }

 private:
  std::vector<UserPtr> users_;
};

}  // namespace cjdns::crypto
