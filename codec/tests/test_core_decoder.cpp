// Decoder: every rejection rule with its code, offset, tier, reason code and statement ID; accepted
// edge cases; field values of decoded packets.
#include <gtest/gtest.h>

#include "mqttspec/codec/codec.hpp"

namespace mc = mqttspec::codec;
using mc::errc;
using mc::error_kind;
using mc::raw_builder;
using bytes = std::vector<std::uint8_t>;

namespace {

constexpr auto v31 = mc::protocol_version::v3_1;
constexpr auto v311 = mc::protocol_version::v3_1_1;
constexpr auto v5 = mc::protocol_version::v5;

mc::decode_options from(mc::sender s) {
    mc::decode_options o;
    o.sender = s;
    return o;
}

struct expected_error {
    errc code;
    std::size_t offset;
    std::string_view statement;
};

// Decodes `b`, which must fail with exactly this code, offset and statement.
mc::decode_error reject(const bytes& b, mc::protocol_version v, expected_error want, const mc::decode_options& o = {}) {
    auto r = mc::decode(b, v, o);
    EXPECT_EQ(r.status, mc::decode_status::error) << mc::to_hex(b);
    EXPECT_EQ(r.error.code, want.code) << mc::to_string(r.error.code) << ": " << r.error.message << " in "
                                       << mc::to_hex(b);
    EXPECT_EQ(r.error.offset, want.offset) << r.error.message;
    EXPECT_EQ(r.error.statement, want.statement) << r.error.message;
    EXPECT_FALSE(r.error.message.empty());
    return r.error;
}

mc::decode_result accept(const bytes& b, mc::protocol_version v, const mc::decode_options& o = {}) {
    auto r = mc::decode(b, v, o);
    EXPECT_TRUE(r.ok()) << mc::to_string(r.error.code) << ": " << r.error.message << " at " << r.error.offset
                        << " in " << mc::to_hex(b);
    if (r.ok()) {
        EXPECT_EQ(r.consumed, b.size());
    }
    return r;
}

void expect_tier(const mc::decode_error& e, error_kind kind, std::uint8_t reason) {
    EXPECT_EQ(e.kind, kind) << e.message;
    EXPECT_EQ(e.reason_code, reason) << e.message;
}

// 5.0 property block with its length prefix.
bytes props(const raw_builder& entries) { return entries.with_varint_length_prefix(); }
const bytes no_props{0x00};

bytes connect_body(std::string_view name, std::uint8_t level, std::uint8_t flags, bool v5_props = false) {
    raw_builder b;
    b.str(name).byte(level).byte(flags).u16(60);
    if (v5_props) b.byte(0);
    b.str("cid");
    return b.take();
}

// ---- fixed header ---------------------------------------------------------------------------

TEST(DecoderFixedHeader, ReservedPacketType) {
    for (auto v : {v31, v311, v5}) {
        auto e = reject({0x00, 0x00}, v, {errc::reserved_packet_type, 0, ""});
        expect_tier(e, error_kind::malformed_packet, 0x81);
    }
    reject({0x00}, v5, {errc::reserved_packet_type, 0, ""});  // known from the first byte alone
}

TEST(DecoderFixedHeader, AuthBeforeFive) {
    reject({0xF0, 0x00}, v311, {errc::packet_type_not_in_version, 0, ""});
    reject({0xF0, 0x00}, v31, {errc::packet_type_not_in_version, 0, ""});
    accept(raw_builder{}.byte(0x18).bytes(props(raw_builder{}.prop_str(0x15, "M"))).packet(0xF0), v5);
}

TEST(DecoderFixedHeader, ReservedFlagsPerPacketType) {
    struct flag_case {
        std::uint8_t first;
        std::string_view id311, id5;
    };
    const flag_case cases[] = {
        {0x11, "MQTT-2.2.2-1", "MQTT-2.1.3-1"},   // CONNECT
        {0x28, "MQTT-2.2.2-1", "MQTT-2.1.3-1"},   // CONNACK
        {0x41, "MQTT-2.2.2-1", "MQTT-2.1.3-1"},   // PUBACK
        {0x52, "MQTT-2.2.2-1", "MQTT-2.1.3-1"},   // PUBREC
        {0x60, "MQTT-3.6.1-1", "MQTT-3.6.1-1"},   // PUBREL 0000
        {0x63, "MQTT-3.6.1-1", "MQTT-3.6.1-1"},   // PUBREL 0011
        {0x6A, "MQTT-3.6.1-1", "MQTT-3.6.1-1"},   // PUBREL 1010
        {0x74, "MQTT-2.2.2-1", "MQTT-2.1.3-1"},   // PUBCOMP
        {0x80, "MQTT-3.8.1-1", "MQTT-3.8.1-1"},   // SUBSCRIBE 0000
        {0x8F, "MQTT-3.8.1-1", "MQTT-3.8.1-1"},   // SUBSCRIBE 1111
        {0x92, "MQTT-2.2.2-1", "MQTT-2.1.3-1"},   // SUBACK
        {0xA0, "MQTT-3.10.1-1", "MQTT-3.10.1-1"}, // UNSUBSCRIBE
        {0xB1, "MQTT-2.2.2-1", "MQTT-2.1.3-1"},   // UNSUBACK
        {0xC8, "MQTT-2.2.2-1", "MQTT-2.1.3-1"},   // PINGREQ
        {0xD2, "MQTT-2.2.2-1", "MQTT-2.1.3-1"},   // PINGRESP
        {0xE1, "MQTT-3.14.1-1", "MQTT-3.14.1-1"}, // DISCONNECT
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.first);
        auto e = reject({c.first, 0x00}, v311, {errc::invalid_fixed_header_flags, 0, c.id311});
        expect_tier(e, error_kind::malformed_packet, 0x81);
        reject({c.first, 0x00}, v5, {errc::invalid_fixed_header_flags, 0, c.id5});
        reject({c.first, 0x00}, v31, {errc::invalid_fixed_header_flags, 0, ""});
        reject({c.first}, v5, {errc::invalid_fixed_header_flags, 0, c.id5});  // first byte is enough
    }
    reject({0xF4, 0x00}, v5, {errc::invalid_fixed_header_flags, 0, "MQTT-3.15.1-1"});
}

