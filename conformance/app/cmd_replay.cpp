// `mqttspec replay FILE`: re-sends a network fuzzer finding and says whether it reproduces.
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "command.hpp"
#include "mqttspec/net/target_options.hpp"
#include "mqttspec/netfuzz/fuzzer.hpp"

namespace mqttspec::app {
namespace {

namespace nf = mqttspec::netfuzz;
namespace net = mqttspec::net;

constexpr std::string_view replay_head = R"(usage: mqttspec replay FILE (-h HOST [-p PORT] | -L URL) [options]

Replays a reproducer saved by mqttspec fuzz: sends its sequences write by write (same chunking),
decodes every broker packet strictly, probes the broker's liveness after each sequence, and
reports what happened. Growth findings (rss_growth, fd_growth) run the sequences 'repeat' times
and need --watch-pid; sanitizer findings (asan, ubsan, leak) need --target-log.

)";

constexpr std::string_view replay_tail = R"(
options:
  --watch-pid PID         the broker's process: crash, VmRSS and descriptor checks
  --max-rss-growth MB     (default 128)      --max-fd-growth N   (default 256)
  --target-log FILE       the broker's sanitizer output (see mqttspec fuzz --help), read after
                          each sequence: a new report of the recorded kind with the same top frame
                          confirms an asan/ubsan/leak finding (start a fresh broker: sanitizers
                          report each source location once per process)
  --repeat N              run the sequences N times (default 1; growth findings: the file's value)
  --barrier-timeout MS    wait for PINGRESP or close per connection (default 1000)
  --hang-timeout SECONDS  liveness probe deadline (default 5)
  --help                  this text

A reproducer recorded with a password holds where it went, not the password: give the same one
with -P (or in -L). A finding reproduces when the same kind is observed and, where the file records
it ("observation"), on the same connection with the same decode error, or with the same top
frame of the sanitizer report.

exit status: 1 the finding reproduced, 0 it did not,
             2 usage error, unreadable or invalid file, broker unreachable at start
)";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "mqttspec replay: %s (see mqttspec replay --help)\n", message.c_str());
    return exit_usage;
}

int run(std::span<char*> args) {
    net::target_cli target;
    nf::replay_options options;
    std::string file;
    std::optional<unsigned> barrier_ms;
    std::optional<double> hang_s;
    bool options_ended = false;  // after "--" the argument is the reproducer file, whatever its name
    for (std::size_t i = 1; i < args.size(); ++i) {
        if (!options_ended && std::string_view(args[i]) == "--") {
            options_ended = true;
            continue;
        }
        if (options_ended) {
            if (!file.empty()) return usage_error("one reproducer file at a time");
            file = args[i];
            continue;
        }
        std::string message;
        switch (net::parse_target_option(args, i, target, message)) {
            case net::option_match::yes: continue;
            case net::option_match::error: return usage_error(message);
            case net::option_match::no: break;
        }
        const std::string_view a = args[i];
        std::string text;
        auto value = [&]() -> bool {
            if (i + 1 >= args.size()) return false;
            text = args[++i];
            return true;
        };
        auto number = [&](std::uint64_t& out, std::uint64_t min, std::uint64_t max) {
            if (!value()) return false;
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
            return ec == std::errc{} && end == text.data() + text.size() && out >= min && out <= max;
        };
        std::uint64_t n = 0;
        if (a == "--help") {
            std::fwrite(replay_head.data(), 1, replay_head.size(), stdout);
            std::fwrite(net::target_help.data(), 1, net::target_help.size(), stdout);
            std::fwrite(replay_tail.data(), 1, replay_tail.size(), stdout);
            return exit_ok;
        } else if (a == "--watch-pid") {
            if (!number(n, 1, 1u << 30)) return usage_error("--watch-pid needs a process id");
            options.watch_pid = static_cast<int>(n);
        } else if (a == "--max-rss-growth") {
            if (!number(n, 1, 1u << 20)) return usage_error("--max-rss-growth needs megabytes >= 1");
            options.limits.max_rss_growth_kib = n * 1024;
        } else if (a == "--max-fd-growth") {
            if (!number(n, 1, 1u << 24)) return usage_error("--max-fd-growth needs a number >= 1");
            options.limits.max_fd_growth = n;
        } else if (a == "--target-log") {
            if (!value() || text.empty()) return usage_error("--target-log needs a file name");
            options.target_log = text;
        } else if (a == "--repeat") {
            if (!number(n, 1, 1u << 24)) return usage_error("--repeat needs a number >= 1");
            options.repeat = static_cast<unsigned>(n);
        } else if (a == "--barrier-timeout") {
            if (!number(n, 1, 600000)) return usage_error("--barrier-timeout needs milliseconds 1..600000");
            barrier_ms = static_cast<unsigned>(n);
        } else if (a == "--hang-timeout") {
            if (!value()) return usage_error("--hang-timeout needs seconds > 0");
            char* end = nullptr;
            const double s = std::strtod(text.c_str(), &end);
            if (end == text.c_str() || *end != '\0' || !(s > 0) || s > 3600) return usage_error("--hang-timeout needs seconds > 0");
            hang_s = s;
        } else if (!a.empty() && a[0] == '-') {
            return usage_error("unknown option '" + std::string(a) + "'");
        } else if (file.empty()) {
            file = std::string(a);
        } else {
            return usage_error("one reproducer file at a time (got '" + file + "' and '" + std::string(a) + "')");
        }
    }
    if (file.empty()) return usage_error("no reproducer file given");
    std::string message;
    const auto where = net::make_target(target, message);
    if (!where) return usage_error(message);
    options.exec.where = *where;
    if (barrier_ms) options.exec.barrier_timeout = std::chrono::milliseconds(*barrier_ms);
    if (hang_s) options.exec.probe_timeout = std::chrono::milliseconds(std::llround(*hang_s * 1000));
    options.exec.connect_timeout = std::max(options.exec.probe_timeout, std::chrono::milliseconds(1000));

    nf::replay_result result;
    try {
        result = nf::replay_file(file, options);
    } catch (const nf::reproducer_error& e) {
        std::fprintf(stderr, "mqttspec replay: %s\n", e.what());
        return exit_usage;
    }
    if (result.start_failed) {
        std::fprintf(stderr, "mqttspec replay: %s\n", result.start_error.c_str());
        return exit_usage;
    }
    if (result.reproduced) {
        std::printf("REPRODUCED: %s (%s)\n", result.recorded_kind.c_str(), file.c_str());
        return exit_failures;
    }
    std::string seen;
    for (const auto& k : result.observed_kinds) seen += (seen.empty() ? "" : ", ") + k;
    std::printf("not reproduced: %s was recorded; observed %s\n", result.recorded_kind.c_str(), seen.empty() ? "nothing" : seen.c_str());
    return exit_ok;
}

const register_command registration{{"replay", "replay a network fuzzer finding against a broker", &run}};

}  // namespace
}  // namespace mqttspec::app
