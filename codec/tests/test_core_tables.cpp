// Property table (5.0 2.2.2.2), reason codes, error names, version and type names.
#include <gtest/gtest.h>

#include <set>

#include "mqttspec/codec/error.hpp"
#include "mqttspec/codec/properties.hpp"
#include "mqttspec/codec/reason_codes.hpp"
#include "mqttspec/codec/types.hpp"

namespace mc = mqttspec::codec;
using mc::packet_type;
using mc::property_id;
using mc::protocol_version;

namespace {

bool allowed(property_id id, packet_type t) {
    return (mc::find_property(static_cast<std::uint8_t>(id))->allowed_in & mc::packet_bit(t)) != 0;
}
bool allowed_in_will(property_id id) {
    return (mc::find_property(static_cast<std::uint8_t>(id))->allowed_in & mc::will_properties_bit) != 0;
}

TEST(Properties, TableHasAll27InIdentifierOrder) {
    auto all = mc::all_properties();
    ASSERT_EQ(all.size(), 27u);
    std::set<std::string_view> names;
    for (std::size_t i = 0; i < all.size(); ++i) {
        if (i > 0) {
            EXPECT_LT(static_cast<int>(all[i - 1].id), static_cast<int>(all[i].id));
        }
        EXPECT_EQ(mc::find_property(static_cast<std::uint8_t>(all[i].id)), &all[i]);
        EXPECT_EQ(mc::find_property(all[i].name), &all[i]);
        names.insert(all[i].name);
        EXPECT_NE(all[i].allowed_in, 0u);
    }
    EXPECT_EQ(names.size(), 27u);
    int defined = 0;
    for (int id = 0; id < 256; ++id) defined += mc::find_property(static_cast<std::uint8_t>(id)) != nullptr;
    EXPECT_EQ(defined, 27);
    EXPECT_EQ(mc::find_property(std::uint8_t{0x00}), nullptr);
    EXPECT_EQ(mc::find_property(std::uint8_t{0x04}), nullptr);
    EXPECT_EQ(mc::find_property(std::uint8_t{0x2B}), nullptr);
    EXPECT_EQ(mc::find_property("no_such_property"), nullptr);
}

TEST(Properties, ValueTypesMatchTheSpec) {
    auto type_of = [](property_id id) { return mc::find_property(static_cast<std::uint8_t>(id))->type; };
    EXPECT_EQ(type_of(property_id::payload_format_indicator), mc::property_type::byte);
    EXPECT_EQ(type_of(property_id::message_expiry_interval), mc::property_type::four_byte);
    EXPECT_EQ(type_of(property_id::correlation_data), mc::property_type::binary);
    EXPECT_EQ(type_of(property_id::subscription_identifier), mc::property_type::varint);
    EXPECT_EQ(type_of(property_id::server_keep_alive), mc::property_type::two_byte);
    EXPECT_EQ(type_of(property_id::authentication_data), mc::property_type::binary);
    EXPECT_EQ(type_of(property_id::topic_alias), mc::property_type::two_byte);
    EXPECT_EQ(type_of(property_id::user_property), mc::property_type::string_pair);
    EXPECT_EQ(type_of(property_id::maximum_packet_size), mc::property_type::four_byte);
    EXPECT_EQ(type_of(property_id::reason_string), mc::property_type::utf8_string);
}

TEST(Properties, WhereEachMayAppearSpotChecks) {
    EXPECT_TRUE(allowed(property_id::payload_format_indicator, packet_type::publish));
    EXPECT_TRUE(allowed_in_will(property_id::payload_format_indicator));
    EXPECT_FALSE(allowed(property_id::payload_format_indicator, packet_type::connect));
    EXPECT_TRUE(allowed_in_will(property_id::will_delay_interval));
    EXPECT_FALSE(allowed(property_id::will_delay_interval, packet_type::connect));
    EXPECT_FALSE(allowed(property_id::will_delay_interval, packet_type::publish));
    EXPECT_TRUE(allowed(property_id::subscription_identifier, packet_type::subscribe));
    EXPECT_FALSE(allowed_in_will(property_id::subscription_identifier));
    EXPECT_TRUE(allowed(property_id::session_expiry_interval, packet_type::disconnect));
    EXPECT_FALSE(allowed(property_id::session_expiry_interval, packet_type::publish));
    EXPECT_TRUE(allowed(property_id::assigned_client_identifier, packet_type::connack));
    EXPECT_FALSE(allowed(property_id::assigned_client_identifier, packet_type::connect));
    EXPECT_TRUE(allowed(property_id::authentication_method, packet_type::auth));
    EXPECT_FALSE(allowed(property_id::authentication_method, packet_type::disconnect));
    EXPECT_TRUE(allowed(property_id::server_reference, packet_type::disconnect));
    EXPECT_FALSE(allowed(property_id::reason_string, packet_type::connect));
    EXPECT_FALSE(allowed(property_id::reason_string, packet_type::publish));
    EXPECT_TRUE(allowed(property_id::reason_string, packet_type::auth));
    EXPECT_TRUE(allowed(property_id::receive_maximum, packet_type::connect));
    EXPECT_FALSE(allowed(property_id::maximum_qos, packet_type::connect));
    EXPECT_FALSE(allowed(property_id::topic_alias, packet_type::connect));
    EXPECT_FALSE(allowed_in_will(property_id::topic_alias));
    for (auto t : {packet_type::connect, packet_type::connack, packet_type::publish, packet_type::puback,
                   packet_type::pubrec, packet_type::pubrel, packet_type::pubcomp, packet_type::subscribe,
                   packet_type::suback, packet_type::unsubscribe, packet_type::unsuback, packet_type::disconnect,
                   packet_type::auth})
        EXPECT_TRUE(allowed(property_id::user_property, t)) << mc::to_string(t);
    EXPECT_TRUE(allowed_in_will(property_id::user_property));
    for (auto t : {packet_type::pingreq, packet_type::pingresp})
        for (const auto& info : mc::all_properties()) EXPECT_FALSE(info.allowed_in & mc::packet_bit(t));
}

TEST(Properties, OnlyUserPropertyAndSubscriptionIdentifierRepeat) {
    for (const auto& info : mc::all_properties()) {
        const bool expected =
            info.id == property_id::user_property || info.id == property_id::subscription_identifier;
        EXPECT_EQ(info.repeatable, expected) << info.name;
    }
}

TEST(Properties, FindInList) {
    mc::property_list props{{property_id::user_property, 0, "a", "b"}, {property_id::topic_alias, 4, {}, {}},
                            {property_id::user_property, 0, "c", "d"}};
    ASSERT_NE(mc::find(props, property_id::user_property), nullptr);
    EXPECT_EQ(mc::find(props, property_id::user_property)->data, "a");
    EXPECT_EQ(mc::find(props, property_id::topic_alias)->integer, 4u);
    EXPECT_EQ(mc::find(props, property_id::content_type), nullptr);
}

TEST(ReasonCodes, ThreeXReturnCodes) {
    for (int code = 0; code < 256; ++code) {
        auto c = static_cast<std::uint8_t>(code);
        EXPECT_EQ(mc::is_valid_reason_code(packet_type::connack, protocol_version::v3_1_1, c), code <= 5);
        EXPECT_EQ(mc::is_valid_reason_code(packet_type::connack, protocol_version::v3_1, c), code <= 5);
        EXPECT_EQ(mc::is_valid_reason_code(packet_type::suback, protocol_version::v3_1_1, c),
                  code <= 2 || code == 0x80);
        EXPECT_EQ(mc::is_valid_reason_code(packet_type::suback, protocol_version::v3_1, c), code <= 2);
    }
    EXPECT_EQ(mc::reason_code_name(packet_type::connack, protocol_version::v3_1_1, 5),
              "Connection Refused, not authorized");
    EXPECT_EQ(mc::reason_code_name(packet_type::suback, protocol_version::v3_1_1, 0x80), "Failure");
    EXPECT_EQ(mc::reason_code_name(packet_type::connack, protocol_version::v3_1_1, 6), "");
}

TEST(ReasonCodes, FiveZeroTablesCounts) {
    auto count = [](packet_type t) {
        int n = 0;
        for (int code = 0; code < 256; ++code)
            n += mc::is_valid_reason_code(t, protocol_version::v5, static_cast<std::uint8_t>(code));
        return n;
    };
    EXPECT_EQ(count(packet_type::connack), 22);
    EXPECT_EQ(count(packet_type::puback), 9);
    EXPECT_EQ(count(packet_type::pubrec), 9);
    EXPECT_EQ(count(packet_type::pubrel), 2);
    EXPECT_EQ(count(packet_type::pubcomp), 2);
    EXPECT_EQ(count(packet_type::suback), 12);
    EXPECT_EQ(count(packet_type::unsuback), 7);
    EXPECT_EQ(count(packet_type::disconnect), 29);
    EXPECT_EQ(count(packet_type::auth), 3);
    EXPECT_EQ(count(packet_type::publish), 0);
}

TEST(ReasonCodes, FiveZeroSpotChecksAndNames) {
    using v = protocol_version;
    EXPECT_TRUE(mc::is_valid_reason_code(packet_type::connack, v::v5, 0x84));
    EXPECT_FALSE(mc::is_valid_reason_code(packet_type::connack, v::v5, 0x8B));
    EXPECT_TRUE(mc::is_valid_reason_code(packet_type::disconnect, v::v5, 0x04));
    EXPECT_FALSE(mc::is_valid_reason_code(packet_type::disconnect, v::v5, 0x84));
    EXPECT_TRUE(mc::is_valid_reason_code(packet_type::puback, v::v5, 0x10));
    EXPECT_FALSE(mc::is_valid_reason_code(packet_type::pubrel, v::v5, 0x10));
    EXPECT_TRUE(mc::is_valid_reason_code(packet_type::suback, v::v5, 0xA2));
    EXPECT_TRUE(mc::is_valid_reason_code(packet_type::unsuback, v::v5, 0x11));
    EXPECT_FALSE(mc::is_valid_reason_code(packet_type::unsuback, v::v5, 0x10));
    EXPECT_EQ(mc::reason_code_name(packet_type::disconnect, v::v5, 0x00), "Normal disconnection");
    EXPECT_EQ(mc::reason_code_name(packet_type::suback, v::v5, 0x00), "Granted QoS 0");
    EXPECT_EQ(mc::reason_code_name(packet_type::puback, v::v5, 0x00), "Success");
    EXPECT_EQ(mc::reason_code_name(packet_type::connack, v::v5, 0x87), "Not authorized");
    EXPECT_EQ(mc::reason_code_name(packet_type::auth, v::v5, 0x19), "Re-authenticate");
    EXPECT_EQ(mc::reason_code_name(packet_type::auth, v::v5, 0x87), "");
}

TEST(ErrorNames, EveryCodeHasAUniqueNameThatParsesBack) {
    std::set<std::string_view> seen;
    const int ranges[][2] = {{1, 10}, {100, 115}, {200, 207}, {300, 305}, {400, 412}};
    for (const auto& range : ranges)
        for (int value = range[0]; value <= range[1]; ++value) {
            auto code = static_cast<mc::errc>(value);
            auto name = mc::to_string(code);
            EXPECT_NE(name, "unknown_error") << value;
            EXPECT_TRUE(seen.insert(name).second) << name;
            EXPECT_EQ(mc::parse_errc(name), code) << name;
        }
    EXPECT_EQ(mc::to_string(static_cast<mc::errc>(11)), "unknown_error");
    EXPECT_EQ(mc::to_string(static_cast<mc::errc>(413)), "unknown_error");
    EXPECT_EQ(mc::parse_errc("nonsense"), mc::errc::ok);
    std::error_code ec = mc::errc::packet_id_zero;
    EXPECT_EQ(ec.category().name(), std::string("mqttspec.codec"));
    EXPECT_EQ(ec.message(), "packet_id_zero");
    EXPECT_EQ(mc::to_string(mc::error_kind::malformed_packet), "malformed_packet");
}

TEST(Types, VersionAndPacketTypeNames) {
    EXPECT_EQ(mc::to_string(protocol_version::v3_1), "3.1");
    EXPECT_EQ(mc::to_string(protocol_version::v3_1_1), "3.1.1");
    EXPECT_EQ(mc::to_string(protocol_version::v5), "5");
    EXPECT_EQ(mc::parse_protocol_version("3"), protocol_version::v3_1);
    EXPECT_EQ(mc::parse_protocol_version("4"), protocol_version::v3_1_1);
    EXPECT_EQ(mc::parse_protocol_version("5.0"), protocol_version::v5);
    EXPECT_FALSE(mc::parse_protocol_version("6"));
    EXPECT_FALSE(mc::parse_protocol_version(""));
    for (int t = 0; t < 16; ++t) {
        auto type = static_cast<packet_type>(t);
        EXPECT_EQ(mc::parse_packet_type(mc::to_string(type)), type);
    }
    EXPECT_EQ(mc::to_string(packet_type::unsubscribe), "UNSUBSCRIBE");
    EXPECT_FALSE(mc::parse_packet_type("publish"));
}

}  // namespace
