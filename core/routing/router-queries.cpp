#include "core/routing/router-queries.h"

#include <algorithm>
#include <vector>

#include "core/wire/endian.h"

namespace cjdns::routing {

namespace {

constexpr std::string_view kPrefix("00a", 3);
constexpr std::size_t kTxidSize = kPrefix.size() + 4;

std::string txidFor(std::uint32_t n) {
  std::string t(kPrefix);
  for (int shift = 24; shift >= 0; shift -= 8) t.push_back(static_cast<char>((n >> shift) & 0xff));
  return t;
}

const char* queryName(RouterQueryKind k) {
  switch (k) {
    case RouterQueryKind::kPing: return "pn";
    case RouterQueryKind::kGetPeers: return "gp";
    case RouterQueryKind::kFindNode: return "fn";
    case RouterQueryKind::kNextHop: return "nh";
  }
  return "pn";
}

}  // namespace

RouterQueries::RouterQueries(const DhtResponder& dht, RouterQueriesConfig config) : dht_(dht), config_(config) {}

bool RouterQueries::isOurTxid(std::string_view txid) {
  return txid.size() == kTxidSize && txid.starts_with(kPrefix);
}

std::optional<RouterQueries::Query> RouterQueries::start(RouterQueryKind kind, const DhtNode& to, std::string target,
                                                         std::uint32_t timeoutMs, std::uint64_t nowMs,
                                                         RouterQueryCallback callback) {
  if (pending_.size() >= config_.maxPending) {
    ++counters_.refused;
    return std::nullopt;
  }
  std::uint32_t id = nextId_++;
  while (pending_.count(id) != 0) id = nextId_++;
  if (timeoutMs == 0) timeoutMs = config_.defaultTimeoutMs;
  Pending p{to, nowMs, nowMs + std::min(timeoutMs, config_.maxTimeoutMs), std::move(callback)};
  pending_.emplace(id, std::move(p));
  ++counters_.sent;
  if (kind == RouterQueryKind::kPing) target.clear();
  return Query{dht_.query(queryName(kind), txidFor(id), std::move(target), to.label), id};
}

bool RouterQueries::onReply(const crypto::PublicKey& from, std::uint64_t returnPath, std::uint32_t version,
                            const util::Dict& reply, std::uint64_t nowMs) {
  const util::Value* txid = reply.find("txid");
  if (txid == nullptr || !txid->isString() || !isOurTxid(txid->asString())) return false;
  const std::uint32_t id =
      wire::loadBe32(reinterpret_cast<const std::uint8_t*>(txid->asString().data() + kPrefix.size()));
  auto it = pending_.find(id);
  if (it == pending_.end()) {
    ++counters_.unknown;
    return true;
  }
  if (it->second.to.key != from) {
    ++counters_.wrongSender;
    return true;
  }
  Pending p = std::move(it->second);
  pending_.erase(it);
  ++counters_.answered;
  RouterQueryReply r;
  r.timedOut = false;
  r.ms = static_cast<std::uint32_t>(std::min<std::uint64_t>(nowMs >= p.sentMs ? nowMs - p.sentMs : 0, 0xffffffffu));
  r.from = DhtNode{from, returnPath, version};
  r.reply = util::Value(reply);
  if (p.callback) p.callback(r);
  return true;
}

void RouterQueries::tick(std::uint64_t nowMs) {
  std::vector<std::uint32_t> late;
  for (const auto& [id, p] : pending_) {
    if (nowMs >= p.deadlineMs) late.push_back(id);
  }
  std::sort(late.begin(), late.end());
  for (const std::uint32_t id : late) {
    auto it = pending_.find(id);
    if (it == pending_.end()) continue;
    Pending p = std::move(it->second);
    pending_.erase(it);
    ++counters_.timedOut;
    RouterQueryReply r;
    r.timedOut = true;
    r.ms = static_cast<std::uint32_t>(std::min<std::uint64_t>(nowMs >= p.sentMs ? nowMs - p.sentMs : 0, 0xffffffffu));
    r.from = p.to;
    if (p.callback) p.callback(r);
  }
}

bool RouterQueries::cancel(std::uint32_t id) { return pending_.erase(id) > 0; }

}  // namespace cjdns::routing
