// Verdicts and the exceptions a case body uses to reach them.
#pragma once

#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <string_view>

namespace mqttspec::conformance {

// The normative keyword of what a case checks. A case that fails at SHOULD/MAY level is reported
// `non_strict`, never `failed`: the broker is allowed to behave that way.
enum class level : std::uint8_t { must, should, may };
std::string_view to_string(level l) noexcept;  // "MUST", "SHOULD", "MAY"
std::optional<level> parse_level(std::string_view s) noexcept;

enum class verdict : std::uint8_t {
    passed,
    failed,      // a MUST was broken
    skipped,     // a requirement is absent (capability, profile entry, version not accepted)
    error,       // the case could not be judged: connection to the broker failed, internal error
    non_strict,  // a SHOULD/MAY was not followed
    waived,      // the profile lists this case as a known deviation; never counted as passed
    // Failed while other cases ran concurrently and passed when re-run alone: the broker misbehaves
    // under concurrent clients (the run fails), but the case's statement is not charged with it.
    unstable,
    not_run,     // never judged: the broker stopped answering before (or while) the case ran
};
std::string_view to_string(verdict v) noexcept;  // "passed", "failed", "skipped", "error", "non-strict", "waived", "unstable", "not-run"

// Thrown by expectations and by case_context::fail. Carries the evidence of the verdict.
struct case_failure : std::exception {
    std::string message;    // what went wrong, one sentence
    std::string expected;   // pattern or description of what the spec allows
    std::string actual;     // what arrived (decoded JSON, "connection closed", "nothing before the deadline")
    std::string statement;  // statement ID broken when the case checks several; empty: the case's own

    case_failure(std::string what_went_wrong, std::string expected_outcome = {}, std::string actual_outcome = {},
                 std::string statement_id = {})
        : message(std::move(what_went_wrong)), expected(std::move(expected_outcome)),
          actual(std::move(actual_outcome)), statement(std::move(statement_id)) {}
    const char* what() const noexcept override { return message.c_str(); }
};

// Thrown by case_context::skip / require.
struct case_skipped : std::exception {
    std::string reason;
    explicit case_skipped(std::string why) : reason(std::move(why)) {}
    const char* what() const noexcept override { return reason.c_str(); }
};

}  // namespace mqttspec::conformance
