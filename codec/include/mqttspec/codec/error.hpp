// Why the codec rejected bytes: a specific error code, the spec's two tiers (Malformed Packet vs
// Protocol Error), the 5.0 reason code a receiver would send, the byte offset and the normative
// statement that was broken.
#pragma once

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>

namespace mqttspec::codec {

// The two tiers of MQTT 5.0 section 4.13 (3.1.1 treats both as "close the connection").
enum class error_kind : std::uint8_t {
    malformed_packet,  // the bytes cannot be parsed per the spec (5.0 reason 0x81)
    protocol_error,    // parsed, but the content breaks a rule (5.0 reason 0x82 or a more specific one)
};

std::string_view to_string(error_kind k) noexcept;  // "malformed_packet" / "protocol_error"

// Stable, specific error codes. Names are what `mqttspec decode` prints in "error" and what
// fixtures/packets/*.json name in "error". Add at the end of a group; never renumber in a release.
enum class errc : int {
    ok = 0,

    // Fixed header and framing
    reserved_packet_type = 1,       // packet type 0
    packet_type_not_in_version,     // AUTH before 5.0
    invalid_fixed_header_flags,     // reserved flag bits wrong (incl. PUBREL/SUBSCRIBE/UNSUBSCRIBE 0010)
    remaining_length_too_long,      // Variable Byte Integer longer than 4 bytes
    varint_not_minimal,             // 5.0: a VBI not in its shortest form (remaining length or property)
    packet_too_large,               // larger than decode_options::maximum_packet_size
    truncated,                      // the input ends inside a packet: more bytes were needed. decode()
                                    // reports this as decode_status::need_more; the name is for callers
                                    // whose input has ended for good (`mqttspec decode` at end of input)
    trailing_bytes,                 // bytes left inside the remaining length after the last field
    wrong_fixed_length,             // fixed-size packet with the wrong remaining length
    field_past_remaining_length,    // a field runs past the end of the Remaining Length: malformed,
                                    // however many bytes follow (not need-more)

    // Common fields
    invalid_qos = 100,              // QoS 3
    dup_on_qos0,                    // DUP set on a QoS 0 PUBLISH
    packet_id_zero,
    invalid_utf8,                   // ill-formed, overlong, surrogate, > U+10FFFF
    utf8_null_character,            // U+0000
    utf8_control_character,         // only with decode_options::reject_control_characters
    utf8_noncharacter,              // only with decode_options::reject_noncharacters
    topic_name_empty,
    topic_name_wildcard,
    topic_filter_empty,
    topic_filter_invalid_multilevel,   // '#' not last or not alone in its level
    topic_filter_invalid_single_level, // '+' not alone in its level
    shared_subscription_invalid,       // $share/ syntax
    shared_subscription_no_local,      // No Local on a shared subscription
    invalid_reason_code,               // unknown return/reason code for the packet type
    packet_not_allowed_from_sender,    // e.g. CONNACK from a client (only when sender is known)

    // CONNECT / CONNACK
    invalid_protocol_name = 200,
    unsupported_protocol_level,        // level does not match the name or the decoder's version
    connect_reserved_flag,
    will_flags_without_will,           // will QoS or will retain without the will flag
    will_qos_invalid,                  // will QoS 3
    password_without_username,         // 3.1 / 3.1.1
    connack_reserved_flags,
    session_present_with_error,

    // SUBSCRIBE / UNSUBSCRIBE / acks
    subscription_options_reserved_bits = 300,
    retain_handling_invalid,           // Retain Handling 3
    empty_subscribe_payload,
    empty_unsubscribe_payload,
    empty_suback_payload,
    empty_unsuback_payload,            // 5.0

    // 5.0 properties
    property_length_overrun = 400,     // property length past the packet, or a property past its length
    unknown_property,
    property_not_allowed,              // identifier not allowed in this packet (or will properties)
    property_repeated,                 // single-valued property present more than once
    property_value_out_of_range,       // boolean not 0/1, Receive Maximum 0, Maximum QoS 2, ...
    response_topic_wildcard,
    authentication_data_without_method,
    topic_alias_zero,
    topic_empty_without_alias,         // 5.0 PUBLISH with a zero-length topic and no Topic Alias
    subscription_identifier_zero,
    subscription_identifier_from_client, // only with sender == client
    payload_format_invalid,            // only with decode_options::check_payload_format
    authentication_method_missing,     // AUTH without an Authentication Method, short form included
                                       // (3.15.2.2.2, MQTT-4.12.0-5)
};

// snake_case name of the enumerator, e.g. "invalid_fixed_header_flags".
std::string_view to_string(errc e) noexcept;
// Inverse of to_string(errc); errc::ok for unknown names.
errc parse_errc(std::string_view name) noexcept;

const std::error_category& codec_category() noexcept;
std::error_code make_error_code(errc e) noexcept;

// A rejection. Offsets count from the first byte of the input given to decode() (for the stream
// decoder: from the first byte ever fed).
struct decode_error {
    errc code = errc::ok;
    error_kind kind = error_kind::malformed_packet;
    std::size_t offset = 0;
    std::uint8_t reason_code = 0x81;  // what a 5.0 receiver would put in DISCONNECT
    std::string_view statement;       // e.g. "MQTT-2.2.2-1"; empty when the rule has no ID
    std::string message;              // one human sentence

    explicit operator bool() const noexcept { return code != errc::ok; }
};

// Thrown by the encoder for packets that cannot be represented at all (a property in 3.1.1,
// a string over 65535 bytes, AUTH before 5.0). Representable-but-invalid packets are encoded as
// given: tests need them.
struct encode_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace mqttspec::codec

template <>
struct std::is_error_code_enum<mqttspec::codec::errc> : std::true_type {};
