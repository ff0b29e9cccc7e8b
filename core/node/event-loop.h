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
struct timeval;

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

  /// Identifies a watch so that it can be cancelled.
  using WatchId = std::uint64_t;

  /// Calls cb whenever fd is readable, until cancelled or the loop ends.
  WatchId onReadable(int fd, Callback cb);
  /// Calls cb every periodMs.
  WatchId every(std::uint64_t periodMs, Callback cb);
  /// Calls cb once, after delayMs (the watch then goes away by itself).
  WatchId after(std::uint64_t delayMs, Callback cb);
  /// Calls cb on each delivery of signum instead of the default action.
  WatchId onSignal(int signum, Callback cb);
  /// Stops a watch; unknown or finished ids are ignored. Safe inside its own callback.
  void cancel(WatchId id);

  /// Runs until stop() is called or nothing is left to wait for.
  int run();
  void stop();

 private:
  struct Watch;
  WatchId add(std::unique_ptr<Watch> w, const timeval* tv);
  void reap();
  event_base* base_;
  std::vector<std::unique_ptr<Watch>> watches_;
  std::vector<std::unique_ptr<Watch>> dead_;  ///< cancelled inside a callback: freed later
  WatchId nextId_ = 1;
};

}  // namespace cjdns::node
