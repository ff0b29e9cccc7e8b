#include "admin/ctl/discovery.h"

#include <doctest/doctest.h>

#include <map>

namespace cjdns::admin::ctl {
namespace {

/// Inputs over an in-memory file system.
struct Fs {
  std::map<std::string, FileText> files;
  void put(const std::string& path, std::string text) {
    files[path] = FileText{FileText::Status::kOk, std::move(text), ""};
  }
  void deny(const std::string& path) { files[path] = FileText{FileText::Status::kError, "", "Permission denied"}; }
  DiscoveryInputs inputs() const {
    DiscoveryInputs in;
    in.home = "/home/op";
    in.readFile = [this](const std::string& path) {
      auto it = files.find(path);
      if (it == files.end()) return FileText{FileText::Status::kMissing, "", "No such file or directory"};
      return it->second;
    };
    return in;
  }
};

TEST_CASE("nothing configured: cjdns's defaults, and the files looked at") {
  Fs fs;
  auto t = discoverAdmin(fs.inputs());
  REQUIRE(t.ok());
  CHECK(t->address.toString() == "127.0.0.1:11234");
  CHECK(t->password == "NONE");
  CHECK(t->addressSource == "default");
  CHECK(t->passwordSource == "default");
  CHECK(t->notes == std::vector<std::string>{"/home/op/.cjdnsadmin: not found", "/etc/cjdroute.conf: not found"});
}

TEST_CASE("~/.cjdnsadmin as the Node.js and Rust tools read it") {
  Fs fs;
  fs.put("/home/op/.cjdnsadmin", R"({"addr": "127.0.0.1", "port": 11235, "password": "pubB-1cK25ltabgoA7m9FRhl"})");
  fs.put("/etc/cjdroute.conf", R"({"admin": {"bind": "127.0.0.1:9999", "password": "other"}})");
  auto t = discoverAdmin(fs.inputs());
  REQUIRE(t.ok());
  CHECK(t->address.toString() == "127.0.0.1:11235");
  CHECK(t->password == "pubB-1cK25ltabgoA7m9FRhl");
  CHECK(t->addressSource == "/home/op/.cjdnsadmin");
  CHECK(t->passwordSource == "/home/op/.cjdnsadmin");
}

TEST_CASE("~/.cjdnsadmin: missing fields take the defaults; port as text; IPv6 addr; extra keys") {
  Fs fs;
  fs.put("/home/op/.cjdnsadmin", R"({"password": "pw", "config": "/etc/cjdroute.conf"})");
  auto t = discoverAdmin(fs.inputs());
  REQUIRE(t.ok());
  CHECK(t->address.toString() == "127.0.0.1:11234");
  CHECK(t->password == "pw");

  fs.put("/home/op/.cjdnsadmin", R"({"addr": "::1", "port": "11236"})");
  t = discoverAdmin(fs.inputs());
  REQUIRE(t.ok());
  CHECK(t->address.toString() == "[::1]:11236");
  CHECK(t->password == "NONE");
  CHECK(t->passwordSource == "/home/op/.cjdnsadmin");
}

TEST_CASE("~/.cjdnsadmin errors are reported, not skipped") {
  Fs fs;
  fs.put("/home/op/.cjdnsadmin", R"({"addr": "localhost"})");
  auto t = discoverAdmin(fs.inputs());
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message.find("/home/op/.cjdnsadmin") != std::string::npos);
  fs.put("/home/op/.cjdnsadmin", R"({"port": 70000})");
  CHECK_FALSE(discoverAdmin(fs.inputs()).ok());
  fs.put("/home/op/.cjdnsadmin", "{not json");
  CHECK_FALSE(discoverAdmin(fs.inputs()).ok());
}

TEST_CASE("/etc/cjdroute.conf: comments, legacy commas, bind 0.0.0.0 means loopback") {
  Fs fs;
  fs.put("/etc/cjdroute.conf", R"({
    // genconf's comments
    "privateKey": "x"
    "admin": {
        /* where the admin API listens */
        "bind": "0.0.0.0:11240",
        "password": "from-conf",
    },
})");
  auto t = discoverAdmin(fs.inputs());
  REQUIRE(t.ok());
  CHECK(t->address.toString() == "127.0.0.1:11240");
  CHECK(t->password == "from-conf");
  CHECK(t->addressSource == "/etc/cjdroute.conf");
  CHECK(t->notes == std::vector<std::string>{"/home/op/.cjdnsadmin: not found"});
}

