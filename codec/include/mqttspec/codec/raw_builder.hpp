// Builds bytes with no validation at all, for packets the encoder would never produce: reserved
// bits set, lengths that lie, duplicated properties, truncated fields. Used by codec tests, the
// conformance cases that send malformed packets, and the fuzzers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace mqttspec::codec {

class raw_builder {
public:
    raw_builder& byte(std::uint8_t b);
    raw_builder& u16(std::uint16_t v);                       // big endian
    raw_builder& u32(std::uint32_t v);                       // big endian
    raw_builder& varint(std::uint32_t v, std::uint8_t min_bytes = 1);  // may be non-minimal
    raw_builder& varint_bytes(std::span<const std::uint8_t> bytes);   // any bytes, e.g. 5-byte VBI
    raw_builder& str(std::string_view s);                    // u16 length + bytes
    raw_builder& str_with_length(std::uint16_t declared_length, std::string_view s);  // lie about length
    raw_builder& bytes(std::span<const std::uint8_t> b);
    raw_builder& bytes(std::string_view b);
    raw_builder& hex(std::string_view hex);                  // "10 0c 00" - whitespace ignored; throws std::invalid_argument

    // Property helpers (5.0): identifier byte followed by the value in its wire type.
    raw_builder& prop_byte(std::uint8_t id, std::uint8_t v);
    raw_builder& prop_u16(std::uint8_t id, std::uint16_t v);
    raw_builder& prop_u32(std::uint8_t id, std::uint32_t v);
    raw_builder& prop_varint(std::uint8_t id, std::uint32_t v);
    raw_builder& prop_str(std::uint8_t id, std::string_view s);
    raw_builder& prop_pair(std::uint8_t id, std::string_view k, std::string_view v);

    std::size_t size() const noexcept { return buf_.size(); }
    const std::vector<std::uint8_t>& body() const noexcept { return buf_; }
    std::vector<std::uint8_t> take() { return std::move(buf_); }

    // Frames the body as a whole packet: first byte (type << 4 | flags), then the Remaining Length.
    // `remaining_length` overrides the true body size (to lie); `length_bytes` forces a longer VBI.
    std::vector<std::uint8_t> packet(std::uint8_t first_byte,
                                     std::optional<std::uint32_t> remaining_length = std::nullopt,
                                     std::uint8_t length_bytes = 1) const;
    // Body with a Variable Byte Integer length prefix (a property block, e.g.).
    std::vector<std::uint8_t> with_varint_length_prefix(std::optional<std::uint32_t> length = std::nullopt) const;

private:
    std::vector<std::uint8_t> buf_;
};

// "10 0c 00 04" or "100c0004" -> bytes. Throws std::invalid_argument on odd digit count or non-hex.
std::vector<std::uint8_t> from_hex(std::string_view hex);
// bytes -> lower-case hex without separators.
std::string to_hex(std::span<const std::uint8_t> bytes);

}  // namespace mqttspec::codec
