#include "mqttspec/codec/encoder.hpp"

#include <string>

namespace mqttspec::codec {

namespace {

constexpr std::uint32_t max_varint = 268'435'455;
constexpr std::size_t max_string = 65'535;

[[noreturn]] void unrepresentable(const std::string& what) { throw encode_error(what); }

// Every field goes through a sink twice: once counting (so lengths are known before writing),
// once writing. One set of field functions serves both, so size and bytes cannot disagree.
struct counting_sink {
    std::size_t size = 0;
    void u8(std::uint8_t) { size += 1; }
    void u16(std::uint16_t) { size += 2; }
    void u32(std::uint32_t) { size += 4; }
    void varint(std::uint32_t v, std::uint8_t min_bytes = 1) {
        auto n = varint_size(v);
        size += n < min_bytes ? min_bytes : n;
    }
    void raw(std::string_view s) { size += s.size(); }
};

struct writing_sink {
    std::vector<std::uint8_t>& out;
    void u8(std::uint8_t b) { out.push_back(b); }
    void u16(std::uint16_t v) {
        out.push_back(static_cast<std::uint8_t>(v >> 8));
        out.push_back(static_cast<std::uint8_t>(v));
    }
    void u32(std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<std::uint8_t>(v >> shift));
    }
    void varint(std::uint32_t v, std::uint8_t min_bytes = 1) { put_varint(out, v, min_bytes); }
    void raw(std::string_view s) { out.insert(out.end(), s.begin(), s.end()); }
};

template <class Sink>
void put_string(Sink& sink, std::string_view s, const char* field) {
    if (s.size() > max_string)
        unrepresentable(std::string(field) + " is " + std::to_string(s.size()) +
                        " bytes; a length-prefixed field holds at most 65535");
    sink.u16(static_cast<std::uint16_t>(s.size()));
    sink.raw(s);
}

template <class Sink>
void put_property_entries(Sink& sink, const property_list& props) {
    for (const auto& p : props) {
        const property_info* info = find_property(static_cast<std::uint8_t>(p.id));
        if (info == nullptr)
            unrepresentable("property identifier " + std::to_string(static_cast<unsigned>(p.id)) +
                            " is not defined by MQTT 5.0, so its value type is unknown");
        const std::string name(info->name);
        sink.u8(static_cast<std::uint8_t>(p.id));
        switch (info->type) {
            case property_type::byte:
                if (p.integer > 0xFF) unrepresentable(name + " value " + std::to_string(p.integer) + " does not fit a byte");
                sink.u8(static_cast<std::uint8_t>(p.integer));
                break;
            case property_type::two_byte:
                if (p.integer > 0xFFFF)
                    unrepresentable(name + " value " + std::to_string(p.integer) + " does not fit two bytes");
                sink.u16(static_cast<std::uint16_t>(p.integer));
                break;
            case property_type::four_byte: sink.u32(p.integer); break;
            case property_type::varint:
                if (p.integer > max_varint)
                    unrepresentable(name + " value " + std::to_string(p.integer) +
                                    " exceeds the Variable Byte Integer maximum 268435455");
                sink.varint(p.integer);
                break;
            case property_type::utf8_string:
            case property_type::binary: put_string(sink, p.data, info->name.data()); break;
            case property_type::string_pair:
                put_string(sink, p.data, "user_property name");
                put_string(sink, p.value, "user_property value");
                break;
        }
    }
}

template <class Sink>
void put_properties(Sink& sink, const property_list& props) {
    counting_sink counter;
    put_property_entries(counter, props);
    if (counter.size > max_varint) unrepresentable("property block exceeds 268435455 bytes");
    sink.varint(static_cast<std::uint32_t>(counter.size));
    put_property_entries(sink, props);
}

void require_no_properties(const property_list& props, protocol_version v, const char* packet) {
    if (!props.empty())
        unrepresentable(std::string(packet) + " in MQTT " + std::string(to_string(v)) + " cannot carry properties");
}

bool is_v5(protocol_version v) noexcept { return v == protocol_version::v5; }

// The longest of the recorded form and what the content needs.
tail_form effective_form(tail_form recorded, std::uint8_t reason_code, const property_list& props) {
    tail_form needed = !props.empty() ? tail_form::reason_code_and_properties
                       : reason_code != 0 ? tail_form::reason_code
                                          : tail_form::shortest;
    return static_cast<std::uint8_t>(recorded) > static_cast<std::uint8_t>(needed) ? recorded : needed;
}

template <class Sink>
void put_tail(Sink& sink, tail_form form, std::uint8_t reason_code, const property_list& props) {
    if (form == tail_form::shortest) return;
    sink.u8(reason_code);
    if (form == tail_form::reason_code_and_properties) put_properties(sink, props);
}

struct body_writer {
    protocol_version version;

