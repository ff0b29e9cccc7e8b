#include "angel/conf/genconf.h"

#include <sodium.h>

#include <string_view>

#include "angel/conf/random-text.h"
#include "core/crypto/address.h"
#include "core/crypto/keys.h"

namespace cjdns::angel {
namespace {

// The layout and keys follow what cjdns --genconf writes (every key a v20-v22
// node reads), so that the file works with real cjdns too; the comments are
// our own. @NAME@ markers are filled in by generateConfig().
constexpr std::string_view kTemplate = R"CONF({
    // This node's identity. The private key below IS the node: anyone who
    // has it can impersonate it. Keep this file readable by root only.
    "privateKey": "@PRIVATE_KEY@",

    // Derived from the private key (shown for convenience, checked at start):
    "publicKey": "@PUBLIC_KEY@",
    "ipv6": "@IPV6@",

    // Passwords that let other nodes peer with this one. "user" names the
    // peer in peerStats and is the login a peer may send instead of relying
    // on the password alone. Give each peer its own entry so that one leaked
    // password can be removed without disturbing the others.
    "authorizedPasswords": [
        { "password": "@PASSWORD@", "user": "default-login" }

        // More entries look like this:
        // { "password": "@PASSWORD2@", "user": "second-peer" },
        // { "password": "@PASSWORD3@", "user": "third-peer" },
        // { "password": "@PASSWORD4@", "user": "fourth-peer" },

        // Your credentials: hand this block to someone who should peer with
        // you. They put it in their UDPInterface "connectTo", with your
        // public IP address in place of the placeholder.
        /*
         "your.external.ip.goes.here:@PORT@": {
             "login": "default-login",
             "password": "@PASSWORD@",
             "publicKey": "@PUBLIC_KEY@",
             "peerName": "your-name-goes-here"
         },
         */
    ],

    // The admin API (bencode over UDP) used by cjdns-admin, peerStats,
    // cjdnstool and the cjdnsadmin Python library. Keep it on loopback.
    "admin": {
        // Address and port of the admin API.
        "bind": "127.0.0.1:11234",

        // "NONE" lets local tools work without ~/.cjdnsadmin. Set a real
        // password before binding the admin API to any other address.
        "password": "NONE"
    },

    // Links to other nodes.
    "interfaces": {
        // Peering over UDP (IPv4 and IPv6).
        "UDPInterface": [
            {
                // Local address and port for peer traffic.
                "bind": "0.0.0.0:@PORT@",
                // IP DSCP (QoS) value for outgoing packets; 0 by default.
                // "dscp": 46,

                // LAN auto-peering: 0 = off, 1 = accept beacons from other
                // nodes, 2 = accept and send beacons. beaconDevices names the
                // interfaces or broadcast addresses to use ("all" = every
                // one). Every node on a LAN must use the same beaconPort.
                "beacon": 2,
                "beaconDevices": [ "all" ],
                "beaconPort": 64512,

                // Peers to connect to over IPv4, keyed by "ip:port":
                "connectTo": {
                    // "192.0.2.1:12345": {
                    //     "login": "the login your peer gave you (optional)",
                    //     "password": "the password your peer gave you",
                    //     "publicKey": "the peer's key, ending in .k",
                    //     "peerName": "a name for peerStats (optional)"
                    // },
                    // Separate several entries with commas.
                }
            },
            {
                // The same port over IPv6.
                "bind": "[::]:@PORT@",
                // "dscp": 46,

                // Peers to connect to over IPv6, keyed by "[ipv6]:port".
                "connectTo": {
                }
            }
        ],

        // Peering over raw Ethernet frames (Linux). Rename to "ETHInterface"
        // to enable it.
        "@ETH_KEY@": [
            {
                // A device name such as "eth0", or "all" for every device
                // except loopback.
                "bind": "all",

                // LAN auto-peering: 0 = off, 1 = accept beacons, 2 = accept
                // and send beacons (they carry a per-session password).
                "beacon": 2,

                // Peers to connect to, keyed by MAC address; needs a named
                // device in "bind", not "all":
                "connectTo": {
                    // "01:02:03:04:05:06": { "password": "...", "publicKey": "....k" }
                }
            }
        ]
    },

