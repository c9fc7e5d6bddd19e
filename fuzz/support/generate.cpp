#include "generate.hpp"

#include <array>
#include <string_view>

#include "reference.hpp"

namespace mqttspec::fuzz {

using codec::packet_type;
using codec::protocol_version;
using codec::raw_builder;

namespace {

constexpr std::string_view vocabulary[] = {
    "",          "a",          "a/b",        "sport/tennis/player1", "/",          "//",
    "+",         "#",          "+/+",        "sport/#",              "sport/+/x",  "a#",
    "a/+b",      "$SYS/x",     "$SYS/#",     "$share/g/a/b",         "$share/g/#", "$share//a",
    "$share/g",  "$share/g/",  "$share/+/a", "client-1",             "MQTT",       "MQIsdp",
    "\xC3\xBC",  "\xEF\xBB\xBF", "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF",   "\x01",       "\x7F",
    "\xC2\x80",  "\xEF\xB7\x90",
    // ill-formed: overlong NUL, surrogate, above U+10FFFF, lone continuation, truncated sequence
    "\xC0\x80",  "\xED\xA0\x80", "\xF4\x90\x80\x80", "\x80", "\xE2\x82",
};

constexpr std::string_view levels[] = {"a", "b", "", "+", "#", "$SYS", "sport", "tennis", "x y", "\xC3\xA9", "++", "a#"};

std::uint8_t byte(FuzzedDataProvider& fdp) { return fdp.ConsumeIntegral<std::uint8_t>(); }
bool chance(FuzzedDataProvider& fdp, std::uint8_t in256) { return byte(fdp) < in256; }

std::string raw_string(FuzzedDataProvider& fdp, std::size_t max) {
    return fdp.ConsumeBytesAsString(fdp.ConsumeIntegralInRange<std::size_t>(0, max));
}

// QoS 0..2, or the invalid 3 with probability (256 - valid_in256) / 256.
std::uint8_t qos_value(FuzzedDataProvider& fdp, std::uint8_t valid_in256) {
    return static_cast<std::uint8_t>(byte(fdp) % (chance(fdp, valid_in256) ? 3 : 4));
}

std::uint16_t packet_id(FuzzedDataProvider& fdp) {
    // 0 is invalid; keep it reachable but rare.
    return chance(fdp, 16) ? 0 : fdp.ConsumeIntegralInRange<std::uint16_t>(1, 0xFFFF);
}

}  // namespace

std::string gen_topic(FuzzedDataProvider& fdp, bool filter) {
    std::string out;
    if (filter && chance(fdp, 24)) out = chance(fdp, 200) ? "$share/g/" : "$share/";
    const auto n = fdp.ConsumeIntegralInRange<int>(1, 5);
    for (int i = 0; i < n; ++i) {
        if (i) out += '/';
        auto level = levels[fdp.ConsumeIntegralInRange<std::size_t>(0, std::size(levels) - 1)];
        // Topic names rarely get wildcards; those are the invalid cases.
        if (!filter && (level.find_first_of("+#") != std::string_view::npos) && !chance(fdp, 24)) level = "n";
        out += level;
    }
    return out;
}

std::string gen_string(FuzzedDataProvider& fdp) {
    switch (byte(fdp) % 4) {
        case 0:
            return std::string(vocabulary[fdp.ConsumeIntegralInRange<std::size_t>(0, std::size(vocabulary) - 1)]);
        case 1:
            return gen_topic(fdp, false);
        case 2:
            return gen_topic(fdp, true);
        default:
            return raw_string(fdp, 24);
    }
}

namespace {

std::uint32_t plausible_value(FuzzedDataProvider& fdp, const ref::property_rule& rule) {
    if (rule.boolean) return chance(fdp, 230) ? byte(fdp) % 2 : byte(fdp);
    switch (rule.type) {
        case ref::value_type::byte: return byte(fdp);
        case ref::value_type::two_byte: return fdp.ConsumeIntegral<std::uint16_t>();
        case ref::value_type::four_byte: return fdp.ConsumeIntegral<std::uint32_t>();
        case ref::value_type::varint: return fdp.ConsumeIntegralInRange<std::uint32_t>(0, 268'435'455);
        default: return 0;
    }
}

std::uint8_t pick_property_id(FuzzedDataProvider& fdp, packet_type where) {
    const std::uint32_t mask = where == packet_type::reserved ? ref::will_bit : ref::bit(where);
    if (chance(fdp, 220)) {
        // An identifier allowed here, found by scanning from a random start.
        const auto start = byte(fdp) % 0x2B;
        for (unsigned k = 0; k < 0x2B; ++k) {
            const auto id = static_cast<std::uint8_t>(1 + (start + k) % 0x2B);
            if (ref::property(id).allowed_in & mask) return id;
        }
    }
    return byte(fdp) % 0x30;
}

}  // namespace

std::vector<std::uint8_t> gen_property_body(FuzzedDataProvider& fdp, packet_type where) {
    raw_builder b;
    const auto count = fdp.ConsumeIntegralInRange<int>(0, 5);
    for (int i = 0; i < count && fdp.remaining_bytes() > 0; ++i) {
        const auto id = pick_property_id(fdp, where);
        const auto rule = ref::property(id);
        switch (rule.type) {
            case ref::value_type::byte: b.prop_byte(id, static_cast<std::uint8_t>(plausible_value(fdp, rule))); break;
            case ref::value_type::two_byte: b.prop_u16(id, static_cast<std::uint16_t>(plausible_value(fdp, rule))); break;
            case ref::value_type::four_byte: b.prop_u32(id, plausible_value(fdp, rule)); break;
            case ref::value_type::varint:
                b.byte(id).varint(plausible_value(fdp, rule), chance(fdp, 16) ? 4 : 1);
                break;
            case ref::value_type::utf8:
            case ref::value_type::binary: b.prop_str(id, gen_string(fdp)); break;
            case ref::value_type::pair: {
                const auto k = gen_string(fdp);
                b.prop_pair(id, k, gen_string(fdp));
                break;
            }
            case ref::value_type::none: b.byte(id).bytes(raw_string(fdp, 4)); break;
        }
    }
    return b.take();
}

std::vector<std::uint8_t> gen_property_block(FuzzedDataProvider& fdp, packet_type where) {
    raw_builder body;
    body.bytes(gen_property_body(fdp, where));
    raw_builder out;
    if (chance(fdp, 12)) {
        // A length that lies about the block.
        out.varint(static_cast<std::uint32_t>(body.size()) + fdp.ConsumeIntegralInRange<std::uint32_t>(0, 4) -
                       (body.size() ? fdp.ConsumeIntegralInRange<std::uint32_t>(0, 1) : 0),
                   chance(fdp, 40) ? 2 : 1);
    } else {
        out.varint(static_cast<std::uint32_t>(body.size()), chance(fdp, 8) ? 2 : 1);
    }
    out.bytes(body.body());
    return out.take();
}

std::vector<std::uint8_t> frame(FuzzedDataProvider& fdp, std::uint8_t first_byte, const raw_builder& body) {
    const auto choice = byte(fdp);
    if (choice < 12) return body.packet(first_byte, static_cast<std::uint32_t>(body.size()) + 1);
    if (choice < 24 && body.size() > 0) return body.packet(first_byte, static_cast<std::uint32_t>(body.size()) - 1);
    if (choice < 40) return body.packet(first_byte, std::nullopt, fdp.ConsumeIntegralInRange<std::uint8_t>(2, 4));
    return body.packet(first_byte);
}

void mutate(FuzzedDataProvider& fdp, std::vector<std::uint8_t>& bytes) {
    const auto edits = fdp.ConsumeIntegralInRange<int>(1, 3);
    for (int i = 0; i < edits; ++i) {
        const auto at = bytes.empty() ? 0 : fdp.ConsumeIntegralInRange<std::size_t>(0, bytes.size() - 1);
        switch (byte(fdp) % 6) {
            case 0: if (!bytes.empty()) bytes[at] ^= static_cast<std::uint8_t>(1u << (byte(fdp) % 8)); break;
            case 1: if (!bytes.empty()) bytes[at] = byte(fdp); break;
            case 2: bytes.insert(bytes.begin() + static_cast<std::ptrdiff_t>(at), byte(fdp)); break;
            case 3: if (!bytes.empty()) bytes.erase(bytes.begin() + static_cast<std::ptrdiff_t>(at)); break;
            case 4: bytes.resize(at); break;
            default: {
                const auto extra = fdp.ConsumeBytes<std::uint8_t>(fdp.ConsumeIntegralInRange<std::size_t>(1, 8));
                bytes.insert(bytes.end(), extra.begin(), extra.end());
            }
        }
    }
}

std::vector<std::uint8_t> gen_connect(FuzzedDataProvider& fdp, protocol_version v) {
    raw_builder b;
    const bool v5 = v == protocol_version::v5;
    std::string_view name = v == protocol_version::v3_1 ? "MQIsdp" : "MQTT";
    std::uint8_t level = static_cast<std::uint8_t>(v);
    if (chance(fdp, 16)) name = chance(fdp, 128) ? "MQTT" : "MQIsdp";
    if (chance(fdp, 16)) level = byte(fdp) % 7;
    b.str(name).byte(level);
    const bool will = chance(fdp, 100);
    const bool username = chance(fdp, 128);
    const bool password = chance(fdp, 100);
    const std::uint8_t will_qos = qos_value(fdp, 240);
    const bool will_retain = chance(fdp, 60);
    std::uint8_t flags = static_cast<std::uint8_t>((username ? 0x80 : 0) | (password ? 0x40 : 0) | (will ? 0x04 : 0) |
                                                   (chance(fdp, 128) ? 0x02 : 0));
    if (will) flags = static_cast<std::uint8_t>(flags | (will_qos << 3) | (will_retain ? 0x20 : 0));
    if (chance(fdp, 12)) flags ^= static_cast<std::uint8_t>(1u << (byte(fdp) % 8));  // reserved bit, stray will bits
    b.byte(flags).u16(fdp.ConsumeIntegral<std::uint16_t>());
    if (v5) b.bytes(gen_property_block(fdp, packet_type::connect));
    b.str(chance(fdp, 200) ? std::string("client-") + std::to_string(byte(fdp)) : gen_string(fdp));
    if (flags & 0x04) {
        if (v5) b.bytes(gen_property_block(fdp, packet_type::reserved));
        b.str(gen_topic(fdp, false));
        b.str(raw_string(fdp, 16));
    }
    if (flags & 0x80) b.str(gen_string(fdp));
    if (flags & 0x40) b.str(raw_string(fdp, 12));
    return frame(fdp, 0x10, b);
}

std::vector<std::uint8_t> gen_publish(FuzzedDataProvider& fdp, protocol_version v) {
    raw_builder b;
    const std::uint8_t qos = qos_value(fdp, 245);
    const bool dup = qos > 0 ? chance(fdp, 60) : chance(fdp, 8);
    const bool retain = chance(fdp, 60);
    const auto flags = static_cast<std::uint8_t>((dup ? 8 : 0) | (qos << 1) | (retain ? 1 : 0));
    b.str(chance(fdp, 220) ? gen_topic(fdp, false) : gen_string(fdp));
    if (qos > 0) b.u16(packet_id(fdp));
    if (v == protocol_version::v5) b.bytes(gen_property_block(fdp, packet_type::publish));
    b.bytes(raw_string(fdp, 32));
    return frame(fdp, static_cast<std::uint8_t>(0x30 | flags), b);
}

std::vector<std::uint8_t> gen_subscribe_or_unsubscribe(FuzzedDataProvider& fdp, protocol_version v) {
    const bool subscribe = chance(fdp, 150);
    const auto type = subscribe ? packet_type::subscribe : packet_type::unsubscribe;
    raw_builder b;
    b.u16(packet_id(fdp));
    if (v == protocol_version::v5) b.bytes(gen_property_block(fdp, type));
    const auto entries = fdp.ConsumeIntegralInRange<int>(chance(fdp, 16) ? 0 : 1, 4);
    for (int i = 0; i < entries; ++i) {
        b.str(chance(fdp, 220) ? gen_topic(fdp, true) : gen_string(fdp));
        if (!subscribe) continue;
        std::uint8_t options = qos_value(fdp, 245);  // QoS
        if (v == protocol_version::v5) options = static_cast<std::uint8_t>(options | (byte(fdp) & 0x2C) | ((byte(fdp) % 3) << 4));
        if (chance(fdp, 12)) options = byte(fdp);
        b.byte(options);
    }
    std::uint8_t first = static_cast<std::uint8_t>(static_cast<unsigned>(type) << 4 | 0x02);
    if (chance(fdp, 10)) first = static_cast<std::uint8_t>((first & 0xF0) | (byte(fdp) & 0x0F));
    return frame(fdp, first, b);
}

namespace {

// Reason code + property block tail of 5.0 acks/DISCONNECT/AUTH, in any of the three forms.
void ack_tail(FuzzedDataProvider& fdp, raw_builder& b, packet_type t, protocol_version v) {
    if (v != protocol_version::v5) {
        if (chance(fdp, 10)) b.byte(byte(fdp));  // a 5.0 tail where it does not belong
        return;
    }
    const auto form = byte(fdp) % 3;
    if (form == 0) return;
    std::uint8_t code = byte(fdp);
    if (chance(fdp, 200)) {
        // Mostly a code defined for this packet.
        for (unsigned k = 0; k < 256; ++k) {
            const auto c = static_cast<std::uint8_t>(code + k);
            if (ref::reason_code_defined(t, v, c)) {
                code = c;
                break;
            }
        }
    }
    b.byte(code);
    if (form == 2) b.bytes(gen_property_block(fdp, t));
}

}  // namespace

std::vector<std::uint8_t> gen_ack(FuzzedDataProvider& fdp, protocol_version v) {
    static constexpr packet_type types[] = {packet_type::puback, packet_type::pubrec, packet_type::pubrel,
                                            packet_type::pubcomp};
    const auto t = types[byte(fdp) % 4];
    raw_builder b;
    b.u16(packet_id(fdp));
    ack_tail(fdp, b, t, v);
    std::uint8_t flags = t == packet_type::pubrel ? 2 : 0;
    if (chance(fdp, 10)) flags = byte(fdp) & 0x0F;
    return frame(fdp, static_cast<std::uint8_t>(static_cast<unsigned>(t) << 4 | flags), b);
}

std::vector<std::uint8_t> gen_connack_disconnect_auth(FuzzedDataProvider& fdp, protocol_version v) {
    raw_builder b;
    packet_type t = packet_type::connack;
    switch (byte(fdp) % 3) {
        case 0: {
            std::uint8_t ack_flags = chance(fdp, 100) ? 1 : 0;
            if (chance(fdp, 10)) ack_flags = byte(fdp);
            std::uint8_t code = byte(fdp);
            if (chance(fdp, 200)) code = v == protocol_version::v5 ? (chance(fdp, 128) ? 0 : 0x80 | (code % 0x20)) : code % 6;
            b.byte(ack_flags).byte(code);
            if (v == protocol_version::v5) b.bytes(gen_property_block(fdp, t));
            break;
        }
        case 1:
            t = packet_type::disconnect;
            ack_tail(fdp, b, t, v);
            break;
        default:
            t = packet_type::auth;
            ack_tail(fdp, b, t, v);
            break;
    }
    std::uint8_t flags = 0;
    if (chance(fdp, 10)) flags = byte(fdp) & 0x0F;
    return frame(fdp, static_cast<std::uint8_t>(static_cast<unsigned>(t) << 4 | flags), b);
}

codec::property_list gen_property_list(FuzzedDataProvider& fdp, packet_type where, codec::arena& store) {
    codec::property_list props;
    const auto count = fdp.ConsumeIntegralInRange<int>(0, 4);
    for (int i = 0; i < count && fdp.remaining_bytes() > 0; ++i) {
        const auto id = pick_property_id(fdp, where);
        const auto rule = ref::property(id);
        if (rule.type == ref::value_type::none) continue;  // the encoder cannot write unknown ids
        codec::property p;
        p.id = static_cast<codec::property_id>(id);
        switch (rule.type) {
            case ref::value_type::utf8:
            case ref::value_type::binary: p.data = store.keep(gen_string(fdp)); break;
            case ref::value_type::pair:
                p.data = store.keep(gen_string(fdp));
                p.value = store.keep(gen_string(fdp));
                break;
            default: p.integer = plausible_value(fdp, rule);
        }
        props.push_back(p);
    }
    return props;
}

codec::packet gen_packet(FuzzedDataProvider& fdp, protocol_version v, codec::arena& store) {
    const bool v5 = v == protocol_version::v5;
    // Properties only in 5.0 (mostly): the encoder refuses them earlier.
    auto props = [&](packet_type where) {
        return (v5 || chance(fdp, 4)) ? gen_property_list(fdp, where, store) : codec::property_list{};
    };
    auto str = [&] { return store.keep(gen_string(fdp)); };
    auto code_for = [&](packet_type t) {
        std::uint8_t c = byte(fdp);
        if (chance(fdp, 220))
            for (unsigned k = 0; k < 256; ++k)
                if (ref::reason_code_defined(t, v, static_cast<std::uint8_t>(c + k))) return static_cast<std::uint8_t>(c + k);
        return c;
    };
    auto ack = [&](auto a) {
        a.packet_id = packet_id(fdp);
        if (v5 || chance(fdp, 4)) {
            a.reason_code = code_for(a.type);
            a.properties = props(a.type);
        }
        if (v5 && chance(fdp, 60)) a.form = static_cast<codec::tail_form>(byte(fdp) % 3);
        return codec::packet{a};
    };

    switch (byte(fdp) % 15) {
        case 0: {
            codec::connect_packet c;
            c.protocol_name = v == protocol_version::v3_1 ? "MQIsdp" : "MQTT";
            c.protocol_level = static_cast<std::uint8_t>(v);
            c.clean_start = chance(fdp, 128);
            c.reserved_flag = chance(fdp, 4);
            c.keep_alive = fdp.ConsumeIntegral<std::uint16_t>();
            c.properties = props(packet_type::connect);
            c.client_id = chance(fdp, 200) ? store.keep("c" + std::to_string(byte(fdp))) : str();
            if (chance(fdp, 100)) {
                codec::will_message w;
                w.topic = store.keep(gen_topic(fdp, false));
                w.payload = store.keep(gen_string(fdp));
                w.qos = qos_value(fdp, 245);
                w.retain = chance(fdp, 60);
                w.properties = props(packet_type::reserved);
                c.will = w;
            }
            if (chance(fdp, 128)) c.username = str();
            if (chance(fdp, 100)) c.password = store.keep(raw_string(fdp, 8));
            return c;
        }
        case 1: {
            codec::connack_packet c;
            c.session_present = chance(fdp, 100);
            c.reason_code = code_for(packet_type::connack);
            c.properties = props(packet_type::connack);
            return c;
        }
        case 2: {
            codec::publish_packet p;
            p.qos = qos_value(fdp, 245);
            p.dup = p.qos > 0 && chance(fdp, 60);
            p.retain = chance(fdp, 60);
            p.topic = store.keep(gen_topic(fdp, false));
            if (p.qos > 0) p.packet_id = packet_id(fdp);
            p.properties = props(packet_type::publish);
            p.payload = store.keep(raw_string(fdp, 24));
            return p;
        }
        case 3: return ack(codec::puback_packet{});
        case 4: return ack(codec::pubrec_packet{});
        case 5: return ack(codec::pubrel_packet{});
        case 6: return ack(codec::pubcomp_packet{});
        case 7: {
            codec::subscribe_packet s;
            s.packet_id = packet_id(fdp);
            s.properties = props(packet_type::subscribe);
            const auto n = fdp.ConsumeIntegralInRange<int>(1, 3);
            for (int i = 0; i < n; ++i) {
                codec::subscription sub;
                sub.filter = store.keep(gen_topic(fdp, true));
                sub.qos = byte(fdp) % 3;
                if (v5) {
                    sub.no_local = chance(fdp, 60);
                    sub.retain_as_published = chance(fdp, 60);
                    sub.retain_handling = byte(fdp) % 3;
                }
                s.subscriptions.push_back(sub);
            }
            return s;
        }
        case 8: {
            codec::suback_packet s;
            s.packet_id = packet_id(fdp);
            s.properties = props(packet_type::suback);
            const auto n = fdp.ConsumeIntegralInRange<int>(1, 3);
            for (int i = 0; i < n; ++i) s.reason_codes.push_back(code_for(packet_type::suback));
            return s;
        }
        case 9: {
            codec::unsubscribe_packet u;
            u.packet_id = packet_id(fdp);
            u.properties = props(packet_type::unsubscribe);
            const auto n = fdp.ConsumeIntegralInRange<int>(1, 3);
            for (int i = 0; i < n; ++i) u.filters.push_back(store.keep(gen_topic(fdp, true)));
            return u;
        }
        case 10: {
            codec::unsuback_packet u;
            u.packet_id = packet_id(fdp);
            if (v5) {
                u.properties = props(packet_type::unsuback);
                const auto n = fdp.ConsumeIntegralInRange<int>(1, 3);
                for (int i = 0; i < n; ++i) u.reason_codes.push_back(code_for(packet_type::unsuback));
            }
            return u;
        }
        case 11: return codec::pingreq_packet{};
        case 12: return codec::pingresp_packet{};
        case 13: {
            codec::disconnect_packet d;
            if (v5) {
                d.reason_code = code_for(packet_type::disconnect);
                d.properties = props(packet_type::disconnect);
                if (chance(fdp, 60)) d.form = static_cast<codec::tail_form>(byte(fdp) % 3);
            }
            return d;
        }
        default: {
            codec::auth_packet a;
            a.reason_code = code_for(packet_type::auth);
            a.properties = props(packet_type::auth);
            if (v5 && chance(fdp, 60)) a.form = static_cast<codec::tail_form>(byte(fdp) % 3);
            return a;
        }
    }
}

void clear_tail_form(codec::packet& p) {
    std::visit(
        [](auto& x) {
            if constexpr (requires { x.form; }) x.form = codec::tail_form::shortest;
        },
        p);
}

}  // namespace mqttspec::fuzz
