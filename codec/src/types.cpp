#include "mqttspec/codec/types.hpp"

#include <array>

namespace mqttspec::codec {

std::string_view to_string(protocol_version v) noexcept {
    switch (v) {
        case protocol_version::v3_1: return "3.1";
        case protocol_version::v3_1_1: return "3.1.1";
        case protocol_version::v5: return "5";
    }
    return "unknown";
}

std::optional<protocol_version> parse_protocol_version(std::string_view s) noexcept {
    // Besides the version numbers and protocol levels, mosquitto's spellings (-V 31, mqttv311, ...).
    if (s == "3.1" || s == "3" || s == "31" || s == "mqttv31") return protocol_version::v3_1;
    if (s == "3.1.1" || s == "4" || s == "311" || s == "mqttv311") return protocol_version::v3_1_1;
    if (s == "5" || s == "5.0" || s == "mqttv5") return protocol_version::v5;
    return std::nullopt;
}

namespace {
constexpr std::array<std::string_view, 16> packet_type_names{
    "RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
    "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH"};
}

std::string_view to_string(packet_type t) noexcept {
    auto index = static_cast<std::size_t>(t);
    return index < packet_type_names.size() ? packet_type_names[index] : std::string_view{"UNKNOWN"};
}

std::optional<packet_type> parse_packet_type(std::string_view upper_name) noexcept {
    for (std::size_t i = 0; i < packet_type_names.size(); ++i)
        if (packet_type_names[i] == upper_name) return static_cast<packet_type>(i);
    return std::nullopt;
}

}  // namespace mqttspec::codec
