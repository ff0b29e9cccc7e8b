#include "core/switch/encoding-scheme.h"

#include <cassert>
#include <cstdio>
#include <string>
#include <utility>

#include "core/switch/label.h"

namespace cjdns::switching {

namespace {

constexpr std::uint64_t lowBits(int n) { return n >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << n) - 1; }

/// In 358, form 0 writes interface 0 as data 1 and interface 1 (the router)
/// as data 0, so that the router's director is 0001. The swap is its own inverse.
constexpr std::uint64_t swapZeroAndOne(std::uint64_t d) { return d == 0 ? 1 : d == 1 ? 0 : d; }

/// True when a form's prefix is exactly the single bit 1 (358's form 0),
/// the forms in which 358 swaps 0 and 1 instead of skipping 1.
bool hasPrefixOne(const EncodingForm& f) { return (f.prefix & lowBits(f.prefixLen)) == 1; }

bool isSaneVariableForm(const std::vector<EncodingForm>& forms, std::size_t i) {
  const EncodingForm& f = forms[i];
  if (f.prefixLen == 0 || f.prefixLen > 31) return false;
  if (f.bitCount == 0 || f.bitCount > 31) return false;
  if (f.width() > kMaxLabelLog2) return false;
  if (i > 0 && f.bitCount <= forms[i - 1].bitCount) return false;  // strictly ascending
  for (std::size_t j = 0; j < forms.size(); ++j) {
    // Another form whose prefix starts with this one's would be ambiguous.
    if (j != i && (forms[j].prefix & lowBits(f.prefixLen)) == f.prefix) return false;
  }
  return true;
}

}  // namespace

bool EncodingScheme::isSane(const std::vector<EncodingForm>& forms) {
  if (forms.empty() || forms.size() > kMaxForms) return false;
  for (const EncodingForm& f : forms) {
    if (f.prefixLen > 31 || (f.prefix & ~lowBits(f.prefixLen)) != 0) return false;
  }
  if (forms.size() == 1) {
    const EncodingForm& f = forms[0];
    return f.prefixLen == 0 && f.prefix == 0 && f.bitCount >= 1 && f.bitCount <= 31;
  }
  for (std::size_t i = 0; i < forms.size(); ++i) {
    if (!isSaneVariableForm(forms, i)) return false;
  }
  return true;
}

std::optional<EncodingScheme> EncodingScheme::fromForms(std::vector<EncodingForm> forms) {
  if (!isSane(forms)) return std::nullopt;
  return EncodingScheme(std::move(forms));
}

const EncodingScheme& EncodingScheme::v358() {
  static const EncodingScheme scheme({{3, 1, 0b1}, {5, 2, 0b10}, {8, 2, 0b00}});
  return scheme;
}

const EncodingScheme& EncodingScheme::v4x8() {
  static const EncodingScheme scheme({{4, 1, 1}, {8, 1, 0}});
  return scheme;
}

EncodingScheme EncodingScheme::fixedWidth(int bitCount) {
  assert(bitCount >= 1 && bitCount <= 31);
  return EncodingScheme({{static_cast<std::uint8_t>(bitCount), 0, 0}});
}

bool EncodingScheme::is358() const { return forms_ == v358().forms_; }

std::vector<std::uint8_t> EncodingScheme::serialize() const {
  // Each form: prefixLen (5 bits), bitCount (5 bits), prefix (prefixLen
  // bits), packed least significant bit first; the last byte is zero-padded.
  std::vector<std::uint8_t> out;
  std::uint64_t pending = 0;
  int pendingBits = 0;
  auto put = [&](std::uint64_t value, int bits) {
    pending |= (value & lowBits(bits)) << pendingBits;
    pendingBits += bits;
    while (pendingBits >= 8) {
      out.push_back(static_cast<std::uint8_t>(pending));
      pending >>= 8;
      pendingBits -= 8;
    }
  };
  for (const EncodingForm& f : forms_) {
    put(f.prefixLen, 5);
    put(f.bitCount, 5);
    put(f.prefix, f.prefixLen);
  }
  if (pendingBits > 0) out.push_back(static_cast<std::uint8_t>(pending));
  return out;
}

std::optional<EncodingScheme> EncodingScheme::deserialize(std::span<const std::uint8_t> bytes) {
  // A window of up to 63 unread bits is refilled a byte at a time while it
  // holds fewer than 56; a form needs at most 41. The stream ends at a form
  // whose bitCount is 0, which is only valid when every byte has been read
  // and all the bits left in the window are zero.
  std::vector<EncodingForm> forms;
  std::uint64_t window = 0;
  int windowBits = 0;
  std::size_t next = 0;
  for (;;) {
    while (windowBits < 56 && next < bytes.size()) {
      window |= std::uint64_t{bytes[next++]} << windowBits;
      windowBits += 8;
    }
    EncodingForm f;
    f.prefixLen = static_cast<std::uint8_t>(window & 31);
    f.bitCount = static_cast<std::uint8_t>((window >> 5) & 31);
    if (f.bitCount == 0) {
      if (window != 0 || next < bytes.size()) return std::nullopt;
      break;
    }
    const int used = 10 + f.prefixLen;
    if (used > windowBits) return std::nullopt;  // the form runs past the end
    f.prefix = static_cast<std::uint32_t>((window >> 10) & lowBits(f.prefixLen));
    window >>= used;
    windowBits -= used;
    forms.push_back(f);
    if (forms.size() > kMaxForms) return std::nullopt;
  }
  return fromForms(std::move(forms));
}

