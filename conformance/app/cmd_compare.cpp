// `mqttspec compare`: JSON reports of several runs side by side.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "mqttspec/conformance/compare.hpp"

namespace mqttspec::app {
namespace {

namespace cf = mqttspec::conformance;

constexpr std::string_view compare_help = R"(usage: mqttspec compare [options] REPORT.json REPORT.json [REPORT.json ...]

Compares the JSON reports of several runs (mqttspec run --json FILE): of several brokers, of one
broker over several transports, or of two versions of one broker. Prints a matrix with the cases
down, the runs across and the verdicts in the cells ("-": the run has no such case), the rows that
differ first; then the totals per spec section (passed/failed/skipped/other) and, for exactly two
reports, what changed from the first to the second: new failures, fixed, newly waived, other changes.
Reports of one transport each are matched by case ID; when a report covers several transports,
rows are (transport, case ID).

options:
  --name NAME               column name of the next report, given once per report, in order
                            (default: the report's target and profile)
  --all                     print every row, also those with the same verdict everywhere
                            (default: only the rows that differ)
  --html FILE               also write the comparison as one self-contained HTML page (every row,
                            with filters, search and a "differences only" toggle; '-': standard
                            output, the text then goes to standard error)
  --fail-on-new-failures    exit 1 when the last of two reports has failures (failed or
                            unstable) that the first has not: a regression check for CI
  --help                    this text

exit status: 0 compared (also with differences), 1 new failures with --fail-on-new-failures,
             2 usage error, or a report that cannot be read (the message names the file and field)
)";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "mqttspec compare: %s (see mqttspec compare --help)\n", message.c_str());
    return exit_usage;
}

int run(std::span<char*> args) {
    std::vector<std::string> files, names;
    std::string html;
    bool all_rows = false, fail_on_new_failures = false, options_ended = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string_view a = args[i];
        if (options_ended || a.empty() || a[0] != '-' || a == "-") {
            files.emplace_back(a);
        } else if (a == "--") {
            options_ended = true;
        } else if (a == "--help" || a == "-h") {
            std::fwrite(compare_help.data(), 1, compare_help.size(), stdout);
            return exit_ok;
        } else if (a == "--name") {
            if (i + 1 >= args.size()) return usage_error("missing value for --name");
            names.emplace_back(args[++i]);
        } else if (a == "--html") {
            if (i + 1 >= args.size()) return usage_error("missing value for --html");
            html = args[++i];
        } else if (a == "--all") {
            all_rows = true;
        } else if (a == "--fail-on-new-failures") {
            fail_on_new_failures = true;
        } else {
            return usage_error("unknown option '" + std::string(a) + "'");
        }
    }
    if (files.size() < 2) return usage_error("give at least two JSON reports (mqttspec run --json FILE)");
    if (!names.empty() && names.size() != files.size()) {
        return usage_error(std::to_string(names.size()) + " --name for " + std::to_string(files.size()) + " reports: give one per report");
    }
    if (fail_on_new_failures && files.size() != 2) return usage_error("--fail-on-new-failures compares exactly two reports");

    // The page's destination is opened before the reports are read: an unwritable path costs nothing.
    std::ofstream html_file;
    if (!html.empty() && html != "-") {
        html_file.open(html, std::ios::binary | std::ios::trunc);
        if (!html_file) {
            std::fprintf(stderr, "mqttspec compare: cannot write %s: %s\n", html.c_str(), std::strerror(errno));
            return exit_usage;
        }
    }
    std::vector<cf::compared_run> runs;
    try {
        for (const auto& f : files) runs.push_back(cf::load_report(f));
    } catch (const cf::compare_error& e) {
        std::fprintf(stderr, "mqttspec compare: %s\n", e.what());
        return exit_usage;
    }
    const auto comparison = cf::compare_reports(std::move(runs), names);
    const std::string text = cf::comparison_text(comparison, all_rows);
    std::fwrite(text.data(), 1, text.size(), html == "-" ? stderr : stdout);
    if (!html.empty()) {
        const std::string page = cf::comparison_html(comparison);
        if (html == "-") {
            std::fwrite(page.data(), 1, page.size(), stdout);
        } else {
            html_file << page;
            html_file.flush();
            if (!html_file) {
                std::fprintf(stderr, "mqttspec compare: cannot write %s: %s\n", html.c_str(), std::strerror(errno));
                return exit_usage;
            }
        }
    }
    if (fail_on_new_failures && comparison.changes && !comparison.changes->new_failures.empty()) {
        std::fprintf(stderr, "mqttspec compare: %zu new failures in %s\n", comparison.changes->new_failures.size(),
                     comparison.runs[1].file.c_str());
        return exit_failures;
    }
    return exit_ok;
}

const register_command registration{{"compare", "compare the JSON reports of several runs (brokers, versions, transports)", &run}};

}  // namespace
}  // namespace mqttspec::app
