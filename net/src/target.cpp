#include "mqttspec/net/target.hpp"

#include <charconv>

namespace mqttspec::net {

std::string_view to_string(transport_kind k) noexcept {
    switch (k) {
        case transport_kind::tcp: return "mqtt";
        case transport_kind::tls: return "mqtts";
        case transport_kind::ws: return "ws";
        case transport_kind::wss: return "wss";
    }
    return "mqtt";
}

std::uint16_t default_port(transport_kind k) noexcept {
    switch (k) {
        case transport_kind::tcp: return 1883;
        case transport_kind::tls: return 8883;
        case transport_kind::ws: return 80;
        case transport_kind::wss: return 443;
    }
    return 1883;
}

std::string target::url() const {
    std::string out = std::string(to_string(kind)) + "://";
    if (username) out += *username + (password ? ":<redacted>@" : "@");
    out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
    out += ":" + std::to_string(effective_port());
    if (uses_websocket()) out += path;
    return out;
}

target parse_url(std::string_view url) {
    target t;
    const auto scheme_end = url.find("://");
    if (scheme_end == std::string_view::npos) {
        throw target_error("URL '" + std::string(url) + "' has no scheme (expected mqtt://, mqtts://, ws:// or wss://)");
    }
    const std::string_view scheme = url.substr(0, scheme_end);
    if (scheme == "mqtt" || scheme == "tcp") t.kind = transport_kind::tcp;
    else if (scheme == "mqtts" || scheme == "ssl" || scheme == "tls") t.kind = transport_kind::tls;
    else if (scheme == "ws") t.kind = transport_kind::ws;
    else if (scheme == "wss") t.kind = transport_kind::wss;
    else throw target_error("unknown URL scheme '" + std::string(scheme) + "' (expected mqtt, mqtts, ws or wss)");

    std::string_view rest = url.substr(scheme_end + 3);
    const auto slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos) {
        if (!t.uses_websocket() && rest.size() > slash + 1) {
            throw target_error("a path is only meaningful for ws:// and wss:// URLs: '" + std::string(url) + "'");
        }
        if (t.uses_websocket()) t.path = std::string(rest.substr(slash));
    }
    if (const auto at = authority.rfind('@'); at != std::string_view::npos) {
        const std::string_view userinfo = authority.substr(0, at);
        authority = authority.substr(at + 1);
        const auto colon = userinfo.find(':');
        t.username = std::string(userinfo.substr(0, colon));
        if (colon != std::string_view::npos) t.password = std::string(userinfo.substr(colon + 1));
    }
    std::string_view port_text;
    if (!authority.empty() && authority.front() == '[') {
        const auto close = authority.find(']');
        if (close == std::string_view::npos) throw target_error("unterminated '[' in host of '" + std::string(url) + "'");
        t.host = std::string(authority.substr(1, close - 1));
        const std::string_view after = authority.substr(close + 1);
        if (!after.empty()) {
            if (after.front() != ':') throw target_error("unexpected text after ']' in '" + std::string(url) + "'");
            port_text = after.substr(1);
        }
    } else {
        const auto colon = authority.rfind(':');
        t.host = std::string(authority.substr(0, colon));
        if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
    }
    if (t.host.empty()) throw target_error("URL '" + std::string(url) + "' has no host");
    if (!port_text.empty()) {
        unsigned value = 0;
        const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), value);
        if (ec != std::errc{} || end != port_text.data() + port_text.size() || value == 0 || value > 65535) {
            throw target_error("invalid port '" + std::string(port_text) + "' in '" + std::string(url) + "'");
        }
        t.port = static_cast<std::uint16_t>(value);
    }
    return t;
}

}  // namespace mqttspec::net
