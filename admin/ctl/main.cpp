// cjdnsctl: the operators' command line for a running cjdns node (peers,
// ping, traceroute, routing table, sessions, peering and passwords, any
// admin function), speaking the cjdns admin protocol (bencode over UDP).
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "admin/ctl/cli.h"
#include "admin/ctl/discovery.h"
#include "admin/ctl/udp-transport.h"
#include "cjdns-version.h"

namespace {

using namespace cjdns::admin::ctl;

volatile int gInterrupted = 0;

void onSigint(int) { gInterrupted = 1; }

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto parsed = parseArgs(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "cjdnsctl: %s (try cjdnsctl --help)\n", parsed.error().message.c_str());
    return kExitUsage;
  }
  const Options& o = parsed.value();
  if (o.help) {
    std::fputs(helpText(o.command).c_str(), stdout);
    return kExitOk;
  }
  if (o.version) {
    std::printf("cjdnsctl (cjdns-cpp %s)\n", CJDNS_PACKAGE_VERSION);
    return kExitOk;
  }

  auto target = discoverAdmin(systemInputs(o.admin, o.password, o.adminFile, o.config));
  if (!target.ok()) {
    std::fprintf(stderr, "cjdnsctl: %s\n", target.error().message.c_str());
    return kExitUsage;
  }
  const AdminTarget& t = target.value();
  if (o.verbose) {
    for (const std::string& note : t.notes) std::fprintf(stderr, "cjdnsctl: skipped %s\n", note.c_str());
    std::fprintf(stderr, "cjdnsctl: admin %s (from %s), password from %s\n", t.address.toString().c_str(),
                 t.addressSource.c_str(), t.passwordSource.c_str());
  }

  auto transport = UdpTransport::open(t.address);
  if (!transport.ok()) {
    std::fprintf(stderr, "cjdnsctl: %s\n", transport.error().message.c_str());
    return kExitUnreachable;
  }
  AdminClient::Options copts;
  copts.timeoutMs = o.timeoutMs;
  AdminClient client(*transport.value(), t.password, copts);

  // Ctrl-C ends a ping with its summary; poll() then returns EINTR.
  struct sigaction sa {};
  sa.sa_handler = onSigint;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = 0;
  if (o.command == "ping" || o.command == "traceroute") sigaction(SIGINT, &sa, nullptr);

  int rc = runCommand(o, client, t, std::cout, std::cerr, &gInterrupted);
  std::cout.flush();
  return rc;
}
