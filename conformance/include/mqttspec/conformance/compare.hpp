// `mqttspec compare`: several JSON reports (`mqttspec run --json`) side by side. Cases down, runs
// across, verdicts in the cells; rows that differ first; per-section totals; and, for two reports,
// what changed from the first to the second (new failures, fixed, newly waived, other changes).
#pragma once

#include <cstddef>
#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mqttspec::conformance {

// A report that cannot be compared: the message names the file and the field.
struct compare_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

struct compared_case {
    std::string id, transport, title, section, version, result, message;
    std::vector<std::string> statements;
};

struct compared_run {
    std::string file;  // as given, for messages and the page's metadata
    std::string tool_version, target, profile, started_at;
    std::vector<std::string> transports;
    bool interrupted = false;
    std::vector<compared_case> cases;
};

// Checks and reads one parsed report. Throws compare_error "FILE: FIELD: problem".
compared_run read_report(const nlohmann::ordered_json& report, const std::string& file);
// Reads and parses the file first (an unreadable file or invalid JSON is a compare_error too).
compared_run load_report(const std::filesystem::path& file);

struct comparison_row {
    std::string id, transport, title, section, version;
    std::vector<std::string> statements;
    std::vector<std::optional<std::string>> results;  // per run; empty: the run has no such case
    std::vector<std::string> messages;                // per run
    bool differs = false;
};

struct change {
    std::size_t row;       // index into comparison::rows
    std::string from, to;  // verdicts; "absent" when a run lacks the case
};

// From the first run to the second.
struct change_set {
    std::vector<change> new_failures;  // failed or unstable now, not before
    std::vector<change> fixed;         // failed or unstable before, passed now
    std::vector<change> newly_waived;  // waived now, not before
    std::vector<change> other;         // any other difference
};

struct comparison {
    std::vector<std::string> names;  // one column per run
    std::vector<compared_run> runs;
    bool by_transport = false;       // rows are (transport, ID): some report covers several transports
    std::vector<comparison_row> rows;  // different verdicts, then cases some run lacks, then the rest; each by version, section, ID
    // (version, section) -> per run -> verdict -> count.
    std::map<std::pair<std::string, std::string>, std::vector<std::map<std::string, std::size_t>>> section_totals;
    std::optional<change_set> changes;  // exactly two runs
    std::size_t differing() const;
};

// Column names: `names` where given (as many as runs, or empty), else each report's target and
// profile; duplicates get the file name added. Throws std::invalid_argument when names are given
// but not one per run.
comparison compare_reports(std::vector<compared_run> runs, const std::vector<std::string>& names);

// The text matrix (differing rows only unless `all_rows`), per-section totals and, for two runs,
// what changed.
std::string comparison_text(const comparison& c, bool all_rows);
// The same as one self-contained HTML page with filters, search and a "differences only" toggle.
std::string comparison_html(const comparison& c);

}  // namespace mqttspec::conformance
