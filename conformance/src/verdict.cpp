#include "mqttspec/conformance/verdict.hpp"

namespace mqttspec::conformance {

std::string_view to_string(level l) noexcept {
    switch (l) {
        case level::must: return "MUST";
        case level::should: return "SHOULD";
        case level::may: return "MAY";
    }
    return "MUST";
}

std::optional<level> parse_level(std::string_view s) noexcept {
    if (s == "MUST") return level::must;
    if (s == "SHOULD") return level::should;
    if (s == "MAY") return level::may;
    return std::nullopt;
}

std::string_view to_string(verdict v) noexcept {
    switch (v) {
        case verdict::passed: return "passed";
        case verdict::failed: return "failed";
        case verdict::skipped: return "skipped";
        case verdict::error: return "error";
        case verdict::non_strict: return "non-strict";
        case verdict::waived: return "waived";
        case verdict::unstable: return "unstable";
        case verdict::not_run: return "not-run";
    }
    return "error";
}

}  // namespace mqttspec::conformance
