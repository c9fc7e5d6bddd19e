#include "mqttspec/codec/topic.hpp"

namespace mqttspec::codec {

namespace {

constexpr std::string_view share_prefix = "$share/";

// A plain (non-shared) filter; offsets are shifted by `base` so shared filters report positions
// within the whole string.
topic_result validate_plain_filter(std::string_view filter, std::size_t base) noexcept {
    if (filter.empty()) return {errc::topic_filter_empty, base};
    const std::size_t n = filter.size();
    for (std::size_t i = 0; i < n; ++i) {
        const char c = filter[i];
        const bool level_start = i == 0 || filter[i - 1] == '/';
        if (c == '#') {
            if (!level_start || i + 1 != n) return {errc::topic_filter_invalid_multilevel, base + i};
        } else if (c == '+') {
            const bool level_end = i + 1 == n || filter[i + 1] == '/';
            if (!level_start || !level_end) return {errc::topic_filter_invalid_single_level, base + i};
        }
    }
    return {};
}

}  // namespace

topic_result validate_topic_name(std::string_view name) noexcept {
    if (name.empty()) return {errc::topic_name_empty, 0};
    // A plain loop: find_first_of calls memchr once per character, which dominated decoding.
    for (std::size_t i = 0; i < name.size(); ++i)
        if (name[i] == '+' || name[i] == '#') return {errc::topic_name_wildcard, i};
    return {};
}

bool is_shared_filter(std::string_view filter) noexcept { return filter.starts_with(share_prefix); }

topic_result validate_topic_filter(std::string_view filter, bool allow_shared) noexcept {
    if (filter.empty()) return {errc::topic_filter_empty, 0};
    if (!allow_shared || !is_shared_filter(filter)) return validate_plain_filter(filter, 0);

    const std::size_t name_start = share_prefix.size();
    const std::size_t slash = filter.find('/', name_start);
    const std::size_t name_end = slash == std::string_view::npos ? filter.size() : slash;
    if (name_end == name_start) return {errc::shared_subscription_invalid, name_start};
    for (std::size_t i = name_start; i < name_end; ++i)
        if (filter[i] == '+' || filter[i] == '#') return {errc::shared_subscription_invalid, i};
    // The share name must be followed by '/' and a non-empty filter (MQTT-4.8.2-2).
    if (slash == std::string_view::npos || slash + 1 == filter.size())
        return {errc::shared_subscription_invalid, filter.size()};
    return validate_plain_filter(filter.substr(slash + 1), slash + 1);
}

std::optional<shared_filter> parse_shared_filter(std::string_view filter) noexcept {
    if (!is_shared_filter(filter)) return std::nullopt;
    const std::size_t name_start = share_prefix.size();
    const std::size_t slash = filter.find('/', name_start);
    if (slash == std::string_view::npos || slash == name_start || slash + 1 == filter.size())
        return std::nullopt;
    auto name = filter.substr(name_start, slash - name_start);
    if (name.find_first_of("+#") != std::string_view::npos) return std::nullopt;
    return shared_filter{name, filter.substr(slash + 1)};
}

bool topic_matches(std::string_view filter, std::string_view topic) noexcept {
    if (is_shared_filter(filter)) {
        auto shared = parse_shared_filter(filter);
        if (!shared) return false;
        filter = shared->filter;
    }
    if (filter.empty() || topic.empty()) return false;
    if (topic.front() == '$' && (filter.front() == '+' || filter.front() == '#')) return false;

    std::size_t fi = 0, ti = 0;
    bool topic_exhausted = false;
    for (;;) {
        std::size_t fe = filter.find('/', fi);
        if (fe == std::string_view::npos) fe = filter.size();
        const auto filter_level = filter.substr(fi, fe - fi);
        // '#' matches whatever is left, including nothing: "a/#" matches "a".
        if (filter_level == "#") return true;
        if (topic_exhausted) return false;
        std::size_t te = topic.find('/', ti);
        if (te == std::string_view::npos) te = topic.size();
        const auto topic_level = topic.substr(ti, te - ti);
        if (filter_level != "+" && filter_level != topic_level) return false;
        const bool filter_last = fe == filter.size();
        const bool topic_last = te == topic.size();
        if (filter_last) return topic_last;
        fi = fe + 1;
        if (topic_last)
            topic_exhausted = true;
        else
            ti = te + 1;
    }
}

}  // namespace mqttspec::codec
