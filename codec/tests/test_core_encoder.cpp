// Encoder: canonical bytes for known packets, representable-but-invalid values written as given,
// and encode_error for what a version cannot carry.
#include <gtest/gtest.h>

#include "mqttspec/codec/codec.hpp"

namespace mc = mqttspec::codec;
using bytes = std::vector<std::uint8_t>;
using mc::protocol_version;

namespace {

constexpr auto v31 = protocol_version::v3_1;
constexpr auto v311 = protocol_version::v3_1_1;
constexpr auto v5 = protocol_version::v5;

TEST(Encoder, KnownBytes) {
    mc::connect_packet c;
    c.client_id = "a";
    c.keep_alive = 10;
    EXPECT_EQ(mc::to_hex(mc::encode(c, v311)), "100d00044d5154540402000a000161");
    c.protocol_level = 5;
    EXPECT_EQ(mc::to_hex(mc::encode(c, v5)), "100e00044d5154540502000a00000161");
    mc::publish_packet p;
    p.topic = "t";
    p.payload = "x";
    EXPECT_EQ(mc::to_hex(mc::encode(p, v311)), "30040001747" "8");
    EXPECT_EQ(mc::to_hex(mc::encode(p, v5)), "3005000174007" "8");
    mc::pubrel_packet rel;
    rel.packet_id = 5;
    EXPECT_EQ(mc::to_hex(mc::encode(rel, v311)), "62020005");
    EXPECT_EQ(mc::to_hex(mc::encode(mc::pingreq_packet{}, v31)), "c000");
    EXPECT_EQ(mc::to_hex(mc::encode(mc::disconnect_packet{}, v5)), "e000");
    mc::disconnect_packet d;
    d.reason_code = 0x8E;
    EXPECT_EQ(mc::to_hex(mc::encode(d, v5)), "e0018e");
    mc::auth_packet a;
    a.reason_code = 0x18;
    EXPECT_EQ(mc::to_hex(mc::encode(a, v5)), "f0021800");  // AUTH has no reason-only form
    a.form = mc::tail_form::reason_code;
    EXPECT_EQ(mc::to_hex(mc::encode(a, v5)), "f0021800");
}

TEST(Encoder, WritesInvalidButRepresentableValues) {
    mc::publish_packet p;
    p.topic = "a/#";
    p.qos = 3;
    p.dup = true;
    p.packet_id = 0;
    auto b = mc::encode(p, v311);
    EXPECT_EQ(b.front(), 0x3E);
    auto r = mc::decode(b, v311);
    EXPECT_EQ(r.error.code, mc::errc::invalid_qos);
    mc::suback_packet s;
    s.packet_id = 0;
    s.reason_codes = {0x03};
    EXPECT_EQ(mc::to_hex(mc::encode(s, v311)), "9003000003");
    mc::subscribe_packet sub;
    sub.packet_id = 1;
    sub.subscriptions.push_back({"a", 1, false, false, 0, 0xC0});
    EXPECT_EQ(mc::to_hex(mc::encode(sub, v5)), "82070001000001" "61c1");
    sub.subscriptions[0].reserved_bits = 0xFC;
    EXPECT_EQ(mc::to_hex(mc::encode(sub, v311)), "8206000100016" "1fd");
    mc::connect_packet c;
    c.reserved_flag = true;
    c.protocol_name = "XYZ";
    c.protocol_level = 9;
    EXPECT_EQ(mc::decode(mc::encode(c, v311), v311).error.code, mc::errc::invalid_protocol_name);
}

TEST(Encoder, RemainingLengthWidth) {
    mc::encode_options o;
    o.min_remaining_length_bytes = 4;
    EXPECT_EQ(mc::to_hex(mc::encode(mc::pingresp_packet{}, v311, o)), "d080808000");
    EXPECT_EQ(mc::encoded_size(mc::pingresp_packet{}, v311, o), 5u);
    o.min_remaining_length_bytes = 5;
    EXPECT_THROW(mc::encode(mc::pingresp_packet{}, v311, o), mc::encode_error);
}

TEST(Encoder, RefusesWhatTheVersionCannotCarry) {
    mc::property_list one{{mc::property_id::user_property, 0, "k", "v"}};
    mc::publish_packet p;
    p.topic = "t";
    p.properties = one;
    EXPECT_THROW(mc::encode(p, v311), mc::encode_error);
    EXPECT_NO_THROW(mc::encode(p, v5));
    mc::puback_packet ack;
    ack.packet_id = 1;
    ack.reason_code = 0x10;
    EXPECT_THROW(mc::encode(ack, v311), mc::encode_error);
    ack.reason_code = 0;
    EXPECT_NO_THROW(mc::encode(ack, v311));  // a 3.x ack with reason 0 and no properties is fine
    ack.properties = one;
    EXPECT_THROW(mc::encode(ack, v31), mc::encode_error);
    EXPECT_THROW(mc::encode(mc::auth_packet{}, v311), mc::encode_error);
    EXPECT_THROW(mc::encoded_size(mc::auth_packet{}, v31), mc::encode_error);
    mc::disconnect_packet d;
    d.reason_code = 0x04;
    EXPECT_THROW(mc::encode(d, v311), mc::encode_error);
    mc::unsuback_packet u;
    u.packet_id = 1;
    u.reason_codes = {0};
    EXPECT_THROW(mc::encode(u, v311), mc::encode_error);
    mc::connect_packet c;
    c.will = mc::will_message{"t", "m", 0, false, one};
    EXPECT_THROW(mc::encode(c, v311), mc::encode_error);
    mc::subscribe_packet s;
    s.packet_id = 1;
    s.subscriptions.push_back({"a", 0, true, false, 0, 0});
    EXPECT_THROW(mc::encode(s, v311), mc::encode_error);
    EXPECT_NO_THROW(mc::encode(s, v5));
    s.subscriptions[0] = {"a", 4, false, false, 0, 0};
    EXPECT_THROW(mc::encode(s, v5), mc::encode_error);
    mc::publish_packet qos0_with_id;
    qos0_with_id.topic = "t";
    qos0_with_id.packet_id = 3;
    EXPECT_THROW(mc::encode(qos0_with_id, v311), mc::encode_error);
}

TEST(Encoder, RefusesOversizedFields) {
    const std::string big(65'536, 'x');
    mc::publish_packet p;
    p.topic = big;
    EXPECT_THROW(mc::encode(p, v311), mc::encode_error);
    p.topic = std::string_view(big).substr(0, 65'535);
    EXPECT_NO_THROW(mc::encode(p, v311));
    mc::connect_packet c;
    c.password = big;
    EXPECT_THROW(mc::encode(c, v311), mc::encode_error);
    mc::puback_packet ack;
    ack.packet_id = 1;
    ack.properties = {{mc::property_id::reason_string, 0, big, {}}};
    EXPECT_THROW(mc::encode(ack, v5), mc::encode_error);
    ack.properties = {{mc::property_id::receive_maximum, 70'000, {}, {}}};
    EXPECT_THROW(mc::encode(ack, v5), mc::encode_error);
    ack.properties = {{mc::property_id::payload_format_indicator, 256, {}, {}}};
    EXPECT_THROW(mc::encode(ack, v5), mc::encode_error);
    ack.properties = {{mc::property_id::subscription_identifier, 268'435'456, {}, {}}};
    EXPECT_THROW(mc::encode(ack, v5), mc::encode_error);
    ack.properties = {{static_cast<mc::property_id>(0x05), 0, {}, {}}};
    EXPECT_THROW(mc::encode(ack, v5), mc::encode_error);
}

TEST(Encoder, RemainingLengthLimit) {
    // 268435455 is the largest remaining length; a payload that pushes past it is refused.
    const std::string payload(268'435'455 - 3, 'x');
    mc::publish_packet p;
    p.topic = "t";
    p.payload = payload;
    EXPECT_EQ(mc::encoded_size(p, v311), 1u + 4u + 268'435'455u);
    p.topic = "tt";
    EXPECT_THROW(mc::encoded_size(p, v311), mc::encode_error);
}

TEST(Encoder, AppendsAndLeavesNothingBehindOnError) {
    bytes out{0xAA};
    mc::encode(mc::pingreq_packet{}, v311, out);
    EXPECT_EQ(out, (bytes{0xAA, 0xC0, 0x00}));
    mc::publish_packet bad;
    bad.topic = "t";
    bad.properties = {{mc::property_id::user_property, 0, "k", "v"}};
    EXPECT_THROW(mc::encode(bad, v311, out), mc::encode_error);
    EXPECT_EQ(out, (bytes{0xAA, 0xC0, 0x00}));
}

}  // namespace
