#include "core/crypto/crypto-auth-users.h"

#include <doctest/doctest.h>

#include <string>

#include "core/util/hex.h"

using namespace cjdns::crypto;
using cjdns::util::toHex;

TEST_CASE("auth challenges hash the password for type 1 and the login for type 2") {
  // wire.md 15.2: SHA256(SHA256("password")) = 73 641c99f7719f57..., type byte in front.
  CHECK(toHex(authChallenge(AuthType::kPassword, "password", "")) == "01641c99f7719f5700000000");
  CHECK(toHex(authChallenge(AuthType::kLogin, "password", "default-login")) ==
        "02ba73d3240a0dba00000000");
  CHECK(toHex(authChallenge(AuthType::kLogin, "other", "Local Peers")) ==
        "02c193e0b60d142200000000");
  CHECK(toHex(authChallenge(AuthType::kNone, "password", "x")) == "000000000000000000000000");
}

TEST_CASE("the password secret is SHA256 of the password bytes") {
  Secret32 s;
  hashPassword("password", s);
  CHECK(toHex(s.bytes) == "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8");
  s.wipe();
  CHECK(toHex(s.bytes) == std::string(64, '0'));
}

TEST_CASE("a user is found by the challenge of its password and of its login") {
  CryptoAuthUsers users;
  REQUIRE(users.add("secret one", "alice", std::nullopt, "Alice") == CryptoAuthUsers::AddResult::kAdded);
  REQUIRE(users.add("secret two", "bob") == CryptoAuthUsers::AddResult::kAdded);

  auto byPassword = users.find(authChallenge(AuthType::kPassword, "secret two", ""));
  REQUIRE(byPassword);
  CHECK(byPassword->login == "bob");
  CHECK(byPassword->displayName == "bob");
  auto byLogin = users.find(authChallenge(AuthType::kLogin, "ignored", "alice"));
  REQUIRE(byLogin);
  CHECK(byLogin->login == "alice");
  CHECK(byLogin->displayName == "Alice");
  Secret32 expected;
  hashPassword("secret one", expected);
  CHECK(byLogin->secret.bytes == expected.bytes);
}

TEST_CASE("a challenge matches on its type and lookup bytes only") {
  CryptoAuthUsers users;
  users.add("pw", "carol");
  AuthChallenge c = authChallenge(AuthType::kLogin, "", "carol");
  c[8] = 0xff;  // derivations and additional are not part of the match
  c[11] = 0x12;
  CHECK(users.find(c) != nullptr);
  c[7] ^= 1;
  CHECK(users.find(c) == nullptr);
  AuthChallenge none = authChallenge(AuthType::kLogin, "", "carol");
  none[0] = 0;
  CHECK(users.find(none) == nullptr);  // type 0 never names a user
  none[0] = 3;
  CHECK(users.find(none) == nullptr);  // type 3 is Noise-only
  CHECK(users.find(authChallenge(AuthType::kPassword, "wrong", "")) == nullptr);
}

TEST_CASE("a user without a login answers type 1 and the made-up name Anon #n") {
  CryptoAuthUsers users;
  users.add("first", "named");
  users.add("second", "");
  REQUIRE(users.logins() == std::vector<std::string>{"named", "Anon #1"});
  auto anon = users.find(authChallenge(AuthType::kPassword, "second", ""));
  REQUIRE(anon);
  CHECK(anon->anonymous);
  CHECK(users.find(authChallenge(AuthType::kLogin, "", "Anon #1")) == anon);
}

TEST_CASE("a login can be added once, and removing it leaves holders with a valid user") {
  CryptoAuthUsers users;
  CHECK(users.add("a", "dave", Ip6{0xfc}) == CryptoAuthUsers::AddResult::kAdded);
  CHECK(users.add("b", "dave") == CryptoAuthUsers::AddResult::kDuplicateLogin);
  CHECK(users.add("a", "") == CryptoAuthUsers::AddResult::kAdded);
  CHECK(users.add("a", "") == CryptoAuthUsers::AddResult::kAdded);  // anonymous twice is fine
  CryptoAuthUsers::UserPtr held = users.find(authChallenge(AuthType::kLogin, "", "dave"));
  REQUIRE(held);
  CHECK(held->restrictedTo.has_value());
  CHECK(users.remove("dave") == 1);
  CHECK(users.remove("dave") == 0);
  CHECK(users.size() == 2);
  CHECK(held->login == "dave");
  CHECK(users.find(authChallenge(AuthType::kLogin, "", "dave")) == nullptr);
  users.clear();
  CHECK(users.logins().empty());
}
