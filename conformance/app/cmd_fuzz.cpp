// `mqttspec fuzz`: the stateful network fuzzer against a live broker (see netfuzz/fuzzer.hpp).
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "command.hpp"
#include "interrupt.hpp"
#include "mqttspec/net/target_options.hpp"
#include "mqttspec/netfuzz/fuzzer.hpp"

namespace mqttspec::app {
namespace {

namespace nf = mqttspec::netfuzz;
namespace net = mqttspec::net;

constexpr std::string_view fuzz_help_head = R"(usage: mqttspec fuzz (-h HOST [-p PORT] | -L URL) [options]

Fuzzes a live broker with mutated MQTT sessions: valid CONNECT/SUBSCRIBE/PUBLISH flows (all QoS,
5.0 properties) built with the codec, then broken one thing at a time - fields, flags, lengths,
Variable Byte Integers, truncation at field boundaries, duplicate or misplaced properties, packets
split or coalesced across writes, reordered and repeated packets, server-to-client packets, a
first packet that is not CONNECT, QoS 2 packet id reuse - over up to three concurrent clients, one
of them a subscriber that watches what the broker routes.

Findings (saved as replayable JSON in --out; replay with mqttspec replay FILE):
  malformed_reply  a broker packet fails strict decoding (minimised reproducer; up to 4 per
                   decode error, one per distinct failing packet)
  hang             a connection got neither answer nor close in time AND two liveness probes on
                   fresh connections failed
  stall            a connection got neither answer nor close in time while fresh connections were
                   answered, and again when the sequence was rerun (the run goes on)
  crash            (--watch-pid) the broker process died
  unreachable      the broker refuses connections it accepted before, through the probe deadline
  refused          a connection was refused, then the broker answered again (down for a while,
                   e.g. restarted by a supervisor, or a listener closed and reopened; the run goes
                   on). Refused probes are retried for the probe deadline (--hang-timeout) before
                   the broker counts as down (unreachable, or crash with --watch-pid)
  asan, ubsan, leak (--target-log) the broker's AddressSanitizer, UndefinedBehaviorSanitizer or
                   LeakSanitizer report, attached to the finding with the sequences that ran while
                   it appeared (one finding per kind and top frame; the run goes on)
Reproducers never contain the password: replay fills in its own -P where the file says it went.
  rss_growth, fd_growth   (--watch-pid) VmRSS / open descriptors grew beyond the limits
A broker closing a connection on bad input is the expected behaviour, never a finding.

)";

constexpr std::string_view fuzz_help_tail = R"(
fuzzing:
  --seed N                seed (default: from the clock, printed); iteration i is generated from
                          (seed, i) alone, so a seed fixes what is sent
  --duration SECONDS      stop after this long (default 60 when --iterations is not given)
  --iterations N          stop after N sequences
  -j, --workers N         concurrent workers, each with its own connections (default 4)
  -V, --protocol-version V 3.1, 3.1.1 or 5 (or 31, 311, mqttv5 ...); repeatable (default: 3.1.1 and 5, some 3.1)
  --out DIR               where reproducers go (default ./mqttspec-findings); created and checked
                          for writing before connecting (exit 2 if it cannot be written)
  --stats FILE            JSON summary: iterations, duration_s, iterations_per_second, findings,
                          interrupted, cpu (the fuzzer's and, with --watch-pid, the broker's CPU
                          seconds and microseconds per sequence) (opened before connecting;
                          written at the end, also on Ctrl-C)
  --watch-pid PID         a local broker's process: crash, VmRSS, descriptor oracles, CPU time
  --max-rss-growth MB     rss_growth above this growth over the start (default 128)
  --max-fd-growth N       fd_growth above this growth over the start (default 256)
  --target-log FILE       the sanitizer output of a broker built with ASan/UBSan (its stderr
                          redirected to FILE, or ASAN_OPTIONS=log_path's FILE.PID): followed from
                          its current end and read after every sequence and when the broker goes
                          down. Build and run the broker so a report does not end it:
                          -fsanitize=address,undefined -fsanitize-recover=address,undefined,
                          ASAN_OPTIONS=halt_on_error=0 UBSAN_OPTIONS=print_stacktrace=1
  --barrier-timeout MS    wait for PINGRESP or close per connection before probing (default 1000)
  --hang-timeout SECONDS  deadline of each liveness probe on a fresh connection (default 5)
  --probe-every N         every N sequences per worker (default 256): a liveness probe, then the
                          worker's broker state is reset (its retained messages and the sessions of
                          its client ids end), so what a sequence meets stays bounded; the same
                          reset precedes every rerun of a malformed reply
  --status-interval S     seconds between status lines on stderr (default 2; 0: none)
  --coverage-shm NAME     the broker's edge coverage, from a broker built with SanitizerCoverage and
                          linked with fuzz/net/shim/coverage_shim.cpp, started with
                          MQTTSPEC_COVERAGE_SHM=NAME (ci/fuzz-broker does both): sequences that reach
                          new edges are kept (also in --out/corpus/) and mutated further; --stats
                          gains edges and coverage_corpus_size
  --coverage-no-feedback  with --coverage-shm: count edges only, fuzz as without it (to measure)
  --generic-transport     plain TCP through the engine's Asio transport instead of the fuzzer's
                          own poll()-based one (slower; the fast one resolves the host once,
                          keeps ACKs quick and resets connections on close)
  --help                  this text

Ctrl-C (SIGINT) or SIGTERM stops the run: findings so far are kept, the summary and --stats are
written, exit 130; a second Ctrl-C quits at once.
exit status: 0 no findings, 1 findings, 2 usage error or broker unreachable at start, 130 interrupted
)";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "mqttspec fuzz: %s (see mqttspec fuzz --help)\n", message.c_str());
    return exit_usage;
}

