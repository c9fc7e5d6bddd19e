#include "mqttspec/codec/raw_builder.hpp"

#include <stdexcept>

#include "mqttspec/codec/encoder.hpp"

namespace mqttspec::codec {

raw_builder& raw_builder::byte(std::uint8_t b) {
    buf_.push_back(b);
    return *this;
}

raw_builder& raw_builder::u16(std::uint16_t v) {
    buf_.push_back(static_cast<std::uint8_t>(v >> 8));
    buf_.push_back(static_cast<std::uint8_t>(v));
    return *this;
}

raw_builder& raw_builder::u32(std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8) buf_.push_back(static_cast<std::uint8_t>(v >> shift));
    return *this;
}

raw_builder& raw_builder::varint(std::uint32_t v, std::uint8_t min_bytes) {
    // Unlike put_varint this must not refuse out-of-range values: write 7 bits per byte until
    // both the value and the requested width are used up.
    std::uint8_t written = 0;
    do {
        std::uint8_t digit = v & 0x7F;
        v >>= 7;
        ++written;
        if (v > 0 || written < min_bytes) digit |= 0x80;
        buf_.push_back(digit);
    } while (v > 0 || written < min_bytes);
    return *this;
}

raw_builder& raw_builder::varint_bytes(std::span<const std::uint8_t> b) { return bytes(b); }

raw_builder& raw_builder::str(std::string_view s) {
    u16(static_cast<std::uint16_t>(s.size()));
    return bytes(s);
}

raw_builder& raw_builder::str_with_length(std::uint16_t declared_length, std::string_view s) {
    u16(declared_length);
    return bytes(s);
}

raw_builder& raw_builder::bytes(std::span<const std::uint8_t> b) {
    buf_.insert(buf_.end(), b.begin(), b.end());
    return *this;
}

raw_builder& raw_builder::bytes(std::string_view b) {
    buf_.insert(buf_.end(), b.begin(), b.end());
    return *this;
}

raw_builder& raw_builder::hex(std::string_view text) { return bytes(from_hex(text)); }

raw_builder& raw_builder::prop_byte(std::uint8_t id, std::uint8_t v) { return byte(id).byte(v); }
raw_builder& raw_builder::prop_u16(std::uint8_t id, std::uint16_t v) { return byte(id).u16(v); }
raw_builder& raw_builder::prop_u32(std::uint8_t id, std::uint32_t v) { return byte(id).u32(v); }
raw_builder& raw_builder::prop_varint(std::uint8_t id, std::uint32_t v) { return byte(id).varint(v); }
raw_builder& raw_builder::prop_str(std::uint8_t id, std::string_view s) { return byte(id).str(s); }
raw_builder& raw_builder::prop_pair(std::uint8_t id, std::string_view k, std::string_view v) {
    return byte(id).str(k).str(v);
}

std::vector<std::uint8_t> raw_builder::packet(std::uint8_t first_byte,
                                              std::optional<std::uint32_t> remaining_length,
                                              std::uint8_t length_bytes) const {
    raw_builder framed;
    framed.byte(first_byte);
    framed.varint(remaining_length.value_or(static_cast<std::uint32_t>(buf_.size())), length_bytes);
    framed.bytes(buf_);
    return framed.take();
}

std::vector<std::uint8_t> raw_builder::with_varint_length_prefix(std::optional<std::uint32_t> length) const {
    raw_builder framed;
    framed.varint(length.value_or(static_cast<std::uint32_t>(buf_.size())));
    framed.bytes(buf_);
    return framed.take();
}

namespace {
int hex_digit(char c) noexcept {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}
}  // namespace

std::vector<std::uint8_t> from_hex(std::string_view text) {
    std::vector<std::uint8_t> out;
    out.reserve(text.size() / 2);
    int high = -1;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        const int digit = hex_digit(c);
        if (digit < 0)
            throw std::invalid_argument("from_hex: '" + std::string(1, c) + "' at position " +
                                        std::to_string(i) + " is not a hex digit");
        if (high < 0) {
            high = digit;
        } else {
            out.push_back(static_cast<std::uint8_t>(high << 4 | digit));
            high = -1;
        }
    }
    if (high >= 0) throw std::invalid_argument("from_hex: odd number of hex digits");
    return out;
}

std::string to_hex(std::span<const std::uint8_t> bytes) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(bytes.size() * 2);
    for (auto b : bytes) {
        out.push_back(digits[b >> 4]);
        out.push_back(digits[b & 0x0F]);
    }
    return out;
}

}  // namespace mqttspec::codec
