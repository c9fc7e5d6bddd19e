#include "mqttspec/net/target_options.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>

namespace mqttspec::net {

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
        cli.urls.push_back(text);
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

std::vector<target> make_targets(const target_cli& cli, std::string& message) {
    auto fail = [&](std::string why) {
        message = std::move(why);
        return std::vector<target>{};
    };
    if (!cli.urls.empty() && cli.host) return fail("give either -h/--host or -L/--url, not both");
    if (cli.urls.empty() && !cli.host && !cli.port) return fail("no broker given: pass -h HOST [-p PORT] or -L mqtt://host:port");
    if (!cli.urls.empty() && cli.port) return fail("give the port inside -L URL, not with -p");
    std::vector<target> out;
    for (const auto& url : cli.urls) {
        try {
            out.push_back(parse_url(url));
        } catch (const target_error& e) {
            return fail(std::string("bad -L URL: ") + e.what());
        }
    }
    if (cli.urls.empty()) {
        target t;
        t.kind = cli.tls_requested ? transport_kind::tls : transport_kind::tcp;
        t.host = cli.host.value_or("localhost");
        t.port = static_cast<std::uint16_t>(cli.port.value_or(0));
        out.push_back(std::move(t));
    }
    if (cli.tls_requested && std::none_of(out.begin(), out.end(), [](const target& t) { return t.uses_tls(); })) {
        return fail("TLS options given but no target uses TLS (use mqtts:// or wss://)");
    }
    for (auto& t : out) {
        t.tls = cli.tls;
        if (cli.username) t.username = cli.username;
        if (cli.password) t.password = cli.password;
        if (t.password && !t.username) return fail("a password needs a user name (-u, or user:pass@ in the URL)");
    }
    for (const auto& [option, file] : {std::pair{"--cafile", &cli.tls.cafile}, {"--cert", &cli.tls.certfile}, {"--key", &cli.tls.keyfile}}) {
        if (!file->empty() && ::access(file->c_str(), R_OK) != 0) {
            return fail(std::string("cannot read ") + option + " " + *file + ": " + std::strerror(errno));
        }
    }
    return out;
}

std::optional<target> make_target(const target_cli& cli, std::string& message) {
    if (cli.urls.size() > 1) {
        message = "give one -L URL (only mqttspec run takes several)";
        return std::nullopt;
    }
    auto targets = make_targets(cli, message);
    if (targets.empty()) return std::nullopt;
    return std::move(targets.front());
}

}  // namespace mqttspec::net
