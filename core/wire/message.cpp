#include "core/wire/message.h"

#include <cassert>
#include <cstring>

#include "core/wire/endian.h"

namespace cjdns::wire {

void Message::reset(std::size_t headroom) {
  assert(headroom <= kCapacity);
  start_ = end_ = headroom;
}

std::uint8_t* Message::push(std::size_t n) {
  if (n > start_) return nullptr;
  start_ -= n;
  return data();
}

bool Message::push(std::span<const std::uint8_t> bytes) {
  std::uint8_t* p = push(bytes.size());
  if (p == nullptr) return false;
  if (!bytes.empty()) std::memmove(p, bytes.data(), bytes.size());
  return true;
}

bool Message::pushBe16(std::uint16_t v) {
  std::uint8_t* p = push(2);
  if (p != nullptr) storeBe16(p, v);
  return p != nullptr;
}

bool Message::pushBe32(std::uint32_t v) {
  std::uint8_t* p = push(4);
  if (p != nullptr) storeBe32(p, v);
  return p != nullptr;
}

bool Message::pushBe64(std::uint64_t v) {
  std::uint8_t* p = push(8);
  if (p != nullptr) storeBe64(p, v);
  return p != nullptr;
}

bool Message::pop(std::size_t n) {
  if (n > length()) return false;
  start_ += n;
  return true;
}

bool Message::pop(std::span<std::uint8_t> out) {
  if (out.size() > length()) return false;
  if (!out.empty()) std::memcpy(out.data(), data(), out.size());
  start_ += out.size();
  return true;
}

bool Message::popBe16(std::uint16_t& v) {
  if (length() < 2) return false;
  v = loadBe16(data());
  start_ += 2;
  return true;
}

bool Message::popBe32(std::uint32_t& v) {
  if (length() < 4) return false;
  v = loadBe32(data());
  start_ += 4;
  return true;
}

bool Message::popBe64(std::uint64_t& v) {
  if (length() < 8) return false;
  v = loadBe64(data());
  start_ += 8;
  return true;
}

std::uint8_t* Message::extend(std::size_t n) {
  if (n > tailroom()) return nullptr;
  std::uint8_t* p = buf_.data() + end_;
  end_ += n;
  return p;
}

bool Message::append(std::span<const std::uint8_t> bytes) {
  std::uint8_t* p = extend(bytes.size());
  if (p == nullptr) return false;
  if (!bytes.empty()) std::memmove(p, bytes.data(), bytes.size());
  return true;
}

bool Message::truncate(std::size_t n) {
  if (n > length()) return false;
  end_ = start_ + n;
  return true;
}

bool Message::assign(std::span<const std::uint8_t> bytes, std::size_t headroom) {
  if (headroom > kCapacity || bytes.size() > kCapacity - headroom) return false;
  reset(headroom);
  return append(bytes);
}

void MessagePool::Returner::operator()(Message* m) const { pool->release(m); }

MessagePool::~MessagePool() {
  for (Message* m : idle_) delete m;
}

MessagePool::Ptr MessagePool::acquire(std::size_t headroom) {
  Message* m;
  if (idle_.empty()) {
    m = new Message(headroom);
    ++allocated_;
  } else {
    m = idle_.back();
    idle_.pop_back();
    m->reset(headroom);
  }
  return Ptr(m, Returner{this});
}

void MessagePool::release(Message* m) {
  if (idle_.size() < maxIdle_) {
    idle_.push_back(m);
  } else {
    delete m;
    --allocated_;
  }
}

}  // namespace cjdns::wire
