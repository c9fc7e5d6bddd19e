// `mqttspec run`: the conformance suite against a broker.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <fstream>
#include <string>
#include <string_view>

#include "command.hpp"
#include "interrupt.hpp"
#include "mqttspec/conformance/fixtures.hpp"
#include "mqttspec/conformance/paths.hpp"
#include "mqttspec/conformance/report.hpp"
#include "mqttspec/conformance/runner.hpp"
#include "mqttspec/conformance/v31.hpp"
#include "mqttspec/net/target_options.hpp"

namespace mqttspec::app {
namespace {

namespace cf = mqttspec::conformance;
namespace net = mqttspec::net;

constexpr std::string_view run_help_head = R"(usage: mqttspec run (-h HOST [-p PORT] | -L URL [-L URL ...]) [options]

Runs the conformance cases against a broker and reports, statement by statement, where it breaks
MQTT 3.1.1 / 5.0. Without a target this is a usage error; ci/run-suite starts a local mosquitto and
runs the suite against it.

)";

constexpr std::string_view run_help_tail = R"(  Several -L (e.g. mqtt:// and ws:// of one broker) make one run over those transports:
  one report, each case named with its transport, one summary line.

selection and behaviour:
  -V, --protocol-version V
                          3.1.1, 5, 3.1 or all (default all: every version the broker accepts; one
                          CONNECT per version decides); also 311, mqttv311, mqttv5. Repeatable.
                          3.1 (also 31, mqttv31; never part of all) runs the 3.1.1 cases that apply to
                          MQTT 3.1 ('mqttspec list -V 3.1') over "MQIsdp" level-3 connections, as v31/...
  --filter GLOB           only cases whose ID matches ('*' any text, '?' one character). Repeatable,
                          or comma-separated: a case matching any is run
  --section X.Y           only cases citing a statement of that section of the standard or one of its
                          subsections (3.3 takes 3.3.2 too). Repeatable: a case matching any is run
  --statement ID          only cases citing that statement (MQTT-3.3.1-5, or an own MQTTSPEC-... ID).
                          Repeatable; combined with --section, a case matching either is run
  --profile FILE.json     broker profile: credentials, ACL-denied topic, known deviations (waivers)
  -I, --id-prefix TEXT    client identifier prefix (default mqttspec-)
  --timeout SECONDS       base deadline of every wait (default 2); scaled up by the measured round trip
  --repeat N              run every case N times (a case fails if any repetition fails)
  -j, --jobs N|auto       cases run concurrently (default auto: 8 at first, then as many as the broker
                          answers without slowing down, up to 64: a pacing client's PINGREQ round trip
                          is measured every 20 ms; each fast one adds 2, two slow ones in a row cut a
                          quarter; slow is more than twice the idle round trip plus 5 ms)
  --no-rerun              do not re-run non-passing cases alone (by default each is run once more
                          alone, one at a time, with no other case running but the slow timer cases
                          still waiting on their idle connections: one that then passes is reported
                          `unstable`, the broker failing only under concurrent clients; the run still
                          fails)
  --strict-waivers        a waiver whose case passes (stale) fails the run (exit 1)
  --list                  print the selected cases and exit without connecting

output:
  -v, --verbose           wire transcripts (both directions, decoded JSON, timestamps) of every case
  -q, --quiet             list only the cases that did not pass (no per-section table)
  --progress, --no-progress
                          live progress line on stderr (default: on when stderr is a terminal)
  --junit FILE            JUnit XML report ('-': standard output)
  --json FILE             JSON report ('-': standard output)
  --html FILE             self-contained HTML report ('-': standard output)
                          (report files are created before connecting: an unwritable path is a
                          usage error, exit 2, and costs no run)
  --show-secrets          keep passwords and 5.0 Authentication Data in transcripts and reports
                          (by default they read "<redacted, N bytes>" and their bytes "**" in hex
                          dumps; the target URL never shows the password)
  --help                  this text

Waivers (in the profile) excuse one known deviation each: a failure of the named statement whose
evidence matches the waiver's `observed` pattern. Any other failure of the case is reported failed.
A waiver for "case": "*" (intermittent) excuses its statement's failure in any case; with
"statement": "*" too, only a failure that passed when the case was run alone (a broker race).
After a case that failed or saw the broker close a connection, a new client must still get CONNACK
and PINGRESP: a broker that stops answering ends the run (remaining cases `not run`, exit 2).
With every version asked for (no -V, or -V all), a version the broker refuses other than as
"unsupported protocol version" (3.1.1 return code 0x01, 5.0 reason 0x84) fails the run.

Ctrl-C (SIGINT) or SIGTERM stops the run: no case starts after it, the running ones finish with
their cleanup (retained messages, sessions, wills), the rest are `not run`, the summary and every
report are written marked interrupted, and the exit status is 130. A second Ctrl-C exits at once.

Options take "--opt value" or "--opt=value".
The last line of the console report is
"N passed, N failed, N skipped, N non-strict, N waived, N errors, N unstable, N not run".
exit status: 0 no MUST case failed, 1 a case failed or was unstable, a version was refused wrongly,
             or (--strict-waivers) a waiver is stale, 2 usage error, broker unreachable or stopped
             answering, errors only, or no case ran, 130 interrupted
)";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "mqttspec run: %s (see mqttspec run --help)\n", message.c_str());
    return exit_usage;
}

