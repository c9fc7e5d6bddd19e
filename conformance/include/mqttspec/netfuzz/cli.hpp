// The target options `mqttspec fuzz` and `mqttspec replay` share with `mqttspec run`
// (-h -p -L -u -P --cafile --capath --cert --key --insecure --tls-version).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "mqttspec/conformance/target.hpp"

namespace mqttspec::netfuzz {

struct target_cli {
    std::optional<std::string> host, url, username, password;
    std::optional<unsigned> port;
    conformance::tls_options tls;
    bool tls_requested = false;
};

enum class option_match { no, yes, error };

// If args[i] is a target option, consumes it (and its value) and returns yes; error with `message`
// set for a missing or bad value.
option_match parse_target_option(std::span<char*> args, std::size_t& i, target_cli& cli, std::string& message);

// The target, or nullopt with `message` set (no broker given, -L with -p, bad URL).
std::optional<conformance::target> make_target(const target_cli& cli, std::string& message);

inline constexpr std::string_view target_help = R"(target (as for mqttspec run):
  -h, --host HOST         broker host (TCP; TLS when --cafile/--capath/--cert/--insecure is given)
  -p, --port PORT         port (default 1883, 8883 with TLS)
  -L, --url URL           mqtt|mqtts|ws|wss://[user[:pass]@]host[:port][/path] (WebSocket path default /mqtt)
  -u, --username USER     user name for the fuzzer's connections and liveness probes
  -P, --pw, --password PASS
  --cafile FILE           trusted CA certificates (PEM); default: the system's
  --capath DIR            directory of trusted CA certificates
  --cert FILE, --key FILE client certificate and key (PEM)
  --insecure              do not verify the broker's certificate or host name
  --tls-version V         tlsv1.2 or tlsv1.3
)";

}  // namespace mqttspec::netfuzz
