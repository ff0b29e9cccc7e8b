#include "core/node/event-loop.h"

#include <event2/event.h>

#include <cstdlib>
#include <ctime>

namespace cjdns::node {

struct EventLoop::Watch {
  Callback cb;
  event* ev = nullptr;
  ~Watch() {
    if (ev != nullptr) event_free(ev);
  }
  static void trampoline(evutil_socket_t, short, void* self) { static_cast<Watch*>(self)->cb(); }
};

EventLoop::EventLoop() : base_(event_base_new()) {
  if (base_ == nullptr) std::abort();  // out of memory at start-up: nothing sensible to do
}

EventLoop::~EventLoop() {
  watches_.clear();
  event_base_free(base_);
}

std::uint64_t EventLoop::nowMs() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1000u + static_cast<std::uint64_t>(ts.tv_nsec) / 1000000u;
}

void EventLoop::onReadable(int fd, Callback cb) {
  auto w = std::make_unique<Watch>();
  w->cb = std::move(cb);
  w->ev = event_new(base_, fd, EV_READ | EV_PERSIST, &Watch::trampoline, w.get());
  event_add(w->ev, nullptr);
  watches_.push_back(std::move(w));
}

void EventLoop::every(std::uint64_t periodMs, Callback cb) {
  auto w = std::make_unique<Watch>();
  w->cb = std::move(cb);
  w->ev = event_new(base_, -1, EV_PERSIST, &Watch::trampoline, w.get());
  timeval tv{static_cast<time_t>(periodMs / 1000), static_cast<suseconds_t>((periodMs % 1000) * 1000)};
  event_add(w->ev, &tv);
  watches_.push_back(std::move(w));
}

void EventLoop::onSignal(int signum, Callback cb) {
  auto w = std::make_unique<Watch>();
  w->cb = std::move(cb);
  w->ev = evsignal_new(base_, signum, &Watch::trampoline, w.get());
  event_add(w->ev, nullptr);
  watches_.push_back(std::move(w));
}

int EventLoop::run() { return event_base_dispatch(base_); }

void EventLoop::stop() { event_base_loopbreak(base_); }

}  // namespace cjdns::node
