#include "core/iface/udp-socket.h"

#include <doctest/doctest.h>

#include <cstring>

using namespace cjdns;

namespace {

iface::UdpSocket bindLoopback(bool v6) {
  auto hp = util::parseHostPort(v6 ? "[::1]:0" : "127.0.0.1:0");
  REQUIRE(hp.ok());
  std::string err;
  int fd = iface::UdpSocket::openBound(hp.value(), err);
  REQUIRE_MESSAGE(fd >= 0, err);
  return iface::UdpSocket(fd);
}

}  // namespace

TEST_CASE("udp socket carries one datagram per message over IPv4 and IPv6 loopback") {
  for (bool v6 : {false, true}) {
    auto a = bindLoopback(v6);
    auto b = bindLoopback(v6);
    wire::Message out;
    const char text[] = "peer packet";
    REQUIRE(out.append({reinterpret_cast<const std::uint8_t*>(text), sizeof text}));
    REQUIRE(a.send(out, b.localAddress()));
    wire::Message in;
    iface::LinkAddress from;
    iface::UdpSocket::Recv r = iface::UdpSocket::Recv::kWouldBlock;
    for (int i = 0; i < 1000 && r == iface::UdpSocket::Recv::kWouldBlock; ++i) r = b.receive(in, from);
    REQUIRE(r == iface::UdpSocket::Recv::kOk);
    CHECK(in.length() == sizeof text);
    CHECK(std::memcmp(in.data(), text, sizeof text) == 0);
    CHECK(from == a.localAddress());
    CHECK(from.family() == (v6 ? AF_INET6 : AF_INET));
  }
}

TEST_CASE("udp socket cuts an oversized datagram and says so") {
  auto a = bindLoopback(false);
  auto b = bindLoopback(false);
  wire::Message out(0);
  REQUIRE(out.extend(iface::UdpSocket::kMaxDatagram + 100) != nullptr);
  REQUIRE(a.send(out, b.localAddress()));
  wire::Message in;
  iface::LinkAddress from;
  auto r = iface::UdpSocket::Recv::kWouldBlock;
  for (int i = 0; i < 1000 && r == iface::UdpSocket::Recv::kWouldBlock; ++i) r = b.receive(in, from);
  CHECK(r == iface::UdpSocket::Recv::kTruncated);
  CHECK(in.length() == iface::UdpSocket::kMaxDatagram);
}

TEST_CASE("udp socket reports a bind failure with the address") {
  auto hp = util::parseHostPort("192.0.2.77:1");  // not a local address
  REQUIRE(hp.ok());
  std::string err;
  CHECK(iface::UdpSocket::openBound(hp.value(), err) == -1);
  CHECK(err.find("192.0.2.77:1") != std::string::npos);
}

TEST_CASE("link addresses compare by family, address and port, and print readably") {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(7937);
  a.sin_addr.s_addr = htonl(0x0a630701);
  auto la = iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&a), sizeof a);
  CHECK(la.toString() == "10.99.7.1:7937");
  sockaddr_in b = a;
  b.sin_port = htons(7938);
  auto lb = iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&b), sizeof b);
  CHECK_FALSE(la == lb);
  CHECK(la.hash() != lb.hash());
  const std::uint8_t mac[6] = {1, 2, 3, 4, 5, 0xab};
  CHECK(iface::LinkAddress::fromMac(mac).toString() == "01:02:03:04:05:ab");
  CHECK(iface::LinkAddress::fromSockaddr(nullptr, 0).empty());
}
