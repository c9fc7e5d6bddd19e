// Stream decoder: any chunking, ordering, need_more, errors with stream offsets, sticky failure,
// follow_connect.
#include <gtest/gtest.h>

#include "mqttspec/codec/codec.hpp"

namespace mc = mqttspec::codec;
using bytes = std::vector<std::uint8_t>;
using mc::raw_builder;

namespace {

bytes concat(std::initializer_list<bytes> parts) {
    bytes out;
    for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
    return out;
}

const bytes connect311 = raw_builder{}.str("MQTT").byte(4).byte(2).u16(60).str("cid").packet(0x10);
const bytes publish311 = raw_builder{}.str("a/b").u16(7).bytes("payload").packet(0x32);
const bytes subscribe311 = raw_builder{}.u16(8).str("a/#").byte(1).packet(0x82);
const bytes pingreq{0xC0, 0x00};
const bytes disconnect311{0xE0, 0x00};

TEST(StreamDecoder, EverySplitPointYieldsTheSamePackets) {
    const bytes stream = concat({connect311, publish311, subscribe311, pingreq, disconnect311});
    const mc::packet_type expected[] = {mc::packet_type::connect, mc::packet_type::publish,
                                        mc::packet_type::subscribe, mc::packet_type::pingreq,
                                        mc::packet_type::disconnect};
    for (std::size_t split = 0; split <= stream.size(); ++split) {
        SCOPED_TRACE(split);
        mc::stream_decoder d(mc::protocol_version::v3_1_1);
        std::vector<mc::packet_type> got;
        auto drain = [&] {
            for (;;) {
                auto r = d.next();
                if (r.status == mc::decode_status::need_more) return;
                ASSERT_TRUE(r.ok()) << r.error.message;
                got.push_back(mc::type_of(r.pkt));
                if (got.size() == 2) {
                    // Views point into the decoder's buffer and stay valid until the next call.
                    EXPECT_EQ(std::get<mc::publish_packet>(r.pkt).payload, "payload");
                }
            }
        };
        d.feed(std::span(stream).first(split));
        drain();
        d.feed(std::span(stream).subspan(split));
        drain();
        EXPECT_EQ(got, std::vector<mc::packet_type>(std::begin(expected), std::end(expected)));
        EXPECT_EQ(d.buffered(), 0u);
        EXPECT_EQ(d.stream_offset(), stream.size());
    }
}

TEST(StreamDecoder, ByteAtATime) {
    const bytes stream = concat({publish311, publish311, pingreq});
    mc::stream_decoder d(mc::protocol_version::v3_1_1);
    int packets = 0;
    for (std::size_t i = 0; i < stream.size(); ++i) {
        d.feed(std::span(stream).subspan(i, 1));
        for (auto r = d.next(); r.status != mc::decode_status::need_more; r = d.next()) {
            ASSERT_TRUE(r.ok());
            ++packets;
        }
    }
    EXPECT_EQ(packets, 3);
}

TEST(StreamDecoder, NeedMoreReportsTheWholePacketSize) {
    mc::stream_decoder d(mc::protocol_version::v3_1_1);
    d.feed(std::span(publish311).first(3));
    auto r = d.next();
    EXPECT_EQ(r.status, mc::decode_status::need_more);
    EXPECT_EQ(r.needed, publish311.size());
    EXPECT_EQ(d.buffered(), 3u);
}

TEST(StreamDecoder, ErrorOffsetsCountFromTheStreamStartAndStick) {
    // Third packet: PUBLISH topic with a wildcard at byte 6 of that packet.
    const bytes bad = raw_builder{}.str("a/+").packet(0x30);
    const bytes stream = concat({pingreq, publish311, bad, pingreq});
    mc::stream_decoder d(mc::protocol_version::v3_1_1);
    d.feed(stream);
    EXPECT_TRUE(d.next().ok());
    EXPECT_TRUE(d.next().ok());
    auto r = d.next();
    ASSERT_EQ(r.status, mc::decode_status::error);
    EXPECT_EQ(r.error.code, mc::errc::topic_name_wildcard);
    EXPECT_EQ(r.error.offset, pingreq.size() + publish311.size() + 6);
    // Failed for good: more bytes change nothing.
    d.feed(pingreq);
    auto again = d.next();
    EXPECT_EQ(again.status, mc::decode_status::error);
    EXPECT_EQ(again.error.code, mc::errc::topic_name_wildcard);
    EXPECT_EQ(again.error.offset, r.error.offset);
    d.reset();
    d.feed(pingreq);
    EXPECT_TRUE(d.next().ok());
}

TEST(StreamDecoder, ErrorsFromTheFirstByteArriveBeforeTheRest) {
    mc::stream_decoder d(mc::protocol_version::v5);
    d.feed(pingreq);
    d.feed(bytes{0x62});  // PUBREL with flags 0010 is fine...
    d.feed(bytes{0x02, 0x00, 0x01, 0x63});  // ...and 0011 is not
    EXPECT_TRUE(d.next().ok());
    EXPECT_TRUE(d.next().ok());
    auto r = d.next();
    ASSERT_EQ(r.status, mc::decode_status::error);
    EXPECT_EQ(r.error.code, mc::errc::invalid_fixed_header_flags);
    EXPECT_EQ(r.error.offset, 6u);
    EXPECT_EQ(r.error.statement, "MQTT-3.6.1-1");
}

TEST(StreamDecoder, FollowConnectSwitchesVersion) {
    const bytes connect5 = raw_builder{}.str("MQTT").byte(5).byte(2).u16(60).byte(0).str("c").packet(0x10);
    const bytes puback5{0x40, 0x03, 0x00, 0x01, 0x10};  // 3-byte PUBACK: only valid in 5.0
    for (std::size_t split = 0; split <= connect5.size(); ++split) {
        mc::stream_decoder d(mc::protocol_version::v3_1_1);
        d.follow_connect(true);
        d.feed(std::span(connect5).first(split));
        auto early = d.next();
        if (split < connect5.size()) {
            EXPECT_EQ(early.status, mc::decode_status::need_more);
        }
        d.feed(std::span(connect5).subspan(split));
        d.feed(puback5);
        auto c = split < connect5.size() ? d.next() : early;
        ASSERT_TRUE(c.ok()) << c.error.message;
        EXPECT_EQ(d.version(), mc::protocol_version::v5);
        auto a = d.next();
        ASSERT_TRUE(a.ok()) << a.error.message;
        EXPECT_EQ(std::get<mc::puback_packet>(a.pkt).reason_code, 0x10);
    }
    // Without it, the same CONNECT is an unsupported level for a 3.1.1 decoder.
    mc::stream_decoder fixed(mc::protocol_version::v3_1_1);
    fixed.feed(connect5);
    auto r = fixed.next();
    ASSERT_EQ(r.status, mc::decode_status::error);
    EXPECT_EQ(r.error.code, mc::errc::unsupported_protocol_level);
    // 3.1 is recognised from "MQIsdp".
    mc::stream_decoder to31(mc::protocol_version::v5);
    to31.follow_connect(true);
    to31.feed(raw_builder{}.str("MQIsdp").byte(3).byte(2).u16(60).str("c").packet(0x10));
    ASSERT_TRUE(to31.next().ok());
    EXPECT_EQ(to31.version(), mc::protocol_version::v3_1);
}

TEST(StreamDecoder, OptionsApply) {
    mc::decode_options o;
    o.maximum_packet_size = 8;
    mc::stream_decoder d(mc::protocol_version::v3_1_1, o);
    EXPECT_EQ(d.options().maximum_packet_size, 8u);
    d.feed(pingreq);
    d.feed(bytes{0x30, 0x7F});  // announces 129 bytes: rejected from the header alone
    EXPECT_TRUE(d.next().ok());
    auto r = d.next();
    ASSERT_EQ(r.status, mc::decode_status::error);
    EXPECT_EQ(r.error.code, mc::errc::packet_too_large);
    EXPECT_EQ(r.error.offset, 2u);
}

// The size limit comes before the 5.0-only minimality rule, so a stream that follows CONNECT gives
// the same verdict whether or not the protocol level had arrived (found by fuzz_stream_v31).
TEST(StreamDecoder, SizeLimitPrecedesVersionDependentLengthRule) {
    mc::decode_options o;
    o.maximum_packet_size = 48;
    // CONNECT, Remaining Length EF BF 00 (8175, not minimal), then "MQTT" level 5.
    const bytes connect{0x10, 0xEF, 0xBF, 0x00, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, 0x00, 0x00, 0x3C};
    const auto one_shot = mc::decode(connect, mc::protocol_version::v5, o);
    ASSERT_EQ(one_shot.status, mc::decode_status::error);
    EXPECT_EQ(one_shot.error.code, mc::errc::packet_too_large);
    for (std::size_t first_chunk = 1; first_chunk <= connect.size(); ++first_chunk) {
        mc::stream_decoder d(mc::protocol_version::v3_1, o);
        d.follow_connect(true);
        d.feed(std::span(connect).first(first_chunk));
        auto r = d.next();
        if (r.status == mc::decode_status::need_more) {
            d.feed(std::span(connect).subspan(first_chunk));
            r = d.next();
        }
        ASSERT_EQ(r.status, mc::decode_status::error) << "first chunk " << first_chunk;
        EXPECT_EQ(r.error.code, mc::errc::packet_too_large) << "first chunk " << first_chunk;
    }
    // Within the limit, the non-minimal length is still a 5.0 error (and fine in 3.1.1).
    const bytes pingreq_long{0xC0, 0x80, 0x00};
    EXPECT_EQ(mc::decode(pingreq_long, mc::protocol_version::v5, o).error.code, mc::errc::varint_not_minimal);
    EXPECT_TRUE(mc::decode(pingreq_long, mc::protocol_version::v3_1_1, o).ok());
}

// A CONNECT's own version decides whether its non-minimal Remaining Length is an error: a stream that
// follows CONNECT waits for the protocol level instead of judging with the version it had.
TEST(StreamDecoder, NonMinimalConnectLengthWaitsForTheLevel) {
    for (const std::uint8_t level : {std::uint8_t{4}, std::uint8_t{5}}) {
        // CONNECT, Remaining Length 8D 00 (13, not minimal), "MQTT", level, flags 02, keep alive 60, "c".
        bytes connect{0x10, 0x8D, 0x00, 0x00, 0x04, 'M', 'Q', 'T', 'T', level, 0x02, 0x00, 0x3C, 0x00, 0x01, 'c'};
        if (level == 5) {
            connect.insert(connect.begin() + 13, 0x00);  // empty properties
            connect[1] = 0x8E;
        }
        mc::stream_decoder d(mc::protocol_version::v5, {});
        d.follow_connect(true);
        d.feed(std::span(connect).first(6));  // up to inside the protocol name
        EXPECT_EQ(d.next().status, mc::decode_status::need_more) << int(level);
        d.feed(std::span(connect).subspan(6));
        const auto r = d.next();
        if (level == 4) {
            EXPECT_TRUE(r.ok()) << int(level);  // 3.1.1 does not require the shortest form
        } else {
            ASSERT_EQ(r.status, mc::decode_status::error);
            EXPECT_EQ(r.error.code, mc::errc::varint_not_minimal);
        }
    }
}

}  // namespace
