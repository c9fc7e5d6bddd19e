// Topic names, topic filters, shared subscriptions and matching (3.1.1 4.7, 5.0 4.7 and 4.8.2).
// These check the topic rules only; UTF-8 validity is utf8.hpp's job.
#pragma once

#include <optional>
#include <string_view>

#include "mqttspec/codec/error.hpp"

namespace mqttspec::codec {

struct topic_result {
    errc code = errc::ok;    // ok, topic_name_empty, topic_name_wildcard, topic_filter_*, shared_subscription_invalid
    std::size_t offset = 0;  // within the string
    explicit operator bool() const noexcept { return code == errc::ok; }
};

// Non-empty, no '+' or '#'.
topic_result validate_topic_name(std::string_view name) noexcept;

// Non-empty; '#' alone in the last level; '+' alone in its level. With `allow_shared`, a
// "$share/{name}/{filter}" filter is checked as such: the share name is non-empty and has no
// '/', '+' or '#', and the filter after it is a valid non-empty filter (5.0 4.8.2).
topic_result validate_topic_filter(std::string_view filter, bool allow_shared = true) noexcept;

struct shared_filter {
    std::string_view share_name;
    std::string_view filter;
};
// Splits "$share/name/filter"; nullopt when `filter` is not a shared subscription or is malformed.
std::optional<shared_filter> parse_shared_filter(std::string_view filter) noexcept;
// True when the filter starts with "$share/" (well-formed or not).
bool is_shared_filter(std::string_view filter) noexcept;

// Whether a valid filter matches a valid topic name (4.7.1.2/4.7.1.3 and 4.7.2: filters starting with
// a wildcard do not match topic names starting with '$'). Shared filters are matched by their
// filter part.
bool topic_matches(std::string_view filter, std::string_view topic) noexcept;

}  // namespace mqttspec::codec
