// Message: one packet in a fixed buffer with headroom and tailroom.
//
// Each layer pops its header off the front on the way in and pushes its
// header onto the front on the way out, in place: a packet read from a
// socket can be decrypted, switched and re-encrypted without copying or
// allocating. Operations that would run past the buffer fail and leave the
// message unchanged; callers turn that into a counted drop.
//
// Messages come from a MessagePool, so the packet path allocates nothing
// once the pool is warm.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace cjdns::wire {

class Message {
 public:
  static constexpr std::size_t kCapacity = 4096;
  /// Room in front for the headers a packet gains on its way out
  /// (peer-link CryptoAuth handshake 120 + switch header 12 + session
  /// headers), with margin.
  static constexpr std::size_t kDefaultHeadroom = 512;

  explicit Message(std::size_t headroom = kDefaultHeadroom) { reset(headroom); }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  /// Empties the message and places its start `headroom` bytes in.
  void reset(std::size_t headroom = kDefaultHeadroom);

  std::uint8_t* data() { return buf_.data() + start_; }
  const std::uint8_t* data() const { return buf_.data() + start_; }
  std::size_t length() const { return end_ - start_; }
  bool empty() const { return end_ == start_; }
  std::span<std::uint8_t> bytes() { return {data(), length()}; }
  std::span<const std::uint8_t> bytes() const { return {data(), length()}; }
  std::size_t headroom() const { return start_; }
  std::size_t tailroom() const { return kCapacity - end_; }

  /// Grows the front by n bytes; returns the new front, or nullptr (and no
  /// change) without enough headroom. The new bytes are not initialised.
  [[nodiscard]] std::uint8_t* push(std::size_t n);
  [[nodiscard]] bool push(std::span<const std::uint8_t> bytes);
  [[nodiscard]] bool pushBe16(std::uint16_t v);
  [[nodiscard]] bool pushBe32(std::uint32_t v);
  [[nodiscard]] bool pushBe64(std::uint64_t v);

  /// Removes n bytes from the front; false (and no change) if shorter.
  [[nodiscard]] bool pop(std::size_t n);
  /// Copies then removes the first out.size() bytes.
  [[nodiscard]] bool pop(std::span<std::uint8_t> out);
  [[nodiscard]] bool popBe16(std::uint16_t& v);
  [[nodiscard]] bool popBe32(std::uint32_t& v);
  [[nodiscard]] bool popBe64(std::uint64_t& v);

  /// Grows the tail by n bytes; returns a pointer to them, or nullptr.
  [[nodiscard]] std::uint8_t* extend(std::size_t n);
  [[nodiscard]] bool append(std::span<const std::uint8_t> bytes);
  /// Shortens to n bytes (n <= length()); false otherwise.
  [[nodiscard]] bool truncate(std::size_t n);

  /// Replaces the content with a copy of `bytes`, keeping the headroom.
  [[nodiscard]] bool assign(std::span<const std::uint8_t> bytes, std::size_t headroom = kDefaultHeadroom);

  /// The whole buffer, for a read() into [data(), data()+tailroom()).
  std::uint8_t* tailStart() { return buf_.data() + end_; }

 private:
  std::array<std::uint8_t, kCapacity> buf_;
  std::size_t start_ = 0;
  std::size_t end_ = 0;
};

/// Recycles Messages. Not thread-safe: one pool per event loop.
class MessagePool {
 public:
  struct Returner {
    MessagePool* pool;
    void operator()(Message* m) const;
  };
  using Ptr = std::unique_ptr<Message, Returner>;

  explicit MessagePool(std::size_t maxIdle = 256) : maxIdle_(maxIdle) {}
  ~MessagePool();
  MessagePool(const MessagePool&) = delete;
  MessagePool& operator=(const MessagePool&) = delete;

  /// An empty message with the given headroom; reuses an idle one if any.
  Ptr acquire(std::size_t headroom = Message::kDefaultHeadroom);
  std::size_t idle() const { return idle_.size(); }
  std::size_t allocated() const { return allocated_; }

 private:
  void release(Message* m);
  std::vector<Message*> idle_;
  std::size_t maxIdle_;
  std::size_t allocated_ = 0;
};

}  // namespace cjdns::wire
