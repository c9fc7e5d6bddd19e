// The reference rules the fuzzers compare the codec with, checked on the standards' own examples
// (3.1.1 / 5.0 sections 1.5.4, 4.7, 4.8.2) and RFC 3629 boundary cases.
#include <gtest/gtest.h>

#include "../support/reference.hpp"

namespace ref = mqttspec::fuzz::ref;
using mqttspec::codec::errc;
using mqttspec::codec::packet_type;
using mqttspec::codec::protocol_version;

TEST(ReferenceUtf8, AcceptsWellFormed) {
    EXPECT_TRUE(ref::utf8("").ok());
    EXPECT_TRUE(ref::utf8("A\xF0\xAA\x9B\x94").ok());  // 5.0 1.5.4 example U+2A6D4
    EXPECT_TRUE(ref::utf8("\xEF\xBB\xBF").ok());        // U+FEFF is kept, not rejected
    EXPECT_TRUE(ref::utf8("\xF4\x8F\xBF\xBF").ok());    // U+10FFFF
    EXPECT_TRUE(ref::utf8("\x01\x7F").ok());            // control characters are only SHOULD NOT
}

TEST(ReferenceUtf8, RejectsIllFormedAtTheSequenceStart) {
    struct { const char* s; std::size_t offset; } cases[] = {
        {"ab\xC0\x80", 2},         // overlong NUL
        {"\xE0\x80\xAF", 0},       // overlong '/'
        {"x\xED\xA0\x80", 1},      // surrogate U+D800
        {"\xF4\x90\x80\x80", 0},   // above U+10FFFF
        {"\x80", 0},               // lone continuation
        {"a\xE2\x82", 1},          // truncated
        {"\xFF", 0},
    };
    for (const auto& c : cases) {
        const auto v = ref::utf8(c.s);
        EXPECT_EQ(v.code, errc::invalid_utf8) << c.s;
        EXPECT_EQ(v.offset, c.offset) << c.s;
    }
    EXPECT_EQ(ref::utf8(std::string_view("a\0b", 3)).code, errc::utf8_null_character);
    EXPECT_EQ(ref::utf8(std::string_view("a\0b", 3)).offset, 1u);
}

TEST(ReferenceUtf8, OptionalChecks) {
    EXPECT_EQ(ref::utf8("a\x1F", true).code, errc::utf8_control_character);
    EXPECT_EQ(ref::utf8("\xC2\x9F", true).code, errc::utf8_control_character);  // U+009F
    EXPECT_TRUE(ref::utf8("\xC2\xA0", true).ok());
    EXPECT_EQ(ref::utf8("\xEF\xBF\xBF", false, true).code, errc::utf8_noncharacter);  // U+FFFF
    EXPECT_EQ(ref::utf8("\xEF\xB7\x90", false, true).code, errc::utf8_noncharacter);  // U+FDD0
    EXPECT_EQ(ref::utf8("\xF0\x9F\xBF\xBE", false, true).code, errc::utf8_noncharacter);  // U+1FFFE
    EXPECT_TRUE(ref::utf8("\xEF\xB7\xB0", false, true).ok());  // U+FDF0
}

TEST(ReferenceTopic, Names) {
    EXPECT_TRUE(ref::topic_name("sport/tennis/player1").ok());
    EXPECT_TRUE(ref::topic_name("/").ok());
    EXPECT_EQ(ref::topic_name("").code, errc::topic_name_empty);
    EXPECT_EQ(ref::topic_name("a/+").code, errc::topic_name_wildcard);
    EXPECT_EQ(ref::topic_name("a/+").offset, 2u);
}