TEST(DecoderFixedHeader, PublishQosAndDup) {
    for (auto v : {v31, v311, v5}) {
        auto e = reject({0x36, 0x00}, v, {errc::invalid_qos, 0, v == v31 ? "" : "MQTT-3.3.1-4"});
        expect_tier(e, error_kind::malformed_packet, 0x81);
        e = reject({0x38, 0x00}, v, {errc::dup_on_qos0, 0, v == v31 ? "" : "MQTT-3.3.1-2"});
        expect_tier(e, error_kind::protocol_error, 0x82);
    }
    // DUP with QoS 1 and RETAIN are fine.
    accept(raw_builder{}.str("t").u16(1).packet(0x3B), v311);
}

TEST(DecoderFixedHeader, NeedMoreAndNeeded) {
    auto r = mc::decode(bytes{}, v311);
    EXPECT_EQ(r.status, mc::decode_status::need_more);
    EXPECT_EQ(r.needed, 0u);
    r = mc::decode(bytes{0x30}, v311);
    EXPECT_EQ(r.status, mc::decode_status::need_more);
    EXPECT_EQ(r.needed, 0u);
    r = mc::decode(bytes{0x30, 0x80}, v311);
    EXPECT_EQ(r.status, mc::decode_status::need_more);
    EXPECT_EQ(r.needed, 0u);
    r = mc::decode(bytes{0x30, 0x05, 0x00, 0x01}, v311);
    EXPECT_EQ(r.status, mc::decode_status::need_more);
    EXPECT_EQ(r.needed, 7u);
    r = mc::decode(bytes{0x30, 0x80, 0x01}, v311);
    EXPECT_EQ(r.status, mc::decode_status::need_more);
    EXPECT_EQ(r.needed, 131u);
}

TEST(DecoderFixedHeader, PacketTooLargeAsSoonAsTheHeaderShowsIt) {
    mc::decode_options o;
    o.maximum_packet_size = 10;
    auto e = reject({0x30, 0x09}, v5, {errc::packet_too_large, 0, ""}, o);  // 11 bytes in all
    expect_tier(e, error_kind::protocol_error, 0x95);
    accept(raw_builder{}.str("t").byte(0).bytes("abcd").packet(0x30), v5, o);  // exactly 10
}

TEST(DecoderFixedHeader, FixedSizePacketsWithTheWrongLength) {
    struct len_case {
        std::uint8_t first;
        std::uint8_t length;
        mc::protocol_version v;
    };
    const len_case cases[] = {
        {0xC0, 1, v5},  {0xD0, 2, v311}, {0x40, 3, v311}, {0x50, 1, v31}, {0x62, 4, v311}, {0x70, 0, v311},
        {0x20, 3, v311}, {0x20, 1, v31}, {0xE0, 1, v311}, {0xB0, 3, v311}, {0xB0, 0, v31},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.first);
        auto e = reject({c.first, c.length}, c.v, {errc::wrong_fixed_length, 1, ""});  // before the body arrives
        expect_tier(e, error_kind::malformed_packet, 0x81);
    }
}

TEST(DecoderFraming, FieldPastRemainingLength) {
    // Topic length promises 5 bytes; the packet holds 2.
    auto e = reject({0x30, 0x04, 0x00, 0x05, 'a', 'b'}, v311, {errc::field_past_remaining_length, 2, "MQTT-3.3.2-1"});
    expect_tier(e, error_kind::malformed_packet, 0x81);
    // Packet identifier cut short.
    reject({0x32, 0x04, 0x00, 0x01, 'a', 0x00}, v311, {errc::field_past_remaining_length, 5, ""});
    // 5.0 PUBLISH ends before its Property Length.
    reject({0x30, 0x03, 0x00, 0x01, 'a'}, v5, {errc::field_past_remaining_length, 5, "MQTT-2.2.2-1"});
    // 5.0 ack with one byte of packet identifier.
    reject({0x40, 0x01, 0x00}, v5, {errc::field_past_remaining_length, 2, ""});
    // A Topic Name that is not all there breaks "the Topic Name MUST be present" (3.3.2.1).
    reject({0x30, 0x01, 0x00}, v311, {errc::field_past_remaining_length, 2, "MQTT-3.3.2-1"});
    reject({0x30, 0x02, 0x00, 0x05}, v5, {errc::field_past_remaining_length, 2, "MQTT-3.3.2-1"});
    reject({0x30, 0x02, 0x00, 0x05}, v31, {errc::field_past_remaining_length, 2, ""});
}

// A field past the Remaining Length is malformed whatever follows; input that merely ends inside a
// packet is need-more. The two used to share the code `truncated`, so a streaming user could not
// tell them apart.
TEST(DecoderFraming, OverrunIsNotNeedMore) {
    for (const bytes& packet : {bytes{0x31, 0x00}, bytes{0xF0, 0x01, 0x00}}) {
        SCOPED_TRACE(mc::to_hex(packet));
        const auto v = packet[0] == 0xF0 ? v5 : v311;
        bytes followed = packet;
        followed.insert(followed.end(), {0xC0, 0x00});
        for (const bytes& input : {packet, followed}) {
            auto r = mc::decode(input, v);
            ASSERT_EQ(r.status, mc::decode_status::error);
            EXPECT_EQ(r.error.code, errc::field_past_remaining_length);
            EXPECT_NE(r.error.code, errc::truncated);
        }
        // A prefix of the same packet is not an error yet.
        EXPECT_EQ(mc::decode(bytes(packet.begin(), packet.end() - 1), v).status, mc::decode_status::need_more);
        mc::stream_decoder stream(v);
        stream.feed(bytes(packet.begin(), packet.end() - 1));
        EXPECT_EQ(stream.next().status, mc::decode_status::need_more);
        stream.feed(bytes(packet.end() - 1, packet.end()));
        EXPECT_EQ(stream.next().error.code, errc::field_past_remaining_length);
    }
}

TEST(DecoderFraming, TrailingBytes) {
    auto body = connect_body("MQTT", 4, 0x02);
    body.push_back(0xEE);
    auto packet = raw_builder{}.bytes(body).packet(0x10);
    auto e = reject(packet, v311, {errc::trailing_bytes, packet.size() - 1, ""});
    expect_tier(e, error_kind::malformed_packet, 0x81);
    reject({0xB0, 0x05, 0x00, 0x01, 0x00, 0x00, 0x09}, v5, {errc::invalid_reason_code, 6, "MQTT-3.11.3-2"});
    reject({0xF0, 0x03, 0x18, 0x00, 0x00}, v5, {errc::authentication_method_missing, 3, "MQTT-4.12.0-5"});
    // DISCONNECT with a property block and one byte too many.
    reject({0xE0, 0x03, 0x00, 0x00, 0x00}, v5, {errc::trailing_bytes, 4, ""});
}

