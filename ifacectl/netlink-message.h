// rtnetlink messages as bytes: building requests and parsing replies.
//
// Everything here is pure (no sockets), so the exact bytes of each request
// and the handling of every malformed reply are unit-tested. Replies come
// from the kernel, but they are still parsed with bounds checks: a short or
// inconsistent message is an error, never a read past the buffer.
// Multi-byte fields are in host order, as netlink wants; addresses are in
// network order.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/util/result.h"
#include "ifacectl/ip-addr.h"

namespace cjdns::ifacectl {

/// The value of a Result that only reports success.
struct Ok {};

using Bytes = std::span<const std::uint8_t>;

/// One netlink request under construction: a nlmsghdr, the family header
/// (ifinfomsg, ifaddrmsg, rtmsg) and attributes, each 4-byte aligned.
/// nlmsg_len is kept current after every append.
class NlMessage {
 public:
  NlMessage(std::uint16_t type, std::uint16_t flags);

  /// Appends a fixed header struct (copied byte for byte, then padded).
  template <typename T>
  void putStruct(const T& header) {
    putBytes(&header, sizeof header);
  }
  void putAttr(std::uint16_t type, const void* data, std::size_t len);
  void putAttrU32(std::uint16_t type, std::uint32_t value);
  /// A NUL-terminated string attribute (IFLA_IFNAME and friends).
  void putAttrString(std::uint16_t type, std::string_view value);

  void setSeq(std::uint32_t seq);
  std::uint32_t seq() const;
  std::uint16_t type() const;
  std::uint16_t flags() const;
  Bytes bytes() const { return buf_; }

 private:
  void putBytes(const void* data, std::size_t len);
  void setLength();

  std::vector<std::uint8_t> buf_;
};

// ---- requests -------------------------------------------------------------

/// RTM_GETLINK for one device, by name.
NlMessage buildGetLink(std::string_view name);
/// RTM_GETLINK dump of every device.
NlMessage buildGetLinkDump();
/// RTM_NEWLINK on an existing device: set IFF_UP and/or the MTU. Acked.
NlMessage buildSetLink(int ifIndex, bool up, std::optional<std::uint32_t> mtu);
/// RTM_NEWADDR (create, fail if present) or RTM_DELADDR of ip/prefixLen on a
/// device. IFA_LOCAL and IFA_ADDRESS both carry ip, as `ip addr add` sends.
NlMessage buildAddress(std::uint16_t type, int ifIndex, const IpAddr& ip, unsigned prefixLen);
/// RTM_GETADDR dump for one family (AF_INET, AF_INET6 or AF_UNSPEC).
NlMessage buildGetAddrDump(int family);
/// RTM_NEWROUTE: prefix/len (host bits cleared) on-link via the device, in
/// the main table; create, fail if an identical route exists.
NlMessage buildNewRoute(int ifIndex, const IpAddr& prefix, unsigned prefixLen);
/// RTM_GETROUTE dump for one family.
NlMessage buildGetRouteDump(int family);

// ---- replies --------------------------------------------------------------

/// One message of a reply buffer: its header fields and the bytes after
/// the nlmsghdr.
struct NlReply {
  std::uint16_t type = 0;
  std::uint16_t flags = 0;
  std::uint32_t seq = 0;
  std::uint32_t portId = 0;
  Bytes payload;
};

/// Splits a datagram into messages; an error if a length is inconsistent.
util::Result<std::vector<NlReply>> splitMessages(Bytes datagram);

/// Calls fn(type, value) for each attribute of an attribute area; the type
/// has the nested/byte-order flags removed. An error on a bad length, or
/// when fn returns false (a value of the wrong size).
util::Result<Ok> forEachAttr(Bytes area, const std::function<bool(std::uint16_t, Bytes)>& fn);

/// An NLMSG_ERROR payload: errno 0 is an ack. With extended acks on, the
/// kernel's own explanation ("Invalid prefix for given prefix length").
struct NlAck {
  int error = 0;        ///< positive errno, 0 for success
  std::string message;  ///< NLMSGERR_ATTR_MSG, or ""
};
util::Result<NlAck> parseAck(const NlReply& reply);

/// The tun driver's IFLA_INFO_DATA.
struct TunInfo {
  std::optional<std::uint32_t> owner;  ///< absent when no owner is set
  std::optional<std::uint32_t> group;
  bool tap = false;        ///< IFF_TAP instead of IFF_TUN
  bool persist = false;    ///< survives its last fd being closed
  bool packetInfo = false; ///< 4-byte header on each packet (no IFF_NO_PI)
};

struct LinkInfo {
  int index = 0;
  std::string name;
  std::uint32_t mtu = 0;
  std::uint32_t flags = 0;    ///< IFF_UP, IFF_RUNNING, ... (ifi_flags)
  std::string kind;           ///< IFLA_INFO_KIND ("tun", "veth"), or ""
  std::optional<TunInfo> tun; ///< when kind is "tun"
};
util::Result<LinkInfo> parseLink(const NlReply& reply);

struct AddressInfo {
  int index = 0;
  IpAddr address;         ///< IFA_LOCAL, else IFA_ADDRESS
  unsigned prefixLen = 0;
  std::uint8_t scope = 0;
  std::uint32_t flags = 0;  ///< IFA_F_* (IFA_FLAGS when present)
};
util::Result<AddressInfo> parseAddress(const NlReply& reply);

struct RouteInfo {
  IpAddr destination;       ///< all zeros for a default route
  unsigned prefixLen = 0;
  int outIndex = 0;         ///< RTA_OIF, 0 if none
  std::uint32_t table = 0;
  std::uint8_t protocol = 0;  ///< RTPROT_KERNEL for prefix routes, RTPROT_BOOT for ours
  std::uint8_t type = 0;
  std::uint32_t priority = 0;
};
util::Result<RouteInfo> parseRoute(const NlReply& reply);

/// "Invalid argument" for EINVAL, plus " (kernel: <message>)" when given.
std::string describeAck(const NlAck& ack);

}  // namespace cjdns::ifacectl
