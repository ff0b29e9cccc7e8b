// LinkMux: the one LinkSender the engine is given, in front of the kinds of
// link (UDP sockets, Ethernet devices). The peer controller numbers link
// interfaces in the order they are added, while each kind numbers its own
// sockets from 0; a route says which sender and which of its sockets an id
// means. Ids without a route go to the fallback unchanged: the config's UDP
// sockets are added first, so for them the id is the socket index.
//
// Lifetime: borrows the senders; they must outlive the mux.
#pragma once

#include <vector>

#include "core/iface/peer-controller.h"

namespace cjdns::node {

class LinkMux final : public iface::LinkSender {
 public:
  explicit LinkMux(iface::LinkSender& fallback) : fallback_(fallback) {}

  /// Link interface `linkIface` is socket `localIndex` of `sender`.
  void route(unsigned linkIface, iface::LinkSender& sender, unsigned localIndex) {
    if (routes_.size() <= linkIface) routes_.resize(linkIface + 1);
    routes_[linkIface] = Route{&sender, localIndex};
  }

  bool sendOnLink(unsigned linkIface, const iface::LinkAddress& to, const wire::Message& msg) override {
    if (linkIface < routes_.size() && routes_[linkIface].sender != nullptr) {
      return routes_[linkIface].sender->sendOnLink(routes_[linkIface].localIndex, to, msg);
    }
    return fallback_.sendOnLink(linkIface, to, msg);
  }

 private:
  struct Route {
    iface::LinkSender* sender = nullptr;
    unsigned localIndex = 0;
  };
  iface::LinkSender& fallback_;
  std::vector<Route> routes_;
};

}  // namespace cjdns::node
