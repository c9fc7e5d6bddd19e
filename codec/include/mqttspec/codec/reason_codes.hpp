// Return codes (3.1 / 3.1.1) and reason codes (5.0), and which packet may carry which.
#pragma once

#include <cstdint>
#include <string_view>

#include "mqttspec/codec/types.hpp"

namespace mqttspec::codec {

// Whether `code` is a defined return/reason code for this packet type in this version.
// CONNACK 3.1/3.1.1: 0..5. SUBACK 3.1: 0,1,2; 3.1.1: 0,1,2,0x80. 5.0: the tables of 3.2.2.2,
// 3.4.2.1, 3.5.2.1, 3.6.2.1, 3.7.2.1, 3.9.3, 3.11.3, 3.14.2.1, 3.15.2.1.
bool is_valid_reason_code(packet_type t, protocol_version v, std::uint8_t code) noexcept;

// Human name, e.g. "Not authorized" (5.0 names; 3.1.1 CONNACK return-code names for v3.x CONNACK).
// Empty for unknown codes.
std::string_view reason_code_name(packet_type t, protocol_version v, std::uint8_t code) noexcept;

// 5.0 reason codes used by the codec's errors and the conformance engine.
namespace reason {
inline constexpr std::uint8_t success = 0x00;
inline constexpr std::uint8_t normal_disconnection = 0x00;
inline constexpr std::uint8_t granted_qos_0 = 0x00;
inline constexpr std::uint8_t granted_qos_1 = 0x01;
inline constexpr std::uint8_t granted_qos_2 = 0x02;
inline constexpr std::uint8_t disconnect_with_will_message = 0x04;
inline constexpr std::uint8_t no_matching_subscribers = 0x10;
inline constexpr std::uint8_t no_subscription_existed = 0x11;
inline constexpr std::uint8_t continue_authentication = 0x18;
inline constexpr std::uint8_t re_authenticate = 0x19;
inline constexpr std::uint8_t unspecified_error = 0x80;
inline constexpr std::uint8_t malformed_packet = 0x81;
inline constexpr std::uint8_t protocol_error = 0x82;
inline constexpr std::uint8_t implementation_specific_error = 0x83;
inline constexpr std::uint8_t unsupported_protocol_version = 0x84;
inline constexpr std::uint8_t client_identifier_not_valid = 0x85;
inline constexpr std::uint8_t bad_user_name_or_password = 0x86;
inline constexpr std::uint8_t not_authorized = 0x87;
inline constexpr std::uint8_t server_unavailable = 0x88;
inline constexpr std::uint8_t server_busy = 0x89;
inline constexpr std::uint8_t banned = 0x8A;
inline constexpr std::uint8_t server_shutting_down = 0x8B;
inline constexpr std::uint8_t bad_authentication_method = 0x8C;
inline constexpr std::uint8_t keep_alive_timeout = 0x8D;
inline constexpr std::uint8_t session_taken_over = 0x8E;
inline constexpr std::uint8_t topic_filter_invalid = 0x8F;
inline constexpr std::uint8_t topic_name_invalid = 0x90;
inline constexpr std::uint8_t packet_identifier_in_use = 0x91;
inline constexpr std::uint8_t packet_identifier_not_found = 0x92;
inline constexpr std::uint8_t receive_maximum_exceeded = 0x93;
inline constexpr std::uint8_t topic_alias_invalid = 0x94;
inline constexpr std::uint8_t packet_too_large = 0x95;
inline constexpr std::uint8_t message_rate_too_high = 0x96;
inline constexpr std::uint8_t quota_exceeded = 0x97;
inline constexpr std::uint8_t administrative_action = 0x98;
inline constexpr std::uint8_t payload_format_invalid = 0x99;
inline constexpr std::uint8_t retain_not_supported = 0x9A;
inline constexpr std::uint8_t qos_not_supported = 0x9B;
inline constexpr std::uint8_t use_another_server = 0x9C;
inline constexpr std::uint8_t server_moved = 0x9D;
inline constexpr std::uint8_t shared_subscriptions_not_supported = 0x9E;
inline constexpr std::uint8_t connection_rate_exceeded = 0x9F;
inline constexpr std::uint8_t maximum_connect_time = 0xA0;
inline constexpr std::uint8_t subscription_identifiers_not_supported = 0xA1;
inline constexpr std::uint8_t wildcard_subscriptions_not_supported = 0xA2;
}  // namespace reason

// 3.1 / 3.1.1 CONNACK return codes.
namespace connack_return {
inline constexpr std::uint8_t accepted = 0;
inline constexpr std::uint8_t unacceptable_protocol_version = 1;
inline constexpr std::uint8_t identifier_rejected = 2;
inline constexpr std::uint8_t server_unavailable = 3;
inline constexpr std::uint8_t bad_user_name_or_password = 4;
inline constexpr std::uint8_t not_authorized = 5;
}  // namespace connack_return

}  // namespace mqttspec::codec