// ---- packet identifiers ---------------------------------------------------------------------------

TEST(DecoderPacketId, ZeroIsRejectedWhereverItIsCarried) {
    auto publish_q1 = raw_builder{}.str("a").u16(0).packet(0x32);
    auto e = reject(publish_q1, v311, {errc::packet_id_zero, 5, "MQTT-2.3.1-1"});
    expect_tier(e, error_kind::protocol_error, 0x82);
    reject(publish_q1, v31, {errc::packet_id_zero, 5, ""});
    auto publish_q2_v5 = raw_builder{}.str("a").u16(0).byte(0).packet(0x34);
    reject(publish_q2_v5, v5, {errc::packet_id_zero, 5, "MQTT-2.2.1-3"});
    reject(publish_q2_v5, v5, {errc::packet_id_zero, 5, "MQTT-2.2.1-4"}, from(mc::sender::server));
    reject({0x40, 0x02, 0x00, 0x00}, v311, {errc::packet_id_zero, 2, "MQTT-2.3.1-6"});
    reject({0x50, 0x02, 0x00, 0x00}, v5, {errc::packet_id_zero, 2, "MQTT-2.2.1-5"});
    reject({0x62, 0x02, 0x00, 0x00}, v311, {errc::packet_id_zero, 2, "MQTT-2.3.1-6"});
    reject({0x70, 0x02, 0x00, 0x00}, v311, {errc::packet_id_zero, 2, ""});
    reject({0x70, 0x02, 0x00, 0x00}, v5, {errc::packet_id_zero, 2, "MQTT-2.2.1-5"});
    reject(raw_builder{}.u16(0).str("a").byte(0).packet(0x82), v311, {errc::packet_id_zero, 2, "MQTT-2.3.1-1"});
    reject(raw_builder{}.u16(0).byte(0).str("a").byte(0).packet(0x82), v5, {errc::packet_id_zero, 2, "MQTT-2.2.1-3"});
    reject({0x90, 0x03, 0x00, 0x00, 0x00}, v311, {errc::packet_id_zero, 2, "MQTT-2.3.1-7"});
    reject({0x90, 0x04, 0x00, 0x00, 0x00, 0x00}, v5, {errc::packet_id_zero, 2, "MQTT-2.2.1-6"});
    reject(raw_builder{}.u16(0).str("a").packet(0xA2), v311, {errc::packet_id_zero, 2, "MQTT-2.3.1-1"});
    reject({0xB0, 0x02, 0x00, 0x00}, v311, {errc::packet_id_zero, 2, "MQTT-2.3.1-7"});
    reject({0xB0, 0x04, 0x00, 0x00, 0x00, 0x00}, v5, {errc::packet_id_zero, 2, "MQTT-2.2.1-6"});
    // QoS 0 has no identifier at all: the two bytes after the topic are payload.
    const auto qos0 = raw_builder{}.str("a").u16(0).packet(0x30);
    auto r = accept(qos0, v311);
    EXPECT_EQ(std::get<mc::publish_packet>(r.pkt).payload, std::string_view("\0\0", 2));
}

// ---- topics ---------------------------------------------------------------------------------------

TEST(DecoderTopics, PublishTopicName) {
    auto wildcard = raw_builder{}.str("a/+").packet(0x30);
    auto e = reject(wildcard, v311, {errc::topic_name_wildcard, 6, "MQTT-3.3.2-2"});
    expect_tier(e, error_kind::protocol_error, 0x90);
    reject(raw_builder{}.str("#").byte(0).packet(0x30), v5, {errc::topic_name_wildcard, 4, "MQTT-3.3.2-2"});
    e = reject(raw_builder{}.str("").packet(0x30), v311, {errc::topic_name_empty, 2, "MQTT-4.7.3-1"});
    expect_tier(e, error_kind::protocol_error, 0x90);
    reject(raw_builder{}.str("").packet(0x30), v31, {errc::topic_name_empty, 2, ""});
    e = reject(raw_builder{}.str("").byte(0).packet(0x30), v5, {errc::topic_empty_without_alias, 2, ""});
    expect_tier(e, error_kind::protocol_error, 0x82);
    const auto aliased_bytes = raw_builder{}.str("").bytes(props(raw_builder{}.prop_u16(0x23, 1))).packet(0x30);
    auto aliased = accept(aliased_bytes, v5);
    EXPECT_EQ(std::get<mc::publish_packet>(aliased.pkt).topic, "");
    // U+FEFF is kept as part of the topic.
    const auto bom_bytes = raw_builder{}.str("\xEF\xBB\xBF" "a").packet(0x30);
    auto bom = accept(bom_bytes, v311);
    EXPECT_EQ(std::get<mc::publish_packet>(bom.pkt).topic, "\xEF\xBB\xBF" "a");
}

TEST(DecoderTopics, SubscribeFilters) {
    auto sub = [](std::string_view filter, bool v5_props) {
        raw_builder b;
        b.u16(1);
        if (v5_props) b.byte(0);
        return b.str(filter).byte(0).packet(0x82);
    };
    auto e = reject(sub("a/#/b", false), v311, {errc::topic_filter_invalid_multilevel, 8, "MQTT-4.7.1-2"});
    expect_tier(e, error_kind::protocol_error, 0x8F);
    reject(sub("a/#/b", true), v5, {errc::topic_filter_invalid_multilevel, 9, "MQTT-4.7.1-1"});
    reject(sub("a+", false), v311, {errc::topic_filter_invalid_single_level, 7, "MQTT-4.7.1-3"});
    reject(sub("a+", true), v5, {errc::topic_filter_invalid_single_level, 8, "MQTT-4.7.1-2"});
    reject(sub("", false), v311, {errc::topic_filter_empty, 4, "MQTT-4.7.3-1"});
    reject(sub("", true), v5, {errc::topic_filter_empty, 5, "MQTT-4.7.3-1"});
    reject(sub("$share//a", true), v5, {errc::shared_subscription_invalid, 14, "MQTT-4.8.2-1"});
    reject(sub("$share/g+/a", true), v5, {errc::shared_subscription_invalid, 15, "MQTT-4.8.2-2"});
    reject(sub("$share/g", true), v5, {errc::shared_subscription_invalid, 15, "MQTT-4.8.2-2"});
    accept(sub("$share//a", false), v311);  // not a shared subscription before 5.0
    auto unsub = raw_builder{}.u16(1).str("ok").str("x#").packet(0xA2);
    reject(unsub, v311, {errc::topic_filter_invalid_multilevel, 11, "MQTT-4.7.1-2"});
}

