// Variable Byte Integers, the raw builder and hex helpers.
#include <gtest/gtest.h>

#include "mqttspec/codec/codec.hpp"

namespace mc = mqttspec::codec;
using bytes = std::vector<std::uint8_t>;

namespace {

TEST(Varint, SizesAtTheBoundaries) {
    EXPECT_EQ(mc::varint_size(0), 1u);
    EXPECT_EQ(mc::varint_size(127), 1u);
    EXPECT_EQ(mc::varint_size(128), 2u);
    EXPECT_EQ(mc::varint_size(16'383), 2u);
    EXPECT_EQ(mc::varint_size(16'384), 3u);
    EXPECT_EQ(mc::varint_size(2'097'151), 3u);
    EXPECT_EQ(mc::varint_size(2'097'152), 4u);
    EXPECT_EQ(mc::varint_size(268'435'455), 4u);
}

TEST(Varint, PutWritesTheSpecExamples) {
    auto put = [](std::uint32_t v, std::uint8_t min = 1) {
        bytes out;
        mc::put_varint(out, v, min);
        return out;
    };
    EXPECT_EQ(put(0), (bytes{0x00}));
    EXPECT_EQ(put(127), (bytes{0x7F}));
    EXPECT_EQ(put(128), (bytes{0x80, 0x01}));
    EXPECT_EQ(put(16'383), (bytes{0xFF, 0x7F}));
    EXPECT_EQ(put(16'384), (bytes{0x80, 0x80, 0x01}));
    EXPECT_EQ(put(2'097'151), (bytes{0xFF, 0xFF, 0x7F}));
    EXPECT_EQ(put(2'097'152), (bytes{0x80, 0x80, 0x80, 0x01}));
    EXPECT_EQ(put(268'435'455), (bytes{0xFF, 0xFF, 0xFF, 0x7F}));
    EXPECT_EQ(put(5, 3), (bytes{0x85, 0x80, 0x00}));
    EXPECT_THROW(put(268'435'456), mc::encode_error);
    EXPECT_THROW(put(1, 5), mc::encode_error);
}

TEST(Varint, RemainingLengthMinimalAndNonMinimalPerVersion) {
    // PINGREQ with remaining length 0 written in two bytes: legal in 3.1.1, malformed in 5.0.
    const bytes padded{0xC0, 0x80, 0x00};
    EXPECT_TRUE(mc::decode(padded, mc::protocol_version::v3_1_1).ok());
    auto r = mc::decode(padded, mc::protocol_version::v5);
    ASSERT_EQ(r.status, mc::decode_status::error);
    EXPECT_EQ(r.error.code, mc::errc::varint_not_minimal);
    EXPECT_EQ(r.error.offset, 1u);
    EXPECT_EQ(r.error.statement, "MQTT-1.5.5-1");
    EXPECT_EQ(r.error.kind, mc::error_kind::malformed_packet);
    mc::decode_options lenient;
    lenient.allow_non_minimal_varint = true;
    auto ok = mc::decode(padded, mc::protocol_version::v5, lenient);
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok.remaining_length_bytes, 2);
    // The recorded width reproduces the input.
    mc::encode_options width;
    width.min_remaining_length_bytes = ok.remaining_length_bytes;
    EXPECT_EQ(mc::encode(ok.pkt, mc::protocol_version::v3_1_1, width), padded);
}

TEST(Varint, FiveByteRemainingLengthIsRejectedAtOnce) {
    const bytes five{0x30, 0xFF, 0xFF, 0xFF, 0xFF, 0x01};
    for (auto v : {mc::protocol_version::v3_1, mc::protocol_version::v3_1_1, mc::protocol_version::v5}) {
        auto r = mc::decode(five, v);
        ASSERT_EQ(r.status, mc::decode_status::error);
        EXPECT_EQ(r.error.code, mc::errc::remaining_length_too_long);
        EXPECT_EQ(r.error.offset, 1u);
        // Known from the first five bytes alone.
        EXPECT_EQ(mc::decode(std::span(five).first(5), v).error.code, mc::errc::remaining_length_too_long);
    }
}

TEST(RawBuilder, BuildsAnythingIncludingLies) {
    mc::raw_builder b;
    b.u16(0x0102).u32(0x03040506).byte(7).str("ab").str_with_length(9, "x").varint(300).varint(1, 3);
    EXPECT_EQ(b.body(), (bytes{1, 2, 3, 4, 5, 6, 7, 0, 2, 'a', 'b', 0, 9, 'x', 0xAC, 0x02, 0x81, 0x80, 0x00}));
    mc::raw_builder five;
    five.varint(268'435'456);  // beyond the VBI range: five bytes, as asked
    EXPECT_EQ(five.body(), (bytes{0x80, 0x80, 0x80, 0x80, 0x01}));

    mc::raw_builder props;
    props.prop_byte(0x01, 1).prop_u16(0x23, 5).prop_u32(0x02, 60).prop_varint(0x0B, 128).prop_str(0x03, "t")
        .prop_pair(0x26, "k", "v");
    EXPECT_EQ(mc::to_hex(props.body()), "0101230005020000003c0b8001030001742600016b000176");
    EXPECT_EQ(mc::to_hex(props.with_varint_length_prefix()).substr(0, 2), "18");
    EXPECT_EQ(mc::to_hex(props.with_varint_length_prefix(99)).substr(0, 2), "63");

    mc::raw_builder body;
    body.u16(1);
    EXPECT_EQ(body.packet(0x40), (bytes{0x40, 0x02, 0x00, 0x01}));
    EXPECT_EQ(body.packet(0x40, 7), (bytes{0x40, 0x07, 0x00, 0x01}));
    EXPECT_EQ(body.packet(0x40, std::nullopt, 2), (bytes{0x40, 0x82, 0x00, 0x00, 0x01}));
    EXPECT_EQ(body.size(), 2u);
    auto taken = body.take();
    EXPECT_EQ(taken.size(), 2u);
}

TEST(Hex, RoundTripAndErrors) {
    EXPECT_EQ(mc::from_hex("10 0c\n00\t04 Ab"), (bytes{0x10, 0x0C, 0x00, 0x04, 0xAB}));
    EXPECT_EQ(mc::from_hex(""), bytes{});
    EXPECT_EQ(mc::to_hex(bytes{0x00, 0xFF, 0x1A}), "00ff1a");
    EXPECT_THROW(mc::from_hex("abc"), std::invalid_argument);
    EXPECT_THROW(mc::from_hex("zz"), std::invalid_argument);
    EXPECT_THROW(mc::raw_builder{}.hex("0g"), std::invalid_argument);
    EXPECT_EQ(mc::raw_builder{}.hex("c0 00").body(), (bytes{0xC0, 0x00}));
}

}  // namespace
