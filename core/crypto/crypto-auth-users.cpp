#include "core/crypto/crypto-auth-users.h"

#include <sodium.h>

#include <algorithm>
#include <cstring>

namespace cjdns::crypto {
namespace {

constexpr std::size_t kLookupSize = 8;  // type byte + 7 hash bytes

void sha256(std::span<const std::uint8_t> in, std::uint8_t out[crypto_hash_sha256_BYTES]) {
  crypto_hash_sha256(out, in.data(), in.size());
}

std::span<const std::uint8_t> bytesOf(std::string_view s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

/// Type byte then hash bytes 1..7: the part of a challenge a receiver matches.
std::array<std::uint8_t, kLookupSize> lookupOf(AuthType type, const std::uint8_t* hash) {
  std::array<std::uint8_t, kLookupSize> out{};
  std::memcpy(out.data(), hash, kLookupSize);
  out[0] = static_cast<std::uint8_t>(type);
  return out;
}

std::array<std::uint8_t, kLookupSize> passwordLookupOf(const Secret32& secret) {
  Secret32 twice;  // SHA256(SHA256(pw)) is as good as the password to an attacker
  sha256(secret.bytes, twice.data());
  return lookupOf(AuthType::kPassword, twice.data());
}

std::array<std::uint8_t, kLookupSize> loginLookupOf(std::string_view login) {
  std::uint8_t hash[crypto_hash_sha256_BYTES];
  sha256(bytesOf(login), hash);
  return lookupOf(AuthType::kLogin, hash);
}

}  // namespace

void Secret32::wipe() { sodium_memzero(bytes.data(), bytes.size()); }

void hashPassword(std::string_view password, Secret32& out) {
  ensureSodium();
  sha256(bytesOf(password), out.data());
}

AuthChallenge authChallenge(AuthType type, std::string_view password, std::string_view login) {
  AuthChallenge out{};
  std::array<std::uint8_t, kLookupSize> lookup{};
  if (type == AuthType::kPassword) {
    Secret32 secret;
    hashPassword(password, secret);
    lookup = passwordLookupOf(secret);
  } else if (type == AuthType::kLogin) {
    ensureSodium();
    lookup = loginLookupOf(login);
  }
  std::copy(lookup.begin(), lookup.end(), out.begin());
  out[0] = static_cast<std::uint8_t>(type);
  return out;
}

CryptoAuthUsers::AddResult CryptoAuthUsers::add(std::string_view password, std::string_view login,
                                                std::optional<Ip6> restrictedTo,
                                                std::string displayName) {
  if (!login.empty() && std::any_of(users_.begin(), users_.end(), [&](const UserPtr& u) {
        return !u->anonymous && u->login == login;
      })) {
    return AddResult::kDuplicateLogin;
  }
  auto user = std::make_shared<User>();
  user->anonymous = login.empty();
  user->login = user->anonymous ? "Anon #" + std::to_string(users_.size()) : std::string(login);
  user->displayName = displayName.empty() ? user->login : std::move(displayName);
  user->restrictedTo = restrictedTo;
  hashPassword(password, user->secret);
  user->passwordLookup = passwordLookupOf(user->secret);
  user->loginLookup = loginLookupOf(user->login);
  users_.push_back(std::move(user));
  return AddResult::kAdded;
}

std::size_t CryptoAuthUsers::remove(std::string_view login) {
  auto gone = std::remove_if(users_.begin(), users_.end(),
                             [&](const UserPtr& u) { return u->login == login; });
  std::size_t count = static_cast<std::size_t>(users_.end() - gone);
  users_.erase(gone, users_.end());
  return count;
}

CryptoAuthUsers::UserPtr CryptoAuthUsers::find(std::span<const std::uint8_t, 12> challenge) const {
  const auto type = static_cast<AuthType>(challenge[0]);
  if (type != AuthType::kPassword && type != AuthType::kLogin) return nullptr;
  for (const UserPtr& u : users_) {
    const auto& lookup = type == AuthType::kPassword ? u->passwordLookup : u->loginLookup;
    if (std::equal(lookup.begin(), lookup.end(), challenge.begin())) return u;
  }
  return nullptr;
}

std::vector<std::string> CryptoAuthUsers::logins() const {
  std::vector<std::string> out;
  out.reserve(users_.size());
  for (const UserPtr& u : users_) out.push_back(u->login);
  return out;
}

}  // namespace cjdns::crypto