    template <class Sink>
    void operator()(Sink& sink, const connect_packet& p) const {
        if (!is_v5(version)) {
            require_no_properties(p.properties, version, "CONNECT");
            if (p.will) require_no_properties(p.will->properties, version, "CONNECT will");
        }
        if (p.will && p.will->qos > 3) unrepresentable("will QoS " + std::to_string(p.will->qos) + " does not fit two bits");
        put_string(sink, p.protocol_name, "protocol name");
        sink.u8(p.protocol_level);
        std::uint8_t flags = 0;
        if (p.username) flags |= 0x80;
        if (p.password) flags |= 0x40;
        if (p.will) {
            flags |= 0x04;
            flags |= static_cast<std::uint8_t>(p.will->qos << 3);
            if (p.will->retain) flags |= 0x20;
        }
        if (p.clean_start) flags |= 0x02;
        if (p.reserved_flag) flags |= 0x01;
        sink.u8(flags);
        sink.u16(p.keep_alive);
        if (is_v5(version)) put_properties(sink, p.properties);
        put_string(sink, p.client_id, "client identifier");
        if (p.will) {
            if (is_v5(version)) put_properties(sink, p.will->properties);
            put_string(sink, p.will->topic, "will topic");
            put_string(sink, p.will->payload, "will payload");
        }
        if (p.username) put_string(sink, *p.username, "user name");
        if (p.password) put_string(sink, *p.password, "password");
    }

    template <class Sink>
    void operator()(Sink& sink, const connack_packet& p) const {
        if (!is_v5(version)) require_no_properties(p.properties, version, "CONNACK");
        sink.u8(p.session_present ? 1 : 0);
        sink.u8(p.reason_code);
        if (is_v5(version)) put_properties(sink, p.properties);
    }

    template <class Sink>
    void operator()(Sink& sink, const publish_packet& p) const {
        if (!is_v5(version)) require_no_properties(p.properties, version, "PUBLISH");
        if (p.qos == 0 && p.packet_id != 0)
            unrepresentable("a QoS 0 PUBLISH has no packet identifier field, but packet_id is " +
                            std::to_string(p.packet_id));
        put_string(sink, p.topic, "topic name");
        if (p.qos > 0) sink.u16(p.packet_id);
        if (is_v5(version)) put_properties(sink, p.properties);
        sink.raw(p.payload);
    }

    template <class Sink, packet_type Type>
    void operator()(Sink& sink, const basic_ack_packet<Type>& p) const {
        sink.u16(p.packet_id);
        if (!is_v5(version)) {
            require_no_properties(p.properties, version, to_string(Type).data());
            if (p.reason_code != 0)
                unrepresentable(std::string(to_string(Type)) + " in MQTT " + std::string(to_string(version)) +
                                " has no reason code field");
            return;
        }
        put_tail(sink, effective_form(p.form, p.reason_code, p.properties), p.reason_code, p.properties);
    }

    template <class Sink>
    void operator()(Sink& sink, const subscribe_packet& p) const {
        if (!is_v5(version)) require_no_properties(p.properties, version, "SUBSCRIBE");
        sink.u16(p.packet_id);
        if (is_v5(version)) put_properties(sink, p.properties);
        for (const auto& s : p.subscriptions) {
            put_string(sink, s.filter, "topic filter");
            sink.u8(subscription_options(s));
        }
    }

    std::uint8_t subscription_options(const subscription& s) const {
        if (s.qos > 3) unrepresentable("subscription QoS " + std::to_string(s.qos) + " does not fit two bits");
        std::uint8_t options = s.qos;
        if (is_v5(version)) {
            if (s.retain_handling > 3)
                unrepresentable("retain handling " + std::to_string(s.retain_handling) + " does not fit two bits");
            if (s.reserved_bits & 0x3F)
                unrepresentable("subscription reserved_bits may only use bits 6-7 in MQTT 5.0");
            if (s.no_local) options |= 0x04;
            if (s.retain_as_published) options |= 0x08;
            options |= static_cast<std::uint8_t>(s.retain_handling << 4);
        } else {
            if (s.no_local || s.retain_as_published || s.retain_handling != 0)
                unrepresentable("no_local, retain_as_published and retain_handling do not exist before MQTT 5.0");
            if (s.reserved_bits & 0x03)
                unrepresentable("subscription reserved_bits may only use bits 2-7 before MQTT 5.0");
        }
        return static_cast<std::uint8_t>(options | s.reserved_bits);
    }

    template <class Sink>
    void operator()(Sink& sink, const suback_packet& p) const {
        if (!is_v5(version)) require_no_properties(p.properties, version, "SUBACK");
        sink.u16(p.packet_id);
        if (is_v5(version)) put_properties(sink, p.properties);
        for (auto code : p.reason_codes) sink.u8(code);
    }

    template <class Sink>
    void operator()(Sink& sink, const unsubscribe_packet& p) const {
        if (!is_v5(version)) require_no_properties(p.properties, version, "UNSUBSCRIBE");
        sink.u16(p.packet_id);
        if (is_v5(version)) put_properties(sink, p.properties);
        for (auto filter : p.filters) put_string(sink, filter, "topic filter");
    }

