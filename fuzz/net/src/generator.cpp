#include "mqttspec/netfuzz/generator.hpp"

#include <algorithm>
#include <array>

#include "mqttspec/codec/arena.hpp"
#include "mqttspec/codec/encoder.hpp"
#include "mqttspec/codec/error.hpp"
#include "mqttspec/codec/packets.hpp"
#include "mqttspec/codec/raw_builder.hpp"

namespace mqttspec::netfuzz {

namespace {

using codec::protocol_version;
using bytes = std::vector<std::uint8_t>;

bool is_v5(protocol_version v) { return v == protocol_version::v5; }

template <class T, std::size_t N>
const T& pick(rng& r, const std::array<T, N>& items) {
    return items[r.below(static_cast<std::uint32_t>(N))];
}

// ---- layout ---------------------------------------------------------------------------------

struct walker {
    const bytes& b;
    std::size_t pos;
    std::size_t end;
    packet_layout& out;
    bool ok = true;

    void mark() {
        if (out.boundaries.empty() || out.boundaries.back() != pos) out.boundaries.push_back(pos);
    }
    void skip(std::size_t n) {
        if (!ok || pos + n > end) {
            ok = false;
            return;
        }
        pos += n;
        mark();
    }
    std::uint16_t u16() {
        if (!ok || pos + 2 > end) {
            ok = false;
            return 0;
        }
        return static_cast<std::uint16_t>(b[pos] << 8 | b[pos + 1]);
    }
    void str() {
        if (!ok || pos + 2 > end) {
            ok = false;  // no whole length field here: nothing for the length-lie mutation to edit
            return;
        }
        out.length_fields.push_back(pos);
        const auto n = u16();
        skip(2);
        skip(n);
    }
    void properties() {
        if (!ok) return;
        if (!out.property_length) out.property_length = pos;
        std::uint32_t value = 0, mult = 1;
        for (int i = 0; i < 4; ++i) {
            if (pos >= end) {
                ok = false;
                return;
            }
            const auto c = b[pos++];
            value += (c & 0x7Fu) * mult;
            mult *= 128;
            if ((c & 0x80u) == 0) break;
        }
        mark();
        skip(value);
    }
};

}  // namespace

packet_layout layout_of(const bytes& packet, protocol_version version) {
    packet_layout out;
    if (packet.size() < 2) return out;
    std::size_t pos = 1;
    std::uint32_t length = 0, mult = 1;
    while (pos < packet.size() && pos <= 4) {
        const auto c = packet[pos++];
        length += (c & 0x7Fu) * mult;
        mult *= 128;
        if ((c & 0x80u) == 0) break;
    }
    out.header_size = pos;
    const std::size_t end = std::min<std::size_t>(packet.size(), pos + length);
    walker w{packet, pos, end, out};
    w.mark();
    const auto type = static_cast<codec::packet_type>(packet[0] >> 4);
    bool v5 = is_v5(version);
    switch (type) {
        case codec::packet_type::connect: {
            w.str();
            if (!w.ok || w.pos + 4 > end) break;
            v5 = packet[w.pos] == 5;
            const std::uint8_t flags = packet[w.pos + 1];
            w.skip(1);
            w.skip(1);
            w.skip(2);
            if (v5) w.properties();
            w.str();
            if (flags & 0x04) {
                if (v5) w.properties();
                w.str();
                w.str();
            }
            if (flags & 0x80) w.str();
            if (flags & 0x40) w.str();
            break;
        }
        case codec::packet_type::publish:
            w.str();
            if ((packet[0] >> 1 & 3) != 0) w.skip(2);
            if (v5) w.properties();
            break;
        case codec::packet_type::subscribe:
        case codec::packet_type::unsubscribe:
            w.skip(2);
            if (v5) w.properties();
            while (w.ok && w.pos < end) {
                w.str();
                if (type == codec::packet_type::subscribe) w.skip(1);
            }
            break;
        case codec::packet_type::puback:
        case codec::packet_type::pubrec:
        case codec::packet_type::pubrel:
        case codec::packet_type::pubcomp:
            w.skip(2);
            if (v5 && w.pos < end) {
                w.skip(1);
                if (w.pos < end) w.properties();
            }
            break;
        case codec::packet_type::disconnect:
        case codec::packet_type::auth:
            if (v5 && w.pos < end) {
                w.skip(1);
                if (w.pos < end) w.properties();
            }
            break;
        default: break;
    }
    if (out.boundaries.empty() || out.boundaries.back() != end) out.boundaries.push_back(end);
    return out;
}

namespace {

// ---- byte-level mutations on one encoded packet ----------------------------------------------

// Rewrites the Remaining Length to `length` using `min_bytes` bytes, keeping the body as is.
bytes reframe(const bytes& packet, std::size_t header_size, std::uint32_t length, std::uint8_t min_bytes = 1) {
    bytes out;
    out.push_back(packet[0]);
    codec::put_varint(out, std::min<std::uint32_t>(length, 268'435'455), min_bytes);
    out.insert(out.end(), packet.begin() + static_cast<std::ptrdiff_t>(header_size), packet.end());
    return out;
}

void mutate_bytes(bytes& packet, protocol_version version, rng& r, std::string& note) {
    if (packet.size() < 2) return;  // an earlier mutation may have cut it to almost nothing
    if (packet.size() < 2) return;
    const auto layout = layout_of(packet, version);
    const std::size_t body = packet.size() - layout.header_size;
    switch (r.below(12)) {
        case 0: {  // reserved/flag bits of the fixed header
            packet[0] = static_cast<std::uint8_t>((packet[0] & 0xF0u) | r.below(16));
            note += " [flags=" + std::to_string(packet[0] & 0x0F) + "]";
            break;
        }
        case 1: {  // another packet type with this body (server-to-client types included)
            const auto t = r.below(16);
            packet[0] = static_cast<std::uint8_t>(t << 4 | (packet[0] & 0x0Fu));
            note += " [type=" + std::to_string(t) + "]";
            break;
        }
        case 2: {  // Remaining Length one more or one less than the body
            const bool more = r.chance(50) || body == 0;
            packet = reframe(packet, layout.header_size, static_cast<std::uint32_t>(more ? body + 1 : body - 1));
            note += more ? " [remaining_length+1]" : " [remaining_length-1]";
            break;
        }
        case 3: {  // non-minimal Variable Byte Integer (legal in 3.x, malformed in 5.0)
            const auto n = static_cast<std::uint8_t>(2 + r.below(3));
            packet = reframe(packet, layout.header_size, static_cast<std::uint32_t>(body), n);
            note += " [remaining_length in " + std::to_string(n) + " bytes]";
            break;
        }
        case 4: {  // a five-byte Variable Byte Integer
            bytes out{packet[0], 0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
            out.insert(out.end(), packet.begin() + static_cast<std::ptrdiff_t>(layout.header_size), packet.end());
            packet = std::move(out);
            note += " [5-byte remaining_length]";
            break;
        }
        case 5:
        case 6: {  // cut at a field boundary, Remaining Length telling the truth about the cut
            if (layout.boundaries.size() < 2) break;
            const auto cut = layout.boundaries[r.below(static_cast<std::uint32_t>(layout.boundaries.size() - 1))];
            bytes cut_packet(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(cut));
            packet = reframe(cut_packet, layout.header_size, static_cast<std::uint32_t>(cut - layout.header_size));
            note += " [truncated at field boundary " + std::to_string(cut) + "]";
            break;
        }
        case 7: {  // a string length field that lies
            if (layout.length_fields.empty()) break;
            const auto at = layout.length_fields[r.below(static_cast<std::uint32_t>(layout.length_fields.size()))];
            const std::uint16_t old = static_cast<std::uint16_t>(packet[at] << 8 | packet[at + 1]);
            const std::uint16_t lie = r.chance(50) ? static_cast<std::uint16_t>(old + 1 + r.below(3))
                                                   : static_cast<std::uint16_t>(r.chance(50) ? 0xFFFF : old - 1);
            packet[at] = static_cast<std::uint8_t>(lie >> 8);
            packet[at + 1] = static_cast<std::uint8_t>(lie);
            note += " [length field at " + std::to_string(at) + " = " + std::to_string(lie) + "]";
            break;
        }
        case 8: {  // property length that lies
            if (!layout.property_length || *layout.property_length >= packet.size()) break;
            auto& b = packet[*layout.property_length];
            if (b & 0x80u) break;
            b = static_cast<std::uint8_t>(r.chance(50) ? (b + 1) & 0x7F : (b == 0 ? 0x7F : b - 1));
            note += " [property_length=" + std::to_string(b) + "]";
            break;
        }
        case 9: {  // bit flip in the body
            if (body == 0) break;
            const auto at = layout.header_size + r.below(static_cast<std::uint32_t>(body));
            packet[at] ^= static_cast<std::uint8_t>(1u << r.below(8));
            note += " [bit flip at " + std::to_string(at) + "]";
            break;
        }
        case 10: {  // interesting byte at a field boundary
            if (body == 0) break;
            static constexpr std::array<std::uint8_t, 8> interesting{0x00, 0x01, 0x7F, 0x80, 0xFF, 0x23, 0x2B, 0xC0};
            const auto at = layout.header_size + r.below(static_cast<std::uint32_t>(body));
            packet[at] = pick(r, interesting);
            note += " [byte " + std::to_string(at) + "=" + std::to_string(packet[at]) + "]";
            break;
        }
        default: {  // cut without fixing the length: the broker must wait for the rest
            if (packet.size() < 3) break;
            packet.resize(layout.header_size + r.below(static_cast<std::uint32_t>(body)));
            note += " [cut short]";
            break;
        }
    }
}

// ---- packet models ---------------------------------------------------------------------------

struct builder {
    const generator_options& opt;
    const std::string& prefix;
    rng& r;
    protocol_version v;
    codec::arena store;
    std::string note;

    std::string_view topic() {
        static constexpr std::array<std::string_view, 6> leaf{"a", "b", "a/b", "c/d/e", "x", "a/b/c"};
        return store.keep(prefix + std::string(pick(r, leaf)));
    }
    std::string_view filter() {
        static constexpr std::array<std::string_view, 8> leaf{"#", "+", "a", "a/+", "a/#", "+/+", "c/+/e", "b"};
        return store.keep(prefix + std::string(pick(r, leaf)));
    }
    std::string_view payload() {
        switch (r.below(5)) {
            case 0: return {};
            case 1: return "hello";
            case 2: {
                std::string s(r.below(64), '\0');
                for (auto& c : s) c = static_cast<char>(r.below(256));
                return store.keep(std::move(s));
            }
            case 3: return store.keep(std::string(r.chance(10) ? 4000 : 200, 'p'));
            default: return "{\"v\":1}";
        }
    }
    std::string_view client_id() {
        if (is_v5(v) && r.chance(5)) return {};
        return store.keep(session_client_id(opt.worker, r.below(client_ids_per_worker)));
    }
    std::uint16_t packet_id() { return static_cast<std::uint16_t>(1 + r.below(r.chance(80) ? 8 : 65535)); }

    // A handful of valid 5.0 properties for packet `type`.
    codec::property_list properties(codec::packet_type type) {
        codec::property_list props;
        if (!is_v5(v) || r.chance(50)) return props;
        using id = codec::property_id;
        auto add = [&](id i, std::uint32_t n, std::string_view d = {}, std::string_view val = {}) {
            props.push_back(codec::property{i, n, d, val});
        };
        const unsigned count = 1 + r.below(3);
        for (unsigned k = 0; k < count; ++k) {
            switch (type) {
                case codec::packet_type::connect:
                    switch (r.below(6)) {
                        case 0: add(id::session_expiry_interval, r.chance(50) ? 0 : 30); break;
                        case 1: add(id::receive_maximum, 1 + r.below(20)); break;
                        case 2: add(id::maximum_packet_size, r.chance(50) ? 128 : 65536); break;
                        case 3: add(id::topic_alias_maximum, r.below(10)); break;
                        case 4: add(id::request_problem_information, r.below(2)); break;
                        default: add(id::user_property, 0, "k", "v"); break;
                    }
                    break;
                case codec::packet_type::publish:
                    switch (r.below(7)) {
                        case 0: add(id::payload_format_indicator, r.below(2)); break;
                        case 1: add(id::message_expiry_interval, r.below(100)); break;
                        case 2: add(id::topic_alias, 1 + r.below(10)); break;
                        case 3: add(id::response_topic, 0, topic()); break;
                        case 4: add(id::correlation_data, 0, "\x01\x02"); break;
                        case 5: add(id::content_type, 0, "text/plain"); break;
                        default: add(id::user_property, 0, "k", "v"); break;
                    }
                    break;
                case codec::packet_type::subscribe:
                    if (r.chance(50)) add(id::subscription_identifier, 1 + r.below(1000));
                    else add(id::user_property, 0, "k", "v");
                    break;
                default:
                    if (r.chance(70)) add(id::user_property, 0, "k", "v");
                    else add(id::reason_string, 0, "why");
                    break;
            }
        }
        return props;
    }

    // Breaks one rule of a property list: a repeat, a property the packet may not carry, a value out
    // of range, an identifier the packet would use wrongly.
    void break_properties(codec::property_list& props, const char* where) {
        using id = codec::property_id;
        switch (r.below(4)) {
            case 0:
                if (!props.empty()) {
                    props.push_back(props[r.below(static_cast<std::uint32_t>(props.size()))]);
                    note += std::string(" [duplicate ") + where + " property]";
                    return;
                }
                [[fallthrough]];
            case 1:
                props.push_back(codec::property{id::server_keep_alive, 10, {}, {}});
                note += std::string(" [server_keep_alive in ") + where + "]";
                return;
            case 2:
                props.push_back(codec::property{r.chance(50) ? id::receive_maximum : id::topic_alias, 0, {}, {}});
                note += " [property value 0]";
                return;
            default:
                props.push_back(codec::property{id::subscription_identifier, r.chance(50) ? 0u : 5u, {}, {}});
                note += " [subscription_identifier]";
                return;
        }
    }

    codec::packet connect(bool mutate) {
        codec::connect_packet c;
        c.protocol_level = static_cast<std::uint8_t>(v);
        c.protocol_name = v == protocol_version::v3_1 ? "MQIsdp" : "MQTT";
        c.clean_start = r.chance(80);
        c.keep_alive = static_cast<std::uint16_t>(r.chance(70) ? 60 : r.below(3) * 30);
        c.properties = properties(codec::packet_type::connect);
        c.client_id = client_id();
        if (r.chance(20)) {
            codec::will_message w;
            w.topic = topic();
            w.payload = payload();
            w.qos = static_cast<std::uint8_t>(r.below(3));
            w.retain = r.chance(20);
            // A delayed will outlives the run unless the cleanup can take its session over by id,
            // so a session the broker names (empty client id) gets none.
            if (is_v5(v) && r.chance(30)) {
                const auto delay = r.below(3);
                if (!c.client_id.empty()) w.properties.push_back(codec::property{codec::property_id::will_delay_interval, delay, {}, {}});
            }
            c.will = w;
        }
        if (opt.username && r.chance(95)) {
            c.username = store.keep(*opt.username);
            if (opt.password) c.password = store.keep(*opt.password);
        }
        note = "CONNECT " + std::string(codec::to_string(v));
        if (mutate) {
            switch (r.below(10)) {
                case 0: c.protocol_name = pick(r, std::array<std::string_view, 4>{"MQTX", "mqtt", "", "MQIsdp"}); note += " [protocol name]"; break;
                case 1: c.protocol_level = static_cast<std::uint8_t>(pick(r, std::array<int, 5>{0, 2, 6, 0x84, 255})); note += " [protocol level]"; break;
                case 2: c.reserved_flag = true; note += " [reserved flag]"; break;
                case 3: c.password = "pw"; c.username.reset(); note += " [password without user name]"; break;
                case 4: c.client_id = store.keep(std::string("\xC0\xAF", 2)); note += " [invalid UTF-8 client id]"; break;
                case 5:
                    c.will = codec::will_message{topic(), "x", static_cast<std::uint8_t>(r.chance(50) ? 3 : 1), false, {}};
                    if (c.will->qos == 1) c.will->topic = store.keep(prefix + "#");
                    note += c.will->qos == 3 ? " [will qos 3]" : " [wildcard will topic]";
                    break;
                case 6:
                    c.client_id = {};
                    c.clean_start = false;
                    if (c.will) std::erase_if(c.will->properties, [](const codec::property& p) { return p.id == codec::property_id::will_delay_interval; });
                    note += " [empty client id, no clean start]";
                    break;
                case 7:
                    if (is_v5(v)) { break_properties(c.properties, "CONNECT"); break; }
                    c.client_id = store.keep(std::string("a\0b", 3)); note += " [NUL in client id]"; break;
                case 8:
                    if (is_v5(v)) { c.properties.push_back(codec::property{codec::property_id::authentication_method, 0, "SCRAM-FZ", {}}); note += " [authentication method]"; break; }
                    c.keep_alive = 1; note += " [keep alive 1]"; break;
                default:
                    if (is_v5(v) && c.will) { break_properties(c.will->properties, "will"); break; }
                    c.client_id = store.keep(std::string(300, 'c')); note += " [long client id]"; break;
            }
        }
        return c;
    }

    codec::packet publish(bool mutate, std::uint8_t qos, std::uint16_t id) {
        codec::publish_packet p;
        p.qos = qos;
        p.packet_id = qos > 0 ? id : 0;
        p.retain = r.chance(15);
        p.dup = qos > 0 && r.chance(10);
        p.topic = topic();
        p.properties = properties(codec::packet_type::publish);
        p.payload = payload();
        note = "PUBLISH qos=" + std::to_string(qos) + (qos ? " id=" + std::to_string(p.packet_id) : std::string());
        if (mutate) {
            switch (r.below(9)) {
                case 0: p.qos = 3; if (!p.packet_id) p.packet_id = 1; note += " [qos 3]"; break;
                case 1: if (p.qos == 0) { p.dup = true; note += " [dup on qos 0]"; } else { p.packet_id = 0; note += " [packet id 0]"; } break;
                case 2: p.topic = store.keep(prefix + pick(r, std::array<std::string, 3>{"+", "a/#", "#"})); note += " [wildcard topic]"; break;
                case 3:
                    p.topic = {};
                    note += " [empty topic]";
                    if (is_v5(v) && r.chance(50)) { p.properties.push_back(codec::property{codec::property_id::topic_alias, 1 + r.below(3), {}, {}}); note += " with topic alias"; }
                    break;
                case 4: p.topic = store.keep(prefix + std::string("\xED\xA0\x80", 3)); note += " [UTF-16 surrogate in topic]"; break;
                case 5: p.topic = store.keep(prefix + std::string("a\0b", 3)); note += " [NUL in topic]"; break;
                case 6: p.topic = store.keep(prefix + std::string(r.chance(50) ? 3000 : 65000 - prefix.size(), 't')); note += " [long topic]"; break;
                case 7:
                    if (is_v5(v)) { break_properties(p.properties, "PUBLISH"); break; }
                    p.topic = "$SYS/fz"; note += " [$SYS topic]"; break;
                default:
                    if (is_v5(v)) { p.properties.push_back(codec::property{codec::property_id::payload_format_indicator, 1, {}, {}}); p.payload = "\xFF\xFE"; note += " [payload not UTF-8]"; break; }
                    p.retain = true; p.payload = {}; note += " [retained delete]"; break;
            }
        }
        return p;
    }

    codec::packet subscribe(bool mutate) {
        codec::subscribe_packet s;
        s.packet_id = packet_id();
        s.properties = properties(codec::packet_type::subscribe);
        const unsigned n = 1 + r.below(3);
        for (unsigned k = 0; k < n; ++k) {
            codec::subscription sub;
            sub.filter = filter();
            sub.qos = static_cast<std::uint8_t>(r.below(3));
            if (is_v5(v)) {
                sub.no_local = r.chance(20);
                sub.retain_as_published = r.chance(20);
                sub.retain_handling = static_cast<std::uint8_t>(r.below(3));
                if (r.chance(10)) sub.filter = store.keep("$share/g/" + std::string(sub.filter)), sub.no_local = false;
            }
            s.subscriptions.push_back(sub);
        }
        note = "SUBSCRIBE id=" + std::to_string(s.packet_id) + " n=" + std::to_string(n);
        if (mutate) {
            auto& sub = s.subscriptions[r.below(static_cast<std::uint32_t>(n))];
            switch (r.below(8)) {
                case 0: sub.qos = 3; note += " [qos 3]"; break;
                case 1:
                    if (is_v5(v)) { sub.retain_handling = 3; note += " [retain handling 3]"; }
                    else { sub.reserved_bits = 0x04; note += " [reserved bits]"; }
                    break;
                case 2: sub.reserved_bits = is_v5(v) ? 0x40 : 0x80; note += " [reserved bits]"; break;
                case 3: sub.filter = store.keep(prefix + pick(r, std::array<std::string, 4>{"a#", "#/a", "a+", ""})); note += " [invalid filter]"; break;
                case 4: s.subscriptions.clear(); note += " [no subscriptions]"; break;
                case 5: s.packet_id = 0; note += " [packet id 0]"; break;
                case 6:
                    if (is_v5(v)) { sub.filter = store.keep("$share/g/" + prefix + "#"); sub.no_local = true; note += " [no local on shared]"; }
                    else { sub.filter = store.keep(std::string("\xFF", 1)); note += " [invalid UTF-8 filter]"; }
                    break;
                default:
                    if (is_v5(v)) { break_properties(s.properties, "SUBSCRIBE"); break; }
                    sub.filter = "#"; note += " [all topics]"; break;
            }
        }
        return s;
    }

    codec::packet unsubscribe(bool mutate) {
        codec::unsubscribe_packet u;
        u.packet_id = packet_id();
        u.properties = properties(codec::packet_type::unsubscribe);
        const unsigned n = 1 + r.below(2);
        for (unsigned k = 0; k < n; ++k) u.filters.push_back(filter());
        note = "UNSUBSCRIBE id=" + std::to_string(u.packet_id);
        if (mutate) {
            switch (r.below(3)) {
                case 0: u.filters.clear(); note += " [no filters]"; break;
                case 1: u.packet_id = 0; note += " [packet id 0]"; break;
                default: u.filters[0] = store.keep(prefix + "a#"); note += " [invalid filter]"; break;
            }
        }
        return u;
    }

    codec::packet ack(codec::packet_type type, std::uint16_t id, bool mutate) {
        std::uint8_t rc = 0;
        if (is_v5(v) && r.chance(20)) rc = pick(r, std::array<std::uint8_t, 4>{0x10, 0x80, 0x92, 0x97});
        if (mutate) {
            if (r.chance(50)) id = 0;
            else if (is_v5(v)) rc = 0x03;
            note += " [invalid ack]";
        }
        auto fill = [&](auto a) -> codec::packet {
            a.packet_id = id;
            if (is_v5(v)) {
                a.reason_code = rc;
                a.properties = properties(type);
                if (rc != 0 || !a.properties.empty()) a.form = codec::tail_form::reason_code_and_properties;
            }
            return a;
        };
        switch (type) {
            case codec::packet_type::puback: return fill(codec::puback_packet{});
            case codec::packet_type::pubrec: return fill(codec::pubrec_packet{});
            case codec::packet_type::pubrel: return fill(codec::pubrel_packet{});
            default: return fill(codec::pubcomp_packet{});
        }
    }

    // A packet only a server sends.
    codec::packet server_packet() {
        switch (r.below(4)) {
            case 0: note = "CONNACK (server-to-client)"; return codec::connack_packet{};
            case 1: {
                codec::suback_packet s;
                s.packet_id = packet_id();
                s.reason_codes = {0};
                note = "SUBACK (server-to-client)";
                return s;
            }
            case 2: {
                codec::unsuback_packet u;
                u.packet_id = packet_id();
                if (is_v5(v)) u.reason_codes = {0};
                note = "UNSUBACK (server-to-client)";
                return u;
            }
            default: note = "PINGRESP (server-to-client)"; return codec::pingresp_packet{};
        }
    }

    bytes encode(const codec::packet& p) {
        try {
            return codec::encode(p, v);
        } catch (const codec::encode_error&) {
            note += " (unencodable; sent as PINGREQ)";
            return {0xC0, 0x00};
        }
    }
};

void add_packet(std::vector<planned_packet>& out, builder& b, const codec::packet& p, unsigned byte_mutation_percent) {
    planned_packet pp{b.encode(p), b.note};
    if (b.r.chance(byte_mutation_percent)) mutate_bytes(pp.bytes, b.v, b.r, pp.note);
    out.push_back(std::move(pp));
}

// One fuzzed client's packets: CONNECT, then a short session, with mutations in places.
std::vector<planned_packet> fuzzed_client(builder& b, unsigned field_percent, unsigned byte_percent) {
    std::vector<planned_packet> out;
    rng& r = b.r;
    add_packet(out, b, b.connect(r.chance(field_percent)), byte_percent);
    const unsigned count = 1 + r.below(5);
    for (unsigned k = 0; k < count; ++k) {
        const bool mutate = r.chance(field_percent);
        const auto choice = r.below(100);
        if (choice < 35) {
            const auto qos = static_cast<std::uint8_t>(r.below(3));
            const auto id = b.packet_id();
            add_packet(out, b, b.publish(mutate, qos, id), byte_percent);
            if (qos == 2 && r.chance(60)) {  // complete the QoS 2 flow without waiting for PUBREC
                b.note = "PUBREL id=" + std::to_string(id);
                add_packet(out, b, b.ack(codec::packet_type::pubrel, id, false), byte_percent);
            }
        } else if (choice < 45) {  // QoS 2 packet identifier reuse, no PUBREL in between
            const auto id = b.packet_id();
            add_packet(out, b, b.publish(false, 2, id), 0);
            add_packet(out, b, b.publish(mutate, 2, id), byte_percent);
            out.back().note += " [reused QoS 2 packet id]";
        } else if (choice < 60) {
            add_packet(out, b, b.subscribe(mutate), byte_percent);
        } else if (choice < 67) {
            add_packet(out, b, b.unsubscribe(mutate), byte_percent);
        } else if (choice < 77) {
            static constexpr std::array<codec::packet_type, 4> acks{codec::packet_type::puback, codec::packet_type::pubrec,
                                                                    codec::packet_type::pubrel, codec::packet_type::pubcomp};
            const auto t = pick(r, acks);
            b.note = std::string(codec::to_string(t)) + " (unsolicited)";
            add_packet(out, b, b.ack(t, b.packet_id(), mutate), byte_percent);
        } else if (choice < 82) {
            add_packet(out, b, codec::pingreq_packet{}, byte_percent);
            out.back().note = "PINGREQ" + out.back().note;
        } else if (choice < 87) {
            add_packet(out, b, b.server_packet(), byte_percent);
        } else if (choice < 90) {
            add_packet(out, b, b.connect(mutate), byte_percent);
            out.back().note = "second " + out.back().note;
        } else if (choice < 93 && is_v5(b.v)) {
            codec::auth_packet a;
            a.reason_code = r.chance(50) ? 0x18 : 0x19;
            a.properties.push_back(codec::property{codec::property_id::authentication_method, 0, "SCRAM-FZ", {}});
            a.form = codec::tail_form::reason_code_and_properties;
            b.note = "AUTH";
            add_packet(out, b, a, byte_percent);
        } else if (choice < 96) {
            codec::disconnect_packet d;
            if (is_v5(b.v) && r.chance(50)) {
                d.reason_code = r.chance(50) ? 0x04 : 0x00;  // 0x04: send the Will
                d.form = codec::tail_form::reason_code;
            }
            b.note = "DISCONNECT";
            add_packet(out, b, d, byte_percent);
        } else {  // raw junk: a reserved packet type
            out.push_back({{0x00, 0x00}, "reserved packet type 0"});
        }
    }
    // Stream-level disorder.
    if (out.size() > 1 && r.chance(8)) {
        out.erase(out.begin());
        out.front().note += " [first packet, no CONNECT]";
    }
    if (out.size() > 2 && r.chance(8)) {
        const auto i = 1 + r.below(static_cast<std::uint32_t>(out.size() - 1));
        const auto j = 1 + r.below(static_cast<std::uint32_t>(out.size() - 1));
        std::swap(out[i], out[j]);
    }
    if (out.size() > 1 && r.chance(8)) {
        const auto i = 1 + r.below(static_cast<std::uint32_t>(out.size() - 1));
        out.insert(out.begin() + i, out[i]);
        out[i + 1].note += " [repeated]";
    }
    return out;
}

protocol_version pick_version(const generator_options& opt, rng& r) {
    if (!opt.versions.empty()) return opt.versions[r.below(static_cast<std::uint32_t>(opt.versions.size()))];
    const auto x = r.below(100);
    return x < 45 ? protocol_version::v3_1_1 : x < 95 ? protocol_version::v5 : protocol_version::v3_1;
}

}  // namespace

std::string session_client_id(unsigned worker, unsigned k) {
    return "mqttspec-fz" + std::to_string(worker) + "-" + std::to_string(k);
}

std::vector<std::string> worker_session_ids(unsigned worker) {
    std::vector<std::string> ids;
    for (unsigned k = 0; k < client_ids_per_worker; ++k) ids.push_back(session_client_id(worker, k));
    return ids;
}

std::vector<std::string> session_client_ids(unsigned workers) {
    std::vector<std::string> ids;
    for (unsigned w = 0; w < workers; ++w) {
        for (auto& id : worker_session_ids(w)) ids.push_back(std::move(id));
    }
    return ids;
}

std::string worker_topic_prefix(unsigned worker) { return "mqttspec-fuzz/w" + std::to_string(worker) + "/"; }

generator::generator(generator_options options) : options_(std::move(options)), prefix_(worker_topic_prefix(options_.worker)) {}

plan generator::fresh(rng& r) const {
    plan p;
    p.version = pick_version(options_, r);
    builder b{options_, prefix_, r, p.version, {}, {}};
    p.main = fuzzed_client(b, 30, 12);
    if (r.chance(40)) {  // a subscriber on the worker's topics sees what the broker routes
        builder w{options_, prefix_, r, pick_version(options_, r), {}, {}};
        w.note.clear();
        add_packet(p.watcher, w, w.connect(false), 0);
        p.watcher.back().note = "watcher " + p.watcher.back().note;
        codec::subscribe_packet s;
        s.packet_id = 1;
        s.subscriptions.push_back(codec::subscription{w.store.keep(prefix_ + "#"), static_cast<std::uint8_t>(r.below(3)), false, false, 0, 0});
        w.note = "watcher SUBSCRIBE " + prefix_ + "#";
        add_packet(p.watcher, w, s, 0);
    }
    if (r.chance(15)) {
        builder s{options_, prefix_, r, pick_version(options_, r), {}, {}};
        p.second = fuzzed_client(s, 30, 12);
    }
    return p;
}

plan generator::mutate(const plan& parent, rng& r) const {
    plan p = parent;
    const unsigned ops = 1 + r.below(3);
    for (unsigned k = 0; k < ops; ++k) {
        auto& target = (!p.second.empty() && r.chance(30)) ? p.second : p.main;
        builder b{options_, prefix_, r, p.version, {}, {}};
        const auto op = r.below(6);
        if (target.empty() || op == 0) {  // insert a freshly generated (maybe mutated) packet
            auto extra = fuzzed_client(b, 50, 20);
            const auto pos = target.empty() ? 0 : r.below(static_cast<std::uint32_t>(target.size() + 1));
            target.insert(target.begin() + pos, extra[r.below(static_cast<std::uint32_t>(extra.size()))]);
        } else {
            const auto i = r.below(static_cast<std::uint32_t>(target.size()));
            switch (op) {
                case 1: mutate_bytes(target[i].bytes, p.version, r, target[i].note); break;
                case 2: if (target.size() > 1) target.erase(target.begin() + i); break;
                case 3: target.insert(target.begin() + i, target[i]); target[i + 1].note += " [repeated]"; break;
                case 4: std::swap(target[i], target[r.below(static_cast<std::uint32_t>(target.size()))]); break;
                default: {
                    auto extra = fuzzed_client(b, 60, 30);
                    target[i] = extra[r.below(static_cast<std::uint32_t>(extra.size()))];
                    break;
                }
            }
        }
    }
    return p;
}

namespace {

// Splits one connection's packets into writes: one per packet, all coalesced, or cut at random
// offsets (byte by byte for small packets now and then).
std::vector<step> chunk(const std::vector<planned_packet>& packets, std::uint8_t conn, rng& r) {
    std::vector<step> out;
    const auto mode = r.below(10);
    if (mode < 6) {
        for (const auto& p : packets) out.push_back({step_kind::write, conn, p.bytes, p.note});
    } else if (mode < 8) {
        step s{step_kind::write, conn, {}, {}};
        for (const auto& p : packets) {
            s.bytes.insert(s.bytes.end(), p.bytes.begin(), p.bytes.end());
            s.note += (s.note.empty() ? "" : " + ") + p.note;
        }
        out.push_back(std::move(s));
    } else {
        for (const auto& p : packets) {
            std::size_t at = 0;
            const bool bytewise = p.bytes.size() <= 16 && r.chance(30);
            unsigned piece = 0;
            while (at < p.bytes.size()) {
                const std::size_t left = p.bytes.size() - at;
                const std::size_t n = bytewise ? 1 : std::min<std::size_t>(left, 1 + r.below(static_cast<std::uint32_t>(left)));
                out.push_back({step_kind::write, conn, std::vector<std::uint8_t>(p.bytes.begin() + static_cast<std::ptrdiff_t>(at),
                                                                             p.bytes.begin() + static_cast<std::ptrdiff_t>(at + n)),
                               p.note + " (part " + std::to_string(++piece) + ")"});
                at += n;
            }
        }
    }
    return out;
}

}  // namespace

sequence generator::render(const plan& p, std::uint64_t iteration, rng& r) const {
    sequence s;
    s.iteration = iteration;
    s.version = p.version;
    const auto watcher = static_cast<std::uint8_t>(role::watcher);
    if (!p.watcher.empty()) {
        for (auto& st : chunk(p.watcher, watcher, r)) s.steps.push_back(std::move(st));
        s.steps.push_back({step_kind::barrier, watcher, {}, "watcher subscribed"});
    }
    auto a = chunk(p.main, static_cast<std::uint8_t>(role::main), r);
    auto b = chunk(p.second, static_cast<std::uint8_t>(role::second), r);
    std::size_t i = 0, j = 0;
    while (i < a.size() || j < b.size()) {  // interleave the two fuzzed clients
        if (j >= b.size() || (i < a.size() && r.chance(60))) s.steps.push_back(std::move(a[i++]));
        else s.steps.push_back(std::move(b[j++]));
    }
    if (!p.main.empty()) s.steps.push_back({step_kind::barrier, static_cast<std::uint8_t>(role::main), {}, {}});
    if (!p.second.empty()) s.steps.push_back({step_kind::barrier, static_cast<std::uint8_t>(role::second), {}, {}});
    if (!p.watcher.empty()) s.steps.push_back({step_kind::barrier, watcher, {}, "what the watcher received"});
    return s;
}

}  // namespace mqttspec::netfuzz
