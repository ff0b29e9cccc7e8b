// What a configured peer (proto::Peer: connectTo of any link type) becomes
// for the peer controller. Shared by the UDP and Ethernet link shells.
#pragma once

#include <cstring>

#include "core/crypto/keys.h"
#include "core/iface/peer-controller.h"
#include "proto/config.capnp.h"

namespace cjdns::node {

/// A 32-byte key from the config; all zero if the size is wrong (the config
/// reader has already refused that).
inline crypto::PublicKey keyOf(capnp::Data::Reader d) {
  crypto::PublicKey k{};
  if (d.size() == k.size()) std::memcpy(k.data(), d.begin(), k.size());
  return k;
}

inline iface::PeerController::Credentials credentialsOf(proto::Peer::Reader peer) {
  iface::PeerController::Credentials cr;
  cr.password = peer.getPassword();
  cr.login = peer.getLogin();
  cr.peerName = peer.getPeerName();
  cr.version = peer.getVersion();
  return cr;
}

}  // namespace cjdns::node
