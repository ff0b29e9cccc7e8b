// Test helpers for core/admin: engines on an in-memory UDP network (as in
// core/node/node-engine-test.cpp), an AdminService per engine, and a sink
// that keeps every answer.
#pragma once

#include <arpa/inet.h>
#include <capnp/message.h>
#include <capnp/serialize.h>

#include <array>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/admin/admin-service.h"
#include "core/crypto/random.h"
#include "core/node/node-engine.h"

namespace cjdns::admin::test {

inline iface::LinkAddress udpAddr(const char* ip, std::uint16_t port) {
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(port);
  inet_pton(AF_INET, ip, &a.sin_addr);
  return iface::LinkAddress::fromSockaddr(reinterpret_cast<sockaddr*>(&a), sizeof a);
}

/// A real fc identity from a seed.
inline crypto::PrivateKey keyFor(std::uint64_t seed) {
  crypto::DeterministicRandom r(seed * 7919 + 17);
  return crypto::drawFcKey(r);
}

/// One answer as the sink saw it, kept as words.
class Answer {
 public:
  explicit Answer(capnp::MessageBuilder& mb) : words_(capnp::messageToFlatArray(mb)) {
    reader_ = std::make_unique<capnp::FlatArrayMessageReader>(words_.asPtr());
  }
  proto::CoreToAdmin::Reader get() const { return reader_->getRoot<proto::CoreToAdmin>(); }

 private:
  kj::Array<capnp::word> words_;
  std::unique_ptr<capnp::FlatArrayMessageReader> reader_;
};

class Net {
 public:
  struct Datagram {
    std::size_t to;
    iface::LinkAddress from;
    std::vector<std::uint8_t> bytes;
  };

  class Node final : public iface::LinkSender {
   public:
    Node(Net& net, std::size_t index, std::uint64_t seed, iface::LinkAddress addr)
        : net_(net), index_(index), rng_(seed), key_(keyFor(seed)), addr_(addr), engine_(key_, rng_, *this) {
      engine_.peers().addLinkInterface("UDP/" + addr.toString());
      AdminContext ctx;
      ctx.adminPassword = "secret";
      ctx.corePid = 4242;
      ctx.startedUnixMs = 1'700'000'000'000;
      ctx.unixNowMs = [&n = net_] { return 1'700'000'000'000 + n.now; };
      ctx.stopNode = [this] { ++stops; };
      service = std::make_unique<AdminService>(engine_, std::move(ctx));
      service->setSink([this](capnp::MessageBuilder& mb) { answers.push_back(std::make_unique<Answer>(mb)); });
    }
    ~Node() override { service.reset(); }  // before the engine it points into
    Node(const Node&) = delete;
    Node& operator=(const Node&) = delete;
    bool sendOnLink(unsigned, const iface::LinkAddress& to, const wire::Message& msg) override {
      for (std::size_t i = 0; i < net_.nodes.size(); ++i) {
        if (net_.nodes[i]->addr_ == to) {
          if (net_.isDown(i) || net_.isDown(index_)) return true;  // lost on the wire
          net_.queue.push_back({i, addr_, {msg.data(), msg.data() + msg.length()}});
          return true;
        }
      }
      return true;  // nobody there: lost
    }
    node::NodeEngine& engine() { return engine_; }
    const iface::LinkAddress& addr() const { return addr_; }
    crypto::PublicKey publicKey() const { return crypto::publicKeyOf(key_); }
    crypto::Ip6 ip6() const { return crypto::addressOf(publicKey()); }

    /// Builds a request with `fill`, hands it to the service; returns the outcome.
    AdminService::Outcome ask(std::uint64_t id, const std::function<void(proto::AdminToCore::Builder)>& fill) {
      capnp::MallocMessageBuilder mb;
      auto req = mb.initRoot<proto::AdminToCore>();
      req.setId(id);
      fill(req);
      return service->handle(mb.getRoot<proto::AdminToCore>().asReader(), net_.now);
    }
    /// The last answer with this id (asserting there is one).
    const Answer* answerFor(std::uint64_t id) const {
      for (auto it = answers.rbegin(); it != answers.rend(); ++it) {
        if ((*it)->get().getId() == id) return it->get();
      }
      return nullptr;
    }
    std::size_t countFor(std::uint64_t id) const {
      std::size_t n = 0;
      for (const auto& a : answers) n += a->get().getId() == id ? 1 : 0;
      return n;
    }

    std::unique_ptr<AdminService> service;
    std::vector<std::unique_ptr<Answer>> answers;
    int stops = 0;

   private:
    Net& net_;
    std::size_t index_;
    crypto::DeterministicRandom rng_;
    crypto::PrivateKey key_;
    iface::LinkAddress addr_;
    node::NodeEngine engine_;
  };

  Node& add(const char* ip) {
    nodes.push_back(std::make_unique<Node>(*this, nodes.size(), nodes.size() + 1, udpAddr(ip, 7937)));
    return *nodes.back();
  }

  void pump() {
    for (int guard = 0; guard < 100000 && !queue.empty(); ++guard) {
      Datagram d = std::move(queue.front());
      queue.pop_front();
      wire::Message m;
      if (!m.append(d.bytes)) continue;
      nodes[d.to]->engine().receiveFromLink(0, d.from, m, now);
    }
  }

  /// Advances time in steps of `step` ms, ticking engines and services.
  void run(std::uint64_t ms, std::uint64_t step = 128) {
    for (std::uint64_t t = 0; t < ms; t += step) {
      now += step;
      tickCount += step;
      const bool engineTick = tickCount >= 1024;
      if (engineTick) tickCount = 0;
      for (auto& n : nodes) {
        if (engineTick) n->engine().tick(now);
        n->service->tick(now);
      }
      pump();
    }
  }

  bool isDown(std::size_t i) const { return i < down.size() && down[i]; }

  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<bool> down;
  std::deque<Datagram> queue;
  std::uint64_t now = 1'000'000;
  std::uint64_t tickCount = 0;
};

inline iface::PeerController::Credentials creds(std::string password, std::string login = "",
                                                std::string peerName = "peer-b") {
  iface::PeerController::Credentials c;
  c.password = std::move(password);
  c.login = std::move(login);
  c.peerName = std::move(peerName);
  return c;
}

}  // namespace cjdns::admin::test