// ---- CONNECT ---------------------------------------------------------------------------------------

TEST(DecoderConnect, ProtocolNameAndLevel) {
    accept(raw_builder{}.bytes(connect_body("MQIsdp", 3, 0x02)).packet(0x10), v31);
    accept(raw_builder{}.bytes(connect_body("MQTT", 4, 0x02)).packet(0x10), v311);
    accept(raw_builder{}.bytes(connect_body("MQTT", 5, 0x02, true)).packet(0x10), v5);

    auto e = reject(raw_builder{}.bytes(connect_body("MQTX", 4, 0x02)).packet(0x10), v311,
                    {errc::invalid_protocol_name, 2, "MQTT-3.1.2-1"});
    expect_tier(e, error_kind::protocol_error, 0x84);
    e = reject(raw_builder{}.bytes(connect_body("MQTT", 5, 0x02, true)).packet(0x10), v311,
               {errc::unsupported_protocol_level, 8, "MQTT-3.1.2-2"});
    expect_tier(e, error_kind::protocol_error, 0x84);
    reject(raw_builder{}.bytes(connect_body("MQTT", 4, 0x02)).packet(0x10), v5,
           {errc::unsupported_protocol_level, 8, "MQTT-3.1.2-2"});
    reject(raw_builder{}.bytes(connect_body("MQTT", 3, 0x02)).packet(0x10), v31,
           {errc::unsupported_protocol_level, 8, ""});
    reject(raw_builder{}.bytes(connect_body("MQIsdp", 4, 0x02)).packet(0x10), v311,
           {errc::unsupported_protocol_level, 10, "MQTT-3.1.2-2"});
}

TEST(DecoderConnect, Flags) {
    auto packet = [](std::uint8_t flags, bool five) {
        return raw_builder{}.bytes(connect_body("MQTT", five ? 5 : 4, flags, five)).packet(0x10);
    };
    auto e = reject(packet(0x03, false), v311, {errc::connect_reserved_flag, 9, "MQTT-3.1.2-3"});
    expect_tier(e, error_kind::malformed_packet, 0x81);
    reject(packet(0x01, true), v5, {errc::connect_reserved_flag, 9, "MQTT-3.1.2-3"});
    reject(packet(0x0A, false), v311, {errc::will_flags_without_will, 9, "MQTT-3.1.2-13"});
    reject(packet(0x12, true), v5, {errc::will_flags_without_will, 9, "MQTT-3.1.2-11"});
    reject(packet(0x22, false), v311, {errc::will_flags_without_will, 9, "MQTT-3.1.2-15"});
    reject(packet(0x22, true), v5, {errc::will_flags_without_will, 9, "MQTT-3.1.2-13"});
    e = reject(packet(0x42, false), v311, {errc::password_without_username, 9, "MQTT-3.1.2-22"});
    expect_tier(e, error_kind::protocol_error, 0x82);
    // Will QoS 3 with the will flag.
    auto will3 = raw_builder{}.str("MQTT").byte(4).byte(0x1E).u16(0).str("c").str("t").str("m").packet(0x10);
    reject(will3, v311, {errc::will_qos_invalid, 9, "MQTT-3.1.2-14"});
    auto will3_v5 =
        raw_builder{}.str("MQTT").byte(5).byte(0x1E).u16(0).byte(0).str("c").byte(0).str("t").str("m").packet(0x10);
    reject(will3_v5, v5, {errc::will_qos_invalid, 9, "MQTT-3.1.2-12"});
    // 5.0 allows a password without a user name.
    const auto no_user = raw_builder{}.str("MQTT").byte(5).byte(0x42).u16(0).byte(0).str("c").str("pw").packet(0x10);
    auto r = accept(no_user, v5);
    auto& c = std::get<mc::connect_packet>(r.pkt);
    EXPECT_FALSE(c.username);
    EXPECT_EQ(c.password, std::optional<std::string_view>("pw"));
}

TEST(DecoderConnect, FieldsAndWill) {
    const auto wire = raw_builder{}
                          .str("MQTT").byte(4).byte(0xEE).u16(300)
                          .str("client").str("will/t").str(std::string_view("\x00\xff", 2)).str("user").str("pw")
                          .packet(0x10);
    auto r = accept(wire, v311);
    const auto& c = std::get<mc::connect_packet>(r.pkt);
    EXPECT_EQ(c.protocol_name, "MQTT");
    EXPECT_EQ(c.protocol_level, 4);
    EXPECT_TRUE(c.clean_start);
    EXPECT_EQ(c.keep_alive, 300);
    EXPECT_EQ(c.client_id, "client");
    ASSERT_TRUE(c.will);
    EXPECT_EQ(c.will->qos, 1);
    EXPECT_TRUE(c.will->retain);
    EXPECT_EQ(c.will->topic, "will/t");
    EXPECT_EQ(c.will->payload, std::string_view("\x00\xff", 2));
    EXPECT_EQ(c.username, std::optional<std::string_view>("user"));
    EXPECT_EQ(c.password, std::optional<std::string_view>("pw"));
    // A will topic is a topic name: no wildcards.
    reject(raw_builder{}.str("MQTT").byte(4).byte(0x06).u16(0).str("c").str("a/#").str("m").packet(0x10), v311,
           {errc::topic_name_wildcard, 19, "MQTT-3.3.2-2"});
    // Missing user name the flags promise.
    reject(raw_builder{}.str("MQTT").byte(4).byte(0x82).u16(0).str("c").packet(0x10), v311,
           {errc::field_past_remaining_length, 15, "MQTT-3.1.2-19"});
}

// ---- CONNACK ---------------------------------------------------------------------------------------

