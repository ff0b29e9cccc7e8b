#include "ifacectl/netlink-message.h"

#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/if_tun.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cassert>
#include <cstring>
#include <limits>

namespace cjdns::ifacectl {
namespace {

constexpr std::size_t kAlign = 4;

constexpr std::size_t align4(std::size_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }

util::Error malformed(const std::string& what) {
  return util::Error{"malformed netlink reply: " + what, {}, {}};
}

/// Copies a fixed struct out of the front of bytes (which must be long enough).
template <typename T>
T readStruct(Bytes bytes) {
  T out{};
  std::memcpy(&out, bytes.data(), sizeof out);
  return out;
}

/// The attribute area after a family header of size `header`.
std::optional<Bytes> attrsAfter(Bytes payload, std::size_t header) {
  if (payload.size() < header) return std::nullopt;
  std::size_t start = align4(header);
  if (start > payload.size()) start = payload.size();
  return payload.subspan(start);
}

bool readU32(Bytes value, std::uint32_t& out) {
  if (value.size() != sizeof out) return false;
  std::memcpy(&out, value.data(), sizeof out);
  return true;
}

bool readU8(Bytes value, std::uint8_t& out) {
  if (value.size() != 1) return false;
  out = value[0];
  return true;
}

/// A string attribute, up to its first NUL (the kernel always sends one).
std::string readString(Bytes value) {
  std::size_t n = 0;
  while (n < value.size() && value[n] != 0) ++n;
  return std::string(reinterpret_cast<const char*>(value.data()), n);
}

bool readAddr(Bytes value, int family, IpAddr& out) {
  auto a = IpAddr::fromBytes(value);
  if (!a || a->family != family) return false;
  out = *a;
  return true;
}

util::Result<TunInfo> parseTunData(Bytes data) {
  TunInfo tun;
  auto r = forEachAttr(data, [&](std::uint16_t type, Bytes v) {
    std::uint32_t u32 = 0;
    std::uint8_t u8 = 0;
    switch (type) {
      case IFLA_TUN_OWNER: if (!readU32(v, u32)) return false; tun.owner = u32; return true;
      case IFLA_TUN_GROUP: if (!readU32(v, u32)) return false; tun.group = u32; return true;
      case IFLA_TUN_TYPE: if (!readU8(v, u8)) return false; tun.tap = u8 == IFF_TAP; return true;
      case IFLA_TUN_PI: if (!readU8(v, u8)) return false; tun.packetInfo = u8 != 0; return true;
      case IFLA_TUN_PERSIST: if (!readU8(v, u8)) return false; tun.persist = u8 != 0; return true;
      default: return true;
    }
  });
  if (!r.ok()) return r.error();
  return tun;
}

/// IFLA_LINKINFO: the kind, and for tun devices the owner and flags.
util::Result<Ok> parseLinkInfo(Bytes area, LinkInfo& link) {
  std::optional<Bytes> data;
  auto r = forEachAttr(area, [&](std::uint16_t type, Bytes v) {
    if (type == IFLA_INFO_KIND) link.kind = readString(v);
    if (type == IFLA_INFO_DATA) data = v;
    return true;
  });
  if (!r.ok()) return r.error();
  if (link.kind == "tun" && data) {
    auto tun = parseTunData(*data);
    if (!tun.ok()) return tun.error();
    link.tun = tun.value();
  } else if (link.kind == "tun") {
    link.tun = TunInfo{};
  }
  return Ok{};
}

NlMessage dumpRequest(std::uint16_t type) {
  return NlMessage(type, static_cast<std::uint16_t>(NLM_F_REQUEST | NLM_F_DUMP));
}

constexpr std::uint16_t kCreate = NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL;

}  // namespace

// ---- NlMessage --------------------------------------------------------------

NlMessage::NlMessage(std::uint16_t type, std::uint16_t flags) {
  nlmsghdr h{};
  h.nlmsg_type = type;
  h.nlmsg_flags = flags;
  putBytes(&h, sizeof h);
}

void NlMessage::putBytes(const void* data, std::size_t len) {
  const auto* p = static_cast<const std::uint8_t*>(data);
  buf_.insert(buf_.end(), p, p + len);
  buf_.resize(align4(buf_.size()), 0);
  setLength();
}

void NlMessage::putAttr(std::uint16_t type, const void* data, std::size_t len) {
  assert(len <= std::numeric_limits<std::uint16_t>::max() - sizeof(nlattr));
  nlattr a{};
  a.nla_len = static_cast<std::uint16_t>(sizeof a + len);
  a.nla_type = type;
  const auto* p = reinterpret_cast<const std::uint8_t*>(&a);
  buf_.insert(buf_.end(), p, p + sizeof a);
  putBytes(data, len);
}

void NlMessage::putAttrU32(std::uint16_t type, std::uint32_t value) { putAttr(type, &value, sizeof value); }

void NlMessage::putAttrString(std::uint16_t type, std::string_view value) {
  std::string s(value);  // with its terminating NUL
  putAttr(type, s.c_str(), s.size() + 1);
}

void NlMessage::setLength() {
  auto len = static_cast<std::uint32_t>(buf_.size());
  std::memcpy(buf_.data() + offsetof(nlmsghdr, nlmsg_len), &len, sizeof len);
}

void NlMessage::setSeq(std::uint32_t seq) {
  std::memcpy(buf_.data() + offsetof(nlmsghdr, nlmsg_seq), &seq, sizeof seq);
}

std::uint32_t NlMessage::seq() const { return readStruct<nlmsghdr>(buf_).nlmsg_seq; }
std::uint16_t NlMessage::type() const { return readStruct<nlmsghdr>(buf_).nlmsg_type; }
std::uint16_t NlMessage::flags() const { return readStruct<nlmsghdr>(buf_).nlmsg_flags; }

// ---- requests ---------------------------------------------------------------

NlMessage buildGetLink(std::string_view name) {
  NlMessage m(RTM_GETLINK, NLM_F_REQUEST);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  m.putStruct(ifi);
  m.putAttrString(IFLA_IFNAME, name);
  return m;
}

NlMessage buildGetLinkDump() {
  NlMessage m = dumpRequest(RTM_GETLINK);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  m.putStruct(ifi);
  return m;
}

NlMessage buildSetLink(int ifIndex, bool up, std::optional<std::uint32_t> mtu) {
  NlMessage m(RTM_NEWLINK, NLM_F_REQUEST | NLM_F_ACK);
  ifinfomsg ifi{};
  ifi.ifi_family = AF_UNSPEC;
  ifi.ifi_index = ifIndex;
  if (up) {
    ifi.ifi_flags = IFF_UP;
    ifi.ifi_change = IFF_UP;
  }
  m.putStruct(ifi);
  if (mtu) m.putAttrU32(IFLA_MTU, *mtu);
  return m;
}

NlMessage buildAddress(std::uint16_t type, int ifIndex, const IpAddr& ip, unsigned prefixLen) {
  assert(type == RTM_NEWADDR || type == RTM_DELADDR);
  assert(prefixLen <= ip.maxPrefix());
  std::uint16_t flags = type == RTM_NEWADDR ? kCreate : NLM_F_REQUEST | NLM_F_ACK;
  NlMessage m(type, flags);
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<std::uint8_t>(ip.family);
  ifa.ifa_prefixlen = static_cast<std::uint8_t>(prefixLen);
  ifa.ifa_scope = RT_SCOPE_UNIVERSE;
  ifa.ifa_index = static_cast<std::uint32_t>(ifIndex);
  m.putStruct(ifa);
  m.putAttr(IFA_LOCAL, ip.bytes.data(), ip.size());
  m.putAttr(IFA_ADDRESS, ip.bytes.data(), ip.size());
  return m;
}

NlMessage buildGetAddrDump(int family) {
  NlMessage m = dumpRequest(RTM_GETADDR);
  ifaddrmsg ifa{};
  ifa.ifa_family = static_cast<std::uint8_t>(family);
  m.putStruct(ifa);
  return m;
}

NlMessage buildNewRoute(int ifIndex, const IpAddr& prefix, unsigned prefixLen) {
  assert(prefixLen <= prefix.maxPrefix());
  NlMessage m(RTM_NEWROUTE, kCreate);
  rtmsg rt{};
  rt.rtm_family = static_cast<std::uint8_t>(prefix.family);
  rt.rtm_dst_len = static_cast<std::uint8_t>(prefixLen);
  rt.rtm_table = RT_TABLE_MAIN;
  rt.rtm_protocol = RTPROT_BOOT;  // what `ip route add` marks routes with
  // IPv6 ignores the scope; IPv4 needs link scope for a route without gateway.
  rt.rtm_scope = prefix.family == AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
  rt.rtm_type = RTN_UNICAST;
  m.putStruct(rt);
  IpAddr dst = prefix.masked(prefixLen);
  m.putAttr(RTA_DST, dst.bytes.data(), dst.size());
  m.putAttrU32(RTA_OIF, static_cast<std::uint32_t>(ifIndex));
  return m;
}

NlMessage buildGetRouteDump(int family) {
  NlMessage m = dumpRequest(RTM_GETROUTE);
  rtmsg rt{};
  rt.rtm_family = static_cast<std::uint8_t>(family);
  m.putStruct(rt);
  return m;
}

// ---- replies ----------------------------------------------------------------

util::Result<std::vector<NlReply>> splitMessages(Bytes datagram) {
  std::vector<NlReply> out;
  std::size_t off = 0;
  while (off < datagram.size()) {
    Bytes rest = datagram.subspan(off);
    if (rest.size() < sizeof(nlmsghdr)) return malformed("truncated message header");
    auto h = readStruct<nlmsghdr>(rest);
    if (h.nlmsg_len < sizeof(nlmsghdr) || h.nlmsg_len > rest.size()) {
      return malformed("message length " + std::to_string(h.nlmsg_len) + " with " +
                       std::to_string(rest.size()) + " bytes left");
    }
    out.push_back(NlReply{h.nlmsg_type, h.nlmsg_flags, h.nlmsg_seq, h.nlmsg_pid,
                          rest.subspan(sizeof(nlmsghdr), h.nlmsg_len - sizeof(nlmsghdr))});
    off += align4(h.nlmsg_len);
  }
  return out;
}

util::Result<Ok> forEachAttr(Bytes area, const std::function<bool(std::uint16_t, Bytes)>& fn) {
  std::size_t off = 0;
  while (off + sizeof(nlattr) <= area.size()) {
    auto a = readStruct<nlattr>(area.subspan(off));
    if (a.nla_len < sizeof(nlattr) || a.nla_len > area.size() - off) {
      return malformed("attribute length " + std::to_string(a.nla_len));
    }
    auto type = static_cast<std::uint16_t>(a.nla_type & NLA_TYPE_MASK);
    if (!fn(type, area.subspan(off + sizeof(nlattr), a.nla_len - sizeof(nlattr)))) {
      return malformed("attribute " + std::to_string(type) + " has a bad size");
    }
    off += align4(a.nla_len);
  }
  return Ok{};
}

util::Result<NlAck> parseAck(const NlReply& reply) {
  if (reply.type != NLMSG_ERROR) return malformed("expected an ack, got type " + std::to_string(reply.type));
  if (reply.payload.size() < sizeof(nlmsgerr)) return malformed("truncated error message");
  auto e = readStruct<nlmsgerr>(reply.payload);
  NlAck ack;
  ack.error = e.error < 0 ? -e.error : e.error;
  if (!(reply.flags & NLM_F_ACK_TLVS)) return ack;
  // The TLVs follow the echoed request: its header only when capped,
  // otherwise the whole request.
  std::size_t tlvStart = sizeof(nlmsgerr);
  if (!(reply.flags & NLM_F_CAPPED)) tlvStart = sizeof(e.error) + align4(e.msg.nlmsg_len);
  if (tlvStart > reply.payload.size()) return malformed("extended ack past the message");
  auto r = forEachAttr(reply.payload.subspan(tlvStart), [&](std::uint16_t type, Bytes v) {
    if (type == NLMSGERR_ATTR_MSG) ack.message = readString(v);
    return true;
  });
  if (!r.ok()) return r.error();
  return ack;
}

util::Result<LinkInfo> parseLink(const NlReply& reply) {
  if (reply.type != RTM_NEWLINK) return malformed("expected a link, got type " + std::to_string(reply.type));
  auto attrs = attrsAfter(reply.payload, sizeof(ifinfomsg));
  if (!attrs) return malformed("truncated link message");
  auto ifi = readStruct<ifinfomsg>(reply.payload);
  LinkInfo link;
  link.index = ifi.ifi_index;
  link.flags = ifi.ifi_flags;
  std::optional<Bytes> linkInfo;
  auto r = forEachAttr(*attrs, [&](std::uint16_t type, Bytes v) {
    if (type == IFLA_IFNAME) link.name = readString(v);
    if (type == IFLA_MTU) return readU32(v, link.mtu);
    if (type == IFLA_LINKINFO) linkInfo = v;
    return true;
  });
  if (!r.ok()) return r.error();
  if (linkInfo) {
    auto info = parseLinkInfo(*linkInfo, link);
    if (!info.ok()) return info.error();
  }
  return link;
}

util::Result<AddressInfo> parseAddress(const NlReply& reply) {
  if (reply.type != RTM_NEWADDR) return malformed("expected an address, got type " + std::to_string(reply.type));
  auto attrs = attrsAfter(reply.payload, sizeof(ifaddrmsg));
  if (!attrs) return malformed("truncated address message");
  auto ifa = readStruct<ifaddrmsg>(reply.payload);
  AddressInfo info;
  info.index = static_cast<int>(ifa.ifa_index);
  info.prefixLen = ifa.ifa_prefixlen;
  info.scope = ifa.ifa_scope;
  info.flags = ifa.ifa_flags;
  IpAddr local, address;
  auto r = forEachAttr(*attrs, [&](std::uint16_t type, Bytes v) {
    if (type == IFA_LOCAL) return readAddr(v, ifa.ifa_family, local);
    if (type == IFA_ADDRESS) return readAddr(v, ifa.ifa_family, address);
    if (type == IFA_FLAGS) return readU32(v, info.flags);
    return true;
  });
  if (!r.ok()) return r.error();
  info.address = local.family != 0 ? local : address;
  if (info.address.family == 0) return malformed("address message without an address");
  return info;
}

util::Result<RouteInfo> parseRoute(const NlReply& reply) {
  if (reply.type != RTM_NEWROUTE) return malformed("expected a route, got type " + std::to_string(reply.type));
  auto attrs = attrsAfter(reply.payload, sizeof(rtmsg));
  if (!attrs) return malformed("truncated route message");
  auto rt = readStruct<rtmsg>(reply.payload);
  RouteInfo info;
  info.destination.family = rt.rtm_family;
  info.prefixLen = rt.rtm_dst_len;
  info.table = rt.rtm_table;
  info.protocol = rt.rtm_protocol;
  info.type = rt.rtm_type;
  std::uint32_t oif = 0;
  auto r = forEachAttr(*attrs, [&](std::uint16_t type, Bytes v) {
    if (type == RTA_DST) return readAddr(v, rt.rtm_family, info.destination);
    if (type == RTA_OIF) return readU32(v, oif);
    if (type == RTA_TABLE) return readU32(v, info.table);
    if (type == RTA_PRIORITY) return readU32(v, info.priority);
    return true;
  });
  if (!r.ok()) return r.error();
  info.outIndex = static_cast<int>(oif);
  return info;
}

std::string describeAck(const NlAck& ack) {
  std::string out = std::strerror(ack.error);
  if (!ack.message.empty()) out += " (kernel: " + ack.message + ")";
  return out;
}

}  // namespace cjdns::ifacectl
