#include "mqttspec/codec/error.hpp"

#include <array>
#include <string>
#include <utility>

namespace mqttspec::codec {

std::string_view to_string(error_kind k) noexcept {
    return k == error_kind::malformed_packet ? "malformed_packet" : "protocol_error";
}

namespace {

// One row per enumerator; to_string and parse_errc both read it so the names cannot drift apart.
constexpr std::pair<errc, std::string_view> errc_names[] = {
    {errc::ok, "ok"},
    {errc::reserved_packet_type, "reserved_packet_type"},
    {errc::packet_type_not_in_version, "packet_type_not_in_version"},
    {errc::invalid_fixed_header_flags, "invalid_fixed_header_flags"},
    {errc::remaining_length_too_long, "remaining_length_too_long"},
    {errc::varint_not_minimal, "varint_not_minimal"},
    {errc::packet_too_large, "packet_too_large"},
    {errc::truncated, "truncated"},
    {errc::trailing_bytes, "trailing_bytes"},
    {errc::wrong_fixed_length, "wrong_fixed_length"},
    {errc::field_past_remaining_length, "field_past_remaining_length"},
    {errc::invalid_qos, "invalid_qos"},
    {errc::dup_on_qos0, "dup_on_qos0"},
    {errc::packet_id_zero, "packet_id_zero"},
    {errc::invalid_utf8, "invalid_utf8"},
    {errc::utf8_null_character, "utf8_null_character"},
    {errc::utf8_control_character, "utf8_control_character"},
    {errc::utf8_noncharacter, "utf8_noncharacter"},
    {errc::topic_name_empty, "topic_name_empty"},
    {errc::topic_name_wildcard, "topic_name_wildcard"},
    {errc::topic_filter_empty, "topic_filter_empty"},
    {errc::topic_filter_invalid_multilevel, "topic_filter_invalid_multilevel"},
    {errc::topic_filter_invalid_single_level, "topic_filter_invalid_single_level"},
    {errc::shared_subscription_invalid, "shared_subscription_invalid"},
    {errc::shared_subscription_no_local, "shared_subscription_no_local"},
    {errc::invalid_reason_code, "invalid_reason_code"},
    {errc::packet_not_allowed_from_sender, "packet_not_allowed_from_sender"},
    {errc::invalid_protocol_name, "invalid_protocol_name"},
    {errc::unsupported_protocol_level, "unsupported_protocol_level"},
    {errc::connect_reserved_flag, "connect_reserved_flag"},
    {errc::will_flags_without_will, "will_flags_without_will"},
    {errc::will_qos_invalid, "will_qos_invalid"},
    {errc::password_without_username, "password_without_username"},
    {errc::connack_reserved_flags, "connack_reserved_flags"},
    {errc::session_present_with_error, "session_present_with_error"},
    {errc::subscription_options_reserved_bits, "subscription_options_reserved_bits"},
    {errc::retain_handling_invalid, "retain_handling_invalid"},
    {errc::empty_subscribe_payload, "empty_subscribe_payload"},
    {errc::empty_unsubscribe_payload, "empty_unsubscribe_payload"},
    {errc::empty_suback_payload, "empty_suback_payload"},
    {errc::empty_unsuback_payload, "empty_unsuback_payload"},
    {errc::property_length_overrun, "property_length_overrun"},
    {errc::unknown_property, "unknown_property"},
    {errc::property_not_allowed, "property_not_allowed"},
    {errc::property_repeated, "property_repeated"},
    {errc::property_value_out_of_range, "property_value_out_of_range"},
    {errc::response_topic_wildcard, "response_topic_wildcard"},
    {errc::authentication_data_without_method, "authentication_data_without_method"},
    {errc::topic_alias_zero, "topic_alias_zero"},
    {errc::topic_empty_without_alias, "topic_empty_without_alias"},
    {errc::subscription_identifier_zero, "subscription_identifier_zero"},
    {errc::subscription_identifier_from_client, "subscription_identifier_from_client"},
    {errc::payload_format_invalid, "payload_format_invalid"},
    {errc::authentication_method_missing, "authentication_method_missing"},
};

class category_impl final : public std::error_category {
public:
    const char* name() const noexcept override { return "mqttspec.codec"; }
    std::string message(int value) const override {
        return std::string(to_string(static_cast<errc>(value)));
    }
};

}  // namespace

std::string_view to_string(errc e) noexcept {
    for (const auto& [code, name] : errc_names)
        if (code == e) return name;
    return "unknown_error";
}

errc parse_errc(std::string_view name) noexcept {
    for (const auto& [code, known] : errc_names)
        if (known == name) return code;
    return errc::ok;
}

const std::error_category& codec_category() noexcept {
    static const category_impl instance;
    return instance;
}

std::error_code make_error_code(errc e) noexcept {
    return {static_cast<int>(e), codec_category()};
}

}  // namespace mqttspec::codec
