// Where the broker is and how to reach it: the -h/-p/-L/-u/-P/--cafile... options of `mqttspec run`,
// shared with the network fuzzer.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mqttspec::net {

enum class transport_kind : std::uint8_t { tcp, tls, ws, wss };

std::string_view to_string(transport_kind k) noexcept;  // "mqtt", "mqtts", "ws", "wss" (URL schemes)
std::uint16_t default_port(transport_kind k) noexcept;  // 1883, 8883, 80, 443

struct tls_options {
    std::string cafile;          // PEM bundle of trusted CAs; empty: the system's default paths
    std::string capath;          // hashed CA directory
    std::string certfile;        // client certificate (PEM)
    std::string keyfile;         // its private key (PEM)
    bool insecure = false;       // skip certificate and host name verification
    std::string version;         // "", "tlsv1.2" or "tlsv1.3": pins the protocol version
};

struct target {
    transport_kind kind = transport_kind::tcp;
    std::string host;
    std::uint16_t port = 0;      // 0: default_port(kind)
    std::string path = "/mqtt";  // WebSocket request path
    std::optional<std::string> username;
    std::optional<std::string> password;
    tls_options tls;

    std::uint16_t effective_port() const noexcept { return port != 0 ? port : default_port(kind); }
    bool uses_tls() const noexcept { return kind == transport_kind::tls || kind == transport_kind::wss; }
    bool uses_websocket() const noexcept { return kind == transport_kind::ws || kind == transport_kind::wss; }
    // "mqtts://user:<redacted>@host:8883" (never shows the password)
    std::string url() const;
};

struct target_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// Parses mqtt|mqtts|ws|wss://[user[:pass]@]host[:port][/path]. IPv6 hosts in brackets: [::1].
// Throws target_error naming what is wrong.
target parse_url(std::string_view url);

}  // namespace mqttspec::net
