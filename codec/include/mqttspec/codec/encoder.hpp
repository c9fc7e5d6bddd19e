// Canonical encoding: the size is computed first, then written in one pass.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "mqttspec/codec/error.hpp"
#include "mqttspec/codec/packets.hpp"
#include "mqttspec/codec/types.hpp"

namespace mqttspec::codec {

struct encode_options {
    // Write the Remaining Length with at least this many bytes (1..4). Values above the minimum give
    // a non-minimal encoding: legal in 3.x, a Malformed Packet in 5.0. Used to reproduce input bytes.
    std::uint8_t min_remaining_length_bytes = 1;
};

// Whole packet size in bytes (fixed header included). Throws encode_error when unrepresentable.
std::size_t encoded_size(const packet& p, protocol_version version, const encode_options& options = {});

// Appends the packet to `out`. Throws encode_error for packets the version cannot carry (a property
// in 3.x, AUTH before 5.0, a string longer than 65535 bytes, remaining length over 268435455).
// Fields that are representable but invalid (packet id 0, wildcard in a topic name) are written as
// given, so tests can send them.
void encode(const packet& p, protocol_version version, std::vector<std::uint8_t>& out,
            const encode_options& options = {});
std::vector<std::uint8_t> encode(const packet& p, protocol_version version, const encode_options& options = {});

// Variable Byte Integer helpers (also used by the raw builder).
std::size_t varint_size(std::uint32_t value) noexcept;  // 1..4; value must be <= 268435455
void put_varint(std::vector<std::uint8_t>& out, std::uint32_t value, std::uint8_t min_bytes = 1);

}  // namespace mqttspec::codec
