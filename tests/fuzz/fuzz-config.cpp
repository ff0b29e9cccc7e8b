// libFuzzer target: cjdroute.conf text through the reader, the typed-config
// mapper and the --cleanconf writer. Any input must end in a value or an
// error, never a crash, hang or sanitizer report; a cleaned config must read
// back to the same value.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "angel/conf/core-config.h"
#include "core/util/json-reader.h"
#include "core/util/json-writer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = cjdns::util::readConfigText(text);
  if (!parsed.ok()) {
    if (parsed.error().message.empty()) std::abort();  // every error must say something
    return 0;
  }
  auto cleaned = cjdns::util::writeCleanJson(parsed.value());
  auto again = cjdns::util::parseJson(cleaned);
  if (!again.ok()) std::abort();  // our own output must always read back
  auto loaded = cjdns::angel::buildCoreConfig(parsed.value());
  if (!loaded.ok() && loaded.error().message.empty()) std::abort();
  return 0;
}
