// Turns a parsed cjdroute.conf into the typed CoreConfig the core receives
// (proto/config.capnp). All checking of the file's meaning happens here, in
// the angel, before any process is spawned: a bad value is an error naming its
// key path and line; an unknown or obsolete key is a warning. cjdns's defaults
// and fatality rules (upper.md 4.2-4.3) apply, with a few deliberate
// tightenings documented in docs/config.md.
#pragma once

#include <capnp/message.h>

#include <memory>
#include <vector>

#include "core/util/result.h"
#include "core/util/value.h"
#include "proto/config.capnp.h"

namespace cjdns::angel {

struct LoadedConfig {
  capnp::MallocMessageBuilder message;  ///< root: proto::CoreConfig
  std::vector<util::Error> warnings;    ///< unknown/obsolete keys, ignored settings

  proto::CoreConfig::Reader config() { return message.getRoot<proto::CoreConfig>().asReader(); }
};

/// Maps and validates; the first hard error is returned.
util::Result<std::unique_ptr<LoadedConfig>> buildCoreConfig(const util::Value& root);

}  // namespace cjdns::angel
