// Runs cases against a broker: probes versions and capabilities, measures the round trip, runs the
// selected cases on worker threads (each case on its own io_context), applies waivers.
#pragma once

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/statements.hpp"

namespace mqttspec::conformance {

struct case_result {
    case_info info;
    std::string section;           // report grouping
    verdict result = verdict::error;
    std::string message;
    std::string expected, actual;  // evidence of a failure
    std::string statement;         // the statement broken (a case's own when it checks one)
    double duration_ms = 0;
    json transcript;               // array of entries; always recorded, reports choose when to show it
    std::string transcript_text;
    // Waiver bookkeeping: the waiver applied, and what the case did underneath it.
    std::optional<waiver> applied_waiver;
    verdict underlying = verdict::passed;
    unsigned repeats = 1, failed_repeats = 0;
};

// Runs one case with a fresh io_context on the calling thread: body, then cleanup. Applies the
// level (SHOULD/MAY failures -> non_strict) and the profile's waiver. Never throws.
case_result run_case(const case_def& c, const run_environment& env, std::size_t index);

struct run_options {
    target where;
    std::optional<std::filesystem::path> profile_file;
    std::vector<codec::protocol_version> versions;  // empty: every version the broker accepts
    std::string id_prefix = "mqttspec-";
    std::chrono::milliseconds base_timeout{2000};
    std::string filter;        // glob over case IDs ('*' any run, '?' one char); empty: all
    unsigned repeat = 1;
    unsigned jobs = 8;
    bool show_secrets = false;  // transcripts keep passwords and Authentication Data (redacted otherwise)
    std::function<void(const case_result&)> on_result;  // progress (called from worker threads, serialised)
};

struct probe_result {
    std::map<codec::protocol_version, capabilities> accepted;  // versions the broker accepted
    std::map<codec::protocol_version, std::string> refused;    // why not
    std::chrono::microseconds rtt{0};                           // median PINGREQ round trip
};

// One CONNECT per version; discovers 5.0 capabilities; measures RTT. Throws transport_error when the
// broker cannot be reached at all.
probe_result probe(const target& where, const profile& prof, const std::string& id_prefix,
                   std::chrono::milliseconds timeout);

struct run_summary {
    std::string tool_version;
    std::string target_url;
    std::string profile_name;
    std::vector<codec::protocol_version> versions;
    std::chrono::microseconds rtt{0};
    std::chrono::milliseconds timeout{0};
    std::string nonce;
    double wall_ms = 0;
    std::vector<case_result> results;  // sorted by version then ID

    std::size_t count(verdict v) const;
    // 0: no MUST failed and no error; 1: a failure; 2: errors only (or nothing ran).
    int exit_code() const;
};

// All registered + fixture cases (fixture errors throw fixture_error), sorted by ID.
std::vector<case_def> all_cases(const std::filesystem::path& fixtures);

// Glob match used by --filter.
bool glob_match(std::string_view glob, std::string_view text) noexcept;

// Selects, probes and runs. Throws transport_error/profile_error/std::invalid_argument for usage or
// connection problems (exit 2 in the CLI).
run_summary run_suite(const run_options& options, const std::vector<case_def>& cases,
                      const statement_inventory& inventory);

}  // namespace mqttspec::conformance
