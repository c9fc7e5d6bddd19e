// Runs cases against a broker: probes versions and capabilities, measures the round trip, runs the
// selected cases on worker threads (each case on its own io_context), applies waivers.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/statements.hpp"

namespace mqttspec::conformance {

struct case_result {
    case_info info;
    std::string transport;         // URL scheme of the target it ran against ("mqtt", "ws", ...)
    std::string section;           // report grouping
    verdict result = verdict::error;
    std::string message;
    std::string expected, actual;  // evidence of a failure
    std::string statement;         // the statement broken (a case's own when it checks one)
    std::string statement_text;    // its words from the inventory (every statement's when none is named)
    double duration_ms = 0;
    json transcript;               // array of entries; always recorded, reports choose when to show it
    std::string transcript_text;
    // Waiver bookkeeping: the waiver applied, and what the case did underneath it.
    std::optional<waiver> applied_waiver;
    verdict underlying = verdict::passed;
    // The profile has a waiver for this case, but the case passed: the waiver is stale.
    std::optional<waiver> stale_waiver;
    unsigned repeats = 1, failed_repeats = 0;
    // The broker closed at least one of the case's connections (the runner then checks that it still
    // answers a new client: a crash is not a conforming close).
    bool broker_closed_connection = false;
    // A non-passing case is run once more alone; what that run gave (verdict::unstable when it passed).
    std::optional<verdict> rerun;
    std::string rerun_message;
    json rerun_transcript;
    std::string rerun_transcript_text;
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
    // Globs over case IDs ('*' any run, '?' one char), comma-separated: a case matching any is
    // selected (--filter is repeatable; case IDs hold no comma). Empty: all.
    std::string filter;
    // --section 3.3 / --statement MQTT-3.3.1-5 (repeatable): only cases citing a statement of one of
    // these sections (or subsections), or one of these statements. Empty: no restriction.
    std::vector<std::string> sections;
    std::vector<std::string> statements;
    unsigned repeat = 1;
    // Cases run at once; 0 (`-j auto`, the default): adaptive, see concurrency.hpp.
    unsigned jobs = 0;
    // Re-run every non-passing case alone once, to tell a broker that fails under concurrent clients
    // (verdict unstable) from a deterministic failure.
    bool rerun_failures = true;
    // A waiver whose case passes (stale) fails the run.
    bool strict_waivers = false;
    bool show_secrets = false;  // transcripts keep passwords and Authentication Data (redacted otherwise)
    std::function<void(std::size_t total)> on_start;      // after the probe: how many results will come
    std::function<void(const case_result&)> on_result;  // progress (called from worker threads, serialised)
    // Set (by a signal handler) to stop: no case starts after it; running cases finish with their
    // cleanup (every wait in a case is bounded); the rest are `not run` and the summary `interrupted`.
    const std::atomic<bool>* interrupt = nullptr;
};

struct probe_result {
    std::map<codec::protocol_version, capabilities> accepted;  // versions the broker accepted
    std::map<codec::protocol_version, std::string> refused;    // why not
    // Refused versions whose refusal is the standard's "unsupported protocol version" (3.1.1 CONNACK
    // return code 0x01, 5.0 CONNACK reason 0x84): a broker may support only some versions.
    std::set<codec::protocol_version> unsupported;
    // Versions whose probe connection got its PINGRESPs (a broker that never answers PINGREQ fails the
    // PINGREQ cases; it is not taken for dead).
    std::set<codec::protocol_version> answers_pingreq;
    std::chrono::microseconds rtt{0};                           // median PINGREQ round trip
};

// One CONNECT per version; discovers 5.0 capabilities; measures RTT. Throws transport_error when the
// broker cannot be reached at all.
probe_result probe(const target& where, const profile& prof, const std::string& id_prefix,
                   std::chrono::milliseconds timeout);

// A version the probe found refused, and whether that refusal is itself a failure of the broker.
struct refused_version {
    codec::protocol_version version;
    std::string reason;
    bool unsupported = false;  // refused as "unsupported protocol version": allowed, not a failure
    bool fails_run = false;    // every version was asked for and this refusal is not the allowed one
};

struct run_summary {
    std::string tool_version;
    std::string started_at;            // UTC, ISO 8601 ("2026-12-06T10:57:28Z")
    std::string options;               // the run's options in words (profile, versions, filter, jobs...), for reports
    std::string target_url;            // several targets (one run over several transports): joined by ", "
    std::vector<std::string> transports;  // URL schemes run, in order; more than one: reports name them per case
    std::string profile_name;
    std::vector<codec::protocol_version> versions;
    std::chrono::microseconds rtt{0};
    std::chrono::milliseconds timeout{0};
    std::string nonce;
    double wall_ms = 0;
    // How many cases ran at once, in words: "8" (fixed) or "auto, 8 at start, up to 40".
    std::string concurrency;
    std::vector<case_result> results;  // sorted by version then ID
    std::vector<refused_version> refused;
    // Non-empty when the broker stopped answering during the run: what was seen. The remaining cases
    // are `not_run`, and the run exits 2.
    std::string broker_down;
    bool strict_waivers = false;
    bool interrupted = false;  // stopped by SIGINT/SIGTERM: the results are partial

    std::size_t count(verdict v) const;
    std::size_t stale_waivers() const;
    // 130: interrupted; 2: the broker stopped answering; 1: a MUST failed, a MUST case was unstable, a version was refused
    // other than as unsupported, or (strict waivers) a waiver is stale; 2: errors only, or nothing
    // judged; otherwise 0.
    int exit_code() const;
};

// All registered + fixture cases (fixture errors throw fixture_error), sorted by ID.
std::vector<case_def> all_cases(const std::filesystem::path& fixtures);

// Glob match used by --filter.
bool glob_match(std::string_view glob, std::string_view text) noexcept;

// The section a statement ID belongs to: "MQTT-3.3.1-5" -> "3.3.1", "MQTTSPEC-5-3.8.2.1.2-name" -> "3.8.2.1.2";
// empty for anything else.
std::string statement_section(std::string_view statement);

// "3", "3.3", "4.8.2": what --section takes.
bool valid_section_number(std::string_view text) noexcept;

// Whether a case passes the run's selection (--filter, --section, --statement; not the version).
bool case_selected(const case_info& info, const run_options& options);

// Every waiver names an existing case and a statement of its version: one the case checks, or one the
// codec cites for a malformed broker packet (any statement of the inventory). Throws profile_error
// naming the profile file and the waiver otherwise.
void check_waivers(const profile& prof, const std::vector<case_def>& cases, const statement_inventory& inventory);

// Whether the broker still serves a new client: CONNECT -> CONNACK, and PINGREQ -> PINGRESP when
// `expect_pingresp`, within a generous multiple of the run's timeout. Empty when it does; otherwise
// what went wrong.
std::string broker_unresponsive(const run_environment& env, codec::protocol_version v, const std::string& client_id,
                                bool expect_pingresp = true);

// Selects, probes and runs. Throws transport_error/profile_error/std::invalid_argument for usage or
// connection problems (exit 2 in the CLI).
run_summary run_suite(const run_options& options, const std::vector<case_def>& cases,
                      const statement_inventory& inventory);

// One summary of several runs of the same suite over different targets (transports): results keep
// their transport, notes name it, counts add up. A single run is returned as it is.
run_summary merge_runs(std::vector<run_summary> runs);

}  // namespace mqttspec::conformance