TEST(DecoderConnack, FlagsAndCodes) {
    auto e = reject({0x20, 0x02, 0x02, 0x00}, v311, {errc::connack_reserved_flags, 2, ""});
    expect_tier(e, error_kind::malformed_packet, 0x81);
    reject({0x20, 0x03, 0x80, 0x00, 0x00}, v5, {errc::connack_reserved_flags, 2, "MQTT-3.2.2-1"});
    reject({0x20, 0x02, 0x01, 0x00}, v31, {errc::connack_reserved_flags, 2, ""});  // no Session Present in 3.1
    e = reject({0x20, 0x02, 0x01, 0x05}, v311, {errc::session_present_with_error, 2, "MQTT-3.2.2-4"});
    expect_tier(e, error_kind::protocol_error, 0x82);
    reject({0x20, 0x03, 0x01, 0x87, 0x00}, v5, {errc::session_present_with_error, 2, "MQTT-3.2.2-6"});
    e = reject({0x20, 0x02, 0x00, 0x06}, v311, {errc::invalid_reason_code, 3, ""});
    expect_tier(e, error_kind::protocol_error, 0x82);
    reject({0x20, 0x03, 0x00, 0x8B, 0x00}, v5, {errc::invalid_reason_code, 3, "MQTT-3.2.2-8"});
    auto r = accept({0x20, 0x02, 0x01, 0x00}, v311);
    EXPECT_TRUE(std::get<mc::connack_packet>(r.pkt).session_present);
    accept({0x20, 0x03, 0x00, 0x84, 0x00}, v5);
}

// ---- SUBSCRIBE / SUBACK / UNSUBSCRIBE / UNSUBACK -----------------------------------------------------

TEST(DecoderSubscribe, OptionsByte) {
    auto sub311 = [](std::uint8_t options) { return raw_builder{}.u16(1).str("a").byte(options).packet(0x82); };
    auto sub5 = [](std::string_view filter, std::uint8_t options) {
        return raw_builder{}.u16(1).byte(0).str(filter).byte(options).packet(0x82);
    };
    auto e = reject(sub311(0x04), v311, {errc::subscription_options_reserved_bits, 7, "MQTT-3.8.3-4"});
    expect_tier(e, error_kind::malformed_packet, 0x81);
    reject(sub311(0x80), v31, {errc::subscription_options_reserved_bits, 7, ""});
    e = reject(sub311(0x03), v311, {errc::invalid_qos, 7, "MQTT-3.8.3-4"});
    expect_tier(e, error_kind::malformed_packet, 0x81);
    e = reject(sub5("a", 0x40), v5, {errc::subscription_options_reserved_bits, 8, "MQTT-3.8.3-5"});
    expect_tier(e, error_kind::malformed_packet, 0x81);
    e = reject(sub5("a", 0x03), v5, {errc::invalid_qos, 8, ""});
    expect_tier(e, error_kind::protocol_error, 0x82);
    e = reject(sub5("a", 0x30), v5, {errc::retain_handling_invalid, 8, ""});
    expect_tier(e, error_kind::protocol_error, 0x82);
    e = reject(sub5("$share/g/a", 0x04), v5, {errc::shared_subscription_no_local, 17, "MQTT-3.8.3-4"});
    expect_tier(e, error_kind::protocol_error, 0x82);
    auto r = accept(sub5("$share/g/a", 0x2A), v5);
    const auto& s = std::get<mc::subscribe_packet>(r.pkt).subscriptions.at(0);
    EXPECT_EQ(s.qos, 2);
    EXPECT_FALSE(s.no_local);
    EXPECT_TRUE(s.retain_as_published);
    EXPECT_EQ(s.retain_handling, 2);
    r = accept(sub5("x", 0x05), v5);
    EXPECT_TRUE(std::get<mc::subscribe_packet>(r.pkt).subscriptions.at(0).no_local);
}

TEST(DecoderSubscribe, EmptyPayloads) {
    auto e = reject({0x82, 0x02, 0x00, 0x01}, v311, {errc::empty_subscribe_payload, 4, "MQTT-3.8.3-3"});
    expect_tier(e, error_kind::protocol_error, 0x82);
    reject({0x82, 0x03, 0x00, 0x01, 0x00}, v5, {errc::empty_subscribe_payload, 5, "MQTT-3.8.3-2"});
    reject({0xA2, 0x02, 0x00, 0x01}, v311, {errc::empty_unsubscribe_payload, 4, "MQTT-3.10.3-2"});
    reject({0xA2, 0x03, 0x00, 0x01, 0x00}, v5, {errc::empty_unsubscribe_payload, 5, "MQTT-3.10.3-2"});
    reject({0x90, 0x02, 0x00, 0x01}, v311, {errc::empty_suback_payload, 4, "MQTT-3.8.4-5"});
    reject({0x90, 0x03, 0x00, 0x01, 0x00}, v5, {errc::empty_suback_payload, 5, "MQTT-3.9.3-2"});
    reject({0xB0, 0x03, 0x00, 0x01, 0x00}, v5, {errc::empty_unsuback_payload, 5, "MQTT-3.11.3-2"});
}

TEST(DecoderSubscribe, AckCodes) {
    reject({0x90, 0x04, 0x00, 0x01, 0x00, 0x03}, v311, {errc::invalid_reason_code, 5, "MQTT-3.9.3-2"});
    reject({0x90, 0x03, 0x00, 0x01, 0x80}, v31, {errc::invalid_reason_code, 4, ""});
    accept({0x90, 0x03, 0x00, 0x01, 0x80}, v311);
    reject({0x90, 0x04, 0x00, 0x01, 0x00, 0x11}, v5, {errc::invalid_reason_code, 5, "MQTT-3.9.3-2"});
    auto r = accept({0x90, 0x05, 0x00, 0x07, 0x00, 0x9E, 0x02}, v5);
    EXPECT_EQ(std::get<mc::suback_packet>(r.pkt).reason_codes, (std::vector<std::uint8_t>{0x9E, 0x02}));
}

// ---- acks, DISCONNECT, AUTH tails ---------------------------------------------------------------

