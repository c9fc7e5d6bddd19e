// Reports of a run: console (h2spec style), JUnit XML, JSON, self-contained HTML.
#pragma once

#include <cstdio>
#include <string>

#include "mqttspec/conformance/runner.hpp"

namespace mqttspec::conformance {

struct console_options {
    bool color = false;    // ANSI colours (only on a TTY)
    bool verbose = false;  // transcripts of every case, not only failures
    bool quiet = false;    // -q: list only cases that did not pass; no per-section count table
};

// Grouped by version and section, one line per case; failures with expected/actual/statement. Then
// a count table per section, a recap of every failed, error, unstable and non-strict case (ID,
// statement, why), the run's target line, and, before the last line, one line per refused version, a broker that stopped answering, unstable cases
// and stale waivers. The last line is exactly
// "N passed, N failed, N skipped, N non-strict, N waived, N errors, N unstable, N not run".
void write_console(std::FILE* out, const run_summary& s, const console_options& options);
std::string summary_line(const run_summary& s);

json to_json_report(const run_summary& s);
std::string to_junit(const run_summary& s);
std::string to_html(const run_summary& s);

// Escapes for XML/HTML text and attributes.
std::string xml_escape(std::string_view s);

}  // namespace mqttspec::conformance
