#include "reference.hpp"

#include <array>
#include <initializer_list>
#include <vector>

namespace mqttspec::fuzz::ref {

using codec::errc;
using codec::packet_type;
using codec::protocol_version;

verdict utf8(std::string_view s, bool reject_control, bool reject_noncharacters) {
    const auto* p = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t n = s.size();
    std::size_t i = 0;
    while (i < n) {
        const unsigned lead = p[i];
        std::size_t length = 0;
        std::uint32_t cp = 0;
        // Lead bytes 0x80..0xC1 and 0xF5..0xFF never start a well-formed sequence (RFC 3629 §4).
        if (lead < 0x80) {
            length = 1;
            cp = lead;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            length = 2;
            cp = lead & 0x1F;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            length = 3;
            cp = lead & 0x0F;
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            length = 4;
            cp = lead & 0x07;
        } else {
            return {errc::invalid_utf8, i};
        }
        if (n - i < length) return {errc::invalid_utf8, i};
        for (std::size_t k = 1; k < length; ++k) {
            const unsigned c = p[i + k];
            if ((c & 0xC0) != 0x80) return {errc::invalid_utf8, i};
            cp = (cp << 6) | (c & 0x3F);
        }
        const bool overlong = (length == 3 && cp < 0x800) || (length == 4 && cp < 0x10000);
        if (overlong || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {errc::invalid_utf8, i};
        if (cp == 0) return {errc::utf8_null_character, i};
        if (reject_control && ((cp >= 0x01 && cp <= 0x1F) || (cp >= 0x7F && cp <= 0x9F)))
            return {errc::utf8_control_character, i};
        if (reject_noncharacters && ((cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE))
            return {errc::utf8_noncharacter, i};
        i += length;
    }
    return {};
}

verdict topic_name(std::string_view name) {
    if (name.empty()) return {errc::topic_name_empty, 0};
    for (std::size_t i = 0; i < name.size(); ++i)
        if (name[i] == '+' || name[i] == '#') return {errc::topic_name_wildcard, i};
    return {};
}

bool starts_with_share(std::string_view filter) { return filter.substr(0, 7) == "$share/"; }

namespace {

verdict plain_filter(std::string_view f) {
    if (f.empty()) return {errc::topic_filter_empty, 0};
    const std::size_t n = f.size();
    for (std::size_t i = 0; i < n; ++i) {
        const bool level_start = i == 0 || f[i - 1] == '/';
        const bool level_end = i + 1 == n || f[i + 1] == '/';
        if (f[i] == '#' && !(level_start && i + 1 == n)) return {errc::topic_filter_invalid_multilevel, i};
        if (f[i] == '+' && !(level_start && level_end)) return {errc::topic_filter_invalid_single_level, i};
    }
    return {};
}

std::vector<std::string_view> levels(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t start = 0;
    for (;;) {
        const auto slash = s.find('/', start);
        if (slash == std::string_view::npos) {
            out.push_back(s.substr(start));
            return out;
        }
        out.push_back(s.substr(start, slash - start));
        start = slash + 1;
    }
}

}  // namespace

verdict topic_filter(std::string_view filter, bool allow_shared) {
    if (filter.empty()) return {errc::topic_filter_empty, 0};
    if (!allow_shared || !starts_with_share(filter)) return plain_filter(filter);
    const std::string_view rest = filter.substr(7);
    const auto slash = rest.find('/');
    if (slash == std::string_view::npos) return {errc::shared_subscription_invalid, 0};
    const std::string_view share_name = rest.substr(0, slash);
    if (share_name.empty() || share_name.find_first_of("+#") != std::string_view::npos)
        return {errc::shared_subscription_invalid, 0};
    const std::string_view inner = rest.substr(slash + 1);
    if (inner.empty()) return {errc::shared_subscription_invalid, 0};
    verdict v = plain_filter(inner);
    if (!v.ok()) v.offset += 7 + slash + 1;
    return v;
}

bool matches(std::string_view filter, std::string_view topic) {
    if (starts_with_share(filter)) {
        const auto slash = filter.find('/', 7);
        if (slash == std::string_view::npos) return false;
        filter = filter.substr(slash + 1);
    }
    // 4.7.2: a filter starting with a wildcard must not match a topic starting with '$'.
    if (!topic.empty() && topic[0] == '$' && !filter.empty() && (filter[0] == '+' || filter[0] == '#'))
        return false;
    const auto f = levels(filter);
    const auto t = levels(topic);
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == "#") return true;  // also matches the parent level ("a/#" matches "a")
        if (i >= t.size()) return false;
        if (f[i] != "+" && f[i] != t[i]) return false;
    }
    return f.size() == t.size();
}

property_rule property(std::uint8_t id) {
    using enum packet_type;
    const std::uint32_t acks = bit(puback) | bit(pubrec) | bit(pubrel) | bit(pubcomp);
    const std::uint32_t message = bit(publish) | will_bit;
    property_rule r;
    switch (id) {
        case 0x01: r = {value_type::byte, message}; r.boolean = true; break;
        case 0x02: r = {value_type::four_byte, message}; break;
        case 0x03: r = {value_type::utf8, message}; break;
        case 0x08: r = {value_type::utf8, message}; break;
        case 0x09: r = {value_type::binary, message}; break;
        case 0x0B: r = {value_type::varint, bit(publish) | bit(subscribe)};
                   r.repeatable_in_publish_only = true; r.nonzero = true; break;
        case 0x11: r = {value_type::four_byte, bit(connect) | bit(connack) | bit(disconnect)}; break;
        case 0x12: r = {value_type::utf8, bit(connack)}; break;
        case 0x13: r = {value_type::two_byte, bit(connack)}; break;
        case 0x15: r = {value_type::utf8, bit(connect) | bit(connack) | bit(auth)}; break;
        case 0x16: r = {value_type::binary, bit(connect) | bit(connack) | bit(auth)}; break;
        case 0x17: r = {value_type::byte, bit(connect)}; r.boolean = true; break;
        case 0x18: r = {value_type::four_byte, will_bit}; break;
        case 0x19: r = {value_type::byte, bit(connect)}; r.boolean = true; break;
        case 0x1A: r = {value_type::utf8, bit(connack)}; break;
        case 0x1C: r = {value_type::utf8, bit(connack) | bit(disconnect)}; break;
        case 0x1F: r = {value_type::utf8, bit(connack) | acks | bit(suback) | bit(unsuback) |
                                              bit(disconnect) | bit(auth)}; break;
        case 0x21: r = {value_type::two_byte, bit(connect) | bit(connack)}; r.nonzero = true; break;
        case 0x22: r = {value_type::two_byte, bit(connect) | bit(connack)}; break;
        case 0x23: r = {value_type::two_byte, bit(publish)}; r.nonzero = true; break;
        case 0x24: r = {value_type::byte, bit(connack)}; r.boolean = true; break;
        case 0x25: r = {value_type::byte, bit(connack)}; r.boolean = true; break;
        case 0x26: r = {value_type::pair, bit(connect) | bit(connack) | message | acks | bit(subscribe) |
                                              bit(suback) | bit(unsubscribe) | bit(unsuback) |
                                              bit(disconnect) | bit(auth)};
                   r.repeatable = true; break;
        case 0x27: r = {value_type::four_byte, bit(connect) | bit(connack)}; r.nonzero = true; break;
        case 0x28: r = {value_type::byte, bit(connack)}; r.boolean = true; break;
        case 0x29: r = {value_type::byte, bit(connack)}; r.boolean = true; break;
        case 0x2A: r = {value_type::byte, bit(connack)}; r.boolean = true; break;
        default: break;
    }
    return r;
}

namespace {
bool in(std::uint8_t code, std::initializer_list<int> set) {
    for (int c : set)
        if (c == code) return true;
    return false;
}
}  // namespace

bool reason_code_defined(packet_type t, protocol_version v, std::uint8_t c) {
    using enum packet_type;
    const bool v5 = v == protocol_version::v5;
    switch (t) {
        case connack:
            if (!v5) return c <= 5;
            return in(c, {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89, 0x8A, 0x8C,
                          0x90, 0x95, 0x97, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F});
        case puback:
        case pubrec:
            return v5 && in(c, {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99});
        case pubrel:
        case pubcomp:
            return v5 && in(c, {0x00, 0x92});
        case suback:
            if (v == protocol_version::v3_1) return c <= 2;
            if (v == protocol_version::v3_1_1) return c <= 2 || c == 0x80;
            return in(c, {0x00, 0x01, 0x02, 0x80, 0x83, 0x87, 0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2});
        case unsuback:
            return v5 && in(c, {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91});
        case disconnect:
            return v5 && in(c, {0x00, 0x04, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8D, 0x8E, 0x8F,
                                0x90, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C,
                                0x9D, 0x9E, 0x9F, 0xA0, 0xA1, 0xA2});
        case auth:
            return v5 && in(c, {0x00, 0x18, 0x19});
        default:
            return false;
    }
}

std::size_t varint_length(std::uint32_t value) {
    std::size_t n = 1;
    while (value >= 128) {
        value /= 128;
        ++n;
    }
    return n;
}

}  // namespace mqttspec::fuzz::ref
