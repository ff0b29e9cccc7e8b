#include "admin/ctl/discovery.h"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

#include "core/crypto/address.h"
#include "core/util/json-reader.h"

namespace cjdns::admin::ctl {
namespace {

using util::Value;

util::Error bad(std::string message) { return util::Error{std::move(message), {}, ""}; }

bool allZero(const util::HostPort& hp) {
  for (std::size_t i = 0; i < hp.ipLength(); ++i) {
    if (hp.ip[i] != 0) return false;
  }
  return true;
}

void loopbackIfAny(util::HostPort& hp) {
  if (!allZero(hp)) return;
  if (hp.isIpv6) {
    hp.ip[15] = 1;
  } else {
    hp.ip[0] = 127;
    hp.ip[3] = 1;
  }
}

struct FileSettings {
  std::optional<util::HostPort> address;
  std::optional<std::string> password;
};

/// ~/.cjdnsadmin: {"addr": "127.0.0.1", "port": 11234, "password": "..."};
/// absent fields take the tools' defaults. `config` (cjdnsadminmaker) is ignored.
util::Result<FileSettings> readAdminFile(const std::string& path, const std::string& text) {
  auto parsed = util::parseJson(text);
  if (!parsed.ok()) return bad(path + ": " + parsed.error().toString());
  if (!parsed->isDict()) return bad(path + ": expected a JSON object");
  const util::Dict& d = parsed->asDict();
  std::string addr = "127.0.0.1";
  std::int64_t port = kDefaultAdminPort;
  FileSettings out;
  out.password = "NONE";
  if (const Value* v = d.find("addr")) {
    if (!v->isString()) return bad(path + ": \"addr\" must be a string");
    addr = v->asString();
  }
  if (const Value* v = d.find("port")) {
    if (v->isInt()) {
      port = v->asInt();
    } else if (v->isString() && !v->asString().empty() &&
               v->asString().find_first_not_of("0123456789") == std::string::npos && v->asString().size() <= 5) {
      port = std::stoll(v->asString());
    } else {
      return bad(path + ": \"port\" must be a number");
    }
    if (port < 1 || port > 65535) return bad(path + ": \"port\" out of range: " + std::to_string(port));
  }
  if (const Value* v = d.find("password")) {
    if (!v->isString()) return bad(path + ": \"password\" must be a string");
    out.password = v->asString();
  }
  std::string hostPort = addr.find(':') != std::string::npos ? "[" + addr + "]:" + std::to_string(port)
                                                             : addr + ":" + std::to_string(port);
  auto hp = util::parseHostPort(hostPort);
  if (!hp.ok()) return bad(path + ": \"addr\": " + hp.error().message);
  out.address = hp.value();
  loopbackIfAny(*out.address);
  return out;
}

/// cjdroute.conf: the `admin` block's bind and password (cjdns defaults
/// 127.0.0.1:11234; a config without a password has none to give).
util::Result<FileSettings> readCjdrouteConf(const std::string& path, const std::string& text) {
  auto parsed = util::readConfigText(text);
  if (!parsed.ok()) return bad(path + ": " + parsed.error().toString());
  FileSettings out;
  const Value* admin = parsed->asDict().find("admin");
  if (admin == nullptr) return out;
  if (!admin->isDict()) return bad(path + ": \"admin\" must be a dict");
  if (const Value* bind = admin->asDict().find("bind")) {
    if (!bind->isString()) return bad(path + ": admin.bind must be a string");
    auto hp = parseAdminAddress(bind->asString());
    if (!hp.ok()) return bad(path + ": admin.bind: " + hp.error().message);
    out.address = hp.value();
  }
  if (const Value* pw = admin->asDict().find("password")) {
    if (!pw->isString()) return bad(path + ": admin.password must be a string");
    out.password = pw->asString();
  }
  return out;
}

std::string expandHome(const std::string& path, const std::string& home) {
  if (path == "~" || path.starts_with("~/")) return home + path.substr(1);
  return path;
}

}  // namespace

util::Result<util::HostPort> parseAdminAddress(const std::string& text) {
  std::string t = text;
  // A bare IPv6 address ("::1", "fc00::1") has more than one ':' and no brackets.
  if (!t.empty() && t[0] != '[' && t.find(':') != t.rfind(':')) {
    if (!crypto::parseIp6(t)) return bad("not an address: \"" + text + "\" (write [ipv6]:port)");
    t = "[" + t + "]";
  }
  auto hp = util::parseHostPort(t, util::PortRule::kOptional);
  if (!hp.ok()) return hp;
  if (hp->port == 0) hp->port = kDefaultAdminPort;
  loopbackIfAny(hp.value());
  return hp;
}

DiscoveryInputs systemInputs(std::optional<std::string> adminFlag, std::optional<std::string> passwordFlag,
                             std::optional<std::string> adminFileFlag, std::optional<std::string> configFlag) {
  DiscoveryInputs in;
  in.adminFlag = std::move(adminFlag);
  in.passwordFlag = std::move(passwordFlag);
  in.adminFileFlag = std::move(adminFileFlag);
  in.configFlag = std::move(configFlag);
  if (const char* v = std::getenv("CJDNS_ADMIN"); v != nullptr && *v != '\0') in.envAdmin = v;
  if (const char* v = std::getenv("CJDNS_ADMIN_PASSWORD"); v != nullptr) in.envPassword = v;
  if (const char* v = std::getenv("HOME"); v != nullptr) in.home = v;
  in.readFile = [](const std::string& path) {
    FileText f;
    std::ifstream file(path, std::ios::binary);
    if (!file) {
      int e = errno;
      f.status = e == ENOENT || e == ENOTDIR ? FileText::Status::kMissing : FileText::Status::kError;
      f.error = std::strerror(e);
      return f;
    }
    std::ostringstream ss;
    ss << file.rdbuf();
    f.status = FileText::Status::kOk;
    f.text = ss.str();
    return f;
  };
  return in;
}

util::Result<AdminTarget> discoverAdmin(const DiscoveryInputs& in) {
  AdminTarget t;
  std::optional<util::HostPort> address;
  std::optional<std::string> password;

  if (in.adminFlag) {
    auto hp = parseAdminAddress(*in.adminFlag);
    if (!hp.ok()) return bad("--admin: " + hp.error().message);
    address = hp.value();
    t.addressSource = "--admin";
  } else if (in.envAdmin) {
    auto hp = parseAdminAddress(*in.envAdmin);
    if (!hp.ok()) return bad("CJDNS_ADMIN: " + hp.error().message);
    address = hp.value();
    t.addressSource = "CJDNS_ADMIN";
  }
  if (in.passwordFlag) {
    password = *in.passwordFlag;
    t.passwordSource = "--password";
  } else if (in.envPassword) {
    password = *in.envPassword;
    t.passwordSource = "CJDNS_ADMIN_PASSWORD";
  }

  if (!address || !password) {
    // One file, the first that exists; a file named on the command line must.
    struct Candidate {
      std::string path;
      bool cjdnsadmin;
      bool explicitlyNamed;
    };
    std::vector<Candidate> candidates;
    if (in.adminFileFlag) {
      candidates.push_back({expandHome(*in.adminFileFlag, in.home), true, true});
    } else if (in.configFlag) {
      candidates.push_back({*in.configFlag, false, true});
    } else {
      if (!in.home.empty()) candidates.push_back({in.home + "/.cjdnsadmin", true, false});
      candidates.push_back({kDefaultConfigFile, false, false});
    }
    for (const Candidate& c : candidates) {
      FileText f = in.readFile(c.path);
      if (f.status != FileText::Status::kOk) {
        std::string why = f.status == FileText::Status::kMissing ? "not found" : f.error;
        if (c.explicitlyNamed) return bad("cannot read " + c.path + ": " + why);
        t.notes.push_back(c.path + ": " + why);
        continue;
      }
      auto settings = c.cjdnsadmin ? readAdminFile(c.path, f.text) : readCjdrouteConf(c.path, f.text);
      if (!settings.ok()) return settings.error();
      if (!address && settings->address) {
        address = settings->address;
        t.addressSource = c.path;
      }
      if (!password && settings->password) {
        password = settings->password;
        t.passwordSource = c.path;
      }
      break;
    }
  }

  if (!address) {
    address = parseAdminAddress("127.0.0.1:11234").value();
    t.addressSource = "default";
  }
  if (!password) {
    password = "NONE";
    t.passwordSource = "default";
  }
  t.address = *address;
  t.password = *password;
  return t;
}

}  // namespace cjdns::admin::ctl
