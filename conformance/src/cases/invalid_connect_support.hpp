// CONNECT packets that fail the server's validation (3.1.4 step 1) in a way no CONNACK return code
// describes, so the server must close the connection without a CONNACK (MQTT-3.1.4-1, MQTT-3.2.2-6).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "mqttspec/codec/encoder.hpp"
#include "mqttspec/codec/packets.hpp"

namespace mqttspec::conformance::invalid_connect {

enum class flaw : std::uint8_t {
    reserved_flag,  // Connect Flags bit 0 set (MQTT-3.1.2-3)
    will_qos_3,     // Will QoS 3 (MQTT-3.1.2-14); the CONNECT must carry a Will
};

// Offset of the Connect Flags byte of an encoded CONNECT: after the fixed header (type byte and a
// Remaining Length of 1-4 bytes), the Protocol Name (2-byte length, then the name) and the Protocol Level.
inline std::size_t connect_flags_offset(std::span<const std::uint8_t> bytes) {
    std::size_t at = 1;
    while (bytes[at] & 0x80) ++at;
    ++at;
    const std::size_t name_length = static_cast<std::size_t>(bytes[at]) << 8 | bytes[at + 1];
    return at + 2 + name_length + 1;
}

// `connect` encoded for `version` with one flaw in its Connect Flags; everything else is valid.
inline std::vector<std::uint8_t> encode_with(const codec::connect_packet& connect, codec::protocol_version version, flaw f) {
    auto bytes = codec::encode(connect, version);
    auto& flags = bytes[connect_flags_offset(bytes)];
    if (f == flaw::reserved_flag) flags |= 0x01;
    if (f == flaw::will_qos_3) flags |= 0x18;  // bits 4-3: Will QoS
    return bytes;
}

}  // namespace mqttspec::conformance::invalid_connect
