// Deliberately simple, independent re-statements of MQTT rules, written from the standards and not
// from the codec's sources, so the fuzzers can check the codec against a second opinion.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "mqttspec/codec/error.hpp"
#include "mqttspec/codec/types.hpp"

namespace mqttspec::fuzz::ref {

struct verdict {
    codec::errc code = codec::errc::ok;
    std::size_t offset = 0;
    bool ok() const noexcept { return code == codec::errc::ok; }
};

// RFC 3629 well-formedness, no U+0000 (3.1.1 1.5.3, 5.0 1.5.4); optional SHOULD-level checks.
verdict utf8(std::string_view s, bool reject_control = false, bool reject_noncharacters = false);

// Topic name: non-empty, no wildcard characters (4.7.3, 4.7.1).
verdict topic_name(std::string_view name);
// Topic filter (4.7.1); with `allow_shared`, "$share/{name}/{filter}" (5.0 4.8.2).
verdict topic_filter(std::string_view filter, bool allow_shared);
bool starts_with_share(std::string_view filter);

// Level-by-level matching of a valid filter against a valid topic name (4.7.1, 4.7.2).
bool matches(std::string_view filter, std::string_view topic);

// 5.0 property table (2.2.2.2): allowed-in mask uses bit (1 << packet type) and bit 0 for the Will
// Properties; 0 for identifiers the standard does not define.
enum class value_type : std::uint8_t { none, byte, two_byte, four_byte, varint, utf8, binary, pair };
struct property_rule {
    value_type type = value_type::none;
    std::uint32_t allowed_in = 0;
    bool repeatable_in_publish_only = false;  // Subscription Identifier
    bool repeatable = false;                  // User Property
    bool boolean = false;                     // value must be 0 or 1
    bool nonzero = false;                     // value 0 is a Protocol Error
};
property_rule property(std::uint8_t id);
inline constexpr std::uint32_t will_bit = 1u;
constexpr std::uint32_t bit(codec::packet_type t) { return 1u << static_cast<unsigned>(t); }

// Whether a return/reason code is defined for this packet type and version.
bool reason_code_defined(codec::packet_type t, codec::protocol_version v, std::uint8_t code);

// Minimal bytes a Variable Byte Integer needs for `value`.
std::size_t varint_length(std::uint32_t value);

}  // namespace mqttspec::fuzz::ref
