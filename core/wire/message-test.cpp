#include "core/wire/message.h"

#include <doctest/doctest.h>

#include <array>

using cjdns::wire::Message;
using cjdns::wire::MessagePool;

TEST_CASE("message pushes and pops headers in place around its payload") {
  Message m(16);
  std::array<std::uint8_t, 3> payload{1, 2, 3};
  REQUIRE(m.append(payload));
  REQUIRE(m.pushBe32(0xdeadbeef));
  REQUIRE(m.pushBe16(0x0102));
  CHECK(m.length() == 9);
  CHECK(m.headroom() == 10);
  std::uint16_t a = 0;
  std::uint32_t b = 0;
  REQUIRE(m.popBe16(a));
  REQUIRE(m.popBe32(b));
  CHECK(a == 0x0102);
  CHECK(b == 0xdeadbeef);
  CHECK(m.length() == 3);
  CHECK(m.data()[2] == 3);
}

TEST_CASE("message refuses to run past its headroom, its tailroom or its length") {
  Message m(4);
  CHECK(m.push(5) == nullptr);
  CHECK(m.headroom() == 4);
  CHECK(m.pushBe32(1));
  CHECK_FALSE(m.pushBe16(1));
  std::uint64_t v = 0;
  CHECK_FALSE(m.popBe64(v));
  CHECK(m.length() == 4);
  CHECK_FALSE(m.pop(5));
  CHECK_FALSE(m.truncate(5));
  CHECK(m.extend(Message::kCapacity) == nullptr);
  CHECK(m.extend(m.tailroom()) != nullptr);
  CHECK(m.tailroom() == 0);
  std::array<std::uint8_t, 1> one{};
  CHECK_FALSE(m.append(one));
}

TEST_CASE("message pool reuses messages instead of allocating") {
  MessagePool pool(4);
  {
    auto a = pool.acquire();
    auto b = pool.acquire();
    CHECK(pool.allocated() == 2);
  }
  CHECK(pool.idle() == 2);
  auto c = pool.acquire(100);
  CHECK(pool.allocated() == 2);
  CHECK(c->headroom() == 100);
  CHECK(c->empty());
}
