#include "mqttspec/codec/decoder.hpp"

#include <string>

#include "mqttspec/codec/reason_codes.hpp"
#include "mqttspec/codec/topic.hpp"
#include "mqttspec/codec/utf8.hpp"

namespace mqttspec::codec {

namespace {

using byte_t = std::uint8_t;
using pv = protocol_version;


// Statement IDs differ between 3.1.1 and 5.0; 3.1 has none.
constexpr std::string_view sid(pv v, std::string_view id_311, std::string_view id_50) noexcept {
    return v == pv::v5 ? id_50 : v == pv::v3_1_1 ? id_311 : std::string_view{};
}

// The tier each error belongs to, following MQTT 5.0 section 4.13 and the wording of the rule
// ("is a Malformed Packet" vs "is a Protocol Error"). Call sites override where the text differs.
error_kind default_kind(errc c) noexcept {
    switch (c) {
        case errc::reserved_packet_type:
        case errc::packet_type_not_in_version:
        case errc::invalid_fixed_header_flags:
        case errc::remaining_length_too_long:
        case errc::varint_not_minimal:
        case errc::truncated:
        case errc::field_past_remaining_length:
        case errc::trailing_bytes:
        case errc::wrong_fixed_length:
        case errc::invalid_qos:
        case errc::invalid_utf8:
        case errc::utf8_null_character:
        case errc::utf8_control_character:  // 5.0 1.5.4: "MAY treat it as a Malformed Packet"
        case errc::utf8_noncharacter:
        case errc::connect_reserved_flag:
        case errc::will_flags_without_will:
        case errc::will_qos_invalid:
        case errc::connack_reserved_flags:
        case errc::subscription_options_reserved_bits:
        case errc::property_length_overrun:
        case errc::unknown_property:
        case errc::property_not_allowed:  // 2.2.2.2: an identifier not valid for the packet is malformed
            return error_kind::malformed_packet;
        default:
            return error_kind::protocol_error;
    }
}

std::uint8_t default_reason(errc c, error_kind kind) noexcept {
    switch (c) {
        case errc::packet_too_large: return reason::packet_too_large;
        case errc::topic_name_empty:
        case errc::topic_name_wildcard: return reason::topic_name_invalid;
        case errc::topic_filter_empty:
        case errc::topic_filter_invalid_multilevel:
        case errc::topic_filter_invalid_single_level:
        case errc::shared_subscription_invalid: return reason::topic_filter_invalid;
        case errc::topic_alias_zero: return reason::topic_alias_invalid;
        case errc::payload_format_invalid: return reason::payload_format_invalid;
        case errc::invalid_protocol_name:
        case errc::unsupported_protocol_level: return reason::unsupported_protocol_version;
        default: return kind == error_kind::malformed_packet ? reason::malformed_packet : reason::protocol_error;
    }
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

class parser {
public:
    parser(const byte_t* data, pv version, const decode_options& options) noexcept
        : data_(data), version_(version), options_(options) {}

    decode_error error;

    bool v5() const noexcept { return version_ == pv::v5; }
    std::size_t pos() const noexcept { return pos_; }
    std::size_t end() const noexcept { return end_; }
    void set_bounds(std::size_t pos, std::size_t end) noexcept { pos_ = pos, end_ = end; }

    bool fail(errc code, std::size_t offset, std::string_view statement, std::string message) {
        const auto kind = default_kind(code);
        return fail_as(code, kind, default_reason(code, kind), offset, statement, std::move(message));
    }
    bool fail_as(errc code, error_kind kind, std::uint8_t reason_code, std::size_t offset,
                 std::string_view statement, std::string message) {
        error.code = code;
        error.kind = kind;
        error.reason_code = reason_code;
        error.offset = offset;
        error.statement = statement;
        error.message = std::move(message);
        return false;
    }

    // ---- primitive fields -------------------------------------------------------------------

    bool need(std::size_t n, const char* field) {
        if (end_ - pos_ >= n) return true;
        if (in_properties_)
            return fail(errc::property_length_overrun, pos_, {},
                        std::string(field) + " runs past the end of the property block");
        return fail(errc::field_past_remaining_length, pos_, {},
                    std::string(field) + " runs past the end of the packet's Remaining Length");
    }
    bool read_u8(std::uint8_t& out, const char* field) {
        if (!need(1, field)) return false;
        out = data_[pos_++];
        return true;
    }
    bool read_u16(std::uint16_t& out, const char* field) {
        if (!need(2, field)) return false;
        out = static_cast<std::uint16_t>(data_[pos_] << 8 | data_[pos_ + 1]);
        pos_ += 2;
        return true;
    }
    bool read_u32(std::uint32_t& out, const char* field) {
        if (!need(4, field)) return false;
        out = static_cast<std::uint32_t>(data_[pos_]) << 24 | static_cast<std::uint32_t>(data_[pos_ + 1]) << 16 |
              static_cast<std::uint32_t>(data_[pos_ + 2]) << 8 | data_[pos_ + 3];
        pos_ += 4;
        return true;
    }
    bool read_varint(std::uint32_t& out, const char* field) {
        const std::size_t start = pos_;
        std::uint32_t value = 0;
        for (int i = 0; i < 4; ++i) {
            std::uint8_t b;
            if (!read_u8(b, field)) return false;
            value |= static_cast<std::uint32_t>(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) {
                if (i > 0 && b == 0 && v5() && !options_.allow_non_minimal_varint)
                    return fail(errc::varint_not_minimal, start, "MQTT-1.5.5-1",
                                std::string(field) + " is a Variable Byte Integer not in its shortest form");
                out = value;
                return true;
            }
        }
        return fail(errc::remaining_length_too_long, start, {},
                    std::string(field) + " is a Variable Byte Integer longer than 4 bytes");
    }
    bool read_binary(std::string_view& out, const char* field) {
        std::uint16_t length;
        if (!read_u16(length, field)) return false;
        if (!need(length, field)) {
            error.offset = pos_ - 2;  // blame the length prefix that promised too much
            return false;
        }
        out = std::string_view(reinterpret_cast<const char*>(data_ + pos_), length);
        pos_ += length;
        return true;
    }
    // A UTF-8 Encoded String: length-prefixed, well-formed, no U+0000 (3.1.1 1.5.3, 5.0 1.5.4).
    bool read_utf8(std::string_view& out, const char* field, bool string_pair = false) {
        if (!read_binary(out, field)) return false;
        return check_utf8(out, pos_ - out.size(), field, string_pair);
    }
    bool check_utf8(std::string_view s, std::size_t at, const char* field, bool string_pair = false) {
        utf8_options u{options_.reject_control_characters, options_.reject_noncharacters};
        const auto result = validate_utf8(s, u);
        if (result) return true;
        const std::size_t offset = at + result.offset;
        switch (result.code) {
            case errc::invalid_utf8:
                return fail(result.code, offset,
                            string_pair && v5() ? "MQTT-1.5.7-1" : sid(version_, "MQTT-1.5.3-1", "MQTT-1.5.4-1"),
                            std::string(field) + " is not well-formed UTF-8 at byte " + std::to_string(offset));
            case errc::utf8_null_character:
                return fail(result.code, offset,
                            string_pair && v5() ? "MQTT-1.5.7-1" : sid(version_, "MQTT-1.5.3-2", "MQTT-1.5.4-2"),
                            std::string(field) + " contains U+0000 at byte " + std::to_string(offset));
            case errc::utf8_control_character:
                return fail(result.code, offset, {},
                            std::string(field) + " contains a control character at byte " + std::to_string(offset));
            default:
                return fail(result.code, offset, {},
                            std::string(field) + " contains a Unicode noncharacter at byte " + std::to_string(offset));
        }
    }
    std::string_view rest() noexcept {
        std::string_view s(reinterpret_cast<const char*>(data_ + pos_), end_ - pos_);
        pos_ = end_;
        return s;
    }

    // ---- shared rules ---------------------------------------------------------------------

    bool check_packet_id(std::uint16_t id, std::size_t at, packet_type t) {
        if (id != 0) return true;
        std::string_view statement;
        switch (t) {
            case packet_type::publish:
                statement = sid(version_, "MQTT-2.3.1-1",
                                options_.sender == sender::server ? "MQTT-2.2.1-4" : "MQTT-2.2.1-3");
                break;
            case packet_type::subscribe:
            case packet_type::unsubscribe: statement = sid(version_, "MQTT-2.3.1-1", "MQTT-2.2.1-3"); break;
            case packet_type::puback:
            case packet_type::pubrec:
            case packet_type::pubrel: statement = sid(version_, "MQTT-2.3.1-6", "MQTT-2.2.1-5"); break;
            case packet_type::pubcomp: statement = sid(version_, {}, "MQTT-2.2.1-5"); break;
            default: statement = sid(version_, "MQTT-2.3.1-7", "MQTT-2.2.1-6"); break;
        }
        return fail(errc::packet_id_zero, at, statement,
                    std::string(to_string(t)) + " packet identifier is 0; it must be non-zero");
    }

    // DISCONNECT and AUTH reason codes name who may send them (5.0 tables 3-10 and 3-11).
    static bool sender_may_use(packet_type t, sender from, std::uint8_t code) noexcept {
        if (from == sender::unknown) return true;
        if (t == packet_type::disconnect) {
            if (from == sender::server) return code != 0x04;
            return code == 0x00 || code == 0x04 || (code >= 0x80 && code <= 0x83) || code == 0x90 ||
                   (code >= 0x93 && code <= 0x99);
        }
        if (t == packet_type::auth) return from == sender::server ? code != 0x19 : code != 0x00;
        return true;
    }

    bool check_reason_code(packet_type t, std::uint8_t code, std::size_t at) {
        const bool defined = is_valid_reason_code(t, version_, code);
        if (defined && sender_may_use(t, options_.sender, code)) return true;
        std::string_view statement;
        switch (t) {
            case packet_type::connack: statement = sid(version_, {}, "MQTT-3.2.2-8"); break;
            case packet_type::puback: statement = sid(version_, {}, "MQTT-3.4.2-1"); break;
            case packet_type::pubrec: statement = sid(version_, {}, "MQTT-3.5.2-1"); break;
            case packet_type::pubrel: statement = sid(version_, {}, "MQTT-3.6.2-1"); break;
            case packet_type::pubcomp: statement = sid(version_, {}, "MQTT-3.7.2-1"); break;
            case packet_type::suback: statement = sid(version_, "MQTT-3.9.3-2", "MQTT-3.9.3-2"); break;
            case packet_type::unsuback: statement = sid(version_, {}, "MQTT-3.11.3-2"); break;
            case packet_type::disconnect: statement = sid(version_, {}, "MQTT-3.14.2-1"); break;
            case packet_type::auth: statement = sid(version_, {}, "MQTT-3.15.2-1"); break;
            default: break;
        }
        if (defined)
            return fail(errc::invalid_reason_code, at, statement,
                        std::string(to_string(t)) + " reason code 0x" + hex(code) + " may not be sent by the " +
                            (options_.sender == sender::client ? "client" : "server"));
        return fail(errc::invalid_reason_code, at, statement,
                    std::string(to_string(t)) + (v5() ? " reason code 0x" : " return code 0x") + hex(code) +
                        " is not defined for this packet in MQTT " + std::string(to_string(version_)));
    }

    // A Topic Name field (PUBLISH, will topic): no wildcards; empty only where the caller allows.
    bool check_topic_name(std::string_view topic, std::size_t at, const char* field) {
        const auto result = validate_topic_name(topic);
        if (result) return true;
        if (result.code == errc::topic_name_empty)
            return fail(result.code, at, sid(version_, "MQTT-4.7.3-1", "MQTT-4.7.3-1"),
                        std::string(field) + " is empty");
        const std::size_t offset = at + 2 + result.offset;
        return fail(result.code, offset, sid(version_, "MQTT-3.3.2-2", "MQTT-3.3.2-2"),
                    std::string(field) + " contains the wildcard '" + topic[result.offset] + "' at byte " +
                        std::to_string(offset));
    }

    // `at` is the offset of the filter's length prefix.
    bool check_topic_filter(std::string_view filter, std::size_t at) {
        const auto result = validate_topic_filter(filter, v5());
        if (result) return true;
        const std::size_t offset = at + 2 + result.offset;
        switch (result.code) {
            case errc::topic_filter_empty:
                return fail(result.code, at, sid(version_, "MQTT-4.7.3-1", "MQTT-4.7.3-1"), "topic filter is empty");
            case errc::topic_filter_invalid_multilevel:
                return fail(result.code, offset, sid(version_, "MQTT-4.7.1-2", "MQTT-4.7.1-1"),
                            "topic filter " + quoted(filter) + ": '#' must be alone in the last level");
            case errc::topic_filter_invalid_single_level:
                return fail(result.code, offset, sid(version_, "MQTT-4.7.1-3", "MQTT-4.7.1-2"),
                            "topic filter " + quoted(filter) + ": '+' must fill a whole level");
            default: {
                // Share name missing (4.8.2-1) vs bad characters or no filter after it (4.8.2-2).
                const bool empty_share_name = result.offset == 7 && (filter.size() == 7 || filter[7] == '/');
                return fail(result.code, offset, empty_share_name ? "MQTT-4.8.2-1" : "MQTT-4.8.2-2",
                            "shared subscription " + quoted(filter) +
                                " must be $share/{ShareName}/{filter} with a non-empty ShareName without '/', '+' "
                                "or '#' and a non-empty filter");
            }
        }
    }

    static std::string hex(std::uint8_t b) {
        static constexpr char digits[] = "0123456789abcdef";
        return {digits[b >> 4], digits[b & 0x0F]};
    }

    // ---- properties (5.0 2.2.2) -----------------------------------------------------------

    // `target` is the packet type, or reserved for Will Properties.
    bool read_properties(property_list& out, packet_type target) {
        const bool will = target == packet_type::reserved;
        const std::size_t length_at = pos_;
        std::uint32_t length;
        if (!read_varint(length, "property length")) {
            if (error.code == errc::field_past_remaining_length) error.statement = "MQTT-2.2.2-1";
            return false;
        }
        if (length > end_ - pos_)
            return fail(errc::property_length_overrun, length_at, {},
                        "property length " + std::to_string(length) + " runs past the end of the packet (" +
                            std::to_string(end_ - pos_) + " bytes left)");
        if (length == 0) return true;
        const std::size_t outer_end = end_;
        end_ = pos_ + length;
        in_properties_ = true;
        const bool ok = read_property_entries(out, target, will);
        in_properties_ = false;
        end_ = outer_end;
        return ok;
    }

    bool read_property_entries(property_list& out, packet_type target, bool will) {
        const char* where = will ? "Will Properties" : to_string(target).data();
        std::uint64_t seen = 0;  // every defined identifier is below 64
        std::size_t auth_data_at = 0;
        bool has_auth_method = false;
        while (pos_ < end_) {
            const std::size_t id_at = pos_;
            std::uint32_t id;
            if (!read_varint(id, "property identifier")) return false;
            const property_info* info = id <= 0xFF ? find_property(static_cast<std::uint8_t>(id)) : nullptr;
            if (info == nullptr)
                return fail(errc::unknown_property, id_at, {},
                            "property identifier 0x" + hex(static_cast<std::uint8_t>(id)) + " is not defined by MQTT 5.0");
            const std::uint32_t allowed_bit = will ? will_properties_bit : packet_bit(target);
            if ((info->allowed_in & allowed_bit) == 0)
                return fail(errc::property_not_allowed, id_at, {},
                            std::string(info->name) + " is not allowed in " + where);
            const std::uint64_t bit = std::uint64_t{1} << id;
            const bool repeatable = info->repeatable &&
                                    !(info->id == property_id::subscription_identifier && target != packet_type::publish);
            if ((seen & bit) != 0 && !repeatable)
                return fail(errc::property_repeated, id_at, {},
                            std::string(info->name) + " appears more than once in " + where);
            seen |= bit;

            property p;
            p.id = info->id;
            const std::size_t value_at = pos_;
            const char* name = info->name.data();
            switch (info->type) {
                case property_type::byte: {
                    std::uint8_t b;
                    if (!read_u8(b, name)) return false;
                    p.integer = b;
                    break;
                }
                case property_type::two_byte: {
                    std::uint16_t v;
                    if (!read_u16(v, name)) return false;
                    p.integer = v;
                    break;
                }
                case property_type::four_byte:
                    if (!read_u32(p.integer, name)) return false;
                    break;
                case property_type::varint:
                    if (!read_varint(p.integer, name)) return false;
                    break;
                case property_type::utf8_string:
                    if (!read_utf8(p.data, name)) return false;
                    break;
                case property_type::binary:
                    if (!read_binary(p.data, name)) return false;
                    break;
                case property_type::string_pair:
                    if (!read_utf8(p.data, "user_property name", true)) return false;
                    if (!read_utf8(p.value, "user_property value", true)) return false;
                    break;
            }
            if (!check_property_value(p, *info, target, value_at)) return false;
            if (p.id == property_id::authentication_method) has_auth_method = true;
            if (p.id == property_id::authentication_data) auth_data_at = id_at;
            out.push_back(p);
        }
        if (auth_data_at != 0 && !has_auth_method)
            return fail(errc::authentication_data_without_method, auth_data_at, {},
                        std::string("authentication_data without authentication_method in ") + where);
        return true;
    }

    bool out_of_range(const property& p, std::size_t at, const char* expectation) {
        return fail(errc::property_value_out_of_range, at, {},
                    std::string(find_property(static_cast<std::uint8_t>(p.id))->name) + " is " +
                        std::to_string(p.integer) + "; " + expectation);
    }

    bool check_property_value(const property& p, const property_info& info, packet_type target, std::size_t at) {
        using enum property_id;
        switch (p.id) {
            case payload_format_indicator:
            case request_problem_information:
            case request_response_information:
            case retain_available:
            case wildcard_subscription_available:
            case subscription_identifier_available:
            case shared_subscription_available:
                if (p.integer > 1) return out_of_range(p, at, "it must be 0 or 1");
                break;
            case maximum_qos:
                if (p.integer > 1) return out_of_range(p, at, "it must be 0 or 1");
                break;
            case receive_maximum:
            case maximum_packet_size:
                if (p.integer == 0) return out_of_range(p, at, "0 is not allowed");
                break;
            case topic_alias:
                if (p.integer == 0)
                    return fail(errc::topic_alias_zero, at, "MQTT-3.3.2-8", "topic_alias is 0; aliases start at 1");
                break;
            case subscription_identifier:
                if (p.integer == 0)
                    return fail(errc::subscription_identifier_zero, at, {},
                                "subscription_identifier is 0; it must be 1..268435455");
                // The property may not be there at all: blame its identifier (one byte, before the value).
                if (target == packet_type::publish && options_.sender == sender::client)
                    return fail(errc::subscription_identifier_from_client, at - 1, "MQTT-3.3.4-6",
                                "a PUBLISH sent by a client must not carry a subscription_identifier");
                break;
            case response_topic: {
                const auto result = validate_topic_name(p.data);
                if (result.code == errc::topic_name_empty)
                    return fail(errc::topic_name_empty, at, "MQTT-4.7.3-1", "response_topic is empty");
                if (!result)
                    return fail(errc::response_topic_wildcard, at + 2 + result.offset, "MQTT-3.3.2-14",
                                "response_topic " + quoted(p.data) + " contains a wildcard");
                break;
            }
            case session_expiry_interval:
                if (target == packet_type::disconnect && options_.sender == sender::server)
                    return fail_as(errc::property_not_allowed, error_kind::protocol_error, reason::protocol_error,
                                   at - 1, "MQTT-3.14.2-2",
                                   "a DISCONNECT sent by the server must not carry session_expiry_interval");
                break;
            default: break;
        }
        (void)info;
        return true;
    }

    // Payload Format Indicator = 1 promises UTF-8 (5.0 3.3.2.3.2); a SHOULD-level check.
    bool check_payload_format(const property_list& props, std::string_view payload, std::size_t at) {
        if (!options_.check_payload_format) return true;
        const property* pfi = find(props, property_id::payload_format_indicator);
        if (pfi == nullptr || pfi->integer != 1) return true;
        const auto result = validate_utf8(payload);
        if (result) return true;
        return fail(errc::payload_format_invalid, at + result.offset, {},
                    "payload_format_indicator is 1 but the payload is not valid UTF-8 at byte " +
                        std::to_string(at + result.offset));
    }

private:
    const byte_t* data_;
    pv version_;
    const decode_options& options_;
    std::size_t pos_ = 0;
    std::size_t end_ = 0;
    bool in_properties_ = false;
};

// ---- per-packet bodies ------------------------------------------------------------------------

struct body_context {
    parser& in;
    pv version;
    const decode_options& options;
    std::uint8_t flags;
};

bool decode_connect(body_context& c, connect_packet& p) {
    auto& in = c.in;
    const std::size_t name_at = in.pos();
    if (!in.read_utf8(p.protocol_name, "protocol name")) return false;
    const std::size_t level_at = in.pos();
    if (!in.read_u8(p.protocol_level, "protocol level")) return false;
    if (p.protocol_name != "MQTT" && p.protocol_name != "MQIsdp")
        return in.fail(errc::invalid_protocol_name, name_at, sid(c.version, "MQTT-3.1.2-1", "MQTT-3.1.2-1"),
                       "protocol name " + quoted(p.protocol_name) + " is neither \"MQTT\" nor \"MQIsdp\"");
    const std::uint8_t expected_level = static_cast<std::uint8_t>(c.version);
    const std::string_view expected_name = c.version == pv::v3_1 ? "MQIsdp" : "MQTT";
    if (p.protocol_name != expected_name || p.protocol_level != expected_level)
        return in.fail(errc::unsupported_protocol_level, level_at, sid(c.version, "MQTT-3.1.2-2", "MQTT-3.1.2-2"),
                       "protocol " + quoted(p.protocol_name) + " level " + std::to_string(p.protocol_level) +
                           " does not match MQTT " + std::string(to_string(c.version)) + " (" +
                           quoted(expected_name) + " level " + std::to_string(expected_level) + ")");

    const std::size_t flags_at = in.pos();
    std::uint8_t flags;
    if (!in.read_u8(flags, "connect flags")) return false;
    const bool has_username = flags & 0x80;
    const bool has_password = flags & 0x40;
    const bool will_retain = flags & 0x20;
    const std::uint8_t will_qos = (flags >> 3) & 0x03;
    const bool has_will = flags & 0x04;
    p.clean_start = flags & 0x02;
    p.reserved_flag = flags & 0x01;
    if (p.reserved_flag)
        return in.fail(errc::connect_reserved_flag, flags_at, sid(c.version, "MQTT-3.1.2-3", "MQTT-3.1.2-3"),
                       "CONNECT reserved flag (bit 0 of the connect flags) is 1");
    if (!has_will && will_qos != 0)
        return in.fail(errc::will_flags_without_will, flags_at, sid(c.version, "MQTT-3.1.2-13", "MQTT-3.1.2-11"),
                       "will QoS is " + std::to_string(will_qos) + " but the will flag is 0");
    if (!has_will && will_retain)
        return in.fail(errc::will_flags_without_will, flags_at, sid(c.version, "MQTT-3.1.2-15", "MQTT-3.1.2-13"),
                       "will retain is 1 but the will flag is 0");
    if (has_will && will_qos == 3)
        return in.fail(errc::will_qos_invalid, flags_at, sid(c.version, "MQTT-3.1.2-14", "MQTT-3.1.2-12"),
                       "will QoS is 3");
    if (!in.v5() && has_password && !has_username)
        return in.fail(errc::password_without_username, flags_at, sid(c.version, "MQTT-3.1.2-22", ""),
                       "password flag is 1 but the user name flag is 0");

    if (!in.read_u16(p.keep_alive, "keep alive")) return false;
    if (in.v5() && !in.read_properties(p.properties, packet_type::connect)) return false;
    // A payload field the standard requires (the client identifier, or one the flags announce) that
    // runs past the Remaining Length breaks that requirement: name it.
    const auto required_field_missing = [&](std::string_view statement) {
        if (in.error.code == errc::field_past_remaining_length) in.error.statement = statement;
        return false;
    };
    if (!in.read_utf8(p.client_id, "client identifier"))
        return required_field_missing(sid(c.version, "MQTT-3.1.3-3", "MQTT-3.1.3-3"));
    if (has_will) {
        const auto will_missing = [&] { return required_field_missing(sid(c.version, "MQTT-3.1.2-9", "MQTT-3.1.2-9")); };
        auto& will = p.will.emplace();
        will.qos = will_qos;
        will.retain = will_retain;
        if (in.v5() && !in.read_properties(will.properties, packet_type::reserved)) return will_missing();
        const std::size_t topic_at = in.pos();
        if (!in.read_utf8(will.topic, "will topic")) return will_missing();
        if (!in.check_topic_name(will.topic, topic_at, "will topic")) return false;
        const std::size_t payload_at = in.pos() + 2;
        if (!in.read_binary(will.payload, "will payload")) return will_missing();
        if (!in.check_payload_format(will.properties, will.payload, payload_at)) return false;
    }
    if (has_username && !in.read_utf8(p.username.emplace(), "user name"))
        return required_field_missing(sid(c.version, "MQTT-3.1.2-19", "MQTT-3.1.2-17"));
    if (has_password && !in.read_binary(p.password.emplace(), "password"))
        return required_field_missing(sid(c.version, "MQTT-3.1.2-21", "MQTT-3.1.2-19"));
    return true;
}

bool decode_connack(body_context& c, connack_packet& p) {
    auto& in = c.in;
    const std::size_t flags_at = in.pos();
    std::uint8_t flags;
    if (!in.read_u8(flags, "connect acknowledge flags")) return false;
    // 3.1 has no Session Present: the whole byte is reserved there.
    const std::uint8_t reserved_mask = c.version == pv::v3_1 ? 0xFF : 0xFE;
    if (flags & reserved_mask)
        return in.fail(errc::connack_reserved_flags, flags_at, sid(c.version, "", "MQTT-3.2.2-1"),
                       "CONNACK acknowledge flags 0x" + parser::hex(flags) + " set reserved bits");
    p.session_present = flags & 0x01;
    const std::size_t code_at = in.pos();
    if (!in.read_u8(p.reason_code, c.version == pv::v5 ? "reason code" : "return code")) return false;
    if (!in.check_reason_code(packet_type::connack, p.reason_code, code_at)) return false;
    if (p.session_present && p.reason_code != 0)
        return in.fail(errc::session_present_with_error, flags_at, sid(c.version, "MQTT-3.2.2-4", "MQTT-3.2.2-6"),
                       "session present is 1 with non-zero code 0x" + parser::hex(p.reason_code));
    if (in.v5() && !in.read_properties(p.properties, packet_type::connack)) return false;
    return true;
}

bool decode_publish(body_context& c, publish_packet& p) {
    auto& in = c.in;
    p.dup = c.flags & 0x08;
    p.qos = (c.flags >> 1) & 0x03;
    p.retain = c.flags & 0x01;
    const std::size_t topic_at = in.pos();
    if (!in.read_utf8(p.topic, "topic name")) {
        // The Topic Name MUST be present as the first field (3.1.1 and 5.0 3.3.2.1).
        if (in.error.code == errc::field_past_remaining_length)
            in.error.statement = sid(c.version, "MQTT-3.3.2-1", "MQTT-3.3.2-1");
        return false;
    }
    // 5.0 allows an empty topic when a Topic Alias stands in for it (checked after the properties).
    if (!(in.v5() && p.topic.empty()) && !in.check_topic_name(p.topic, topic_at, "topic name")) return false;
    if (p.qos > 0) {
        const std::size_t id_at = in.pos();
        if (!in.read_u16(p.packet_id, "packet identifier")) return false;
        if (!in.check_packet_id(p.packet_id, id_at, packet_type::publish)) return false;
    }
    if (in.v5()) {
        if (!in.read_properties(p.properties, packet_type::publish)) return false;
        if (p.topic.empty() && find(p.properties, property_id::topic_alias) == nullptr)
            return in.fail(errc::topic_empty_without_alias, topic_at, {},
                           "topic name is empty and there is no topic_alias");
    }
    const std::size_t payload_at = in.pos();
    p.payload = in.rest();
    return in.check_payload_format(p.properties, p.payload, payload_at);
}

// 5.0 acks, DISCONNECT and AUTH may stop after any of: packet id, reason code, properties.
// `form` records the wire form only when it is longer than the canonical one (decoder.hpp: "records a
// longer form it saw"), so encode(decode(bytes)) == bytes and canonical packets compare equal to
// freshly built ones.
template <class Packet>
bool decode_tail(body_context& c, Packet& p, packet_type t) {
    auto& in = c.in;
    const std::size_t left = in.end() - in.pos();
    tail_form wire = tail_form::shortest;
    if (left > 0) {
        const std::size_t code_at = in.pos();
        if (!in.read_u8(p.reason_code, "reason code")) return false;
        if (!in.check_reason_code(t, p.reason_code, code_at)) return false;
        if (left == 1) {
            // Acks and DISCONNECT may stop after the reason code; AUTH may only omit both fields
            // together (5.0 3.15.2.1), so a lone reason code leaves its Property Length missing.
            if (t == packet_type::auth)
                return in.fail(errc::field_past_remaining_length, in.pos(), "MQTT-2.2.2-1",
                               "AUTH has a reason code but no property length");
            wire = tail_form::reason_code;
        } else {
            wire = tail_form::reason_code_and_properties;
            const std::size_t properties_at = in.pos();
            if (!in.read_properties(p.properties, t)) return false;
            if (t == packet_type::auth && find(p.properties, property_id::authentication_method) == nullptr)
                return in.fail(errc::authentication_method_missing, properties_at, "MQTT-4.12.0-5",
                               "AUTH properties lack the authentication_method");
        }
    } else if (t == packet_type::auth) {
        // Remaining Length 0 means Success, which only a server sends (table 3-11).
        if (!in.check_reason_code(t, 0x00, in.pos() - 1)) return false;
        // 3.15.2.1 lets the Reason Code and Property Length be left out when there are no
        // properties, but 3.15.2.2.2 makes a missing Authentication Method a Protocol Error, and an
        // AUTH exists only after a CONNECT with a method (4.12), whose method every AUTH repeats
        // [MQTT-4.12.0-5]. The short form changes the bytes, not the content: f000 and f0020000
        // both lack the method and get the same verdict. Blamed on the Remaining Length of 0.
        return in.fail(errc::authentication_method_missing, in.pos() - 1, "MQTT-4.12.0-5",
                       "AUTH with Remaining Length 0 has no properties, so no authentication_method");
    }
    tail_form canonical = !p.properties.empty() ? tail_form::reason_code_and_properties
                          : p.reason_code != 0  ? tail_form::reason_code
                                                : tail_form::shortest;
    if (t == packet_type::auth && canonical == tail_form::reason_code) canonical = tail_form::reason_code_and_properties;
    p.form = wire == canonical ? tail_form::shortest : wire;
    return true;
}

template <packet_type Type>
bool decode_ack(body_context& c, basic_ack_packet<Type>& p) {
    auto& in = c.in;
    const std::size_t id_at = in.pos();
    if (!in.read_u16(p.packet_id, "packet identifier")) return false;
    if (!in.check_packet_id(p.packet_id, id_at, Type)) return false;
    return !in.v5() || decode_tail(c, p, Type);
}

bool decode_subscribe(body_context& c, subscribe_packet& p) {
    auto& in = c.in;
    const std::size_t id_at = in.pos();
    if (!in.read_u16(p.packet_id, "packet identifier")) return false;
    if (!in.check_packet_id(p.packet_id, id_at, packet_type::subscribe)) return false;
    if (in.v5() && !in.read_properties(p.properties, packet_type::subscribe)) return false;
    if (in.pos() == in.end())
        return in.fail(errc::empty_subscribe_payload, in.pos(), sid(c.version, "MQTT-3.8.3-3", "MQTT-3.8.3-2"),
                       "SUBSCRIBE has no topic filter");
    while (in.pos() < in.end()) {
        auto& s = p.subscriptions.emplace_back();
        const std::size_t filter_at = in.pos();
        if (!in.read_utf8(s.filter, "topic filter")) return false;
        if (!in.check_topic_filter(s.filter, filter_at)) return false;
        const std::size_t options_at = in.pos();
        std::uint8_t options;
        if (!in.read_u8(options, "subscription options")) return false;
        s.qos = options & 0x03;
        if (in.v5()) {
            s.no_local = options & 0x04;
            s.retain_as_published = options & 0x08;
            s.retain_handling = (options >> 4) & 0x03;
            s.reserved_bits = options & 0xC0;
            if (s.reserved_bits)
                return in.fail(errc::subscription_options_reserved_bits, options_at, "MQTT-3.8.3-5",
                               "subscription options 0x" + parser::hex(options) + " set reserved bits 6-7");
            if (s.qos == 3)
                return in.fail_as(errc::invalid_qos, error_kind::protocol_error, reason::protocol_error, options_at,
                                  {}, "subscription maximum QoS is 3");
            if (s.retain_handling == 3)
                return in.fail(errc::retain_handling_invalid, options_at, {}, "retain handling is 3");
            if (s.no_local && is_shared_filter(s.filter))
                return in.fail(errc::shared_subscription_no_local, options_at, "MQTT-3.8.3-4",
                               "no local is set on shared subscription " + quoted(s.filter));
        } else {
            s.reserved_bits = options & 0xFC;
            if (s.reserved_bits)
                return in.fail(errc::subscription_options_reserved_bits, options_at,
                               sid(c.version, "MQTT-3.8.3-4", ""),
                               "requested QoS byte 0x" + parser::hex(options) + " sets reserved bits 2-7");
            if (s.qos == 3)
                return in.fail(errc::invalid_qos, options_at, sid(c.version, "MQTT-3.8.3-4", ""),
                               "requested QoS is 3");
        }
    }
    return true;
}

bool decode_suback(body_context& c, suback_packet& p) {
    auto& in = c.in;
    const std::size_t id_at = in.pos();
    if (!in.read_u16(p.packet_id, "packet identifier")) return false;
    if (!in.check_packet_id(p.packet_id, id_at, packet_type::suback)) return false;
    if (in.v5() && !in.read_properties(p.properties, packet_type::suback)) return false;
    if (in.pos() == in.end())
        return in.fail(errc::empty_suback_payload, in.pos(), sid(c.version, "MQTT-3.8.4-5", "MQTT-3.9.3-2"),
                       "SUBACK has no return/reason code");
    p.reason_codes.reserve(in.end() - in.pos());
    while (in.pos() < in.end()) {
        const std::size_t at = in.pos();
        std::uint8_t code = 0;
        if (!in.read_u8(code, "reason code")) return false;
        if (!in.check_reason_code(packet_type::suback, code, at)) return false;
        p.reason_codes.push_back(code);
    }
    return true;
}

bool decode_unsubscribe(body_context& c, unsubscribe_packet& p) {
    auto& in = c.in;
    const std::size_t id_at = in.pos();
    if (!in.read_u16(p.packet_id, "packet identifier")) return false;
    if (!in.check_packet_id(p.packet_id, id_at, packet_type::unsubscribe)) return false;
    if (in.v5() && !in.read_properties(p.properties, packet_type::unsubscribe)) return false;
    if (in.pos() == in.end())
        return in.fail(errc::empty_unsubscribe_payload, in.pos(), sid(c.version, "MQTT-3.10.3-2", "MQTT-3.10.3-2"),
                       "UNSUBSCRIBE has no topic filter");
    while (in.pos() < in.end()) {
        const std::size_t at = in.pos();
        auto& filter = p.filters.emplace_back();
        if (!in.read_utf8(filter, "topic filter")) return false;
        if (!in.check_topic_filter(filter, at)) return false;
    }
    return true;
}

bool decode_unsuback(body_context& c, unsuback_packet& p) {
    auto& in = c.in;
    const std::size_t id_at = in.pos();
    if (!in.read_u16(p.packet_id, "packet identifier")) return false;
    if (!in.check_packet_id(p.packet_id, id_at, packet_type::unsuback)) return false;
    if (!in.v5()) return true;
    if (!in.read_properties(p.properties, packet_type::unsuback)) return false;
    if (in.pos() == in.end())
        return in.fail(errc::empty_unsuback_payload, in.pos(), "MQTT-3.11.3-2", "UNSUBACK has no reason code");
    p.reason_codes.reserve(in.end() - in.pos());
    while (in.pos() < in.end()) {
        const std::size_t at = in.pos();
        std::uint8_t code = 0;
        if (!in.read_u8(code, "reason code")) return false;
        if (!in.check_reason_code(packet_type::unsuback, code, at)) return false;
        p.reason_codes.push_back(code);
    }
    return true;
}

bool decode_body(body_context& c, packet_type type, packet& out) {
    switch (type) {
        case packet_type::connect: return decode_connect(c, out.emplace<connect_packet>());
        case packet_type::connack: return decode_connack(c, out.emplace<connack_packet>());
        case packet_type::publish: return decode_publish(c, out.emplace<publish_packet>());
        case packet_type::puback: return decode_ack(c, out.emplace<puback_packet>());
        case packet_type::pubrec: return decode_ack(c, out.emplace<pubrec_packet>());
        case packet_type::pubrel: return decode_ack(c, out.emplace<pubrel_packet>());
        case packet_type::pubcomp: return decode_ack(c, out.emplace<pubcomp_packet>());
        case packet_type::subscribe: return decode_subscribe(c, out.emplace<subscribe_packet>());
        case packet_type::suback: return decode_suback(c, out.emplace<suback_packet>());
        case packet_type::unsubscribe: return decode_unsubscribe(c, out.emplace<unsubscribe_packet>());
        case packet_type::unsuback: return decode_unsuback(c, out.emplace<unsuback_packet>());
        case packet_type::pingreq: out.emplace<pingreq_packet>(); return true;
        case packet_type::pingresp: out.emplace<pingresp_packet>(); return true;
        case packet_type::disconnect: {
            auto& p = out.emplace<disconnect_packet>();
            return !c.in.v5() || decode_tail(c, p, packet_type::disconnect);
        }
        case packet_type::auth: return decode_tail(c, out.emplace<auth_packet>(), packet_type::auth);
        case packet_type::reserved: break;
    }
    return false;
}

// Checks that need only the first byte: reported before the rest of the packet arrives.
bool check_first_byte(parser& in, std::uint8_t first, pv version, const decode_options& options) {
    const auto type = static_cast<packet_type>(first >> 4);
    const std::uint8_t flags = first & 0x0F;
    if (type == packet_type::reserved)
        return in.fail(errc::reserved_packet_type, 0, {}, "packet type 0 is reserved");
    if (type == packet_type::auth && version != pv::v5)
        return in.fail(errc::packet_type_not_in_version, 0, {},
                       "AUTH (type 15) does not exist in MQTT " + std::string(to_string(version)));
    const auto name = [type] { return std::string(to_string(type)); };
    if (type == packet_type::publish) {
        const std::uint8_t qos = (flags >> 1) & 0x03;
        if (qos == 3)
            return in.fail(errc::invalid_qos, 0, sid(version, "MQTT-3.3.1-4", "MQTT-3.3.1-4"),
                           "PUBLISH has both QoS bits set");
        if (qos == 0 && (flags & 0x08))
            return in.fail(errc::dup_on_qos0, 0, sid(version, "MQTT-3.3.1-2", "MQTT-3.3.1-2"),
                           "PUBLISH has DUP set with QoS 0");
    } else {
        const bool needs_0010 =
            type == packet_type::pubrel || type == packet_type::subscribe || type == packet_type::unsubscribe;
        const std::uint8_t expected = needs_0010 ? 0x02 : 0x00;
        if (flags != expected) {
            std::string_view statement;
            switch (type) {
                case packet_type::pubrel: statement = sid(version, "MQTT-3.6.1-1", "MQTT-3.6.1-1"); break;
                case packet_type::subscribe: statement = sid(version, "MQTT-3.8.1-1", "MQTT-3.8.1-1"); break;
                case packet_type::unsubscribe: statement = sid(version, "MQTT-3.10.1-1", "MQTT-3.10.1-1"); break;
                case packet_type::disconnect: statement = sid(version, "MQTT-3.14.1-1", "MQTT-3.14.1-1"); break;
                case packet_type::auth: statement = "MQTT-3.15.1-1"; break;
                default: statement = sid(version, "MQTT-2.2.2-1", "MQTT-2.1.3-1"); break;
            }
            return in.fail(errc::invalid_fixed_header_flags, 0, statement,
                           name() + " fixed-header flags are 0x" + parser::hex(flags) + "; they must be 0x" +
                               parser::hex(expected));
        }
    }
    if (options.sender == sender::client &&
        (type == packet_type::connack || type == packet_type::suback || type == packet_type::unsuback ||
         type == packet_type::pingresp))
        return in.fail(errc::packet_not_allowed_from_sender, 0, {}, "a client must not send " + name());
    if (options.sender == sender::server &&
        (type == packet_type::connect || type == packet_type::subscribe || type == packet_type::unsubscribe ||
         type == packet_type::pingreq))
        return in.fail(errc::packet_not_allowed_from_sender, 0, {}, "a server must not send " + name());
    return true;
}

// Remaining Length of packets whose size is fixed by the version.
std::optional<std::uint32_t> fixed_length(packet_type type, pv version) noexcept {
    switch (type) {
        case packet_type::pingreq:
        case packet_type::pingresp: return 0;
        case packet_type::disconnect:
            if (version != pv::v5) return 0;
            return std::nullopt;
        case packet_type::puback:
        case packet_type::pubrec:
        case packet_type::pubrel:
        case packet_type::pubcomp:
        case packet_type::connack:
        case packet_type::unsuback:
            if (version != pv::v5) return 2;
            return std::nullopt;
        default: return std::nullopt;
    }
}

}  // namespace

decode_result decode(std::span<const std::uint8_t> input, protocol_version version, const decode_options& options) {
    decode_result result;
    if (input.empty()) return result;  // need_more, size unknown

    parser in(input.data(), version, options);
    // Every path returns `result` itself so the compiler can construct it in place (no variant move).
    auto mark_failed = [&] {
        result.status = decode_status::error;
        result.error = std::move(in.error);
    };

    const std::uint8_t first = input[0];
    const auto type = static_cast<packet_type>(first >> 4);
    if (!check_first_byte(in, first, version, options)) {
        mark_failed();
        return result;
    }

    // Remaining Length: up to four bytes, read only as far as the input goes.
    std::uint32_t remaining = 0;
    std::size_t length_bytes = 0;
    bool length_complete = false;
    bool length_not_minimal = false;
    while (!length_complete) {
        if (length_bytes == 4) {
            in.fail(errc::remaining_length_too_long, 1, {},
                    "remaining length is a Variable Byte Integer longer than 4 bytes");
            mark_failed();
            return result;
        }
        if (1 + length_bytes >= input.size()) return result;  // need_more, size unknown
        const std::uint8_t b = input[1 + length_bytes];
        remaining |= static_cast<std::uint32_t>(b & 0x7F) << (7 * length_bytes);
        ++length_bytes;
        length_complete = (b & 0x80) == 0;
        length_not_minimal = length_complete && length_bytes > 1 && b == 0;
    }
    const std::size_t header_size = 1 + length_bytes;
    const std::size_t total = header_size + remaining;
    // The size limit is checked before the version-dependent minimality rule: a stream that follows
    // CONNECT may not know the version yet when the header is complete, and its verdict must not
    // depend on how the bytes were chunked (found by fuzz_stream_v31).
    if (total > options.maximum_packet_size) {
        in.fail(errc::packet_too_large, 0, {},
                std::string(to_string(type)) + " of " + std::to_string(total) +
                    " bytes exceeds the maximum packet size " + std::to_string(options.maximum_packet_size));
        mark_failed();
        return result;
    }
    if (length_not_minimal && version == pv::v5 && !options.allow_non_minimal_varint) {
        in.fail(errc::varint_not_minimal, 1, "MQTT-1.5.5-1",
                "remaining length is a Variable Byte Integer not in its shortest form");
        mark_failed();
        return result;
    }
    if (auto expected = fixed_length(type, version); expected && *expected != remaining) {
        in.fail(errc::wrong_fixed_length, 1, {},
                std::string(to_string(type)) + " remaining length is " + std::to_string(remaining) +
                    "; it must be " + std::to_string(*expected) + " in MQTT " + std::string(to_string(version)));
        mark_failed();
        return result;
    }
    if (input.size() < total) {
        result.needed = total;
        return result;
    }

    in.set_bounds(header_size, total);
    body_context context{in, version, options, static_cast<std::uint8_t>(first & 0x0F)};
    if (!decode_body(context, type, result.pkt)) {
        mark_failed();
        return result;
    }
    if (in.pos() != total) {
        in.fail(errc::trailing_bytes, in.pos(), {},
                std::to_string(total - in.pos()) + " byte(s) left inside the remaining length after the last " +
                    std::string(to_string(type)) + " field");
        mark_failed();
        return result;
    }
    result.status = decode_status::ok;
    result.consumed = total;
    result.remaining_length_bytes = static_cast<std::uint8_t>(length_bytes);
    return result;
}

// ---- stream decoder ---------------------------------------------------------------------------

stream_decoder::stream_decoder(protocol_version version, decode_options options)
    : version_(version), options_(options) {}

void stream_decoder::feed(std::span<const std::uint8_t> bytes) {
    if (failed_) return;  // nothing after a framing loss can be trusted
    // Views handed out by the last next() may die here, so this is the moment to compact.
    if (start_ > 0 && start_ * 2 >= buffer_.size()) {
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(start_));
        start_ = 0;
    }
    buffer_.insert(buffer_.end(), bytes.begin(), bytes.end());
}

namespace {
// Version announced by a CONNECT at the start of `bytes`, if enough of it is there to tell.
std::optional<protocol_version> announced_version(std::span<const std::uint8_t> bytes) {
    std::size_t i = 1;
    while (i < bytes.size() && i <= 4 && (bytes[i] & 0x80)) ++i;
    ++i;  // past the last Remaining Length byte
    if (i + 2 > bytes.size()) return std::nullopt;
    const std::size_t name_length = static_cast<std::size_t>(bytes[i] << 8 | bytes[i + 1]);
    i += 2;
    if (i + name_length + 1 > bytes.size()) return std::nullopt;
    std::string_view name(reinterpret_cast<const char*>(bytes.data() + i), name_length);
    const std::uint8_t level = bytes[i + name_length];
    if (name == "MQIsdp" && level == 3) return protocol_version::v3_1;
    if (name == "MQTT" && level == 4) return protocol_version::v3_1_1;
    if (name == "MQTT" && level == 5) return protocol_version::v5;
    return std::nullopt;
}

// True while a CONNECT at the start of `bytes` has not yet shown its protocol name and level (the
// bytes that pick the version) and they would fit in `limit` bytes.
bool announcement_incomplete(std::span<const std::uint8_t> bytes, std::size_t limit) {
    std::size_t i = 1;
    while (i < bytes.size() && i <= 4 && (bytes[i] & 0x80)) ++i;
    ++i;  // past the last Remaining Length byte
    if (i + 2 > bytes.size()) return i + 2 <= limit;
    const std::size_t level_end = i + 2 + static_cast<std::size_t>(bytes[i] << 8 | bytes[i + 1]) + 1;
    return level_end > bytes.size() && level_end <= limit;
}
}  // namespace

decode_result stream_decoder::next() {
    if (failed_) {
        decode_result result;
        result.status = decode_status::error;
        result.error = failure_;
        return result;
    }
    std::span<const std::uint8_t> pending(buffer_.data() + start_, buffer_.size() - start_);
    bool version_pending = false;
    if (follow_connect_ && !pending.empty() && (pending[0] >> 4) == static_cast<std::uint8_t>(packet_type::connect)) {
        if (auto announced = announced_version(pending)) {
            version_ = *announced;
        } else {
            version_pending = announcement_incomplete(pending, options_.maximum_packet_size);
        }
    }
    decode_result result = decode(pending, version_, options_);
    // A CONNECT's own version decides whether its Remaining Length must be minimal (5.0 only): until
    // its protocol level has arrived that error is not yet known, so the stream waits for it and the
    // verdict does not depend on how the bytes were chunked (found by fuzz_stream_v5).
    if (version_pending && result.status == decode_status::error && result.error.code == errc::varint_not_minimal) {
        return decode_result{};  // need_more
    }
    switch (result.status) {
        case decode_status::ok:
            start_ += result.consumed;
            consumed_total_ += result.consumed;
            break;
        case decode_status::need_more: break;  // `needed` counts from the pending packet's first byte
        case decode_status::error:
            result.error.offset += consumed_total_;
            failed_ = true;
            failure_ = result.error;
            break;
    }
    return result;
}

void stream_decoder::reset() {
    buffer_.clear();
    start_ = 0;
    consumed_total_ = 0;
    failed_ = false;
    failure_ = {};
}

}  // namespace mqttspec::codec
