// UTF-8 rules of 3.1.1 1.5.3 / 5.0 1.5.4 (RFC 3629 well-formedness, no U+0000, U+FEFF kept).
#include <gtest/gtest.h>

#include <string>

#include "mqttspec/codec/utf8.hpp"

namespace mc = mqttspec::codec;
using mc::errc;

namespace {

mc::utf8_result check(std::string_view s, mc::utf8_options o = {}) { return mc::validate_utf8(s, o); }

TEST(Utf8, AcceptsWellFormedText) {
    EXPECT_TRUE(check(""));
    EXPECT_TRUE(check("plain ascii that is longer than one eight-byte word"));
    EXPECT_TRUE(check("\xC2\x80"));                  // U+0080, smallest 2-byte
    EXPECT_TRUE(check("\xDF\xBF"));                  // U+07FF
    EXPECT_TRUE(check("\xE0\xA0\x80"));              // U+0800, smallest 3-byte
    EXPECT_TRUE(check("\xED\x9F\xBF"));              // U+D7FF, just below the surrogates
    EXPECT_TRUE(check("\xEE\x80\x80"));              // U+E000, just above them
    EXPECT_TRUE(check("\xEF\xBF\xBF"));              // U+FFFF (noncharacter, allowed by default)
    EXPECT_TRUE(check("\xF0\x90\x80\x80"));          // U+10000, smallest 4-byte
    EXPECT_TRUE(check("\xF4\x8F\xBF\xBF"));          // U+10FFFF, the largest code point
    EXPECT_TRUE(check("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
}

TEST(Utf8, ByteOrderMarkIsAnOrdinaryCharacter) {
    const std::string with_bom = "\xEF\xBB\xBF" "a/b";
    EXPECT_TRUE(check(with_bom));
    EXPECT_TRUE(check("a\xEF\xBB\xBF"));
}

struct bad_case {
    const char* name;
    std::string bytes;
    errc code;
    std::size_t offset;
};

TEST(Utf8, RejectsIllFormedSequencesAtTheirFirstByte) {
    const bad_case cases[] = {
        {"overlong 2-byte C0", "ab\xC0\xAF", errc::invalid_utf8, 2},
        {"overlong 2-byte C1", "\xC1\xBF", errc::invalid_utf8, 0},
        {"overlong 3-byte", "x\xE0\x80\xAF", errc::invalid_utf8, 1},
        {"overlong 3-byte max", "\xE0\x9F\xBF", errc::invalid_utf8, 0},
        {"overlong 4-byte", "\xF0\x80\x80\xAF", errc::invalid_utf8, 0},
        {"overlong 4-byte max", "\xF0\x8F\xBF\xBF", errc::invalid_utf8, 0},
        {"high surrogate", "\xED\xA0\x80", errc::invalid_utf8, 0},
        {"low surrogate", "abc\xED\xBF\xBF", errc::invalid_utf8, 3},
        {"U+110000", "\xF4\x90\x80\x80", errc::invalid_utf8, 0},
        {"F5 lead", "\xF5\x80\x80\x80", errc::invalid_utf8, 0},
        {"FF byte", "\xFF", errc::invalid_utf8, 0},
        {"lone continuation", "a\x80", errc::invalid_utf8, 1},
        {"continuation after ascii run", "abcdefghij\xBF", errc::invalid_utf8, 10},
        {"truncated 2-byte", "a\xC3", errc::invalid_utf8, 1},
        {"truncated 3-byte", "\xE2\x82", errc::invalid_utf8, 0},
        {"truncated 4-byte", "\xF0\x9F\x98", errc::invalid_utf8, 0},
        {"bad second byte", "\xE2\x28\xA1", errc::invalid_utf8, 0},
        {"bad third byte", "\xE2\x82\x28", errc::invalid_utf8, 0},
        {"bad fourth byte", "\xF0\x9F\x98\x28", errc::invalid_utf8, 0},
        {"null at start", std::string("\0abc", 4), errc::utf8_null_character, 0},
        {"null inside ascii word", std::string("abcdefg\0hij", 11), errc::utf8_null_character, 7},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto r = check(c.bytes);
        EXPECT_FALSE(r);
        EXPECT_EQ(r.code, c.code);
        EXPECT_EQ(r.offset, c.offset);
    }
}

TEST(Utf8, ControlCharactersOnlyWhenAsked) {
    mc::utf8_options strict;
    strict.reject_control_characters = true;
    EXPECT_TRUE(check("a\x01z"));
    EXPECT_TRUE(check("\xC2\x9F"));
    auto r = check("abcdefghij\x1F", strict);
    EXPECT_EQ(r.code, errc::utf8_control_character);
    EXPECT_EQ(r.offset, 10u);
    EXPECT_EQ(check("\x7F", strict).code, errc::utf8_control_character);
    EXPECT_EQ(check("a\xC2\x80", strict).code, errc::utf8_control_character);
    EXPECT_EQ(check("\xC2\x9F", strict).code, errc::utf8_control_character);
    EXPECT_TRUE(check("\xC2\xA0 plain text", strict));
    // U+0000 stays a hard error with its own code even under the option.
    EXPECT_EQ(check(std::string("\0", 1), strict).code, errc::utf8_null_character);
}

TEST(Utf8, NoncharactersOnlyWhenAsked) {
    mc::utf8_options strict;
    strict.reject_noncharacters = true;
    EXPECT_TRUE(check("\xEF\xB7\x90"));  // U+FDD0
    EXPECT_EQ(check("\xEF\xB7\x90", strict).code, errc::utf8_noncharacter);
    EXPECT_EQ(check("\xEF\xB7\xAF", strict).code, errc::utf8_noncharacter);  // U+FDEF
    EXPECT_TRUE(check("\xEF\xB7\xB0", strict));                             // U+FDF0
    EXPECT_EQ(check("x\xEF\xBF\xBE", strict).offset, 1u);                   // U+FFFE
    EXPECT_EQ(check("\xF0\x9F\xBF\xBF", strict).code, errc::utf8_noncharacter);  // U+1FFFF
    EXPECT_EQ(check("\xF4\x8F\xBF\xBE", strict).code, errc::utf8_noncharacter);  // U+10FFFE
    EXPECT_TRUE(check("\xEF\xBB\xBF", strict));  // U+FEFF is not a noncharacter
}

}  // namespace