util::Value EncodingScheme::toAdminList() const {
  util::List list;
  for (const EncodingForm& f : forms_) {
    std::string prefix;
    if (f.prefixLen != 0) {
      char hex[9];
      std::snprintf(hex, sizeof hex, "%08x", static_cast<unsigned>(f.prefix));
      prefix = hex;
      while (prefix.size() > 2 && prefix.starts_with("00")) prefix.erase(0, 2);
    }
    util::Dict d;
    d.add("bitCount", util::Value(std::int64_t{f.bitCount}));
    d.add("prefix", util::Value(std::move(prefix)));
    d.add("prefixLen", util::Value(std::int64_t{f.prefixLen}));
    list.emplace_back(std::move(d));
  }
  return util::Value(std::move(list));
}

int EncodingScheme::formNumber(std::uint64_t label) const {
  if (forms_.size() == 1) return 0;
  for (std::size_t i = 0; i < forms_.size(); ++i) {
    const EncodingForm& f = forms_[i];
    if (((label ^ f.prefix) & lowBits(f.prefixLen)) == 0) return static_cast<int>(i);
  }
  return -1;
}

int EncodingScheme::parseDirector(std::uint64_t label) const {
  const int form = formNumber(label);
  if (form < 0) return -1;
  const EncodingForm& f = forms_[static_cast<std::size_t>(form)];
  const std::uint64_t data = (label >> f.prefixLen) & lowBits(f.bitCount);
  if (!is358()) {
    // Variable-width schemes other than 358 swap 0 and 1 by flipping bit 0.
    return static_cast<int>(forms_.size() > 1 ? data ^ 1 : data);
  }
  if (form == 0) return static_cast<int>(swapZeroAndOne(data));
  return static_cast<int>(data == 0 ? 0 : data + 1);
}

std::uint64_t EncodingScheme::serializeDirector(int iface, int form) const {
  if (iface < 0 || form >= static_cast<int>(forms_.size())) return kInvalidLabel;
  const auto n = static_cast<std::uint64_t>(iface);
  const bool s358 = is358();
  // 358's wider forms skip the number 1, so they hold one more interface.
  auto dataFor = [&](int i) -> std::uint64_t {
    if (!s358) return forms_.size() > 1 ? n ^ 1 : n;
    if (i == 0) return swapZeroAndOne(n);
    return n == 0 ? 0 : n - 1;
  };
  auto fits = [&](int i) {
    if (s358 && i > 0 && n == 1) return false;  // the router is 0001 only
    return (dataFor(i) >> forms_[static_cast<std::size_t>(i)].bitCount) == 0;
  };
  if (form < 0) {
    for (int i = 0; i < static_cast<int>(forms_.size()) && form < 0; ++i) {
      if (fits(i)) form = i;
    }
    if (form < 0) return kInvalidLabel;
  } else if (!fits(form)) {
    return kInvalidLabel;
  }
  const EncodingForm& f = forms_[static_cast<std::size_t>(form)];
  return (dataFor(form) << f.prefixLen) | f.prefix;
}

std::uint64_t EncodingScheme::convertLabel(std::uint64_t label, int toForm) const {
  const int form = formNumber(label);
  if (form < 0) return kInvalidLabel;
  const EncodingForm& cur = forms_[static_cast<std::size_t>(form)];
  if (forms_.size() == 1 || (label & lowBits(cur.width())) == 1) {
    // Fixed width, or a self route: nothing to re-encode.
    return (toForm == 0 || toForm == kCanonicalForm) ? label : kInvalidLabel;
  }
  const bool s358 = is358();
  std::uint64_t rest = label >> cur.prefixLen;
  std::uint64_t director = rest & lowBits(cur.bitCount);
  rest >>= cur.bitCount;

  // In 358 turn the data into the interface number before re-encoding it.
  if (s358) director = hasPrefixOne(cur) ? swapZeroAndOne(director) : director + (director > 0);

  if (toForm == kCanonicalForm) {
    // Forms that skip the number 1 need one bit less for the same interface.
    const int bitsIfSwapped = labelLog2(director) + 1;
    const int bitsIfSkipped = labelLog2(director - (director > 0)) + 1;
    for (std::size_t i = 0; i < forms_.size(); ++i) {
      const int need = hasPrefixOne(forms_[i]) ? bitsIfSwapped : bitsIfSkipped;
      if (forms_[i].bitCount >= need) {
        toForm = static_cast<int>(i);
        break;
      }
    }
  }
  if (toForm < 0 || toForm >= static_cast<int>(forms_.size())) return kInvalidLabel;
  const EncodingForm& next = forms_[static_cast<std::size_t>(toForm)];

  if (s358) director = hasPrefixOne(next) ? swapZeroAndOne(director) : director - (director > 0);
  if (labelLog2(director) + 1 > next.bitCount) return kInvalidLabel;
  if (labelLog2(rest) + next.width() > kMaxLabelLog2) return kInvalidLabel;

  const std::uint64_t out = (((rest << next.bitCount) | director) << next.prefixLen) | next.prefix;
  if ((out & lowBits(next.width())) == 1) return kInvalidLabel;  // would read as a self route
  return out;
}

bool EncodingScheme::isSelfRoute(std::uint64_t label) const {
  const int form = formNumber(label);
  if (form < 0) return false;
  return (label & lowBits(forms_[static_cast<std::size_t>(form)].width())) == 1;
}

bool EncodingScheme::isOneHop(std::uint64_t label) const {
  const int form = formNumber(label);
  if (form < 0) return false;
  return labelLog2(label) == forms_[static_cast<std::size_t>(form)].width();
}

}  // namespace cjdns::switching