TEST(DecoderAcks, ReasonCodesAndForms) {
    reject({0x40, 0x03, 0x00, 0x01, 0x92}, v5, {errc::invalid_reason_code, 4, "MQTT-3.4.2-1"});
    reject({0x50, 0x03, 0x00, 0x01, 0x92}, v5, {errc::invalid_reason_code, 4, "MQTT-3.5.2-1"});
    reject({0x62, 0x03, 0x00, 0x01, 0x10}, v5, {errc::invalid_reason_code, 4, "MQTT-3.6.2-1"});
    reject({0x70, 0x03, 0x00, 0x01, 0x10}, v5, {errc::invalid_reason_code, 4, "MQTT-3.7.2-1"});
    reject({0xE0, 0x01, 0x84}, v5, {errc::invalid_reason_code, 2, "MQTT-3.14.2-1"});
    reject({0xF0, 0x02, 0x87, 0x00}, v5, {errc::invalid_reason_code, 2, "MQTT-3.15.2-1"});

    // The form is recorded only where the wire is longer than the canonical encoding.
    const std::pair<bytes, mc::tail_form> forms[] = {
        {{0x40, 0x02, 0x00, 0x01}, mc::tail_form::shortest},
        {{0x40, 0x03, 0x00, 0x01, 0x00}, mc::tail_form::reason_code},
        {{0x40, 0x04, 0x00, 0x01, 0x00, 0x00}, mc::tail_form::reason_code_and_properties},
        {{0x40, 0x03, 0x00, 0x01, 0x10}, mc::tail_form::shortest},
        {{0x40, 0x04, 0x00, 0x01, 0x10, 0x00}, mc::tail_form::reason_code_and_properties},
        {{0x40, 0x08, 0x00, 0x01, 0x10, 0x04, 0x1F, 0x00, 0x01, 'x'}, mc::tail_form::shortest},
    };
    for (const auto& [wire, form] : forms) {
        auto r = accept(wire, v5);
        EXPECT_EQ(std::get<mc::puback_packet>(r.pkt).form, form);
        EXPECT_EQ(mc::encode(r.pkt, v5), wire);
    }
    for (const bytes& wire : {bytes{0xE0, 0x00}, bytes{0xE0, 0x01, 0x00}, bytes{0xE0, 0x02, 0x00, 0x00},
                              bytes{0xF0, 0x09, 0x18, 0x07, 0x15, 0x00, 0x04, 'S', 'C', 'R', 'M'}}) {
        auto r = accept(wire, v5);
        EXPECT_EQ(mc::encode(r.pkt, v5), wire);
    }
    // AUTH may omit the reason code only together with the property length.
    reject({0xF0, 0x01, 0x18}, v5, {errc::field_past_remaining_length, 3, "MQTT-2.2.2-1"});
}

// ---- UTF-8 inside packets ---------------------------------------------------------------------------

TEST(DecoderUtf8, EveryStringFieldIsChecked) {
    auto e = reject(raw_builder{}.str("a\xC0\xAF").packet(0x30), v311, {errc::invalid_utf8, 5, "MQTT-1.5.3-1"});
    expect_tier(e, error_kind::malformed_packet, 0x81);
    reject(raw_builder{}.str("a\xED\xA0\x80").byte(0).packet(0x30), v5, {errc::invalid_utf8, 5, "MQTT-1.5.4-1"});
    reject(raw_builder{}.str("MQTT").byte(4).byte(2).u16(0).str(std::string_view("c\0", 2)).packet(0x10), v311,
           {errc::utf8_null_character, 15, "MQTT-1.5.3-2"});
    reject(raw_builder{}.str("MQTT").byte(4).byte(0x82).u16(0).str("c").str("\xF4\x90\x80\x80").packet(0x10), v311,
           {errc::invalid_utf8, 17, "MQTT-1.5.3-1"});
    reject(raw_builder{}.u16(1).str("ok").byte(0).str("\xE2\x82").byte(0).packet(0x82), v311,
           {errc::invalid_utf8, 11, "MQTT-1.5.3-1"});
    reject(raw_builder{}.u16(1).str("\x80").packet(0xA2), v31, {errc::invalid_utf8, 6, ""});
    // Binary fields are not UTF-8: will payload and password take anything.
    accept(raw_builder{}.str("MQTT").byte(4).byte(0xC6).u16(0).str("c").str("t").str("\xff").str("u").str("\xC0").packet(0x10),
           v311);
    // User Property strings cite the string-pair statement.
    auto user = raw_builder{}.str("t").bytes(props(raw_builder{}.prop_pair(0x26, "k", std::string_view("\0", 1)))).packet(0x30);
    reject(user, v5, {errc::utf8_null_character, 12, "MQTT-1.5.7-1"});
    // SHOULD-level checks only when asked, as malformed packets (5.0 1.5.4).
    auto control = raw_builder{}.str("a\x01").packet(0x30);
    accept(control, v311);
    mc::decode_options strict;
    strict.reject_control_characters = true;
    e = reject(control, v311, {errc::utf8_control_character, 5, ""}, strict);
    expect_tier(e, error_kind::malformed_packet, 0x81);
    strict = {};
    strict.reject_noncharacters = true;
    reject(raw_builder{}.str("\xEF\xBF\xBF").packet(0x30), v311, {errc::utf8_noncharacter, 4, ""}, strict);
}

// ---- 5.0 properties ----------------------------------------------------------------------------------

// PUBLISH "t" with the given property entries: properties start at offset 5, entries at 6.
bytes publish_with(const raw_builder& entries, std::uint8_t first = 0x30) {
    return raw_builder{}.str("t").bytes(props(entries)).packet(first);
}

TEST(DecoderProperties, IdentifierRules) {
    auto e = reject(publish_with(raw_builder{}.prop_byte(0x05, 0)), v5, {errc::unknown_property, 6, ""});
    expect_tier(e, error_kind::malformed_packet, 0x81);
    // Identifier 128 (bytes 80 01): a well-formed Variable Byte Integer naming no property.
    reject(publish_with(raw_builder{}.prop_byte(0x80, 0x01)), v5, {errc::unknown_property, 6, ""});
    // Identifier 0x01 written in two bytes is not minimal.
    reject(publish_with(raw_builder{}.byte(0x81).byte(0x00).byte(0)), v5, {errc::varint_not_minimal, 6, "MQTT-1.5.5-1"});
    e = reject(publish_with(raw_builder{}.prop_u32(0x11, 5)), v5, {errc::property_not_allowed, 6, ""});
    expect_tier(e, error_kind::malformed_packet, 0x81);
    e = reject(publish_with(raw_builder{}.prop_u16(0x23, 1).prop_u16(0x23, 2)), v5, {errc::property_repeated, 9, ""});
    expect_tier(e, error_kind::protocol_error, 0x82);
    reject(publish_with(raw_builder{}.prop_str(0x03, "a").prop_byte(0x01, 0).prop_str(0x03, "b")), v5,
           {errc::property_repeated, 12, ""});
    // Repeatable ones.
    const auto repeated = publish_with(
        raw_builder{}.prop_pair(0x26, "k", "1").prop_pair(0x26, "k", "2").prop_varint(0x0B, 1).prop_varint(0x0B, 2));
    auto r = accept(repeated, v5);
    EXPECT_EQ(std::get<mc::publish_packet>(r.pkt).properties.size(), 4u);
    // Subscription Identifier repeats only in PUBLISH.
    auto sub = raw_builder{}.u16(1).bytes(props(raw_builder{}.prop_varint(0x0B, 1).prop_varint(0x0B, 2))).str("a").byte(0)
                   .packet(0x82);
    reject(sub, v5, {errc::property_repeated, 7, ""});
    // Will Properties have their own table.
    auto will = raw_builder{}.str("MQTT").byte(5).byte(0x06).u16(0).byte(0).str("c")
                    .bytes(props(raw_builder{}.prop_u16(0x23, 1))).str("t").str("m").packet(0x10);
    reject(will, v5, {errc::property_not_allowed, 17, ""});
    auto will_ok = raw_builder{}.str("MQTT").byte(5).byte(0x06).u16(0).byte(0).str("c")
                       .bytes(props(raw_builder{}.prop_u32(0x18, 9).prop_byte(0x01, 1))).str("t").str("m").packet(0x10);
    r = accept(will_ok, v5);
    EXPECT_EQ(std::get<mc::connect_packet>(r.pkt).will->properties.size(), 2u);
    // Will Delay Interval is not a CONNECT property.
    auto in_connect = raw_builder{}.str("MQTT").byte(5).byte(0x02).u16(0).bytes(props(raw_builder{}.prop_u32(0x18, 9)))
                          .str("c").packet(0x10);
    reject(in_connect, v5, {errc::property_not_allowed, 13, ""});
}

