// MQTT UTF-8 string rules (3.1.1 1.5.3, 5.0 1.5.4).
#pragma once

#include <cstddef>
#include <string_view>

#include "mqttspec/codec/error.hpp"

namespace mqttspec::codec {

struct utf8_options {
    bool reject_control_characters = false;  // U+0001..U+001F, U+007F..U+009F (SHOULD NOT)
    bool reject_noncharacters = false;       // Unicode noncharacters (SHOULD NOT)
};

struct utf8_result {
    errc code = errc::ok;    // ok, invalid_utf8, utf8_null_character, utf8_control_character, utf8_noncharacter
    std::size_t offset = 0;  // byte offset of the offending sequence within the string
    explicit operator bool() const noexcept { return code == errc::ok; }
};

// Well-formed per RFC 3629 (no overlongs, no surrogates, nothing above U+10FFFF) and no U+0000.
// U+FEFF is an ordinary character: accepted and never stripped.
utf8_result validate_utf8(std::string_view s, const utf8_options& options = {}) noexcept;

}  // namespace mqttspec::codec