    // Routing and the local interface.
    "router": {
        // Route servers (supernodes) to use; if empty, they are found
        // through peers.
        "supernodes": [
            // "the route server's public key.k",
        ],

        // DNS names that list public peers (v22.1 and later; empty = none).
        "dnsSeeds": [
            // "seed.example.org",
        ],

        // Offer this node as a public peer (v22.1 and later; empty = no).
        "publicPeer": {
            // "id": "a name for this peer",
            // "ipv4": "192.0.2.1",
            // "ipv6": "2001:db8::1"
        },

        // How this host reaches the cjdns network.
        "interface": {
            // A TUN device carrying this node's fc00::/8 address.
            "type": "TUNInterface"

            // Use an existing persistent TUN device instead of creating one,
            // for running without root (see cjdns-ifacectl(8)).
            // ,"tunDevice": "tun0"
        },

        // Alternative to the TUN device: a UNIX socket carrying the same
        // packets. Rename this to "interface" (and the one above to
        // "_disabled_interface") to use it.
        "_disabled_interface": {
            "type": "SocketInterface",

            // Where the socket lives.
            "socketFullPath": "/var/run/cjdns.sock"
        },

        // IpTunnel: carry ordinary IPv4/IPv6 over cjdns to or from a gateway.
        "ipTunnel": {
            // Nodes that may tunnel through this node, and the addresses
            // they are given. For each: "publicKey", and "ip4Address" and/or
            // "ip6Address". Optional: "ip4Prefix"/"ip6Prefix", the network
            // reachable through the tunnel (default 32/128: no route), and
            // "ip4Alloc"/"ip6Alloc", the size of the block handed out
            // (default 32/128: one address).
            "allowedConnections": [
                // {
                //     "publicKey": "the client's public key.k",
                //     "ip4Address": "192.168.1.24",
                //     "ip4Prefix": 0,
                //     "ip4Alloc": 32,
                //     "ip6Address": "2001:db8::10",
                //     "ip6Prefix": 0,
                //     "ip6Alloc": 64
                // },
            ],

            // Gateways to ask for addresses, by public key.
            "outgoingConnections": [
                // "the gateway's public key.k",
            ]
        }
    },

    // Sandboxing of the core process, the one that handles network input.
    // cjdns-cpp always runs the core without capabilities and under a
    // seccomp filter; these entries keep cjdns's meaning where they apply.
    "security": [
        // Run the core as this user. { "setuser": 0 } keeps the current user.
        // keepNetAdmin is accepted for compatibility: address and route
        // changes are made by the privileged angel process either way.
        { "setuser": "nobody", "keepNetAdmin": 1 },

        // Directory the core is confined to. { "chroot": 0 } disables it.
        { "chroot": "/var/run/" },

        // Forbid the core from opening any file descriptor (1 = on).
        { "nofiles": 0 },

        // Forbid the core from starting processes or threads (1 = on).
        { "noforks": 1 },

        // System call filter for the core (1 = on).
        { "seccomp": 1 },

        // Marks the end of the security settings (kept for compatibility).
        { "setupComplete": 1 }
    ],

    // Logging.
    "logging": {
        // Uncomment to log to standard output; otherwise logs are read
        // through the admin API (cjdns-admin log).
        // "logTo": "stdout"
    },

    // 1 = stay in the foreground (as --nobg does).
    "noBackground": 0,

    // Name of the control socket; a bare name is placed in /tmp.
    "pipe": "cjdroute.sock",

    // Version 2 means the file is strict JSON plus comments, so that other
    // tools can edit it. Keep it.
    "version": 2
}
)CONF";

void replaceAll(std::string& s, std::string_view marker, std::string_view value) {
  for (auto pos = s.find(marker); pos != std::string::npos; pos = s.find(marker, pos + value.size())) {
    s.replace(pos, marker.size(), value);
  }
}

}  // namespace

std::string generateConfig(const GenconfOptions& options) {
  crypto::Identity id = crypto::generateIdentity();
  std::string out(kTemplate);
  std::string priv = crypto::privateKeyHex(id.privateKey);
  replaceAll(out, "@PRIVATE_KEY@", priv);
  sodium_memzero(priv.data(), priv.size());
  replaceAll(out, "@PUBLIC_KEY@", crypto::publicKeyToString(id.publicKey));
  replaceAll(out, "@IPV6@", crypto::ip6ToString(id.address));
  replaceAll(out, "@PASSWORD@", randomPassword(31));
  replaceAll(out, "@PASSWORD2@", randomPassword(31));
  replaceAll(out, "@PASSWORD3@", randomPassword(31));
  replaceAll(out, "@PASSWORD4@", randomPassword(31));
  replaceAll(out, "@PORT@", std::to_string(randomPort(1025, 65535)));
  replaceAll(out, "@ETH_KEY@", options.eth ? "ETHInterface" : "_disabled_ETHInterface");
  return out;
}

}  // namespace cjdns::angel