TEST_CASE("/etc/cjdroute.conf unreadable (root only): noted, defaults used") {
  Fs fs;
  fs.deny("/etc/cjdroute.conf");
  auto t = discoverAdmin(fs.inputs());
  REQUIRE(t.ok());
  CHECK(t->address.toString() == "127.0.0.1:11234");
  CHECK(t->notes.back() == "/etc/cjdroute.conf: Permission denied");
}

TEST_CASE("flags beat the environment, which beats files; each field on its own") {
  Fs fs;
  fs.put("/home/op/.cjdnsadmin", R"({"addr": "127.0.0.1", "port": 11235, "password": "filepw"})");
  DiscoveryInputs in = fs.inputs();
  in.envAdmin = "127.0.0.1:2000";
  auto t = discoverAdmin(in);
  REQUIRE(t.ok());
  CHECK(t->address.toString() == "127.0.0.1:2000");
  CHECK(t->addressSource == "CJDNS_ADMIN");
  CHECK(t->password == "filepw");

  in.envPassword = "envpw";
  in.adminFlag = "[::1]:3000";
  t = discoverAdmin(in);
  REQUIRE(t.ok());
  CHECK(t->address.toString() == "[::1]:3000");
  CHECK(t->addressSource == "--admin");
  CHECK(t->password == "envpw");
  CHECK(t->passwordSource == "CJDNS_ADMIN_PASSWORD");
  CHECK(t->notes.empty());  // nothing left to look up: no file read

  in.passwordFlag = "";
  t = discoverAdmin(in);
  REQUIRE(t.ok());
  CHECK(t->password == "");
  CHECK(t->passwordSource == "--password");
}

TEST_CASE("--adminfile and --config name the file to read, which must exist") {
  Fs fs;
  fs.put("/home/op/.cjdnsadmin", R"({"port": 11235})");
  fs.put("/home/op/other", R"({"port": 11236, "password": "o"})");
  fs.put("/srv/cjdroute.conf", R"({"admin": {"bind": "127.0.0.1:11237", "password": "c"}})");
  DiscoveryInputs in = fs.inputs();
  in.adminFileFlag = "~/other";
  auto t = discoverAdmin(in);
  REQUIRE(t.ok());
  CHECK(t->address.port == 11236);
  CHECK(t->password == "o");

  in.adminFileFlag.reset();
  in.configFlag = "/srv/cjdroute.conf";
  t = discoverAdmin(in);
  REQUIRE(t.ok());
  CHECK(t->address.port == 11237);
  CHECK(t->passwordSource == "/srv/cjdroute.conf");

  in.configFlag = "/srv/missing.conf";
  t = discoverAdmin(in);
  REQUIRE_FALSE(t.ok());
  CHECK(t.error().message == "cannot read /srv/missing.conf: not found");
}

TEST_CASE("a cjdroute.conf without an admin block gives the defaults") {
  Fs fs;
  fs.put("/etc/cjdroute.conf", R"({"privateKey": "x"})");
  auto t = discoverAdmin(fs.inputs());
  REQUIRE(t.ok());
  CHECK(t->address.toString() == "127.0.0.1:11234");
  CHECK(t->addressSource == "default");
}

TEST_CASE("parseAdminAddress") {
  CHECK(parseAdminAddress("127.0.0.1:11234")->toString() == "127.0.0.1:11234");
  CHECK(parseAdminAddress("10.0.0.1")->toString() == "10.0.0.1:11234");
  CHECK(parseAdminAddress("::1")->toString() == "[::1]:11234");
  CHECK(parseAdminAddress("[::1]:5")->toString() == "[::1]:5");
  CHECK(parseAdminAddress("[::]:11234")->toString() == "[::1]:11234");
  CHECK(parseAdminAddress("0.0.0.0:1")->toString() == "127.0.0.1:1");
  CHECK_FALSE(parseAdminAddress("localhost:11234").ok());
  CHECK_FALSE(parseAdminAddress("1.2.3.4:99999").ok());
  CHECK_FALSE(parseAdminAddress("fc00::zz").ok());
}

}  // namespace
}  // namespace cjdns::admin::ctl
