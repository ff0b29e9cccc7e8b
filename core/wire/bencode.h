// Bencode, as cjdns speaks it in CJDHT messages, admin requests and IpTunnel
// control messages (upper.md 1.4), over the util::Value model.
//
// Reading is liberal where real cjdns nodes are: unsorted dict keys are
// accepted (a later duplicate wins on lookup), and leading zeros are accepted
// in string lengths (cjdns pads the first key of a top-level dict to align
// its buffers; v20/v21 accept them anywhere). Integers must be canonical
// except for that. Nesting is bounded, and so is everything else by the
// input size: no allocation is larger than the input.
//
// Writing is canonical: dict keys sorted by raw bytes, no padding.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

#include "core/util/result.h"
#include "core/util/value.h"

namespace cjdns::wire {

struct BencodeLimits {
  std::size_t maxDepth = 32;          ///< as strict cjdns v22.2+
  bool allowTrailingBytes = false;    ///< the DHT layer tolerates them, the admin API does not
};

/// Decodes one value; errors carry the byte offset (in pos.column, line 0).
util::Result<util::Value> bencodeDecode(std::string_view bytes, const BencodeLimits& limits = {});

/// Canonical encoding (sorted keys). Appends to `out`.
void bencodeEncode(const util::Value& v, std::string& out);
std::string bencodeEncode(const util::Value& v);

}  // namespace cjdns::wire
