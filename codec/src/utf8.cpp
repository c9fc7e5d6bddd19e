#include "mqttspec/codec/utf8.hpp"

#include <cstdint>
#include <cstring>

namespace mqttspec::codec {

namespace {

constexpr std::uint64_t high_bits = 0x8080808080808080ull;
constexpr std::uint64_t low_bits = 0x0101010101010101ull;

// Eight ASCII bytes none of which is NUL: the common case, checked a word at a time.
inline bool plain_ascii_word(const unsigned char* p) noexcept {
    std::uint64_t w;
    std::memcpy(&w, p, sizeof w);
    bool has_zero_byte = ((w - low_bits) & ~w & high_bits) != 0;
    return (w & high_bits) == 0 && !has_zero_byte;
}

inline bool is_continuation(unsigned char c) noexcept { return (c & 0xC0) == 0x80; }

bool is_control(std::uint32_t cp) noexcept {
    return (cp >= 0x01 && cp <= 0x1F) || (cp >= 0x7F && cp <= 0x9F);
}

bool is_noncharacter(std::uint32_t cp) noexcept {
    return (cp >= 0xFDD0 && cp <= 0xFDEF) || (cp & 0xFFFE) == 0xFFFE;
}

}  // namespace

utf8_result validate_utf8(std::string_view s, const utf8_options& options) noexcept {
    const auto* data = reinterpret_cast<const unsigned char*>(s.data());
    const std::size_t size = s.size();
    const bool plain_fast_path = !options.reject_control_characters;
    std::size_t i = 0;
    while (i < size) {
        if (plain_fast_path) {
            while (i + 8 <= size && plain_ascii_word(data + i)) i += 8;
            if (i >= size) break;
        }
        const std::size_t start = i;
        const unsigned char lead = data[i];
        std::uint32_t cp = 0;
        std::size_t length = 0;
        unsigned char second_min = 0x80, second_max = 0xBF;
        if (lead < 0x80) {
            cp = lead;
            length = 1;
        } else if (lead >= 0xC2 && lead <= 0xDF) {
            cp = lead & 0x1Fu;
            length = 2;
        } else if (lead >= 0xE0 && lead <= 0xEF) {
            cp = lead & 0x0Fu;
            length = 3;
            if (lead == 0xE0) second_min = 0xA0;  // overlong below U+0800
            if (lead == 0xED) second_max = 0x9F;  // surrogates U+D800..U+DFFF
        } else if (lead >= 0xF0 && lead <= 0xF4) {
            cp = lead & 0x07u;
            length = 4;
            if (lead == 0xF0) second_min = 0x90;  // overlong below U+10000
            if (lead == 0xF4) second_max = 0x8F;  // above U+10FFFF
        } else {
            // Stray continuation byte, C0/C1 (always overlong) or F5..FF (beyond U+10FFFF).
            return {errc::invalid_utf8, start};
        }
        if (length > 1) {
            if (size - i < length) return {errc::invalid_utf8, start};
            const unsigned char second = data[i + 1];
            if (second < second_min || second > second_max) return {errc::invalid_utf8, start};
            cp = (cp << 6) | (second & 0x3Fu);
            for (std::size_t k = 2; k < length; ++k) {
                const unsigned char next = data[i + k];
                if (!is_continuation(next)) return {errc::invalid_utf8, start};
                cp = (cp << 6) | (next & 0x3Fu);
            }
        }
        i += length;
        if (cp == 0) return {errc::utf8_null_character, start};
        if (options.reject_control_characters && is_control(cp))
            return {errc::utf8_control_character, start};
        if (options.reject_noncharacters && is_noncharacter(cp))
            return {errc::utf8_noncharacter, start};
    }
    return {};
}

}  // namespace mqttspec::codec
