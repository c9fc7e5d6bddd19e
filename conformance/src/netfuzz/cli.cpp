#include "mqttspec/netfuzz/cli.hpp"

#include <charconv>

namespace mqttspec::netfuzz {

option_match parse_target_option(std::span<char*> args, std::size_t& i, target_cli& cli, std::string& message) {
    const std::string_view a = args[i];
    auto value = [&](std::string& out) -> bool {
        if (i + 1 >= args.size()) {
            message = "missing value for " + std::string(a);
            return false;
        }
        out = args[++i];
        return true;
    };
    std::string text;
    if (a == "-h" || a == "--host") {
        if (!value(text)) return option_match::error;
        cli.host = text;
    } else if (a == "-p" || a == "--port") {
        if (!value(text)) return option_match::error;
        unsigned p = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), p);
        if (ec != std::errc{} || end != text.data() + text.size() || p < 1 || p > 65535) {
            message = std::string(a) + " needs a port 1..65535, not '" + text + "'";
            return option_match::error;
        }
        cli.port = p;
    } else if (a == "-L" || a == "--url") {
        if (!value(text)) return option_match::error;
        cli.url = text;
    } else if (a == "-u" || a == "--username") {
        if (!value(text)) return option_match::error;
        cli.username = text;
    } else if (a == "-P" || a == "--pw" || a == "--password") {
        if (!value(text)) return option_match::error;
        cli.password = text;
    } else if (a == "--cafile") {
        if (!value(cli.tls.cafile)) return option_match::error;
        cli.tls_requested = true;
    } else if (a == "--capath") {
        if (!value(cli.tls.capath)) return option_match::error;
        cli.tls_requested = true;
    } else if (a == "--cert") {
        if (!value(cli.tls.certfile)) return option_match::error;
        cli.tls_requested = true;
    } else if (a == "--key") {
        if (!value(cli.tls.keyfile)) return option_match::error;
        cli.tls_requested = true;
    } else if (a == "--insecure") {
        cli.tls.insecure = true;
        cli.tls_requested = true;
    } else if (a == "--tls-version") {
        if (!value(cli.tls.version)) return option_match::error;
        if (cli.tls.version != "tlsv1.2" && cli.tls.version != "tlsv1.3") {
            message = "--tls-version must be tlsv1.2 or tlsv1.3";
            return option_match::error;
        }
        cli.tls_requested = true;
    } else {
        return option_match::no;
    }
    return option_match::yes;
}

std::optional<conformance::target> make_target(const target_cli& cli, std::string& message) {
    if (cli.url && cli.host) {
        message = "give either -h/--host or -L/--url, not both";
        return std::nullopt;
    }
    if (!cli.url && !cli.host && !cli.port) {
        message = "no broker given: pass -h HOST [-p PORT] or -L mqtt://host:port";
        return std::nullopt;
    }
    conformance::target t;
    if (cli.url) {
        if (cli.port) {
            message = "give the port inside -L URL, not with -p";
            return std::nullopt;
        }
        try {
            t = conformance::parse_url(*cli.url);
        } catch (const conformance::target_error& e) {
            message = std::string("bad -L URL: ") + e.what();
            return std::nullopt;
        }
        const auto kind = t.kind;
        const auto tls = cli.tls;
        if (cli.tls_requested && !t.uses_tls()) {
            message = "TLS options given but the URL scheme " + std::string(conformance::to_string(kind)) + " is not TLS (use mqtts:// or wss://)";
            return std::nullopt;
        }
        t.tls = tls;
    } else {
        t.kind = cli.tls_requested ? conformance::transport_kind::tls : conformance::transport_kind::tcp;
        t.host = cli.host.value_or("localhost");
        t.port = static_cast<std::uint16_t>(cli.port.value_or(0));
        t.tls = cli.tls;
    }
    if (cli.username) t.username = cli.username;
    if (cli.password) t.password = cli.password;
    return t;
}

}  // namespace mqttspec::netfuzz
