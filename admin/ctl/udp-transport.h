// The only I/O of the admin client: a connected UDP socket to admin.bind.
// Connecting lets the kernel report "port unreachable" (nothing listens) as
// ECONNREFUSED on the next receive instead of a silent timeout.
#pragma once

#include <memory>
#include <string>

#include "admin/ctl/admin-client.h"
#include "core/util/host-port.h"
#include "core/util/result.h"

namespace cjdns::admin::ctl {

class UdpTransport final : public Transport {
 public:
  static util::Result<std::unique_ptr<UdpTransport>> open(const util::HostPort& to);
  ~UdpTransport() override;
  UdpTransport(const UdpTransport&) = delete;
  UdpTransport& operator=(const UdpTransport&) = delete;

  std::string send(std::string_view bytes) override;
  /// kInterrupted when a signal handler ran while waiting (EINTR).
  Received receive(int timeoutMs) override;
  std::string peerName() const override { return peer_; }

 private:
  UdpTransport(int fd, std::string peer) : fd_(fd), peer_(std::move(peer)) {}
  int fd_;
  std::string peer_;
};

}  // namespace cjdns::admin::ctl