TEST(DecoderProperties, ValueRanges) {
    auto connack = [](const raw_builder& entries) {
        return raw_builder{}.byte(0).byte(0).bytes(props(entries)).packet(0x20);
    };
    for (std::uint8_t id : {std::uint8_t{0x25}, std::uint8_t{0x28}, std::uint8_t{0x29}, std::uint8_t{0x2A},
                            std::uint8_t{0x24}}) {
        SCOPED_TRACE(id);
        auto e = reject(connack(raw_builder{}.prop_byte(id, 2)), v5, {errc::property_value_out_of_range, 6, ""});
        expect_tier(e, error_kind::protocol_error, 0x82);
        accept(connack(raw_builder{}.prop_byte(id, 1)), v5);
    }
    reject(connack(raw_builder{}.prop_u16(0x21, 0)), v5, {errc::property_value_out_of_range, 6, ""});
    reject(connack(raw_builder{}.prop_u32(0x27, 0)), v5, {errc::property_value_out_of_range, 6, ""});
    auto connect = [](const raw_builder& entries) {
        return raw_builder{}.str("MQTT").byte(5).byte(2).u16(0).bytes(props(entries)).str("c").packet(0x10);
    };
    reject(connect(raw_builder{}.prop_byte(0x17, 2)), v5, {errc::property_value_out_of_range, 14, ""});
    reject(connect(raw_builder{}.prop_byte(0x19, 7)), v5, {errc::property_value_out_of_range, 14, ""});
    reject(publish_with(raw_builder{}.prop_byte(0x01, 2)), v5, {errc::property_value_out_of_range, 7, ""});
    auto e = reject(publish_with(raw_builder{}.prop_u16(0x23, 0)), v5, {errc::topic_alias_zero, 7, "MQTT-3.3.2-8"});
    expect_tier(e, error_kind::protocol_error, 0x94);
    reject(publish_with(raw_builder{}.prop_varint(0x0B, 0)), v5, {errc::subscription_identifier_zero, 7, ""});
    accept(publish_with(raw_builder{}.prop_varint(0x0B, 268'435'455)), v5);
    reject(publish_with(raw_builder{}.prop_str(0x08, "r/#")), v5, {errc::response_topic_wildcard, 11, "MQTT-3.3.2-14"});
    reject(publish_with(raw_builder{}.prop_str(0x08, "")), v5, {errc::topic_name_empty, 7, "MQTT-4.7.3-1"});
    e = reject(connect(raw_builder{}.prop_str(0x16, "data")), v5, {errc::authentication_data_without_method, 13, ""});
    expect_tier(e, error_kind::protocol_error, 0x82);
    accept(connect(raw_builder{}.prop_str(0x16, "data").prop_str(0x15, "M")), v5);
    reject(connack(raw_builder{}.prop_str(0x16, "data")), v5, {errc::authentication_data_without_method, 5, ""});
}

TEST(DecoderProperties, LengthsAndVarints) {
    // Property length 9 with 3 bytes left in the packet.
    auto e = reject(raw_builder{}.str("t").byte(9).u16(0x2300).byte(1).packet(0x30), v5,
                    {errc::property_length_overrun, 5, ""});
    expect_tier(e, error_kind::malformed_packet, 0x81);
    // A Topic Alias needs 3 bytes but the block holds 2; the payload after the block does not count.
    reject(raw_builder{}.str("t").byte(2).byte(0x23).byte(0).bytes("payload").packet(0x30), v5,
           {errc::property_length_overrun, 7, ""});
    // A string inside the block whose length runs past it.
    reject(raw_builder{}.str("t").byte(4).byte(0x03).u16(5).byte('a').bytes("xyzxyz").packet(0x30), v5,
           {errc::property_length_overrun, 7, ""});
    // Non-minimal property length and Subscription Identifier.
    reject(raw_builder{}.str("t").varint(0, 2).packet(0x30), v5, {errc::varint_not_minimal, 5, "MQTT-1.5.5-1"});
    reject(raw_builder{}.str("t").bytes(props(raw_builder{}.byte(0x0B).varint(5, 2))).packet(0x30), v5,
           {errc::varint_not_minimal, 7, "MQTT-1.5.5-1"});
    mc::decode_options lenient;
    lenient.allow_non_minimal_varint = true;
    accept(raw_builder{}.str("t").varint(0, 2).packet(0x30), v5, lenient);
    // Five-byte property length.
    reject(raw_builder{}.str("t").hex("80 80 80 80 01").packet(0x30), v5, {errc::remaining_length_too_long, 5, ""});
}

TEST(DecoderProperties, PayloadFormatOnlyWhenAsked) {
    auto packet = raw_builder{}.str("t").bytes(props(raw_builder{}.prop_byte(0x01, 1))).bytes("ok\xff").packet(0x30);
    accept(packet, v5);
    mc::decode_options o;
    o.check_payload_format = true;
    auto e = reject(packet, v5, {errc::payload_format_invalid, 10, ""}, o);
    expect_tier(e, error_kind::protocol_error, 0x99);
    accept(raw_builder{}.str("t").bytes(props(raw_builder{}.prop_byte(0x01, 0))).bytes("\xff").packet(0x30), v5, o);
}