TEST(ReferenceTopic, Filters) {
    for (const char* ok : {"sport/tennis/#", "#", "sport/#", "+", "+/tennis/#", "sport/+/player1", "/+", "+/+", "//"})
        EXPECT_TRUE(ref::topic_filter(ok, false).ok()) << ok;
    EXPECT_EQ(ref::topic_filter("sport/tennis#", false).code, errc::topic_filter_invalid_multilevel);
    EXPECT_EQ(ref::topic_filter("sport/tennis#", false).offset, 12u);
    EXPECT_EQ(ref::topic_filter("sport/tennis/#/ranking", false).code, errc::topic_filter_invalid_multilevel);
    EXPECT_EQ(ref::topic_filter("sport+", false).code, errc::topic_filter_invalid_single_level);
    EXPECT_EQ(ref::topic_filter("", false).code, errc::topic_filter_empty);
}

TEST(ReferenceTopic, SharedFilters) {
    EXPECT_TRUE(ref::topic_filter("$share/consumer1/sport/tennis/+", true).ok());
    EXPECT_TRUE(ref::topic_filter("$share/g//", true).ok());
    EXPECT_FALSE(ref::topic_filter("$share/g", true).ok());
    EXPECT_FALSE(ref::topic_filter("$share//a", true).ok());
    EXPECT_FALSE(ref::topic_filter("$share/a+/b", true).ok());
    EXPECT_FALSE(ref::topic_filter("$share/g/", true).ok());
    EXPECT_TRUE(ref::topic_filter("$share/g", false).ok());  // 3.1.1: an ordinary filter
}

TEST(ReferenceTopic, MatchingExamples) {
    EXPECT_TRUE(ref::matches("sport/tennis/player1/#", "sport/tennis/player1"));
    EXPECT_TRUE(ref::matches("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon"));
    EXPECT_TRUE(ref::matches("sport/#", "sport"));
    EXPECT_TRUE(ref::matches("sport/tennis/+", "sport/tennis/player1"));
    EXPECT_FALSE(ref::matches("sport/tennis/+", "sport/tennis/player1/ranking"));
    EXPECT_FALSE(ref::matches("sport/+", "sport"));
    EXPECT_TRUE(ref::matches("sport/+", "sport/"));
    EXPECT_TRUE(ref::matches("+/+", "/finance"));
    EXPECT_TRUE(ref::matches("/+", "/finance"));
    EXPECT_FALSE(ref::matches("+", "/finance"));
    EXPECT_FALSE(ref::matches("#", "$SYS/x"));
    EXPECT_FALSE(ref::matches("+/monitor/Clients", "$SYS/monitor/Clients"));
    EXPECT_TRUE(ref::matches("$SYS/#", "$SYS/monitor/Clients"));
    EXPECT_TRUE(ref::matches("$SYS/monitor/+", "$SYS/monitor/Clients"));
    EXPECT_TRUE(ref::matches("$share/g/sport/#", "sport/x"));
}

TEST(ReferenceTables, PropertiesAndReasonCodes) {
    EXPECT_EQ(ref::property(0x23).allowed_in, ref::bit(packet_type::publish));
    EXPECT_TRUE(ref::property(0x26).repeatable);
    EXPECT_EQ(ref::property(0x04).type, ref::value_type::none);
    EXPECT_TRUE(ref::property(0x18).allowed_in & ref::will_bit);
    EXPECT_TRUE(ref::reason_code_defined(packet_type::suback, protocol_version::v3_1_1, 0x80));
    EXPECT_FALSE(ref::reason_code_defined(packet_type::suback, protocol_version::v3_1, 0x80));
    EXPECT_TRUE(ref::reason_code_defined(packet_type::connack, protocol_version::v3_1_1, 5));
    EXPECT_FALSE(ref::reason_code_defined(packet_type::connack, protocol_version::v3_1_1, 6));
    EXPECT_TRUE(ref::reason_code_defined(packet_type::auth, protocol_version::v5, 0x19));
    EXPECT_FALSE(ref::reason_code_defined(packet_type::auth, protocol_version::v5, 0x80));
    EXPECT_EQ(ref::varint_length(127), 1u);
    EXPECT_EQ(ref::varint_length(128), 2u);
    EXPECT_EQ(ref::varint_length(16383), 2u);
    EXPECT_EQ(ref::varint_length(16384), 3u);
    EXPECT_EQ(ref::varint_length(268'435'455), 4u);
}
