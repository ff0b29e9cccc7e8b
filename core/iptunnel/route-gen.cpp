#include "core/iptunnel/route-gen.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>

namespace cjdns::iptunnel {
namespace {

void setBit(std::array<std::uint8_t, 16>& a, unsigned bit) {
  a[bit / 8] = static_cast<std::uint8_t>(a[bit / 8] | (0x80u >> (bit % 8)));
}

std::vector<IpPrefix> ofFamily(const std::vector<IpPrefix>& set, bool v6) {
  std::vector<IpPrefix> out;
  for (const IpPrefix& p : set) {
    if (p.v6 == v6) out.push_back(p);
  }
  return out;
}

/// The wanted prefixes without those another one already covers (the sets
/// hold no duplicates).
std::vector<IpPrefix> outermost(const std::vector<IpPrefix>& wanted) {
  std::vector<IpPrefix> out;
  for (std::size_t i = 0; i < wanted.size(); ++i) {
    bool covered = false;
    for (std::size_t j = 0; j < wanted.size() && !covered; ++j) covered = j != i && wanted[j].contains(wanted[i]);
    if (!covered) out.push_back(wanted[i]);
  }
  return out;
}

bool anyContains(const std::vector<IpPrefix>& outer, const IpPrefix& inner) {
  return std::any_of(outer.begin(), outer.end(), [&](const IpPrefix& o) { return o.contains(inner); });
}

/// True if `outer` holds one of `inners`.
bool anyContainedIn(const IpPrefix& outer, const std::vector<IpPrefix>& inners) {
  return std::any_of(inners.begin(), inners.end(), [&](const IpPrefix& i) { return outer.contains(i); });
}

/// Appends `p` minus the exceptions, as the fewest prefixes: p itself if no
/// exception touches it, nothing if one covers it, else its two halves.
void subtract(const IpPrefix& p, const std::vector<IpPrefix>& exceptions, std::vector<IpPrefix>& out) {
  bool cut = false;
  for (const IpPrefix& e : exceptions) {
    if (e.contains(p)) return;
    cut = cut || p.contains(e);
  }
  if (!cut) {
    out.push_back(p);
    return;
  }
  IpPrefix low = p;
  low.length = static_cast<std::uint8_t>(p.length + 1);
  IpPrefix high = low;
  setBit(high.address, p.length);
  subtract(low, exceptions, out);
  subtract(high, exceptions, out);
}

bool routeOrder(const IpPrefix& a, const IpPrefix& b) {
  if (a.length != b.length) return a.length > b.length;
  return a.address < b.address;
}

}  // namespace

bool samePrefix(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b, unsigned bits) {
  const unsigned whole = bits / 8;
  for (unsigned i = 0; i < whole; ++i) {
    if (a[i] != b[i]) return false;
  }
  if (bits % 8 == 0) return true;
  const auto mask = static_cast<std::uint8_t>(0xff00u >> (bits % 8));
  return ((a[whole] ^ b[whole]) & mask) == 0;
}

IpPrefix IpPrefix::of4(std::span<const std::uint8_t, 4> a, std::uint8_t length) {
  IpPrefix p;
  std::copy(a.begin(), a.end(), p.address.begin());
  p.length = length;
  return p;
}

IpPrefix IpPrefix::of6(std::span<const std::uint8_t, 16> a, std::uint8_t length) {
  IpPrefix p;
  p.v6 = true;
  std::copy(a.begin(), a.end(), p.address.begin());
  p.length = length;
  return p;
}

std::optional<IpPrefix> IpPrefix::parse(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string host(text.substr(0, slash));
  IpPrefix p;
  p.v6 = host.find(':') != std::string::npos;
  if (inet_pton(p.v6 ? AF_INET6 : AF_INET, host.c_str(), p.address.data()) != 1) return std::nullopt;
  unsigned length = p.maxLength();
  if (slash != std::string_view::npos) {
    const std::string_view n = text.substr(slash + 1);
    const auto [end, ec] = std::from_chars(n.data(), n.data() + n.size(), length);
    if (n.empty() || ec != std::errc() || end != n.data() + n.size() || length > p.maxLength()) return std::nullopt;
  }
  p.length = static_cast<std::uint8_t>(length);
  return p;
}

IpPrefix IpPrefix::masked() const {
  IpPrefix p = *this;
  for (unsigned bit = length; bit < 128; ++bit) {
    p.address[bit / 8] = static_cast<std::uint8_t>(p.address[bit / 8] & ~(0x80u >> (bit % 8)));
  }
  return p;
}

bool IpPrefix::contains(const IpPrefix& other) const {
  return v6 == other.v6 && length <= other.length && samePrefix(bytes(), other.bytes(), length);
}

std::string IpPrefix::toString() const {
  char buf[INET6_ADDRSTRLEN] = {};
  inet_ntop(v6 ? AF_INET6 : AF_INET, address.data(), buf, sizeof buf);
  return std::string(buf) + "/" + std::to_string(length);
}

RouteGen::RouteGen() {
  for (const char* p : {"fe80::/10", "fd00::/8", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8"}) {
    addLocalPrefix(*IpPrefix::parse(p));
  }
}

void RouteGen::add(std::vector<IpPrefix>& set, const IpPrefix& p) {
  const IpPrefix m = p.masked();
  if (std::find(set.begin(), set.end(), m) == set.end()) set.push_back(m);
}

bool RouteGen::remove(std::vector<IpPrefix>& set, const IpPrefix& p) {
  const auto it = std::find(set.begin(), set.end(), p.masked());
  if (it == set.end()) return false;
  set.erase(it);
  return true;
}

std::vector<IpPrefix> RouteGen::generate(bool v6) const {
  const std::vector<IpPrefix> wanted = outermost(ofFamily(prefixes_, v6));
  // A local prefix a gateway hands out part of is not local for routing.
  std::vector<IpPrefix> local;
  for (const IpPrefix& l : ofFamily(local_, v6)) {
    if (!anyContainedIn(l, wanted)) local.push_back(l);
  }
  // Traffic to a LAN address never takes the tunnel: no need to cut it out.
  std::vector<IpPrefix> exceptions;
  for (const IpPrefix& e : ofFamily(exceptions_, v6)) {
    if (!anyContains(local, e)) exceptions.push_back(e);
  }
  std::vector<IpPrefix> out;
  for (const IpPrefix& w : wanted) subtract(w, exceptions, out);
  if (out.size() == 1 && out[0].length == 0) {
    IpPrefix low = out[0];
    low.length = 1;
    IpPrefix high = low;
    setBit(high.address, 0);
    out = {low, high};
  }
  std::sort(out.begin(), out.end(), routeOrder);
  return out;
}

std::vector<IpPrefix> RouteGen::generate() const {
  std::vector<IpPrefix> out = generate(false);
  const std::vector<IpPrefix> six = generate(true);
  out.insert(out.end(), six.begin(), six.end());
  return out;
}

}  // namespace cjdns::iptunnel