template <class T>
bool parse_number(const std::string& text, T& out, T min, T max) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
    return ec == std::errc{} && end == text.data() + text.size() && out >= min && out <= max;
}

bool parse_seconds(const std::string& text, double& out, double min, double max) {
    char* end = nullptr;
    out = std::strtod(text.c_str(), &end);
    return end != text.c_str() && *end == '\0' && out >= min && out <= max;
}

int run(std::span<char*> args) {
    net::target_cli target;
    nf::fuzz_options options;
    bool seed_given = false;
    double status_s = 2;
    for (std::size_t i = 1; i < args.size(); ++i) {
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
        if (a == "--help") {
            std::fwrite(fuzz_help_head.data(), 1, fuzz_help_head.size(), stdout);
            std::fwrite(net::target_help.data(), 1, net::target_help.size(), stdout);
            std::fwrite(fuzz_help_tail.data(), 1, fuzz_help_tail.size(), stdout);
            return exit_ok;
        } else if (a == "--seed") {
            if (!value() || !parse_number<std::uint64_t>(text, options.seed, 0, UINT64_MAX)) return usage_error("--seed needs a non-negative integer");
            seed_given = true;
        } else if (a == "--duration") {
            double s = 0;
            if (!value() || !parse_seconds(text, s, 0.001, 1e7)) return usage_error("--duration needs seconds > 0");
            options.duration_s = s;
        } else if (a == "--iterations") {
            std::uint64_t n = 0;
            if (!value() || !parse_number<std::uint64_t>(text, n, 1, UINT64_MAX)) return usage_error("--iterations needs a number >= 1");
            options.iterations = n;
        } else if (a == "-j" || a == "--workers") {
            if (!value() || !parse_number<unsigned>(text, options.workers, 1, 256)) return usage_error(std::string(a) + " needs a number 1..256");
        } else if (a == "-V" || a == "--protocol") {
            if (!value()) return usage_error("missing value for " + std::string(a));
            const auto v = codec::parse_protocol_version(text);
            if (!v) return usage_error("-V must be 3.1, 3.1.1 or 5, not '" + text + "'");
            options.versions.push_back(*v);
        } else if (a == "--out") {
            if (!value() || text.empty()) return usage_error("--out needs a directory");
            options.out_dir = text;
        } else if (a == "--stats") {
            if (!value() || text.empty()) return usage_error("--stats needs a file name");
            options.stats_file = text;
        } else if (a == "--watch-pid") {
            int pid = 0;
            if (!value() || !parse_number<int>(text, pid, 1, 1 << 30)) return usage_error("--watch-pid needs a process id");
            options.watch_pid = pid;
        } else if (a == "--target-log") {
            if (!value() || text.empty()) return usage_error("--target-log needs a file name");
            options.target_log = text;
        } else if (a == "--max-rss-growth") {
            std::uint64_t mb = 0;
            if (!value() || !parse_number<std::uint64_t>(text, mb, 1, 1 << 20)) return usage_error("--max-rss-growth needs megabytes >= 1");
            options.limits.max_rss_growth_kib = mb * 1024;
        } else if (a == "--max-fd-growth") {
            if (!value() || !parse_number<std::uint64_t>(text, options.limits.max_fd_growth, 1, 1 << 24)) return usage_error("--max-fd-growth needs a number >= 1");
        } else if (a == "--barrier-timeout") {
            unsigned ms = 0;
            if (!value() || !parse_number<unsigned>(text, ms, 1, 600000)) return usage_error("--barrier-timeout needs milliseconds 1..600000");
            options.exec.barrier_timeout = std::chrono::milliseconds(ms);
        } else if (a == "--hang-timeout") {
            double s = 0;
            if (!value() || !parse_seconds(text, s, 0.01, 3600)) return usage_error("--hang-timeout needs seconds > 0");
            options.exec.probe_timeout = std::chrono::milliseconds(std::llround(s * 1000));
        } else if (a == "--probe-every") {
            if (!value() || !parse_number<unsigned>(text, options.probe_every, 1, 1u << 30)) return usage_error("--probe-every needs a number >= 1");
        } else if (a == "--coverage-shm") {
            if (!value() || text.empty()) return usage_error("--coverage-shm needs a shared memory name");
            options.coverage_shm = text;
        } else if (a == "--coverage-no-feedback") {
            options.coverage_feedback = false;
        } else if (a == "--generic-transport") {
            options.exec.generic_transport = true;
        } else if (a == "--status-interval") {
            if (!value() || !parse_seconds(text, status_s, 0, 3600)) return usage_error("--status-interval needs seconds >= 0");
        } else {
            return usage_error("unknown option '" + std::string(a) + "'");
        }
    }
    std::string message;
    const auto where = net::make_target(target, message);
    if (!where) return usage_error(message);
    options.exec.where = *where;
    options.exec.connect_timeout = std::max(options.exec.probe_timeout, std::chrono::milliseconds(1000));
    if (!options.duration_s && !options.iterations) options.duration_s = 60;
    if (!options.coverage_feedback && options.coverage_shm.empty()) return usage_error("--coverage-no-feedback needs --coverage-shm");
    if (!seed_given) options.seed = std::random_device{}() ^ static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
    options.status_interval = std::chrono::milliseconds(std::llround(status_s * 1000));
    options.status_out = status_s > 0 ? stderr : nullptr;
    if (status_s <= 0) options.status_interval = std::chrono::hours(24);

    // Outputs first: an unwritable --out or --stats must not cost a run, or lose a finding later.
    {
        std::error_code ec;
        std::filesystem::create_directories(options.out_dir, ec);
        const auto probe_file = std::filesystem::path(options.out_dir) / ".mqttspec-write-test";
        std::ofstream probe(probe_file);
        if (ec || !probe) {
            std::fprintf(stderr, "mqttspec fuzz: cannot write reproducers to --out %s: %s\n", options.out_dir.c_str(),
                         (ec ? ec.message() : std::string(std::strerror(errno))).c_str());
            return exit_usage;
        }
        probe.close();
        std::filesystem::remove(probe_file, ec);
    }
    std::ofstream stats_out;
    if (!options.stats_file.empty()) {
        stats_out.open(options.stats_file, std::ios::trunc);
        if (!stats_out) {
            std::fprintf(stderr, "mqttspec fuzz: cannot write --stats %s: %s\n", options.stats_file.c_str(), std::strerror(errno));
            return exit_usage;
        }
    }
    options.interrupt = &install_interrupt_handlers("fuzz");

    std::fprintf(stderr, "mqttspec fuzz: %s, seed %llu, %u workers, %s\n", options.exec.where.url().c_str(),
                 static_cast<unsigned long long>(options.seed), options.workers,
                 options.iterations ? (std::to_string(*options.iterations) + " iterations").c_str()
                                    : (std::to_string(*options.duration_s) + " s").c_str());
    const auto result = nf::run_fuzzer(options);
    if (result.start_failed) {
        std::fprintf(stderr, "mqttspec fuzz: %s\n", result.start_error.c_str());
        return exit_usage;
    }
    const double rate = result.duration_s > 0 ? double(result.iterations) / result.duration_s : 0;
    std::fprintf(stderr, "mqttspec fuzz: %llu sequences in %.1f s (%.0f/s), %zu distinct broker responses, corpus %zu, %zu finding(s)\n",
                 static_cast<unsigned long long>(result.iterations), result.duration_s, rate, result.distinct_responses,
                 result.corpus_size, result.findings.size());
    const auto per_sequence_us = [&](double seconds) { return seconds * 1e6 / double(result.iterations); };
    if (result.iterations > 0) {
        std::fprintf(stderr, "mqttspec fuzz: CPU per sequence: fuzzer %.0f us", per_sequence_us(result.fuzzer_cpu_s));
        if (result.broker_cpu_s) std::fprintf(stderr, ", broker %.0f us", per_sequence_us(*result.broker_cpu_s));
        std::fprintf(stderr, " (user + system)\n");
    }
    if (result.edges) {
        std::fprintf(stderr, "mqttspec fuzz: %zu broker edges reached, %zu sequence(s) kept for new edges%s\n", *result.edges,
                     result.coverage_corpus_size, options.coverage_feedback ? "" : " (feedback off)");
    }
    if (result.retained_problem.empty()) {
        std::fprintf(stderr, "mqttspec fuzz: removed %zu retained message(s) under %s (a byte mutation can move a topic out of "
                             "that prefix; such messages are not found and stay)\n",
                     result.retained_cleared, std::string(nf::retained_filter).c_str());
    } else {
        std::fprintf(stderr, "mqttspec fuzz: removing the retained messages under %s stopped after %zu: %s; they may remain\n",
                     std::string(nf::retained_filter).c_str(), result.retained_cleared, result.retained_problem.c_str());
    }
    for (const auto& f : result.findings) {
        std::printf("FINDING %s: %s\n  reproducer: %s\n", f.kind.c_str(), f.details.c_str(), f.reproducer.c_str());
    }
    if (!options.stats_file.empty()) {
        nlohmann::ordered_json stats;
        stats["target"] = options.exec.where.url();
        stats["seed"] = options.seed;
        stats["workers"] = options.workers;
        stats["iterations"] = result.iterations;
        stats["duration_s"] = result.duration_s;
        stats["iterations_per_second"] = rate;
        stats["distinct_responses"] = result.distinct_responses;
        stats["corpus_size"] = result.corpus_size;
        stats["liveness_probes"] = result.probes;
        stats["suspects_cleared"] = result.suspects_cleared;
        stats["interrupted"] = result.interrupted;
        stats["retained_cleared"] = result.retained_cleared;
        stats["state_resets"] = {{"count", result.state_resets},
                                 {"retained_cleared", result.reset_retained_cleared},
                                 {"failures", result.reset_failures}};
        auto& cpu = stats["cpu"] = nlohmann::ordered_json::object();
        cpu["fuzzer_s"] = result.fuzzer_cpu_s;
        if (result.broker_cpu_s) cpu["broker_s"] = *result.broker_cpu_s;
        if (result.iterations > 0) {
            cpu["fuzzer_us_per_sequence"] = per_sequence_us(result.fuzzer_cpu_s);
            if (result.broker_cpu_s) cpu["broker_us_per_sequence"] = per_sequence_us(*result.broker_cpu_s);
        }
        if (result.edges) {
            stats["edges"] = *result.edges;
            stats["coverage_feedback"] = options.coverage_feedback;
            stats["coverage_corpus_size"] = result.coverage_corpus_size;
        }
        auto& list = stats["findings"] = nlohmann::ordered_json::array();
        for (const auto& f : result.findings) {
            list.push_back({{"kind", f.kind}, {"details", f.details}, {"iteration", f.iteration}, {"reproducer", f.reproducer}});
        }
        stats_out << stats.dump(2) << "\n";
        stats_out.flush();
        if (!stats_out) {
            std::fprintf(stderr, "mqttspec fuzz: cannot write --stats file %s\n", options.stats_file.c_str());
            return exit_usage;
        }
    }
    if (result.interrupted) {
        std::fprintf(stderr, "mqttspec fuzz: interrupted\n");
        return exit_interrupted;
    }
    return result.findings.empty() ? exit_ok : exit_failures;
}

const register_command registration{{"fuzz", "fuzz a live broker with mutated MQTT sessions; save replayable findings", &run}};

}  // namespace
}  // namespace mqttspec::app
