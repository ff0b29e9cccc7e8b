// A core that breaks the angel's IPC rules on purpose, one way per mode, for
// tests/privsep/hostile-core-test.sh. cjdroute runs it in place of cjdns-core
// (--core) and passes the mode with --core-arg. It reads the Configure like a
// real core, then misbehaves, then waits (the angel should kill it).
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "core/ipc/channel.h"
#include "proto/angel.capnp.h"

using namespace cjdns;

namespace {

ipc::Limits bigLimits() {
  ipc::Limits l;
  l.maxBytes = 1024 * 1024;
  l.maxFds = 64;
  l.traversalWords = 1u << 20;
  return l;
}

bool sendSimple(ipc::Channel& ch, void (*fill)(proto::CoreToAngel::Builder), std::vector<int> fds = {}) {
  capnp::MallocMessageBuilder mb;
  fill(mb.initRoot<proto::CoreToAngel>());
  auto r = ch.send(mb, fds);
  if (!r.ok()) std::fprintf(stderr, "hostile-core: send: %s\n", r.error().message.c_str());
  return r.ok();
}

void configured(proto::CoreToAngel::Builder m) { m.setConfigured(); }
void running(proto::CoreToAngel::Builder m) { m.setRunning(); }

/// Raw bytes, not a Cap'n Proto message of ours.
void sendRaw(int fd, const void* data, std::size_t n) {
  if (::send(fd, data, n, MSG_NOSIGNAL) < 0) std::perror("hostile-core: send raw");
}

}  // namespace

int main(int argc, char** argv) {
  std::string mode;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--ipc-fd") == 0) ++i;  // always 3
    else mode = argv[i];
  }
  ipc::Channel ch(ipc::Fd(3), bigLimits());
  pollfd p{3, POLLIN, 0};
  if (::poll(&p, 1, 10000) != 1) return 2;
  ipc::Received conf;
  auto r = ch.receive(conf);
  if (!r.ok() || r.value() != ipc::Channel::Status::kMessage) return 2;
  std::fprintf(stderr, "hostile-core: mode %s, got configure with %zu fds\n", mode.c_str(), conf.fds().size());

  if (mode == "out-of-phase") {
    sendSimple(ch, running);  // RUNNING before CONFIGURED
  } else if (mode == "repeated") {
    sendSimple(ch, configured);
    sendSimple(ch, configured);
  } else if (mode == "oversized") {
    std::vector<char> big(160 * 1024, 'x');  // over the angel's 128 KiB per message
    sendRaw(3, big.data(), big.size());
  } else if (mode == "oversized-packet") {
    sendSimple(ch, configured);
    sendSimple(ch, running);
    capnp::MallocMessageBuilder mb;
    std::vector<kj::byte> pkt(70000, 0x60);  // over 65535 bytes
    mb.initRoot<proto::CoreToAngel>().initRelayPacket().setData(kj::arrayPtr(pkt.data(), pkt.size()));
    (void)ch.send(mb);
  } else if (mode == "fd-bearing") {
    sendSimple(ch, configured, {0});
  } else if (mode == "out-of-config") {
    sendSimple(ch, configured);
    sendSimple(ch, running);
    capnp::MallocMessageBuilder mb;
    auto pfx = mb.initRoot<proto::CoreToAngel>().initAddTunnelAddress();
    const kj::byte v4[4] = {10, 99, 0, 1};
    const kj::byte gw[32] = {1, 2, 3};  // no such gateway in the config
    pfx.setAddress(kj::arrayPtr(v4, 4));
    pfx.setPrefixLength(24);
    pfx.setGateway(kj::arrayPtr(gw, 32));
    (void)ch.send(mb);
  } else if (mode == "garbage") {
    const char junk[24] = "not capnp, just junk!!";
    sendRaw(3, junk, sizeof junk);
  } else if (mode == "crash") {
    sendSimple(ch, configured);
    return 3;
  } else {
    std::fprintf(stderr, "hostile-core: unknown mode %s\n", mode.c_str());
    return 2;
  }
  // Wait to be killed (or for the angel to go away).
  ::poll(&p, 1, 20000);
  return 0;
}
