// One struct per MQTT control packet. Decoded packets hold views into the caller's buffer
// ("views in"); build packets to encode from an arena (arena.hpp) when the strings are not
// already owned somewhere that outlives the packet.
//
// One set of structs serves all versions: fields a version lacks (properties, reason codes in acks)
// stay empty/zero there and the encoder refuses to write what the version cannot carry. A single
// variant (rather than one per version) keeps every consumer - JSON, conformance oracles, fuzzers -
// free of per-version visitors; the version travels beside the packet.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>
#include <variant>
#include <vector>

#include "mqttspec/codec/properties.hpp"
#include "mqttspec/codec/types.hpp"

namespace mqttspec::codec {

// 5.0 lets PUBACK/PUBREC/PUBREL/PUBCOMP, DISCONNECT and AUTH omit a Success reason code and an
// empty property list. `shortest` is the canonical form the encoder writes by default; the decoder
// records a longer form it saw so that encode(decode(bytes)) == bytes.
enum class tail_form : std::uint8_t {
    shortest,                    // omit whatever may be omitted
    reason_code,                 // reason code present, property length omitted
    reason_code_and_properties,  // reason code and property length present (even if 0)
};

struct will_message {
    std::string_view topic;
    std::string_view payload;  // binary
    std::uint8_t qos = 0;
    bool retain = false;
    property_list properties;  // 5.0 Will Properties

    friend bool operator==(const will_message&, const will_message&) = default;
};

struct connect_packet {
    std::string_view protocol_name = "MQTT";  // "MQIsdp" for 3.1
    std::uint8_t protocol_level = 4;          // as on the wire
    bool clean_start = true;                  // Clean Session in 3.x
    bool reserved_flag = false;               // bit 0 of the connect flags; must be 0
    std::uint16_t keep_alive = 60;
    property_list properties;
    std::string_view client_id;
    std::optional<will_message> will;
    std::optional<std::string_view> username;
    std::optional<std::string_view> password;  // binary

    friend bool operator==(const connect_packet&, const connect_packet&) = default;
};

struct connack_packet {
    bool session_present = false;
    std::uint8_t reason_code = 0;  // return code in 3.x
    property_list properties;

    friend bool operator==(const connack_packet&, const connack_packet&) = default;
};

struct publish_packet {
    bool dup = false;
    std::uint8_t qos = 0;
    bool retain = false;
    std::string_view topic;
    std::uint16_t packet_id = 0;  // present on the wire only for QoS 1 and 2
    property_list properties;
    std::string_view payload;     // binary

    friend bool operator==(const publish_packet&, const publish_packet&) = default;
};

// PUBACK, PUBREC, PUBREL, PUBCOMP share a layout; distinct types keep the variant index = type - 1.
template <packet_type Type>
struct basic_ack_packet {
    static constexpr packet_type type = Type;
    std::uint16_t packet_id = 0;
    std::uint8_t reason_code = 0;  // 5.0 only
    property_list properties;      // 5.0 only
    tail_form form = tail_form::shortest;

    friend bool operator==(const basic_ack_packet&, const basic_ack_packet&) = default;
};
using puback_packet = basic_ack_packet<packet_type::puback>;
using pubrec_packet = basic_ack_packet<packet_type::pubrec>;
using pubrel_packet = basic_ack_packet<packet_type::pubrel>;
using pubcomp_packet = basic_ack_packet<packet_type::pubcomp>;

struct subscription {
    std::string_view filter;
    std::uint8_t qos = 0;
    bool no_local = false;             // 5.0
    bool retain_as_published = false;  // 5.0
    std::uint8_t retain_handling = 0;  // 5.0
    std::uint8_t reserved_bits = 0;    // bits 6-7 of the options byte (bits 2-7 in 3.x); must be 0

    friend bool operator==(const subscription&, const subscription&) = default;
};

struct subscribe_packet {
    std::uint16_t packet_id = 0;
    property_list properties;
    std::vector<subscription> subscriptions;

    friend bool operator==(const subscribe_packet&, const subscribe_packet&) = default;
};

struct suback_packet {
    std::uint16_t packet_id = 0;
    property_list properties;
    std::vector<std::uint8_t> reason_codes;  // return codes in 3.x

    friend bool operator==(const suback_packet&, const suback_packet&) = default;
};

struct unsubscribe_packet {
    std::uint16_t packet_id = 0;
    property_list properties;
    std::vector<std::string_view> filters;

    friend bool operator==(const unsubscribe_packet&, const unsubscribe_packet&) = default;
};

struct unsuback_packet {
    std::uint16_t packet_id = 0;
    property_list properties;
    std::vector<std::uint8_t> reason_codes;  // 5.0 only

    friend bool operator==(const unsuback_packet&, const unsuback_packet&) = default;
};

struct pingreq_packet {
    friend bool operator==(const pingreq_packet&, const pingreq_packet&) = default;
};
struct pingresp_packet {
    friend bool operator==(const pingresp_packet&, const pingresp_packet&) = default;
};

struct disconnect_packet {
    std::uint8_t reason_code = 0;  // 5.0 only
    property_list properties;      // 5.0 only
    tail_form form = tail_form::shortest;

    friend bool operator==(const disconnect_packet&, const disconnect_packet&) = default;
};

struct auth_packet {  // 5.0 only
    std::uint8_t reason_code = 0;
    property_list properties;
    tail_form form = tail_form::shortest;

    friend bool operator==(const auth_packet&, const auth_packet&) = default;
};

// Alternative index == packet type - 1.
using packet = std::variant<connect_packet, connack_packet, publish_packet, puback_packet,
                            pubrec_packet, pubrel_packet, pubcomp_packet, subscribe_packet,
                            suback_packet, unsubscribe_packet, unsuback_packet, pingreq_packet,
                            pingresp_packet, disconnect_packet, auth_packet>;

inline packet_type type_of(const packet& p) noexcept {
    return static_cast<packet_type>(p.index() + 1);
}

}  // namespace mqttspec::codec
