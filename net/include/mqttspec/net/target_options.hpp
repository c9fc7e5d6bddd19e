// The target options every command that talks to a broker takes (`mqttspec run`, `fuzz`, `replay`):
// -h -p -L -u -P --cafile --capath --cert --key --insecure --tls-version. Parsed and documented here
// once.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mqttspec/net/target.hpp"

namespace mqttspec::net {

struct target_cli {
    std::optional<std::string> host, username, password;
    std::vector<std::string> urls;  // -L, in order (run accepts several; fuzz and replay one)
    std::optional<unsigned> port;
    tls_options tls;
    bool tls_requested = false;
};

enum class option_match { no, yes, error };

// If args[i] is a target option, consumes it (and its value) and returns yes; error with `message`
// set for a missing or bad value.
option_match parse_target_option(std::span<char*> args, std::size_t& i, target_cli& cli, std::string& message);

// The targets the options describe (one per -L, or the one of -h/-p), or an empty vector with
// `message` set: no broker given, -L with -h or -p, a bad URL, TLS options without a TLS target, a
// password without a user name, a --cafile/--cert/--key that cannot be read (named with the system
// error, so that a typo is not reported as an unreachable broker).
std::vector<target> make_targets(const target_cli& cli, std::string& message);

// Exactly one target (fuzz, replay): as make_targets, and several -L are an error.
std::optional<target> make_target(const target_cli& cli, std::string& message);

inline constexpr std::string_view target_help = R"(target:
  -h, --host HOST         broker host (TCP; TLS when --cafile/--capath/--cert/--insecure is given)
  -p, --port PORT         port (default 1883, 8883 with TLS)
  -L, --url URL           mqtt|mqtts|ws|wss://[user[:pass]@]host[:port][/path] (WebSocket path default /mqtt)
  -u, --username USER     user name for every connection the command opens (run: default the
                          profile's credentials)
  -P, --pw, --password PASS
  --cafile FILE           trusted CA certificates (PEM); default: the system's
  --capath DIR            directory of trusted CA certificates
  --cert FILE, --key FILE client certificate and key (PEM)
  --insecure              do not verify the broker's certificate or host name
  --tls-version V         tlsv1.2 or tlsv1.3
)";

}  // namespace mqttspec::net
