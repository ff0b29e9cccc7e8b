#include "angel/conf/random-text.h"

#include <sodium.h>

#include "core/crypto/keys.h"

namespace cjdns::angel {

std::string randomPassword(std::size_t chars) {
  static constexpr char kAlphabet[] = "0123456789bcdfghjklmnpqrstuvwxyz";
  crypto::ensureSodium();
  std::string out;
  out.reserve(chars);
  for (std::size_t i = 0; i < chars; ++i) out.push_back(kAlphabet[randombytes_uniform(32)]);
  return out;
}

unsigned randomPort(unsigned lo, unsigned hi) {
  crypto::ensureSodium();
  return lo + randombytes_uniform(hi - lo + 1);
}

}  // namespace cjdns::angel