// ---- direction-dependent checks --------------------------------------------------------------------

TEST(DecoderDirection, PacketTypesEachSideMayNotSend) {
    const auto client = from(mc::sender::client);
    const auto server = from(mc::sender::server);
    for (const bytes& b : {bytes{0x20, 0x02, 0x00, 0x00}, bytes{0x90, 0x03, 0x00, 0x01, 0x00},
                           bytes{0xB0, 0x02, 0x00, 0x01}, bytes{0xD0, 0x00}}) {
        auto e = reject(b, v311, {errc::packet_not_allowed_from_sender, 0, ""}, client);
        expect_tier(e, error_kind::protocol_error, 0x82);
        accept(b, v311, server);
        accept(b, v311);
    }
    auto connect = raw_builder{}.bytes(connect_body("MQTT", 4, 0x02)).packet(0x10);
    for (const bytes& b : {connect, raw_builder{}.u16(1).str("a").byte(0).packet(0x82),
                           raw_builder{}.u16(1).str("a").packet(0xA2), bytes{0xC0, 0x00}}) {
        reject(b, v311, {errc::packet_not_allowed_from_sender, 0, ""}, server);
        accept(b, v311, client);
    }
}

TEST(DecoderDirection, SenderSpecificContent) {
    const auto client = from(mc::sender::client);
    const auto server = from(mc::sender::server);
    auto with_sub_id = publish_with(raw_builder{}.prop_varint(0x0B, 3));
    // The property itself is not allowed from a client: its identifier (6) is blamed, not its value (7),
    // as for the server's session_expiry_interval below.
    auto e = reject(with_sub_id, v5, {errc::subscription_identifier_from_client, 6, "MQTT-3.3.4-6"}, client);
    expect_tier(e, error_kind::protocol_error, 0x82);
    accept(with_sub_id, v5, server);

    auto disconnect_expiry = raw_builder{}.byte(0).bytes(props(raw_builder{}.prop_u32(0x11, 0))).packet(0xE0);
    e = reject(disconnect_expiry, v5, {errc::property_not_allowed, 4, "MQTT-3.14.2-2"}, server);
    expect_tier(e, error_kind::protocol_error, 0x82);
    accept(disconnect_expiry, v5, client);

    reject({0xE0, 0x01, 0x8B}, v5, {errc::invalid_reason_code, 2, "MQTT-3.14.2-1"}, client);
    accept({0xE0, 0x01, 0x8B}, v5, server);
    reject({0xE0, 0x01, 0x04}, v5, {errc::invalid_reason_code, 2, "MQTT-3.14.2-1"}, server);
    accept({0xE0, 0x01, 0x04}, v5, client);
    auto auth = [](std::uint8_t code) {
        return raw_builder{}.byte(code).bytes(props(raw_builder{}.prop_str(0x15, "M"))).packet(0xF0);
    };
    reject(auth(0x00), v5, {errc::invalid_reason_code, 2, "MQTT-3.15.2-1"}, client);
    accept(auth(0x00), v5, server);
    reject(auth(0x19), v5, {errc::invalid_reason_code, 2, "MQTT-3.15.2-1"}, server);
    accept(auth(0x19), v5, client);
    accept(auth(0x18), v5, client);
    // An empty AUTH implies Success, which only a server sends; blamed on the Remaining Length byte.
    reject({0xF0, 0x00}, v5, {errc::invalid_reason_code, 1, "MQTT-3.15.2-1"}, client);
    reject({0xF0, 0x02, 0x00, 0x00}, v5, {errc::invalid_reason_code, 2, "MQTT-3.15.2-1"}, client);
}

// ---- bounds ------------------------------------------------------------------------------------------

TEST(DecoderBounds, EveryPrefixOfAValidPacketNeedsMore) {
    const bytes packets[] = {
        raw_builder{}.str("MQTT").byte(5).byte(0xCE).u16(10).bytes(props(raw_builder{}.prop_u32(0x11, 5)))
            .str("cid").bytes(props(raw_builder{}.prop_byte(0x01, 1))).str("w").str("m").str("u").str("p").packet(0x10),
        raw_builder{}.str("a/b").u16(9).bytes(props(raw_builder{}.prop_pair(0x26, "k", "v"))).bytes("payload").packet(0x34),
        raw_builder{}.u16(3).bytes(props(raw_builder{}.prop_varint(0x0B, 200))).str("x/+").byte(1).packet(0x82),
    };
    for (const auto& full : packets) {
        accept(full, v5);
        for (std::size_t n = 0; n < full.size(); ++n) {
            bytes prefix(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n));
            auto r = mc::decode(prefix, v5);
            ASSERT_EQ(r.status, mc::decode_status::need_more) << "prefix " << n;
            if (n >= 2) {
                EXPECT_EQ(r.needed, full.size());
            }
        }
    }
}

TEST(DecoderBounds, DecodesOnlyTheFirstPacket) {
    bytes two{0xC0, 0x00, 0xD0, 0x00};
    auto r = accept(bytes(two.begin(), two.begin() + 2), v311);
    auto first = mc::decode(two, v311);
    ASSERT_TRUE(first.ok());
    EXPECT_EQ(first.consumed, 2u);
    EXPECT_EQ(mc::type_of(first.pkt), mc::packet_type::pingreq);
}

}  // namespace

// 3.15.2.1 lets an AUTH leave out its Reason Code and Property Length when the code is Success and
// there are no properties, but every AUTH must carry the Authentication Method (3.15.2.2.2,
// MQTT-4.12.0-5). The short form and the written-out form hold the same content: one verdict.
TEST(DecoderAuth, ShortAndWrittenOutSuccessShareTheVerdict) {
    for (auto from : {mc::sender::unknown, mc::sender::server}) {
        mc::decode_options o;
        o.sender = from;
        auto short_form = reject({0xF0, 0x00}, v5, {errc::authentication_method_missing, 1, "MQTT-4.12.0-5"}, o);
        auto written_out =
            reject({0xF0, 0x02, 0x00, 0x00}, v5, {errc::authentication_method_missing, 3, "MQTT-4.12.0-5"}, o);
        expect_tier(short_form, error_kind::protocol_error, 0x82);
        expect_tier(written_out, error_kind::protocol_error, 0x82);
    }
    // With the method both forms of Success are valid; only the written-out one can carry it.
    accept(raw_builder{}.byte(0x00).bytes(props(raw_builder{}.prop_str(0x15, "M"))).packet(0xF0), v5,
           from(mc::sender::server));
}
