// libFuzzer target: bencode decoding (CJDHT, admin and IpTunnel messages all
// arrive as bencode). Anything decoded must re-encode canonically and decode
// again to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/wire/bencode.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  cjdns::wire::BencodeLimits lim;
  lim.allowTrailingBytes = size > 0 && (data[0] & 1) != 0;
  auto v = cjdns::wire::bencodeDecode(in, lim);
  if (!v.ok()) return 0;
  std::string once = cjdns::wire::bencodeEncode(v.value());
  auto again = cjdns::wire::bencodeDecode(once);
  if (!again.ok() || cjdns::wire::bencodeEncode(again.value()) != once) std::abort();
  return 0;
}
