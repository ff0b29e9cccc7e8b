// The process's one event loop (libevent): fd readiness and timers. Thin
// glue; the engine it drives takes `now` as an argument and does no I/O.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

struct event_base;
struct event;

namespace cjdns::node {

class EventLoop {
 public:
  using Callback = std::function<void()>;

  EventLoop();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  /// Milliseconds on the monotonic clock (the engine's notion of time).
  static std::uint64_t nowMs();

  /// Calls cb whenever fd is readable, until the loop ends.
  void onReadable(int fd, Callback cb);
  /// Calls cb every periodMs.
  void every(std::uint64_t periodMs, Callback cb);
  /// Calls cb once on SIGINT/SIGTERM (and similar) instead of dying.
  void onSignal(int signum, Callback cb);

  /// Runs until stop() is called or nothing is left to wait for.
  int run();
  void stop();

 private:
  struct Watch;
  event_base* base_;
  std::vector<std::unique_ptr<Watch>> watches_;
};

}  // namespace cjdns::node