// A report destination, opened before connecting so that an unwritable path costs no run.
// "-" is standard output.
class report_output {
public:
    // Empty when the path can be written; otherwise "PATH: system error".
    std::string open(const std::string& path) {
        path_ = path;
        if (path.empty() || path == "-") return {};
        file_.open(path, std::ios::binary | std::ios::trunc);
        if (!file_) return path + ": " + std::strerror(errno);
        return {};
    }
    bool wanted() const { return !path_.empty(); }
    bool write(const std::string& content) {
        if (path_ == "-") {
            std::fwrite(content.data(), 1, content.size(), stdout);
            return std::fflush(stdout) == 0;
        }
        file_ << content;
        file_.flush();
        return static_cast<bool>(file_);
    }
    const std::string& path() const { return path_; }

private:
    std::string path_;
    std::ofstream file_;
};

// "[212/425] 3 failed, 1 error, 8.1 s" on one rewritten stderr line (a terminal only).
class progress_line {
public:
    explicit progress_line(bool enabled) : enabled_(enabled), start_(std::chrono::steady_clock::now()) {}
    void begin(std::size_t total) {
        total_ += total;
        draw();
    }
    void add(const cf::case_result& r) {
        ++done_;
        failed_ += r.result == cf::verdict::failed || r.result == cf::verdict::unstable;
        errors_ += r.result == cf::verdict::error;
        draw();
    }
    void finish() {
        if (enabled_ && drawn_) std::fprintf(stderr, "\r\033[K");
    }

private:
    void draw() {
        if (!enabled_) return;
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        std::fprintf(stderr, "\r\033[K[%zu/%zu] %zu failed, %zu error%s, %.1f s", done_, total_, failed_, errors_,
                     errors_ == 1 ? "" : "s", seconds);
        std::fflush(stderr);
        drawn_ = true;
    }
    bool enabled_;
    bool drawn_ = false;
    std::chrono::steady_clock::time_point start_;
    std::size_t total_ = 0, done_ = 0, failed_ = 0, errors_ = 0;
};

