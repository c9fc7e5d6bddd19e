// Basic vocabulary shared by every part of the codec.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace mqttspec::codec {

// The protocol level byte of CONNECT doubles as the version tag.
enum class protocol_version : std::uint8_t {
    v3_1 = 3,    // "MQIsdp", level 3
    v3_1_1 = 4,  // "MQTT", level 4
    v5 = 5,      // "MQTT", level 5
};

// "3.1", "3.1.1", "5"
std::string_view to_string(protocol_version v) noexcept;
// Accepts "3.1", "3.1.1", "5", the levels "3", "4", "5.0", and mosquitto's "31", "311", "mqttv31", "mqttv311", "mqttv5"; nullopt otherwise.
std::optional<protocol_version> parse_protocol_version(std::string_view s) noexcept;

enum class packet_type : std::uint8_t {
    reserved = 0,
    connect = 1,
    connack = 2,
    publish = 3,
    puback = 4,
    pubrec = 5,
    pubrel = 6,
    pubcomp = 7,
    subscribe = 8,
    suback = 9,
    unsubscribe = 10,
    unsuback = 11,
    pingreq = 12,
    pingresp = 13,
    disconnect = 14,
    auth = 15,
};

// Upper-case wire name: "PUBLISH". "RESERVED" for 0.
std::string_view to_string(packet_type t) noexcept;
std::optional<packet_type> parse_packet_type(std::string_view upper_name) noexcept;

// Who sent the bytes being decoded. Direction-dependent checks (a client must not send CONNACK,
// a client's PUBLISH must not carry a Subscription Identifier, ...) run only when it is known.
enum class sender : std::uint8_t { unknown, client, server };

}  // namespace mqttspec::codec
