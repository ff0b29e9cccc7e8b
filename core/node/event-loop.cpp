#include "core/node/event-loop.h"

#include <event2/event.h>

#include <algorithm>
#include <cstdlib>
#include <ctime>

namespace cjdns::node {

struct EventLoop::Watch {
  Callback cb;
  event* ev = nullptr;
  WatchId id = 0;
  bool oneShot = false;
  EventLoop* loop = nullptr;
  ~Watch() {
    if (ev != nullptr) event_free(ev);
  }
  static void trampoline(evutil_socket_t, short, void* self) {
    auto* w = static_cast<Watch*>(self);
    EventLoop* loop = w->loop;
    const WatchId id = w->id;
    const bool oneShot = w->oneShot;
    w->cb();  // may cancel this very watch: it is then parked in dead_, not freed
    if (oneShot) loop->cancel(id);
    loop->reap();
  }
};

EventLoop::EventLoop() : base_(event_base_new()) {
  if (base_ == nullptr) std::abort();  // out of memory at start-up: nothing sensible to do
}

EventLoop::~EventLoop() {
  watches_.clear();
  dead_.clear();
  event_base_free(base_);
}

std::uint64_t EventLoop::nowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

EventLoop::WatchId EventLoop::add(std::unique_ptr<Watch> w, const timeval* tv) {
  w->id = nextId_++;
  w->loop = this;
  event_add(w->ev, tv);
  watches_.push_back(std::move(w));
  return watches_.back()->id;
}

EventLoop::WatchId EventLoop::onReadable(int fd, Callback cb) {
  auto w = std::make_unique<Watch>();
  w->cb = std::move(cb);
  w->ev = event_new(base_, fd, EV_READ | EV_PERSIST, &Watch::trampoline, w.get());
  return add(std::move(w), nullptr);
}

EventLoop::WatchId EventLoop::every(std::uint64_t periodMs, Callback cb) {
  auto w = std::make_unique<Watch>();
  w->cb = std::move(cb);
  w->ev = event_new(base_, -1, EV_PERSIST, &Watch::trampoline, w.get());
  timeval tv{static_cast<time_t>(periodMs / 1000), static_cast<suseconds_t>((periodMs % 1000) * 1000)};
  return add(std::move(w), &tv);
}

EventLoop::WatchId EventLoop::after(std::uint64_t delayMs, Callback cb) {
  auto w = std::make_unique<Watch>();
  w->cb = std::move(cb);
  w->oneShot = true;
  w->ev = event_new(base_, -1, 0, &Watch::trampoline, w.get());
  timeval tv{static_cast<time_t>(delayMs / 1000), static_cast<suseconds_t>((delayMs % 1000) * 1000)};
  return add(std::move(w), &tv);
}

EventLoop::WatchId EventLoop::onSignal(int signum, Callback cb) {
  auto w = std::make_unique<Watch>();
  w->cb = std::move(cb);
  w->ev = evsignal_new(base_, signum, &Watch::trampoline, w.get());
  return add(std::move(w), nullptr);
}

void EventLoop::cancel(WatchId id) {
  auto it = std::find_if(watches_.begin(), watches_.end(), [id](const auto& w) { return w->id == id; });
  if (it == watches_.end()) return;
  event_del((*it)->ev);
  dead_.push_back(std::move(*it));
  watches_.erase(it);
}

void EventLoop::reap() { dead_.clear(); }

int EventLoop::run() { return event_base_dispatch(base_); }

void EventLoop::stop() { event_base_loopbreak(base_); }

}  // namespace cjdns::node
