#include "mqttspec/codec/properties.hpp"

#include <array>

namespace mqttspec::codec {

namespace {

constexpr std::uint32_t bit(packet_type t) noexcept { return packet_bit(t); }

constexpr std::uint32_t connect = bit(packet_type::connect);
constexpr std::uint32_t connack = bit(packet_type::connack);
constexpr std::uint32_t publish = bit(packet_type::publish);
constexpr std::uint32_t puback = bit(packet_type::puback);
constexpr std::uint32_t pubrec = bit(packet_type::pubrec);
constexpr std::uint32_t pubrel = bit(packet_type::pubrel);
constexpr std::uint32_t pubcomp = bit(packet_type::pubcomp);
constexpr std::uint32_t subscribe = bit(packet_type::subscribe);
constexpr std::uint32_t suback = bit(packet_type::suback);
constexpr std::uint32_t unsubscribe = bit(packet_type::unsubscribe);
constexpr std::uint32_t unsuback = bit(packet_type::unsuback);
constexpr std::uint32_t disconnect = bit(packet_type::disconnect);
constexpr std::uint32_t auth = bit(packet_type::auth);
constexpr std::uint32_t will = will_properties_bit;

using enum property_id;
using enum property_type;

// MQTT 5.0 section 2.2.2.2, table "Properties", in identifier order.
constexpr std::array<property_info, 27> table{{
    {payload_format_indicator, "payload_format_indicator", byte, publish | will, false},
    {message_expiry_interval, "message_expiry_interval", four_byte, publish | will, false},
    {content_type, "content_type", utf8_string, publish | will, false},
    {response_topic, "response_topic", utf8_string, publish | will, false},
    {correlation_data, "correlation_data", binary, publish | will, false},
    // Repeatable in PUBLISH only; the decoder rejects a second one in SUBSCRIBE.
    {subscription_identifier, "subscription_identifier", varint, publish | subscribe, true},
    {session_expiry_interval, "session_expiry_interval", four_byte, connect | connack | disconnect, false},
    {assigned_client_identifier, "assigned_client_identifier", utf8_string, connack, false},
    {server_keep_alive, "server_keep_alive", two_byte, connack, false},
    {authentication_method, "authentication_method", utf8_string, connect | connack | auth, false},
    {authentication_data, "authentication_data", binary, connect | connack | auth, false},
    {request_problem_information, "request_problem_information", byte, connect, false},
    {will_delay_interval, "will_delay_interval", four_byte, will, false},
    {request_response_information, "request_response_information", byte, connect, false},
    {response_information, "response_information", utf8_string, connack, false},
    {server_reference, "server_reference", utf8_string, connack | disconnect, false},
    {reason_string, "reason_string", utf8_string,
     connack | puback | pubrec | pubrel | pubcomp | suback | unsuback | disconnect | auth, false},
    {receive_maximum, "receive_maximum", two_byte, connect | connack, false},
    {topic_alias_maximum, "topic_alias_maximum", two_byte, connect | connack, false},
    {topic_alias, "topic_alias", two_byte, publish, false},
    {maximum_qos, "maximum_qos", byte, connack, false},
    {retain_available, "retain_available", byte, connack, false},
    {user_property, "user_property", string_pair,
     connect | connack | publish | will | puback | pubrec | pubrel | pubcomp | subscribe | suback |
         unsubscribe | unsuback | disconnect | auth,
     true},
    {maximum_packet_size, "maximum_packet_size", four_byte, connect | connack, false},
    {wildcard_subscription_available, "wildcard_subscription_available", byte, connack, false},
    {subscription_identifier_available, "subscription_identifier_available", byte, connack, false},
    {shared_subscription_available, "shared_subscription_available", byte, connack, false},
}};

// Direct lookup by identifier byte: decoding touches this for every property.
constexpr std::array<std::int8_t, 256> make_index() {
    std::array<std::int8_t, 256> index{};
    for (auto& slot : index) slot = -1;
    for (std::size_t i = 0; i < table.size(); ++i)
        index[static_cast<std::uint8_t>(table[i].id)] = static_cast<std::int8_t>(i);
    return index;
}
constexpr auto index_by_id = make_index();

}  // namespace

const property_info* find_property(std::uint8_t id) noexcept {
    auto slot = index_by_id[id];
    return slot < 0 ? nullptr : &table[static_cast<std::size_t>(slot)];
}

const property_info* find_property(std::string_view name) noexcept {
    for (const auto& info : table)
        if (info.name == name) return &info;
    return nullptr;
}

std::span<const property_info> all_properties() noexcept { return table; }

const property* find(const property_list& props, property_id id) noexcept {
    for (const auto& p : props)
        if (p.id == id) return &p;
    return nullptr;
}

}  // namespace mqttspec::codec
