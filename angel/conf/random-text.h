// Random printable secrets for generated configs (passwords, admin password).
#pragma once

#include <cstddef>
#include <string>

namespace cjdns::angel {

/// `chars` characters from the cjdns base32 alphabet (5 random bits each),
/// the form cjdroute --genconf uses for passwords.
std::string randomPassword(std::size_t chars);

/// A uniformly random UDP port in [lo, hi].
unsigned randomPort(unsigned lo, unsigned hi);

}  // namespace cjdns::angel
