#include "admin/bridge/bridge.h"

#include <capnp/message.h>
#include <kj/exception.h>

#include <utility>
#include <vector>

#include "admin/bridge/auth.h"
#include "core/wire/bencode.h"

namespace cjdns::admin {
namespace {

using util::Dict;
using util::Value;

Value dictOf(std::initializer_list<std::pair<const char*, Value>> entries) {
  Dict d;
  for (const auto& [k, v] : entries) d.add(k, v);
  return Value(std::move(d));
}

bool hasType(const Value& v, ArgType t) {
  switch (t) {
    case ArgType::kString: return v.isString();
    case ArgType::kInt: return v.isInt();
    case ArgType::kDict: return v.isDict();
    case ArgType::kList: return v.isList();
  }
  return false;
}

}  // namespace

std::optional<std::string> checkArgs(const FunctionSpec& f, const Dict* args) {
  for (const ArgSpec& a : f.args) {
    if (!a.required) continue;
    const Value* v = args == nullptr ? nullptr : args->find(a.name);
    if (v == nullptr || !hasType(*v, a.type)) {
      return "Entry [" + std::string(a.name) + "] is required and must be of type [" +
             std::string(argTypeName(a.type)) + "]";
    }
  }
  return std::nullopt;
}

Bridge::Bridge(NodeInfo info, CoreLink& core, DatagramSink sink, BridgeLimits limits)
    : info_(std::move(info)), core_(core), sink_(std::move(sink)), limits_(limits) {}

void Bridge::reply(const ClientAddr& to, Value message, const std::optional<std::string>& txid) {
  if (txid && message.isDict()) message.asDict().add("txid", Value(*txid));
  std::string out = wire::bencodeEncode(message);
  if (out.size() > limits_.maxResponseBytes) {
    ++counters_.responseTooBig;  // cjdns fails to write it and sends nothing
    return;
  }
  sink_(to, out);
}

bool Bridge::touchClient(const ClientAddr& from, bool authed, std::uint64_t now) {
  auto it = clients_.find(from);
  if (it != clients_.end()) {
    if (now < it->second || now - it->second <= limits_.asyncIdleMs) {
      it->second = now;
      return true;
    }
    clients_.erase(it);  // idle too long: forgotten
  }
  if (!authed) return false;
  if (clients_.size() >= limits_.maxClients) {
    auto oldest = clients_.begin();
    for (auto i = clients_.begin(); i != clients_.end(); ++i) {
      if (i->second < oldest->second) oldest = i;
    }
    clients_.erase(oldest);
  }
  clients_[from] = now;
  return true;
}

bool Bridge::asyncAllowed(const ClientAddr& client, std::uint64_t now) {
  auto it = clients_.find(client);
  if (it == clients_.end()) return false;
  if (now >= it->second && now - it->second > limits_.asyncIdleMs) {
    clients_.erase(it);
    return false;
  }
  return true;
}

void Bridge::onDatagram(const ClientAddr& from, std::string_view bytes, std::uint64_t now) {
  if (bytes.size() > limits_.maxRequestBytes) {
    ++counters_.tooBig;
    sink_(from, kRequestTooBig);
    return;
  }
  wire::BencodeLimits bl;
  bl.allowTrailingBytes = false;
  auto decoded = wire::bencodeDecode(bytes, bl);
  if (!decoded.ok() || !decoded.value().isDict()) {
    ++counters_.malformed;
    return;
  }
  const Dict& request = decoded.value().asDict();
  const Value* q = request.find("q");
  if (q == nullptr || !q->isString()) {
    ++counters_.malformed;
    return;
  }
  ++counters_.requests;
  std::optional<std::string> txid;
  if (const Value* t = request.find("txid"); t != nullptr && t->isString() && !t->asString().empty()) {
    txid = t->asString();
  }

  if (q->asString() == "cookie") {
    reply(from, dictOf({{"cookie", Value(cookieText(now))}}), txid);
    return;
  }

  std::optional<std::string> query = q->asString();
  bool authed = false;
  if (*query == "auth") {
    if (!authValid(bytes, request, info_.adminPassword, now)) {
      ++counters_.authFailed;
      reply(from, errorReply("Auth failed."), txid);
      return;
    }
    const Value* aq = request.find("aq");
    query = aq != nullptr && aq->isString() ? std::optional<std::string>(aq->asString()) : std::nullopt;
    authed = true;
  }
  if (info_.adminPassword == "NONE") authed = true;
  const bool asyncEnabled = touchClient(from, authed, now);

  const FunctionSpec* f = query ? findFunction(*query) : nullptr;
  if (f == nullptr || (f->needsAuth && !authed)) {
    ++counters_.noMatch;
    reply(from, errorReply(kNoFunctionsMatched), txid);
    return;
  }
  const Value* argsValue = request.find("args");
  const Dict* args = argsValue != nullptr && argsValue->isDict() ? &argsValue->asDict() : nullptr;
  if (auto err = checkArgs(*f, args)) {
    reply(from, errorReply(*err), txid);
    return;
  }
  static const Dict kNoArgs;
  const Dict& a = args != nullptr ? *args : kNoArgs;

  switch (f->handler) {
    case Handler::kPing: reply(from, dictOf({{"q", Value(std::string("pong"))}}), txid); return;
    case Handler::kAsyncEnabled:
      reply(from, dictOf({{"asyncEnabled", Value(std::int64_t{asyncEnabled ? 1 : 0})}}), txid);
      return;
    case Handler::kAvailableFunctions: {
      const Value* page = a.find("page");
      reply(from, availableFunctionsPage(page != nullptr && page->isInt() ? page->asInt() : 0), txid);
      return;
    }
    case Handler::kCorePid: reply(from, dictOf({{"pid", Value(std::int64_t{info_.corePid})}}), txid); return;
    case Handler::kImportFd:
      // What cjdns answers when no fd came with the request, as over UDP.
      reply(from, errorReply("file descriptor was not attached to message"), txid);
      return;
    case Handler::kAdminLogSubscriptions:
      // AdminLog_subscribe is not implemented, so there is never a subscription.
      reply(from, dictOf({{"entries", Value(util::List{})}}), txid);
      return;
    case Handler::kSnodeStatus:
      // We have no supernode hunter, so no active supernode.
      reply(from,
            dictOf({{"activeSnode", Value(std::string("NONE"))},
                    {"error", Value(std::string("none"))},
                    {"usingAuthorizedSnode", Value(std::int64_t{0})}}),
            txid);
      return;
    case Handler::kNotImplemented: reply(from, errorReply(kNotImplementedError), txid); return;
    default: callCore(*f, a, from, txid, now); return;
  }
}

void Bridge::callCore(const FunctionSpec& f, const Dict& args, const ClientAddr& from,
                      const std::optional<std::string>& txid, std::uint64_t now) {
  if (pending_.size() >= limits_.maxPending) {
    ++counters_.pendingFull;
    reply(from, errorReply("cjdns-admin: too many requests waiting for the core, try later"), txid);
    return;
  }
  capnp::MallocMessageBuilder mb(128);
  auto request = mb.initRoot<proto::AdminToCore>();
  PreparedCall call = prepareCall(f.handler, args, request);
  if (call.reply) {
    reply(from, std::move(*call.reply), txid);
    return;
  }
  const std::uint64_t id = nextId_++;
  request.setId(id);
  // Registered before sending, in case the link answers at once.
  pending_.emplace(id, Pending{from, txid, std::move(call.context), call.async, now + call.waitMs});
  if (!core_.send(mb)) {
    pending_.erase(id);
    ++counters_.coreSendFailed;
    reply(from, errorReply("cjdns-admin: the core cannot be reached"), txid);
    return;
  }
  ++counters_.toCore;
}

bool Bridge::onCoreMessage(proto::CoreToAdmin::Reader message, std::uint64_t now) {
  std::uint64_t id = 0;
  kj::Maybe<kj::Exception> idError = kj::runCatchingExceptions([&] { id = message.getId(); });
  if (idError != nullptr) {
    ++counters_.badAnswers;
    return false;
  }
  auto it = pending_.find(id);
  if (it == pending_.end()) {
    ++counters_.unknownAnswers;  // late (already timed out), cancelled, or never asked
    return true;
  }
  Pending p = std::move(it->second);
  pending_.erase(it);

  Value out;
  bool readable = true;
  kj::Maybe<kj::Exception> ex = kj::runCatchingExceptions([&] { out = formatAnswer(p.context, message, info_); });
  if (ex != nullptr) {
    ++counters_.badAnswers;
    readable = false;
    out = errorReply("cjdns-admin: malformed answer from the core");
  }
  if (p.async && !asyncAllowed(p.client, now)) {
    ++counters_.asyncUndeliverable;
    return readable;
  }
  reply(p.client, std::move(out), p.txid);
  return readable;
}

void Bridge::cancelInCore(std::uint64_t id) {
  capnp::MallocMessageBuilder mb(16);
  auto m = mb.initRoot<proto::AdminToCore>();
  m.setId(nextId_++);  // its own id: whatever the core says about it is dropped as unknown
  m.setCancel(id);
  (void)core_.send(mb);  // best effort
}

void Bridge::tick(std::uint64_t now) {
  std::vector<std::uint64_t> expired;
  for (const auto& [id, p] : pending_) {
    if (now >= p.deadlineMs) expired.push_back(id);
  }
  for (std::uint64_t id : expired) {
    auto it = pending_.find(id);
    Pending p = std::move(it->second);
    pending_.erase(it);
    ++counters_.coreTimeouts;
    cancelInCore(id);
    // cjdns answers synchronous calls at once; if ours did not come, say so
    // rather than leave the client waiting. A lost late answer is just lost.
    if (!p.async) reply(p.client, errorReply("cjdns-admin: no answer from the core"), p.txid);
  }
  if (now < lastSweepMs_ || now - lastSweepMs_ >= limits_.sweepMs) {
    lastSweepMs_ = now;
    for (auto it = clients_.begin(); it != clients_.end();) {
      if (now >= it->second && now - it->second > limits_.asyncIdleMs) {
        it = clients_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace cjdns::admin
