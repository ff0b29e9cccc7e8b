#include "core/admin/admin-endpoint.h"

#include <spdlog/spdlog.h>

#include <kj/exception.h>

#include "core/node/event-loop.h"

namespace cjdns::admin {

ipc::Limits bridgeLimits() {
  ipc::Limits l;
  l.maxBytes = 16 * 1024;  // the largest request (a password add, a ping's data) is far smaller
  l.maxFds = 0;            // the bridge never passes fds
  l.traversalWords = 4 * 1024;
  l.nestingLimit = 8;
  return l;
}

AdminEndpoint::AdminEndpoint(node::EventLoop& loop, node::NodeEngine& engine, AdminContext ctx, ipc::Channel channel,
                             std::shared_ptr<spdlog::logger> log)
    : AdminEndpoint(loop, engine, std::move(ctx), std::move(channel), std::move(log), Options{}) {}

AdminEndpoint::AdminEndpoint(node::EventLoop& loop, node::NodeEngine& engine, AdminContext ctx, ipc::Channel channel,
                             std::shared_ptr<spdlog::logger> log, Options options)
    : loop_(loop),
      log_(std::move(log)),
      options_(options),
      service_(engine, std::move(ctx)),
      channel_(std::move(channel)) {
  service_.setSink([this](capnp::MessageBuilder& m) { send(m); });
  timer_ = loop_.every(options_.tickMs, [this] { service_.tick(node::EventLoop::nowMs()); });
  attach();
}

AdminEndpoint::~AdminEndpoint() {
  detach();
  if (timer_ != 0) loop_.cancel(timer_);
  service_.setSink(nullptr);
  service_.cancelAll();
}

void AdminEndpoint::attach() {
  if (channel_.fd() < 0) return;
  ++counters_.channels;
  watch_ = loop_.onReadable(channel_.fd(), [this] { onReadable(); });
}

void AdminEndpoint::detach() {
  if (watch_ != 0) loop_.cancel(watch_);
  watch_ = 0;
}

void AdminEndpoint::replaceChannel(ipc::Channel channel) {
  detach();
  service_.cancelAll();  // their ids belong to the old bridge
  channel_ = std::move(channel);
  attach();
  if (log_) log_->info("admin: serving a new bridge channel");
}

void AdminEndpoint::send(capnp::MessageBuilder& message) {
  if (channel_.fd() < 0 || watch_ == 0) {
    ++counters_.sendFailed;
    return;
  }
  auto r = channel_.send(message);
  if (!r.ok()) {
    ++counters_.sendFailed;
    if (log_) log_->warn("admin: answer not sent: {}", r.error().message);
    return;
  }
  ++counters_.sent;
}

void AdminEndpoint::noteDrop(const std::string& why) {
  ++counters_.dropped;
  ++dropsSinceLog_;
  // At most one line per 10 s: a broken bridge must not flood the log.
  const std::uint64_t now = node::EventLoop::nowMs();
  if (log_ && (lastDropLogMs_ == 0 || now - lastDropLogMs_ >= 10'000)) {
    log_->warn("admin: dropped a message from the bridge: {} ({} dropped since the last report)", why,
               dropsSinceLog_);
    lastDropLogMs_ = now;
    dropsSinceLog_ = 0;
  }
}

void AdminEndpoint::onReadable() {
  for (unsigned n = 0; n < options_.maxPerWakeup && watch_ != 0; ++n) {
    ipc::Received in;
    auto r = channel_.receive(in);
    if (!r.ok()) {
      // One bad datagram (too long, fds, bad framing): it is gone, go on.
      noteDrop(r.error().message);
      continue;
    }
    if (r.value() == ipc::Channel::Status::kWouldBlock) return;
    if (r.value() == ipc::Channel::Status::kClosed) {
      if (log_) log_->warn("admin: the bridge closed its channel; waiting for a new one");
      detach();
      service_.cancelAll();
      return;
    }
    ++counters_.received;
    AdminService::Outcome outcome = AdminService::Outcome::kMalformed;
    kj::Maybe<kj::Exception> ex = kj::runCatchingExceptions([&] {
      auto req = in.reader().getRoot<proto::AdminToCore>();
      outcome = service_.handle(req, node::EventLoop::nowMs());
    });
    KJ_IF_MAYBE(e, ex) {
      (void)e;
      outcome = AdminService::Outcome::kMalformed;
    }
    if (outcome == AdminService::Outcome::kMalformed) noteDrop("unreadable request");
  }
}

}  // namespace cjdns::admin
