// MQTT 5.0 properties (section 2.2.2.2): identifiers, value types, which packet may carry each.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "mqttspec/codec/types.hpp"

namespace mqttspec::codec {

enum class property_id : std::uint8_t {
    payload_format_indicator = 0x01,
    message_expiry_interval = 0x02,
    content_type = 0x03,
    response_topic = 0x08,
    correlation_data = 0x09,
    subscription_identifier = 0x0B,
    session_expiry_interval = 0x11,
    assigned_client_identifier = 0x12,
    server_keep_alive = 0x13,
    authentication_method = 0x15,
    authentication_data = 0x16,
    request_problem_information = 0x17,
    will_delay_interval = 0x18,
    request_response_information = 0x19,
    response_information = 0x1A,
    server_reference = 0x1C,
    reason_string = 0x1F,
    receive_maximum = 0x21,
    topic_alias_maximum = 0x22,
    topic_alias = 0x23,
    maximum_qos = 0x24,
    retain_available = 0x25,
    user_property = 0x26,
    maximum_packet_size = 0x27,
    wildcard_subscription_available = 0x28,
    subscription_identifier_available = 0x29,
    shared_subscription_available = 0x2A,
};

enum class property_type : std::uint8_t {
    byte,          // 1 byte
    two_byte,      // big-endian uint16
    four_byte,     // big-endian uint32
    varint,        // Variable Byte Integer
    utf8_string,   // length-prefixed UTF-8
    binary,        // length-prefixed bytes
    string_pair,   // two UTF-8 strings
};

// Where a property may appear. Bit (1 << packet_type) for packets; will_properties_bit for the
// CONNECT payload's Will Properties (packet type 0 is never a packet, so its bit is free).
inline constexpr std::uint32_t will_properties_bit = 1u << 0;
constexpr std::uint32_t packet_bit(packet_type t) noexcept { return 1u << static_cast<unsigned>(t); }

struct property_info {
    property_id id;
    std::string_view name;      // snake_case, the JSON key: "message_expiry_interval"
    property_type type;
    std::uint32_t allowed_in;   // packet_bit(...) | will_properties_bit
    bool repeatable;            // only User Property and Subscription Identifier (in PUBLISH)
};

// nullptr for identifiers 5.0 does not define.
const property_info* find_property(std::uint8_t id) noexcept;
const property_info* find_property(std::string_view name) noexcept;
// All 27 properties in identifier order.
std::span<const property_info> all_properties() noexcept;

// One property as it stands in the packet. Views point into the decoded buffer (or an arena).
//   byte / two_byte / four_byte / varint -> integer
//   utf8_string / binary                 -> data
//   string_pair                          -> data (name), value (value)
struct property {
    property_id id{};
    std::uint32_t integer = 0;
    std::string_view data;
    std::string_view value;

    friend bool operator==(const property&, const property&) = default;
};

// Wire order is kept: encode(decode(x)) == x relies on it.
using property_list = std::vector<property>;

// First property with this id, or nullptr.
const property* find(const property_list& props, property_id id) noexcept;

}  // namespace mqttspec::codec
