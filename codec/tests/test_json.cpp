// The JSON mapping (codec/json): shape details the vectors do not reach, and from_json's errors.
#include <gtest/gtest.h>

#include <string>

#include "mqttspec/codec/codec.hpp"
#include "mqttspec/codec/json.hpp"

namespace mc = mqttspec::codec;
using mc::ordered_json;

namespace {

constexpr auto v31 = mc::protocol_version::v3_1;
constexpr auto v311 = mc::protocol_version::v3_1_1;
constexpr auto v5 = mc::protocol_version::v5;

ordered_json J(const char* text) { return ordered_json::parse(text); }

// from_json must fail, naming this path.
void expect_error(const char* json, mc::protocol_version v, const std::string& path) {
    mc::arena store;
    try {
        (void)mc::from_json(J(json), v, store);
        ADD_FAILURE() << "accepted: " << json;
    } catch (const mc::json_packet_error& e) {
        EXPECT_EQ(e.path, path) << e.what();
        EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
    }
}

std::string encode_json(const char* json, mc::protocol_version v) {
    mc::arena store;
    const auto j = J(json);
    return mc::to_hex(mc::encode(mc::from_json(j, v, store), v, mc::encode_options_from_json(j)));
}

TEST(json_from, rejects_what_would_be_silently_lost) {
    expect_error(R"({"qos": 1})", v311, "/type");
    expect_error(R"({"type": 3})", v311, "/type");
    expect_error(R"({"type": "PUBLSH"})", v311, "/type");
    expect_error(R"({"type": "RESERVED"})", v311, "/type");
    expect_error(R"([1, 2])", v311, "/");
    expect_error(R"({"type": "PUBLISH", "topic": "a", "qso": 1})", v311, "/qso");
    expect_error(R"({"type": "PUBLISH", "qos": "1"})", v311, "/qos");
    expect_error(R"({"type": "PUBLISH", "qos": 4})", v311, "/qos");
    expect_error(R"({"type": "PUBLISH", "qos": -1})", v311, "/qos");
    expect_error(R"({"type": "PUBLISH", "qos": 1.5})", v311, "/qos");
    expect_error(R"({"type": "PUBLISH", "retain": 1})", v311, "/retain");
    expect_error(R"({"type": "PUBLISH", "qos": 1, "packet_id": 65536})", v311, "/packet_id");
    expect_error(R"({"type": "PUBLISH", "packet_id": 5})", v311, "/packet_id");  // QoS 0 has none
    expect_error(R"({"type": "PUBLISH", "payload": "a", "payload_hex": "00"})", v311, "/payload");
    expect_error(R"({"type": "PUBLISH", "payload_hex": "0g"})", v311, "/payload_hex");
    expect_error(R"({"type": "PUBLISH", "payload_hex": "000"})", v311, "/payload_hex");
    expect_error(R"({"type": "PUBLISH", "topic": ["a"]})", v311, "/topic");
    expect_error(R"({"type": "CONNECT", "will": {"topic": "t", "qos": 4}})", v311, "/will/qos");
    expect_error(R"({"type": "CONNECT", "will": {"topic": "t", "retained": true}})", v311, "/will/retained");
    expect_error(R"({"type": "CONNECT", "keep_alive": 70000})", v311, "/keep_alive");
    expect_error(R"({"type": "SUBSCRIBE", "packet_id": 1, "subscriptions": [{"filter": "a"}, {"filter": "b", "qos": 9}]})", v311,
                 "/subscriptions/1/qos");
    expect_error(R"({"type": "SUBSCRIBE", "packet_id": 1, "subscriptions": {"filter": "a"}})", v311, "/subscriptions");
    expect_error(R"({"type": "UNSUBSCRIBE", "packet_id": 1, "filters": ["a", 7]})", v311, "/filters/1");
    expect_error(R"({"type": "SUBACK", "packet_id": 1, "reason_codes": [0, 256]})", v311, "/reason_codes/1");
    expect_error(R"({"type": "PUBACK", "packet_id": 1, "wire_form": "long"})", v5, "/wire_form");
    expect_error(R"({"type": "PINGREQ", "packet_id": 1})", v311, "/packet_id");
}

TEST(json_from, rejects_fields_the_version_lacks) {
    expect_error(R"({"type": "PUBLISH", "properties": {}})", v311, "/properties");
    expect_error(R"({"type": "CONNECT", "will": {"topic": "t", "properties": {}}})", v31, "/will/properties");
    expect_error(R"({"type": "PUBACK", "packet_id": 1, "reason_code": 16})", v311, "/reason_code");
    expect_error(R"({"type": "DISCONNECT", "reason_code": 4})", v311, "/reason_code");
    expect_error(R"({"type": "UNSUBACK", "packet_id": 1, "reason_codes": [0]})", v311, "/reason_codes");
    expect_error(R"({"type": "SUBSCRIBE", "packet_id": 1, "subscriptions": [{"filter": "a", "no_local": true}]})", v311,
                 "/subscriptions/0/no_local");
}

TEST(json_from, checks_property_names_types_and_ranges) {
    expect_error(R"({"type": "PUBLISH", "properties": {"topic_alias_": 1}})", v5, "/properties/topic_alias_");
    expect_error(R"({"type": "PUBLISH", "properties": "none"})", v5, "/properties");
    expect_error(R"({"type": "PUBLISH", "properties": {"topic_alias": 65536}})", v5, "/properties/topic_alias");
    expect_error(R"({"type": "PUBLISH", "properties": {"payload_format_indicator": 256}})", v5,
                 "/properties/payload_format_indicator");
    expect_error(R"({"type": "PUBLISH", "properties": {"subscription_identifier": 268435456}})", v5,
                 "/properties/subscription_identifier");
    expect_error(R"({"type": "PUBLISH", "properties": {"subscription_identifier": [1, "2"]}})", v5,
                 "/properties/subscription_identifier/1");
    expect_error(R"({"type": "PUBLISH", "properties": {"content_type": 5}})", v5, "/properties/content_type");
    expect_error(R"({"type": "PUBLISH", "properties": {"correlation_data": "xyz"}})", v5, "/properties/correlation_data");
    expect_error(R"({"type": "PUBLISH", "properties": {"user_property": ["k", "v"]}})", v5, "/properties/user_property/0");
    expect_error(R"({"type": "PUBLISH", "properties": {"user_property": [["k", "v", "w"]]}})", v5, "/properties/user_property/0");
    expect_error(R"({"type": "PUBLISH", "properties": {"user_property": [["k", {"hex": "zz"}]]}})", v5,
                 "/properties/user_property/0/1/hex");
    expect_error(R"({"type": "PUBLISH", "properties": {"response_topic": []}})", v5, "/properties/response_topic");
}

TEST(json_from, missing_fields_take_defaults_and_connect_follows_the_version) {
    EXPECT_EQ(encode_json(R"({"type": "CONNECT"})", v311), "100c00044d5154540402003c0000");
    EXPECT_EQ(encode_json(R"({"type": "CONNECT"})", v5), "100d00044d5154540502003c000000");
    EXPECT_EQ(encode_json(R"({"type": "CONNECT"})", v31), "100e00064d51497364700302003c0000");
    EXPECT_EQ(encode_json(R"({"type": "PUBLISH"})", v311), "30020000");
    EXPECT_EQ(encode_json(R"({"type": "DISCONNECT"})", v5), "e000");
}

TEST(json_from, informational_fields_are_ignored) {
    EXPECT_EQ(encode_json(R"({"type": "PUBACK", "packet_id": 1, "reason_code": 16, "reason_name": "anything"})", v5), "4003000110");
    EXPECT_EQ(encode_json(R"({"type": "SUBACK", "packet_id": 1, "reason_codes": [1], "reason_names": ["x"]})", v5),
              "900400010001");
}

TEST(json_from, wire_form_and_remaining_length_bytes_reproduce_longer_encodings) {
    EXPECT_EQ(encode_json(R"({"type": "PUBACK", "packet_id": 1})", v5), "40020001");
    EXPECT_EQ(encode_json(R"({"type": "PUBACK", "packet_id": 1, "wire_form": "reason_code"})", v5), "4003000100");
    EXPECT_EQ(encode_json(R"({"type": "PUBACK", "packet_id": 1, "wire_form": "reason_code_and_properties"})", v5), "400400010000");
    // A form shorter than the content needs cannot be asked for: the content wins.
    EXPECT_EQ(encode_json(R"({"type": "PUBACK", "packet_id": 1, "reason_code": 16, "wire_form": "shortest"})", v5), "4003000110");
    EXPECT_EQ(encode_json(R"({"type": "DISCONNECT", "wire_form": "reason_code"})", v5), "e00100");
    EXPECT_EQ(encode_json(R"({"type": "PINGREQ", "remaining_length_bytes": 4})", v311), "c080808000");
    EXPECT_EQ(mc::encode_options_from_json(J(R"({"type": "PINGREQ"})")).min_remaining_length_bytes, 1);
    EXPECT_THROW(mc::encode_options_from_json(J(R"({"type": "PINGREQ", "remaining_length_bytes": 5})")), mc::json_packet_error);
    EXPECT_THROW(mc::encode_options_from_json(J(R"({"type": "PINGREQ", "remaining_length_bytes": 0})")), mc::json_packet_error);
}

TEST(json_to, strings_that_json_cannot_hold_become_hex) {
    mc::publish_packet p;
    p.topic = std::string_view("a\xff", 2);  // built to be invalid: a test may send it
    p.payload = std::string_view("\x00\x01", 2);
    auto j = mc::to_json(p, v311);
    EXPECT_EQ(j["topic_hex"], "61ff");
    EXPECT_FALSE(j.contains("topic"));
    EXPECT_EQ(j["payload"], std::string("\x00\x01", 2));  // well-formed UTF-8, U+0000 included
    EXPECT_NO_THROW((void)j.dump());
    mc::arena store;
    EXPECT_TRUE(mc::from_json(j, v311, store) == mc::packet(p));

    mc::unsubscribe_packet u;
    u.packet_id = 1;
    u.filters = {"ok", std::string_view("\xc0\x80", 2)};
    auto ju = mc::to_json(u, v5);
    EXPECT_EQ(ju["filters"][1], J(R"({"hex": "c080"})"));
    EXPECT_TRUE(mc::from_json(ju, v5, store) == mc::packet(u));
}

TEST(json_to, repeated_properties_are_lists_in_wire_order) {
    mc::publish_packet p;
    p.topic = "t";
    p.properties = {{mc::property_id::topic_alias, 1, {}, {}},
                    {mc::property_id::topic_alias, 2, {}, {}},
                    {mc::property_id::user_property, 0, "a", "1"},
                    {mc::property_id::user_property, 0, "a", "2"},
                    {mc::property_id::correlation_data, 0, std::string_view("\x00\xff", 2), {}}};
    auto j = mc::to_json(p, v5);
    EXPECT_EQ(j["properties"], J(R"({"topic_alias": [1, 2], "user_property": [["a", "1"], ["a", "2"]],
                                     "correlation_data": "00ff"})"));
    mc::arena store;
    EXPECT_TRUE(mc::from_json(j, v5, store) == mc::packet(p));
}

TEST(json_to, interleaved_properties_keep_wire_order_as_a_list_of_runs) {
    mc::publish_packet p;
    p.topic = "t";
    p.properties = {{mc::property_id::user_property, 0, "a", "1"},
                    {mc::property_id::user_property, 0, "b", "2"},
                    {mc::property_id::topic_alias, 3, {}, {}},
                    {mc::property_id::user_property, 0, "a", "3"}};
    auto j = mc::to_json(p, v5);
    EXPECT_EQ(j["properties"], J(R"([{"user_property": [["a", "1"], ["b", "2"]]}, {"topic_alias": 3},
                                     {"user_property": [["a", "3"]]}])"));
    mc::arena store;
    const auto back = mc::from_json(ordered_json::parse(j.dump()), v5, store);
    EXPECT_TRUE(back == mc::packet(p));
    EXPECT_EQ(mc::encode(back, v5), mc::encode(p, v5));
    expect_error(R"({"type": "PUBLISH", "properties": [{"topic_alias": 1}, 7]})", v5, "/properties/1");
    expect_error(R"({"type": "PUBLISH", "properties": [{"topic_alias": 1}, {"topic_alias": "x"}]})", v5, "/properties/1/topic_alias");
}

TEST(json_to, version_decides_the_fields) {
    mc::puback_packet a;
    a.packet_id = 9;
    EXPECT_EQ(mc::to_json(a, v311), J(R"({"type": "PUBACK", "packet_id": 9})"));
    EXPECT_EQ(mc::to_json(a, v5), J(R"({"type": "PUBACK", "packet_id": 9, "reason_code": 0, "reason_name": "Success",
                                        "properties": {}})"));
    mc::connack_packet c;
    c.reason_code = 5;
    EXPECT_EQ(mc::to_json(c, v311), J(R"({"type": "CONNACK", "session_present": false, "reason_code": 5})"));
    mc::subscribe_packet s;
    s.packet_id = 2;
    s.subscriptions = {{"a", 1, false, false, 0, 0}};
    s.subscriptions.push_back({"b", 0, true, true, 2, 1});
    EXPECT_EQ(mc::to_json(s, v5)["subscriptions"][1],
              J(R"({"filter": "b", "qos": 0, "no_local": true, "retain_as_published": true, "retain_handling": 2,
                    "reserved_bits": 1})"));
    EXPECT_EQ(mc::to_json(s, v311)["subscriptions"][0], J(R"({"filter": "a", "qos": 1})"));
}

TEST(json_to, errors_have_every_field) {
    const std::uint8_t bad[] = {0x62, 0x02, 0x00, 0x00, 0x00};
    const auto r = mc::decode(std::span(bad, 4), v311);
    ASSERT_EQ(r.status, mc::decode_status::error);
    auto j = mc::to_json(r.error);
    EXPECT_EQ(j["error"], "packet_id_zero");
    EXPECT_EQ(j["kind"], "protocol_error");
    EXPECT_EQ(j["offset"], 2);
    EXPECT_TRUE(j["reason_code"].is_number());
    EXPECT_TRUE(j["statement"].is_string() || j["statement"].is_null());
    EXPECT_FALSE(j["message"].get<std::string>().empty());
    const std::uint8_t flags[] = {0xC1, 0x00};
    EXPECT_EQ(mc::to_json(mc::decode(flags, v311).error)["kind"], "malformed_packet");
}

TEST(json_to, remaining_length_bytes_only_when_longer_than_needed) {
    const std::uint8_t padded[] = {0xC0, 0x80, 0x00};
    auto r = mc::decode(padded, v311);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(mc::to_json(r, v311), J(R"({"type": "PINGREQ", "remaining_length_bytes": 2})"));
    const std::uint8_t plain[] = {0xC0, 0x00};
    EXPECT_EQ(mc::to_json(mc::decode(plain, v311), v311), J(R"({"type": "PINGREQ"})"));
}

}  // namespace