    template <class Sink>
    void operator()(Sink& sink, const unsuback_packet& p) const {
        sink.u16(p.packet_id);
        if (!is_v5(version)) {
            require_no_properties(p.properties, version, "UNSUBACK");
            if (!p.reason_codes.empty())
                unrepresentable("UNSUBACK in MQTT " + std::string(to_string(version)) + " has no reason codes");
            return;
        }
        put_properties(sink, p.properties);
        for (auto code : p.reason_codes) sink.u8(code);
    }

    template <class Sink>
    void operator()(Sink&, const pingreq_packet&) const {}
    template <class Sink>
    void operator()(Sink&, const pingresp_packet&) const {}

    template <class Sink>
    void operator()(Sink& sink, const disconnect_packet& p) const {
        if (!is_v5(version)) {
            require_no_properties(p.properties, version, "DISCONNECT");
            if (p.reason_code != 0)
                unrepresentable("DISCONNECT in MQTT " + std::string(to_string(version)) + " has no reason code");
            return;
        }
        put_tail(sink, effective_form(p.form, p.reason_code, p.properties), p.reason_code, p.properties);
    }

    template <class Sink>
    void operator()(Sink& sink, const auth_packet& p) const {
        if (!is_v5(version)) unrepresentable("AUTH does not exist before MQTT 5.0");
        // AUTH has no reason-code-only form: the property length is omitted only together with it.
        auto form = effective_form(p.form, p.reason_code, p.properties);
        if (form == tail_form::reason_code) form = tail_form::reason_code_and_properties;
        put_tail(sink, form, p.reason_code, p.properties);
    }
};

std::uint8_t first_byte(const packet& p) {
    const auto type = static_cast<std::uint8_t>(type_of(p));
    std::uint8_t flags = 0;
    if (const auto* pub = std::get_if<publish_packet>(&p)) {
        if (pub->qos > 3) unrepresentable("PUBLISH QoS " + std::to_string(pub->qos) + " does not fit two bits");
        flags = static_cast<std::uint8_t>((pub->dup ? 0x08 : 0) | pub->qos << 1 | (pub->retain ? 0x01 : 0));
    } else if (type == 6 || type == 8 || type == 10) {
        flags = 0x02;  // PUBREL, SUBSCRIBE, UNSUBSCRIBE
    }
    return static_cast<std::uint8_t>(type << 4 | flags);
}

std::uint32_t remaining_length(const packet& p, protocol_version version) {
    counting_sink counter;
    std::visit([&](const auto& alt) { body_writer{version}(counter, alt); }, p);
    if (counter.size > max_varint)
        unrepresentable("remaining length " + std::to_string(counter.size) + " exceeds 268435455");
    return static_cast<std::uint32_t>(counter.size);
}

std::uint8_t length_width(const encode_options& options) {
    if (options.min_remaining_length_bytes > 4)
        unrepresentable("min_remaining_length_bytes must be 1..4, got " +
                        std::to_string(options.min_remaining_length_bytes));
    return options.min_remaining_length_bytes == 0 ? 1 : options.min_remaining_length_bytes;
}

}  // namespace

std::size_t varint_size(std::uint32_t value) noexcept {
    return value < 128 ? 1 : value < 16'384 ? 2 : value < 2'097'152 ? 3 : 4;
}

void put_varint(std::vector<std::uint8_t>& out, std::uint32_t value, std::uint8_t min_bytes) {
    if (value > max_varint) unrepresentable("Variable Byte Integer value " + std::to_string(value) + " exceeds 268435455");
    if (min_bytes > 4) unrepresentable("a Variable Byte Integer has at most 4 bytes");
    std::uint8_t written = 0;
    do {
        auto digit = static_cast<std::uint8_t>(value & 0x7F);
        value >>= 7;
        ++written;
        if (value > 0 || written < min_bytes) digit |= 0x80;
        out.push_back(digit);
    } while (value > 0 || written < min_bytes);
}

std::size_t encoded_size(const packet& p, protocol_version version, const encode_options& options) {
    if (type_of(p) == packet_type::auth && version != protocol_version::v5)
        unrepresentable("AUTH does not exist before MQTT 5.0");
    const auto body = remaining_length(p, version);
    const auto width = length_width(options);
    const auto length_bytes = varint_size(body) < width ? width : varint_size(body);
    return 1 + length_bytes + body;
}

void encode(const packet& p, protocol_version version, std::vector<std::uint8_t>& out,
            const encode_options& options) {
    const auto first = first_byte(p);
    const auto body = remaining_length(p, version);
    const auto width = length_width(options);
    out.reserve(out.size() + 1 + 4 + body);
    const auto start = out.size();
    try {
        out.push_back(first);
        put_varint(out, body, width);
        writing_sink sink{out};
        std::visit([&](const auto& alt) { body_writer{version}(sink, alt); }, p);
    } catch (...) {
        out.resize(start);  // never leave half a packet behind
        throw;
    }
}

std::vector<std::uint8_t> encode(const packet& p, protocol_version version, const encode_options& options) {
    std::vector<std::uint8_t> out;
    encode(p, version, out, options);
    return out;
}

}  // namespace mqttspec::codec
