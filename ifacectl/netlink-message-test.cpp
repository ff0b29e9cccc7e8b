#include "ifacectl/netlink-message.h"

#include <doctest/doctest.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

using namespace cjdns::ifacectl;

namespace {

using Buf = std::vector<std::uint8_t>;

std::uint16_t u16At(Bytes b, std::size_t off) {
  std::uint16_t v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

std::uint32_t u32At(Bytes b, std::size_t off) {
  std::uint32_t v;
  std::memcpy(&v, b.data() + off, sizeof v);
  return v;
}

void append(Buf& out, const void* data, std::size_t len) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  out.insert(out.end(), p, p + len);
  out.resize((out.size() + 3) & ~std::size_t{3}, 0);
}

/// One attribute as the kernel lays it out: header, value, padding.
Buf attr(std::uint16_t type, const Buf& value) {
  Buf out;
  nlattr a{static_cast<std::uint16_t>(4 + value.size()), type};
  append(out, &a, sizeof a);
  append(out, value.data(), value.size());
  return out;
}

Buf u32(std::uint32_t v) { return Buf(reinterpret_cast<std::uint8_t*>(&v), reinterpret_cast<std::uint8_t*>(&v) + 4); }
Buf str(const std::string& s) { return Buf(s.c_str(), s.c_str() + s.size() + 1); }
Buf cat(std::initializer_list<Buf> parts) {
  Buf out;
  for (const Buf& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

/// A whole message: header, family header bytes, attributes.
Buf message(std::uint16_t type, std::uint16_t flags, const Buf& body, std::uint32_t lenOverride = 0) {
  Buf out;
  nlmsghdr h{};
  h.nlmsg_len = lenOverride ? lenOverride : static_cast<std::uint32_t>(sizeof h + body.size());
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  h.nlmsg_seq = 42;
  append(out, &h, sizeof h);
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

template <typename T>
Buf raw(const T& s) {
  Buf out;
  append(out, &s, sizeof s);
  return out;
}

NlReply only(const Buf& datagram) {
  auto split = splitMessages(datagram);
  REQUIRE(split.ok());
  REQUIRE(split->size() == 1);
  return split->front();
}

IpAddr ip(const char* text) {
  auto a = IpAddr::parse(text);
  REQUIRE(a.has_value());
  return *a;
}

}  // namespace

TEST_CASE("an RTM_NEWADDR request for an IPv6 /8 has the exact bytes ip addr add sends") {
  NlMessage m = buildAddress(RTM_NEWADDR, 7, ip("fc12:3456::1"), 8);
  m.setSeq(0x01020304);
  Bytes b = m.bytes();
  REQUIRE(b.size() == 16 + 8 + 20 + 20);
  CHECK(u32At(b, 0) == 64);                     // nlmsg_len
  CHECK(u16At(b, 4) == RTM_NEWADDR);
  CHECK(u16At(b, 6) == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL));
  CHECK(u32At(b, 8) == 0x01020304);             // seq
  CHECK(u32At(b, 12) == 0);                     // port id: the kernel fills it in
  CHECK(b[16] == AF_INET6);
  CHECK(b[17] == 8);                            // prefix length
  CHECK(b[18] == 0);                            // flags
  CHECK(b[19] == RT_SCOPE_UNIVERSE);
  CHECK(u32At(b, 20) == 7);                     // ifindex
  CHECK(u16At(b, 24) == 20);
  CHECK(u16At(b, 26) == IFA_LOCAL);
  CHECK(b[28] == 0xfc);
  CHECK(b[29] == 0x12);
  CHECK(b[43] == 0x01);
  CHECK(u16At(b, 44) == 20);
  CHECK(u16At(b, 46) == IFA_ADDRESS);
  CHECK(std::memcmp(b.data() + 28, b.data() + 48, 16) == 0);
  CHECK(m.seq() == 0x01020304);
}

TEST_CASE("an RTM_NEWADDR request for IPv4 carries 4-byte addresses") {
  NlMessage m = buildAddress(RTM_NEWADDR, 3, ip("10.66.0.1"), 24);
  Bytes b = m.bytes();
  REQUIRE(b.size() == 16 + 8 + 8 + 8);
  CHECK(u32At(b, 0) == b.size());
  CHECK(b[16] == AF_INET);
  CHECK(b[17] == 24);
  CHECK(u16At(b, 24) == 8);
  CHECK(b[28] == 10);
  CHECK(b[31] == 1);
}

TEST_CASE("an RTM_DELADDR request neither creates nor insists on exclusivity") {
  NlMessage m = buildAddress(RTM_DELADDR, 3, ip("fc00::1"), 8);
  CHECK(m.type() == RTM_DELADDR);
  CHECK(m.flags() == (NLM_F_REQUEST | NLM_F_ACK));
}

TEST_CASE("a set-link request changes only IFF_UP and carries the MTU when asked") {
  NlMessage both = buildSetLink(5, true, 1304u);
  Bytes b = both.bytes();
  REQUIRE(b.size() == 16 + 16 + 8);
  CHECK(u16At(b, 4) == RTM_NEWLINK);
  CHECK(u16At(b, 6) == (NLM_F_REQUEST | NLM_F_ACK));
  CHECK(u32At(b, 20) == 5);                      // ifi_index
  CHECK(u32At(b, 24) == IFF_UP);                 // ifi_flags
  CHECK(u32At(b, 28) == IFF_UP);                 // ifi_change
  CHECK(u16At(b, 32) == 8);
  CHECK(u16At(b, 34) == IFLA_MTU);
  CHECK(u32At(b, 36) == 1304);

  NlMessage mtuOnly = buildSetLink(5, false, 1400u);
  CHECK(u32At(mtuOnly.bytes(), 24) == 0);
  CHECK(u32At(mtuOnly.bytes(), 28) == 0);        // nothing about flags changes
  NlMessage upOnly = buildSetLink(5, true, std::nullopt);
  CHECK(upOnly.bytes().size() == 32);
}

TEST_CASE("a get-link request names the device with a NUL-terminated, padded string") {
  NlMessage m = buildGetLink("cjdroute0");
  Bytes b = m.bytes();
  REQUIRE(b.size() == 16 + 16 + 16);
  CHECK(u16At(b, 6) == NLM_F_REQUEST);
  CHECK(u16At(b, 32) == 4 + 10);
  CHECK(u16At(b, 34) == IFLA_IFNAME);
  CHECK(std::string(reinterpret_cast<const char*>(b.data() + 36)) == "cjdroute0");
  CHECK(b[45] == 0);
  CHECK(buildGetLinkDump().flags() == (NLM_F_REQUEST | NLM_F_DUMP));
  CHECK(buildGetAddrDump(AF_INET6).bytes()[16] == AF_INET6);
  CHECK(buildGetRouteDump(AF_INET).bytes()[16] == AF_INET);
}

TEST_CASE("an RTM_NEWROUTE request is on-link via the device with host bits cleared") {
  NlMessage m = buildNewRoute(9, ip("fc12:3456::1"), 8);
  Bytes b = m.bytes();
  REQUIRE(b.size() == 16 + 12 + 20 + 8);
  CHECK(u16At(b, 6) == (NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL));
  CHECK(b[16] == AF_INET6);
  CHECK(b[17] == 8);                       // dst_len
  CHECK(b[20] == RT_TABLE_MAIN);
  CHECK(b[21] == RTPROT_BOOT);
  CHECK(b[23] == RTN_UNICAST);
  CHECK(u16At(b, 30) == RTA_DST);
  CHECK(b[32] == 0xfc);
  for (int i = 33; i < 48; ++i) CHECK(b[i] == 0);
  CHECK(u16At(b, 50) == RTA_OIF);
  CHECK(u32At(b, 52) == 9);

  NlMessage v4 = buildNewRoute(9, ip("10.66.1.2"), 16);
  CHECK(v4.bytes()[22] == RT_SCOPE_LINK);
  CHECK(v4.bytes()[32] == 10);
  CHECK(v4.bytes()[33] == 66);
  CHECK(v4.bytes()[34] == 0);
}

TEST_CASE("requests we build parse back as the kernel's replies would") {
  NlMessage addr = buildAddress(RTM_NEWADDR, 7, ip("fc12::5"), 8);
  auto a = parseAddress(only(Buf(addr.bytes().begin(), addr.bytes().end())));
  REQUIRE(a.ok());
  CHECK(a->index == 7);
  CHECK(a->prefixLen == 8);
  CHECK(a->address == ip("fc12::5"));

  NlMessage route = buildNewRoute(4, ip("fc12::5"), 8);
  auto r = parseRoute(only(Buf(route.bytes().begin(), route.bytes().end())));
  REQUIRE(r.ok());
  CHECK(r->destination == ip("fc00::"));
  CHECK(r->prefixLen == 8);
  CHECK(r->outIndex == 4);
  CHECK(r->table == RT_TABLE_MAIN);
}

TEST_CASE("an nlmsgerr with errno 0 is an ack and a negative errno is an error") {
  nlmsgerr ok{};
  auto ack = parseAck(only(message(NLMSG_ERROR, NLM_F_CAPPED, raw(ok))));
  REQUIRE(ack.ok());
  CHECK(ack->error == 0);

  nlmsgerr bad{};
  bad.error = -EEXIST;
  ack = parseAck(only(message(NLMSG_ERROR, NLM_F_CAPPED, raw(bad))));
  REQUIRE(ack.ok());
  CHECK(ack->error == EEXIST);
  CHECK(ack->message.empty());
  CHECK(describeAck(ack.value()) == "File exists");
}

TEST_CASE("an extended ack's message is found after a capped or a full echo of the request") {
  nlmsgerr e{};
  e.error = -EINVAL;
  Buf msgAttr = attr(NLMSGERR_ATTR_MSG, str("Invalid prefix for given prefix length"));
  auto capped = parseAck(only(message(NLMSG_ERROR, NLM_F_CAPPED | NLM_F_ACK_TLVS, cat({raw(e), msgAttr}))));
  REQUIRE(capped.ok());
  CHECK(capped->error == EINVAL);
  CHECK(describeAck(capped.value()) == "Invalid argument (kernel: Invalid prefix for given prefix length)");

  // Uncapped: the whole request (header + 8 bytes of body) precedes the TLVs.
  e.msg.nlmsg_len = sizeof(nlmsghdr) + 8;
  Buf echoed = cat({raw(e), Buf(8, 0xaa), msgAttr});
  auto full = parseAck(only(message(NLMSG_ERROR, NLM_F_ACK_TLVS, echoed)));
  REQUIRE(full.ok());
  CHECK(full->message == "Invalid prefix for given prefix length");

  e.msg.nlmsg_len = 4000;  // claims an echo longer than the message
  CHECK_FALSE(parseAck(only(message(NLMSG_ERROR, NLM_F_ACK_TLVS, raw(e)))).ok());
}

TEST_CASE("a short or mistyped ack is an error, not a read past the buffer") {
  CHECK_FALSE(parseAck(only(message(NLMSG_ERROR, 0, Buf(4, 0)))).ok());
  nlmsgerr e{};
  auto wrongType = parseAck(only(message(RTM_NEWLINK, 0, raw(e))));
  REQUIRE_FALSE(wrongType.ok());
  CHECK(wrongType.error().message == "malformed netlink reply: expected an ack, got type 16");
}

TEST_CASE("a datagram splits into its messages and rejects inconsistent lengths") {
  nlmsgerr e{};
  Buf two = cat({message(NLMSG_ERROR, 0, raw(e)), message(NLMSG_DONE, 0, u32(0))});
  auto split = splitMessages(two);
  REQUIRE(split.ok());
  REQUIRE(split->size() == 2);
  CHECK(split->at(0).type == NLMSG_ERROR);
  CHECK(split->at(0).seq == 42);
  CHECK(split->at(1).type == NLMSG_DONE);
  CHECK(split->at(1).payload.size() == 4);

  CHECK(splitMessages(Buf{}).ok());
  CHECK_FALSE(splitMessages(Buf(10, 0)).ok());                          // short header
  CHECK_FALSE(splitMessages(message(NLMSG_DONE, 0, u32(0), 200)).ok());  // longer than the datagram
  CHECK_FALSE(splitMessages(message(NLMSG_DONE, 0, u32(0), 8)).ok());    // shorter than a header
}

TEST_CASE("attributes with impossible lengths are rejected") {
  Buf overrun = attr(IFLA_MTU, u32(1));
  overrun[0] = 40;
  auto r = forEachAttr(overrun, [](std::uint16_t, Bytes) { return true; });
  CHECK_FALSE(r.ok());
  Buf tooShort = attr(IFLA_MTU, u32(1));
  tooShort[0] = 2;
  CHECK_FALSE(forEachAttr(tooShort, [](std::uint16_t, Bytes) { return true; }).ok());
  // Trailing bytes shorter than an attribute header are ignored, as the kernel does.
  CHECK(forEachAttr(Buf{1, 2}, [](std::uint16_t, Bytes) { return false; }).ok());
}

TEST_CASE("a link reply gives name, MTU, flags, and a TUN's owner, group and persistence") {
  ifinfomsg ifi{};
  ifi.ifi_index = 12;
  ifi.ifi_flags = IFF_UP | IFF_POINTOPOINT | IFF_NOARP;
  Buf tunData = cat({attr(IFLA_TUN_OWNER, u32(65534)), attr(IFLA_TUN_GROUP, u32(65533)),
                     attr(IFLA_TUN_TYPE, Buf{IFF_TUN}), attr(IFLA_TUN_PI, Buf{0}),
                     attr(IFLA_TUN_PERSIST, Buf{1})});
  Buf linkInfo = cat({attr(IFLA_INFO_KIND, str("tun")), attr(IFLA_INFO_DATA | NLA_F_NESTED, tunData)});
  Buf body = cat({raw(ifi), attr(IFLA_IFNAME, str("cjdroute0")), attr(IFLA_MTU, u32(1304)),
                  attr(IFLA_LINKINFO | NLA_F_NESTED, linkInfo)});
  auto link = parseLink(only(message(RTM_NEWLINK, 0, body)));
  REQUIRE(link.ok());
  CHECK(link->index == 12);
  CHECK(link->name == "cjdroute0");
  CHECK(link->mtu == 1304);
  CHECK(link->flags == (IFF_UP | IFF_POINTOPOINT | IFF_NOARP));
  CHECK(link->kind == "tun");
  REQUIRE(link->tun.has_value());
  CHECK(link->tun->owner == 65534u);
  CHECK(link->tun->group == 65533u);
  CHECK(link->tun->persist);
  CHECK_FALSE(link->tun->tap);
  CHECK_FALSE(link->tun->packetInfo);
}

TEST_CASE("a link that is not a TUN has no TUN info, and a TUN without owner has none") {
  ifinfomsg ifi{};
  Buf veth = cat({raw(ifi), attr(IFLA_IFNAME, str("veth0")), attr(IFLA_LINKINFO, attr(IFLA_INFO_KIND, str("veth")))});
  auto link = parseLink(only(message(RTM_NEWLINK, 0, veth)));
  REQUIRE(link.ok());
  CHECK(link->kind == "veth");
  CHECK_FALSE(link->tun.has_value());

  Buf tun = cat({raw(ifi), attr(IFLA_LINKINFO, cat({attr(IFLA_INFO_KIND, str("tun")),
                                                     attr(IFLA_INFO_DATA, attr(IFLA_TUN_TYPE, Buf{IFF_TAP}))}))});
  link = parseLink(only(message(RTM_NEWLINK, 0, tun)));
  REQUIRE(link.ok());
  REQUIRE(link->tun.has_value());
  CHECK(link->tun->tap);
  CHECK_FALSE(link->tun->owner.has_value());
}

TEST_CASE("a link reply with a wrong-sized MTU or a truncated header is an error") {
  ifinfomsg ifi{};
  CHECK_FALSE(parseLink(only(message(RTM_NEWLINK, 0, cat({raw(ifi), attr(IFLA_MTU, Buf{1, 2})})))).ok());
  CHECK_FALSE(parseLink(only(message(RTM_NEWLINK, 0, Buf(8, 0)))).ok());
  Buf badTun = cat({raw(ifi), attr(IFLA_LINKINFO, cat({attr(IFLA_INFO_KIND, str("tun")),
                                                        attr(IFLA_INFO_DATA, attr(IFLA_TUN_OWNER, Buf{1}))}))});
  CHECK_FALSE(parseLink(only(message(RTM_NEWLINK, 0, badTun))).ok());
}

TEST_CASE("an address reply prefers IFA_LOCAL and refuses an address of the wrong family") {
  ifaddrmsg ifa{};
  ifa.ifa_family = AF_INET;
  ifa.ifa_prefixlen = 32;
  ifa.ifa_index = 3;
  const std::uint8_t peer[4] = {10, 0, 0, 2}, local[4] = {10, 0, 0, 1};
  Buf body = cat({raw(ifa), attr(IFA_ADDRESS, Buf(peer, peer + 4)), attr(IFA_LOCAL, Buf(local, local + 4)),
                  attr(IFA_FLAGS, u32(IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE))});
  auto a = parseAddress(only(message(RTM_NEWADDR, 0, body)));
  REQUIRE(a.ok());
  CHECK(a->address == ip("10.0.0.1"));
  CHECK(a->flags == (IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE));

  Buf wrongFamily = cat({raw(ifa), attr(IFA_ADDRESS, Buf(16, 0))});
  CHECK_FALSE(parseAddress(only(message(RTM_NEWADDR, 0, wrongFamily))).ok());
  CHECK_FALSE(parseAddress(only(message(RTM_NEWADDR, 0, raw(ifa)))).ok());  // no address at all
}

TEST_CASE("a route reply takes its table from RTA_TABLE when present") {
  rtmsg rt{};
  rt.rtm_family = AF_INET6;
  rt.rtm_dst_len = 8;
  rt.rtm_table = RT_TABLE_UNSPEC;
  rt.rtm_protocol = RTPROT_KERNEL;
  Buf dst(16, 0);
  dst[0] = 0xfc;
  Buf body = cat({raw(rt), attr(RTA_TABLE, u32(RT_TABLE_MAIN)), attr(RTA_DST, dst), attr(RTA_OIF, u32(5)),
                  attr(RTA_PRIORITY, u32(256))});
  auto r = parseRoute(only(message(RTM_NEWROUTE, 0, body)));
  REQUIRE(r.ok());
  CHECK(r->table == RT_TABLE_MAIN);
  CHECK(r->destination == ip("fc00::"));
  CHECK(r->priority == 256);
  CHECK(r->protocol == RTPROT_KERNEL);
  CHECK(r->outIndex == 5);
}