int run(std::span<char*> args) {
    cf::run_options options;
    net::target_cli target_options;
    std::optional<bool> progress_wanted;
    bool quiet = false, list_only = false, verbose = false;
    std::string junit, json_file, html;

    for (std::size_t i = 1; i < args.size(); ++i) {
        std::string message;
        switch (net::parse_target_option(args, i, target_options, message)) {
            case net::option_match::yes: continue;
            case net::option_match::error: return usage_error(message);
            case net::option_match::no: break;
        }
        const std::string_view a = args[i];
        auto value = [&](std::string& out) -> bool {
            if (i + 1 >= args.size()) return false;
            out = args[++i];
            return true;
        };
        auto parse_number = [](const std::string& text, unsigned& out, unsigned min, unsigned max) -> bool {
            const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
            return ec == std::errc{} && end == text.data() + text.size() && out >= min && out <= max;
        };
        auto number = [&](unsigned& out, unsigned min, unsigned max) -> bool {
            std::string text;
            return value(text) && parse_number(text, out, min, max);
        };
        std::string text;
        if (a == "--help") {
            std::fwrite(run_help_head.data(), 1, run_help_head.size(), stdout);
            std::fwrite(net::target_help.data(), 1, net::target_help.size(), stdout);
            std::fwrite(run_help_tail.data(), 1, run_help_tail.size(), stdout);
            return exit_ok;
        } else if (a == "-V" || a == "--protocol") {
            if (!value(text)) return usage_error("missing value for " + std::string(a));
            if (text == "all") continue;
            const auto v = codec::parse_protocol_version(text);
            if (!v) return usage_error("-V must be 3.1.1, 5, 3.1 or all, not '" + text + "'");
            options.versions.push_back(*v);
        } else if (a == "--id-prefix") {
            if (!value(options.id_prefix)) return usage_error("missing value for --id-prefix");
        } else if (a == "--timeout") {
            if (!value(text)) return usage_error("missing value for --timeout");
            char* end = nullptr;
            const double seconds = std::strtod(text.c_str(), &end);
            if (end == text.c_str() || *end != '\0' || !(seconds > 0) || seconds > 3600) {
                return usage_error("--timeout needs seconds > 0, e.g. 2 or 0.5");
            }
            options.base_timeout = std::chrono::milliseconds(static_cast<long long>(std::llround(seconds * 1000)));
        } else if (a == "--profile") {
            if (!value(text)) return usage_error("missing value for --profile");
            options.profile_file = text;
        } else if (a == "--filter") {
            if (!value(text)) return usage_error("missing value for --filter");
            options.filter += (options.filter.empty() ? "" : ",") + text;
        } else if (a == "--section") {
            if (!value(text) || !cf::valid_section_number(text)) return usage_error("--section needs a section number such as 3.3 or 4.8.2");
            options.sections.push_back(text);
        } else if (a == "--statement") {
            if (!value(text) || cf::statement_section(text).empty()) {
                return usage_error("--statement needs a statement ID such as MQTT-3.3.1-5");
            }
            options.statements.push_back(text);
        } else if (a == "--repeat") {
            if (!number(options.repeat, 1, 100000)) return usage_error("--repeat needs a number >= 1");
        } else if (a == "-j" || a == "--jobs") {
            if (!value(text)) return usage_error(std::string(a) + " needs a number 1..1024 or auto");
            if (text == "auto") {
                options.jobs = 0;
            } else if (!parse_number(text, options.jobs, 1, 1024)) {
                return usage_error(std::string(a) + " needs a number 1..1024 or auto, not '" + text + "'");
            }
        } else if (a == "--no-rerun") {
            options.rerun_failures = false;
        } else if (a == "--strict-waivers") {
            options.strict_waivers = true;
        } else if (a == "--list") {
            list_only = true;
        } else if (a == "-v" || a == "--verbose") {
            verbose = true;
        } else if (a == "-q" || a == "--quiet") {
            quiet = true;
        } else if (a == "--progress") {
            progress_wanted = true;
        } else if (a == "--no-progress") {
            progress_wanted = false;
        } else if (a == "--show-secrets") {
            options.show_secrets = true;
        } else if (a == "--junit") {
            if (!value(junit)) return usage_error("missing value for --junit");
        } else if (a == "--json") {
            if (!value(json_file)) return usage_error("missing value for --json");
        } else if (a == "--html") {
            if (!value(html)) return usage_error("missing value for --html");
        } else {
            return usage_error("unknown option '" + std::string(a) + "'");
        }
    }

    const auto fixtures = cf::fixtures_dir();
    const auto cases = cf::all_cases(fixtures);  // fixture errors surface here, before connecting
    if (list_only) {
        std::size_t n = 0;
        auto listed = cases;
        for (auto& c : cf::v31_variants(cases)) listed.push_back(std::move(c));
        for (const auto& c : listed) {
            const bool version_ok = options.versions.empty() ||
                                    std::find(options.versions.begin(), options.versions.end(), c.info.version) != options.versions.end();
            if (!version_ok || !cf::case_selected(c.info, options)) continue;
            std::printf("%s\n", c.info.id.c_str());
            ++n;
        }
        if (n == 0) return usage_error("no case matches the selection");
        return exit_ok;
    }

    std::string target_problem;
    const auto targets = net::make_targets(target_options, target_problem);
    if (targets.empty()) {
        const bool none_given = target_options.urls.empty() && !target_options.host && !target_options.port;
        return usage_error(target_problem + (none_given ? " (ci/run-suite starts a local mosquitto)" : ""));
    }
    for (std::size_t k = 0; k < targets.size(); ++k) {
        for (std::size_t j = 0; j < k; ++j) {
            if (targets[j].kind == targets[k].kind) return usage_error("two -L URLs with the same scheme: one report names cases by transport");
        }
    }

    report_output junit_out, json_out, html_out;
    for (auto [out, path] : {std::pair{&junit_out, &junit}, std::pair{&json_out, &json_file}, std::pair{&html_out, &html}}) {
        if (const auto problem = out->open(*path); !problem.empty()) {
            std::fprintf(stderr, "mqttspec run: cannot write the report %s\n", problem.c_str());
            return exit_usage;
        }
    }

    const auto inventory = cf::load_statements(fixtures);
    // The console report goes to stderr when a report is written to standard output.
    std::FILE* console = (junit == "-" || json_file == "-" || html == "-") ? stderr : stdout;
    progress_line progress(progress_wanted.value_or(isatty(STDERR_FILENO) != 0));
    options.on_start = [&](std::size_t total) { progress.begin(total); };
    options.on_result = [&](const cf::case_result& r) { progress.add(r); };
    const auto& interrupt_requested = install_interrupt_handlers("run");
    options.interrupt = &interrupt_requested;
    cf::run_summary summary;
    try {
        std::vector<cf::run_summary> runs;
        for (const auto& t : targets) {
            if (interrupt_requested) break;
            options.where = t;
            runs.push_back(cf::run_suite(options, cases, inventory));
        }
        summary = cf::merge_runs(std::move(runs));
        progress.finish();
    } catch (const cf::transport_error& e) {
        progress.finish();
        std::fprintf(stderr, "mqttspec run: cannot reach the broker at %s: %s\n", options.where.url().c_str(), e.what());
        return exit_usage;
    } catch (const cf::profile_error& e) {
        std::fprintf(stderr, "mqttspec run: %s\n", e.what());
        return exit_usage;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mqttspec run: %s\n", e.what());
        return exit_usage;
    }

    const bool tty = isatty(fileno(console)) != 0 && std::getenv("NO_COLOR") == nullptr;
    cf::write_console(console, summary, {.color = tty, .verbose = verbose, .quiet = quiet});
    std::fflush(console);
    std::fflush(stdout);
    bool written = true;
    for (auto [out, render] : {std::pair<report_output*, std::function<std::string()>>{&junit_out, [&] { return cf::to_junit(summary); }},
                               {&json_out, [&] { return cf::to_json_report(summary).dump(2) + "\n"; }},
                               {&html_out, [&] { return cf::to_html(summary); }}}) {
        if (out->wanted() && !out->write(render())) {
            std::fprintf(stderr, "mqttspec run: cannot write %s: %s\n", out->path().c_str(), std::strerror(errno));
            written = false;
        }
    }
    const int code = summary.exit_code();
    return code == exit_ok && !written ? exit_usage : code;
}

const register_command registration{{"run", "run the conformance suite against a broker", &run}};

}  // namespace
}  // namespace mqttspec::app
