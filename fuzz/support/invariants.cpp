#include "invariants.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <variant>

#include "check.hpp"
#include "reference.hpp"

namespace mqttspec::fuzz {

using codec::decode_status;
using codec::errc;
using codec::packet_type;
using codec::protocol_version;

[[noreturn]] void fail(const char* file, int line, const char* condition, const std::string& detail) {
    std::fprintf(stderr, "\nmqttspec fuzz invariant violated at %s:%d\n  check:  %s\n  detail: %s\n", file, line,
                 condition, detail.c_str());
    std::fflush(stderr);
    std::abort();
}

config read_config(FuzzedDataProvider& fdp) {
    config c;
    c.mode = fdp.ConsumeIntegral<std::uint8_t>();
    static constexpr protocol_version versions[] = {protocol_version::v3_1, protocol_version::v3_1_1,
                                                    protocol_version::v5};
    c.version = versions[fdp.ConsumeIntegral<std::uint8_t>() % 3];
    const auto flags = fdp.ConsumeIntegral<std::uint8_t>();
    c.options.check_payload_format = flags & 0x01;
    c.options.reject_control_characters = flags & 0x02;
    c.options.reject_noncharacters = flags & 0x04;
    c.options.allow_non_minimal_varint = flags & 0x08;
    c.follow_connect = flags & 0x10;
    static constexpr codec::sender senders[] = {codec::sender::unknown, codec::sender::client,
                                                codec::sender::server};
    c.options.sender = senders[fdp.ConsumeIntegral<std::uint8_t>() % 3];
    // Half the selector space keeps the protocol maximum; the rest gives tiny limits (1..127 bytes)
    // so the packet_too_large path is reached often.
    const auto max_size = fdp.ConsumeIntegral<std::uint8_t>();
    if (max_size != 0 && max_size < 128) c.options.maximum_packet_size = max_size;
    return c;
}

std::vector<std::uint8_t> config_tail(std::uint8_t mode, protocol_version version, std::uint8_t option_flags,
                                      codec::sender sender, std::uint8_t max_size_selector) {
    const std::uint8_t version_code = version == protocol_version::v3_1 ? 0 : version == protocol_version::v3_1_1 ? 1 : 2;
    const std::uint8_t sender_code = sender == codec::sender::unknown ? 0 : sender == codec::sender::client ? 1 : 2;
    // read_config() consumes from the end: mode is the last byte.
    return {max_size_selector, sender_code, option_flags, version_code, mode};
}

protocol_version pick_version(FuzzedDataProvider& fdp) {
    static constexpr protocol_version versions[] = {protocol_version::v3_1, protocol_version::v3_1_1,
                                                    protocol_version::v5};
    return versions[fdp.ConsumeIntegral<std::uint8_t>() % 3];
}

framing read_framing(bytes_view in) {
    framing f;
    if (in.empty()) return f;
    f.first_byte = in[0];
    std::uint32_t multiplier = 1;
    for (std::size_t i = 1; i <= 4; ++i) {
        if (i >= in.size()) return f;  // header_incomplete
        f.remaining_length += (in[i] & 0x7Fu) * multiplier;
        multiplier *= 128;
        if ((in[i] & 0x80) == 0) {
            f.header_size = i + 1;
            f.status = framing::state::header_complete;
            return f;
        }
    }
    f.status = framing::state::length_too_long;
    return f;
}

std::string hex_prefix(bytes_view b, std::size_t limit) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (std::size_t i = 0; i < b.size() && i < limit; ++i) {
        s += digits[b[i] >> 4];
        s += digits[b[i] & 15];
    }
    if (b.size() > limit) s += "...(" + std::to_string(b.size()) + " bytes)";
    return s;
}

std::string describe(const codec::decode_result& r) {
    switch (r.status) {
        case decode_status::ok:
            return "ok " + std::string(codec::to_string(codec::type_of(r.pkt))) + " consumed=" +
                   std::to_string(r.consumed) + " rl_bytes=" + std::to_string(r.remaining_length_bytes);
        case decode_status::need_more:
            return "need_more needed=" + std::to_string(r.needed);
        case decode_status::error:
            return "error " + std::string(codec::to_string(r.error.code)) + " at " + std::to_string(r.error.offset) +
                   " (" + r.error.message + ")";
    }
    return "?";
}

bool same_result(const codec::decode_result& a, const codec::decode_result& b) {
    if (a.status != b.status) return false;
    switch (a.status) {
        case decode_status::ok:
            return a.consumed == b.consumed && a.remaining_length_bytes == b.remaining_length_bytes && a.pkt == b.pkt;
        case decode_status::need_more:
            return a.needed == b.needed;
        case decode_status::error:
            return a.error.code == b.error.code && a.error.offset == b.error.offset && a.error.kind == b.error.kind &&
                   a.error.reason_code == b.error.reason_code;
    }
    return false;
}

namespace {

bool utf8_ok(std::string_view s, const codec::decode_options& o) {
    return ref::utf8(s, o.reject_control_characters, o.reject_noncharacters).ok();
}

template <class F>
void for_each_property_view(const codec::property_list& props, F&& f) {
    for (const auto& p : props) {
        f(p.data);
        f(p.value);
    }
}

// Every string_view a decoded packet holds, so the target can check they point into the input.
template <class F>
void for_each_view(const codec::packet& pkt, F&& f) {
    std::visit(
        [&](const auto& p) {
            using T = std::decay_t<decltype(p)>;
            if constexpr (!std::is_same_v<T, codec::pingreq_packet> && !std::is_same_v<T, codec::pingresp_packet>)
                for_each_property_view(p.properties, f);
            if constexpr (std::is_same_v<T, codec::connect_packet>) {
                f(p.protocol_name);
                f(p.client_id);
                if (p.will) {
                    f(p.will->topic);
                    f(p.will->payload);
                    for_each_property_view(p.will->properties, f);
                }
                if (p.username) f(*p.username);
                if (p.password) f(*p.password);
            } else if constexpr (std::is_same_v<T, codec::publish_packet>) {
                f(p.topic);
                f(p.payload);
            } else if constexpr (std::is_same_v<T, codec::subscribe_packet>) {
                for (const auto& s : p.subscriptions) f(s.filter);
            } else if constexpr (std::is_same_v<T, codec::unsubscribe_packet>) {
                for (const auto& s : p.filters) f(s);
            }
        },
        pkt);
}

bool has(const codec::property_list& props, codec::property_id id) {
    return std::any_of(props.begin(), props.end(), [&](const auto& p) { return p.id == id; });
}

std::string property_violation(const codec::property_list& props, std::uint32_t where_bit, packet_type type,
                               protocol_version version, const codec::decode_options& o) {
    if (version != protocol_version::v5) return props.empty() ? "" : "properties before 5.0";
    std::uint32_t seen_low = 0, seen_high = 0;  // ids 0..63 fit in two words
    for (const auto& p : props) {
        const auto id = static_cast<std::uint8_t>(p.id);
        const auto rule = ref::property(id);
        const std::string name = "property 0x" + hex_prefix(bytes_view(&id, 1));
        if (rule.type == ref::value_type::none) return name + " is not defined";
        if ((rule.allowed_in & where_bit) == 0) return name + " is not allowed here";
        const bool may_repeat = rule.repeatable || (rule.repeatable_in_publish_only && type == packet_type::publish &&
                                                    where_bit != ref::will_bit);
        std::uint32_t& seen = id < 32 ? seen_low : seen_high;
        const std::uint32_t mask = 1u << (id % 32);
        if ((seen & mask) && !may_repeat) return name + " repeated";
        seen |= mask;
        if (rule.boolean && p.integer > 1) return name + " is not 0 or 1";
        if (rule.nonzero && p.integer == 0) return name + " is zero";
        if (rule.type == ref::value_type::byte && p.integer > 0xFF) return name + " byte out of range";
        if (rule.type == ref::value_type::two_byte && p.integer > 0xFFFF) return name + " two-byte out of range";
        if (rule.type == ref::value_type::varint && p.integer > 268'435'455) return name + " varint out of range";
        if ((rule.type == ref::value_type::utf8 || rule.type == ref::value_type::pair) && !utf8_ok(p.data, o))
            return name + " string is not valid UTF-8";
        if (rule.type == ref::value_type::pair && !utf8_ok(p.value, o)) return name + " value is not valid UTF-8";
        // The Response Topic is the Topic Name of the response (5.0 3.1.3.2.5): non-empty, no wildcards.
        if (p.id == codec::property_id::response_topic && !ref::topic_name(p.data).ok())
            return "response topic is not a valid topic name";
    }
    // 5.0 3.1.2.11.10 states it for CONNECT; data without a method is meaningless in any block.
    if (has(props, codec::property_id::authentication_data) && !has(props, codec::property_id::authentication_method))
        return "authentication data without method";
    return {};
}

template <class Ack>
std::string tail_violation(const Ack& a, packet_type t, protocol_version v) {
    if (v != protocol_version::v5) {
        if (a.reason_code != 0 || !a.properties.empty() || a.form != codec::tail_form::shortest)
            return "reason code, properties or long form before 5.0";
        return {};
    }
    if (!ref::reason_code_defined(t, v, a.reason_code)) return "undefined reason code";
    // The form is recorded only when the wire used more than the content needs (packets.hpp):
    // a longer form than necessary can only mean Success without properties (reason code form) or
    // no properties (reason code and property length form).
    if (a.form == codec::tail_form::reason_code && (a.reason_code != 0 || !a.properties.empty()))
        return "reason-code form recorded where it is the canonical one";
    if (a.form == codec::tail_form::reason_code_and_properties && !a.properties.empty())
        return "long form recorded with properties (canonical then)";
    return {};
}

bool client_may_send(packet_type t) {
    return t != packet_type::connack && t != packet_type::suback && t != packet_type::unsuback &&
           t != packet_type::pingresp;
}
bool server_may_send(packet_type t) {
    return t != packet_type::connect && t != packet_type::subscribe && t != packet_type::unsubscribe &&
           t != packet_type::pingreq;
}

}  // namespace

std::string packet_violation(const codec::packet& pkt, protocol_version v, const codec::decode_options& o) {
    const packet_type type = codec::type_of(pkt);
    const bool v5 = v == protocol_version::v5;
    if (type == packet_type::auth && !v5) return "AUTH before 5.0";
    if (o.sender == codec::sender::client && !client_may_send(type)) return "a client cannot send this packet";
    if (o.sender == codec::sender::server && !server_may_send(type)) return "a server cannot send this packet";

    return std::visit(
        [&](const auto& p) -> std::string {
            using T = std::decay_t<decltype(p)>;
            if constexpr (std::is_same_v<T, codec::connect_packet>) {
                const bool names_match = (v == protocol_version::v3_1 && p.protocol_name == "MQIsdp" && p.protocol_level == 3) ||
                                         (v == protocol_version::v3_1_1 && p.protocol_name == "MQTT" && p.protocol_level == 4) ||
                                         (v5 && p.protocol_name == "MQTT" && p.protocol_level == 5);
                if (!names_match) return "protocol name/level do not match the version";
                if (p.reserved_flag) return "CONNECT reserved flag set";
                if (!utf8_ok(p.client_id, o)) return "client id not valid UTF-8";
                if (p.username && !utf8_ok(*p.username, o)) return "user name not valid UTF-8";
                if (!v5 && p.password && !p.username) return "password without user name before 5.0";
                if (p.will) {
                    if (p.will->qos > 2) return "will QoS 3";
                    if (!utf8_ok(p.will->topic, o)) return "will topic not valid UTF-8";
                    // The Will Topic becomes a PUBLISH Topic Name (4.7.3: non-empty, no wildcards).
                    if (!ref::topic_name(p.will->topic).ok()) return "will topic is not a valid topic name";
                    if (auto e = property_violation(p.will->properties, ref::will_bit, type, v, o); !e.empty())
                        return "will " + e;
                    if (o.check_payload_format && v5) {
                        const auto* pfi = codec::find(p.will->properties, codec::property_id::payload_format_indicator);
                        if (pfi && pfi->integer == 1 && !ref::utf8(p.will->payload).ok())
                            return "will payload not UTF-8 despite its format indicator";
                    }
                }
                return property_violation(p.properties, ref::bit(type), type, v, o);
            } else if constexpr (std::is_same_v<T, codec::connack_packet>) {
                if (!ref::reason_code_defined(type, v, p.reason_code)) return "undefined CONNACK code";
                // 3.1 has no Session Present flag: its acknowledge-flags byte is reserved.
                if (v == protocol_version::v3_1 && p.session_present) return "session present in 3.1";
                if (p.session_present && p.reason_code != 0) return "session present with an error";
                return property_violation(p.properties, ref::bit(type), type, v, o);
            } else if constexpr (std::is_same_v<T, codec::publish_packet>) {
                if (p.qos > 2) return "QoS 3";
                if (p.qos == 0 && (p.dup || p.packet_id != 0)) return "QoS 0 with DUP or a packet id";
                if (p.qos > 0 && p.packet_id == 0) return "packet id 0";
                if (!utf8_ok(p.topic, o)) return "topic not valid UTF-8";
                const bool alias = has(p.properties, codec::property_id::topic_alias);
                if (!(v5 && p.topic.empty() && alias) && !ref::topic_name(p.topic).ok()) return "invalid topic name";
                if (o.sender == codec::sender::client && has(p.properties, codec::property_id::subscription_identifier))
                    return "subscription identifier from a client";
                if (o.check_payload_format && v5) {
                    const auto* pfi = codec::find(p.properties, codec::property_id::payload_format_indicator);
                    if (pfi && pfi->integer == 1 && !ref::utf8(p.payload).ok())
                        return "payload not UTF-8 despite its format indicator";
                }
                return property_violation(p.properties, ref::bit(type), type, v, o);
            } else if constexpr (std::is_same_v<T, codec::puback_packet> || std::is_same_v<T, codec::pubrec_packet> ||
                                 std::is_same_v<T, codec::pubrel_packet> || std::is_same_v<T, codec::pubcomp_packet>) {
                if (p.packet_id == 0) return "packet id 0";
                if (auto e = tail_violation(p, type, v); !e.empty()) return e;
                return property_violation(p.properties, ref::bit(type), type, v, o);
            } else if constexpr (std::is_same_v<T, codec::subscribe_packet>) {
                if (p.packet_id == 0) return "packet id 0";
                if (p.subscriptions.empty()) return "no subscriptions";
                for (const auto& s : p.subscriptions) {
                    if (!utf8_ok(s.filter, o)) return "filter not valid UTF-8";
                    if (!ref::topic_filter(s.filter, v5).ok()) return "invalid filter";
                    if (s.qos > 2) return "QoS 3";
                    if (s.reserved_bits != 0) return "reserved subscription option bits";
                    if (!v5 && (s.no_local || s.retain_as_published || s.retain_handling != 0))
                        return "5.0 subscription options before 5.0";
                    if (s.retain_handling > 2) return "retain handling 3";
                    if (v5 && s.no_local && ref::starts_with_share(s.filter)) return "No Local on a shared subscription";
                }
                return property_violation(p.properties, ref::bit(type), type, v, o);
            } else if constexpr (std::is_same_v<T, codec::suback_packet>) {
                if (p.packet_id == 0) return "packet id 0";
                if (p.reason_codes.empty()) return "no return codes";
                for (auto c : p.reason_codes)
                    if (!ref::reason_code_defined(type, v, c)) return "undefined SUBACK code";
                return property_violation(p.properties, ref::bit(type), type, v, o);
            } else if constexpr (std::is_same_v<T, codec::unsubscribe_packet>) {
                if (p.packet_id == 0) return "packet id 0";
                if (p.filters.empty()) return "no filters";
                for (auto f : p.filters) {
                    if (!utf8_ok(f, o)) return "filter not valid UTF-8";
                    if (!ref::topic_filter(f, v5).ok()) return "invalid filter";
                }
                return property_violation(p.properties, ref::bit(type), type, v, o);
            } else if constexpr (std::is_same_v<T, codec::unsuback_packet>) {
                if (p.packet_id == 0) return "packet id 0";
                if (!v5) return p.reason_codes.empty() ? "" : "UNSUBACK reason codes before 5.0";
                if (p.reason_codes.empty()) return "no reason codes";
                for (auto c : p.reason_codes)
                    if (!ref::reason_code_defined(type, v, c)) return "undefined UNSUBACK code";
                return property_violation(p.properties, ref::bit(type), type, v, o);
            } else if constexpr (std::is_same_v<T, codec::disconnect_packet>) {
                if (auto e = tail_violation(p, type, v); !e.empty()) return e;
                // 5.0 table 3-10 names who may send each reason code; 3.14.2.2.2: a server must not
                // send the Session Expiry Interval.
                if (v5 && o.sender == codec::sender::server) {
                    if (p.reason_code == 0x04) return "server DISCONNECT with 0x04";
                    if (has(p.properties, codec::property_id::session_expiry_interval))
                        return "server DISCONNECT with a session expiry interval";
                }
                if (v5 && o.sender == codec::sender::client) {
                    const auto c = p.reason_code;
                    const bool client_code = c == 0x00 || c == 0x04 || (c >= 0x80 && c <= 0x83) || c == 0x90 ||
                                             (c >= 0x93 && c <= 0x99);
                    if (!client_code) return "client DISCONNECT with a server-only reason code";
                }
                return property_violation(p.properties, ref::bit(type), type, v, o);
            } else if constexpr (std::is_same_v<T, codec::auth_packet>) {
                if (auto e = tail_violation(p, type, v); !e.empty()) return e;
                // 3.15.2.1: reason code and property length are omitted together or not at all;
                // 3.15.2.2.2 and MQTT-4.12.0-5: every AUTH names the Authentication Method, so the
                // short form (Remaining Length 0, no properties) is never valid either.
                if (p.form == codec::tail_form::reason_code) return "AUTH reason code without property length";
                // Table 3-11: Success (0x00) only from the server, Re-authenticate (0x19) only from the client.
                if (o.sender == codec::sender::client && p.reason_code == 0x00) return "client AUTH with Success";
                if (o.sender == codec::sender::server && p.reason_code == 0x19) return "server AUTH with Re-authenticate";
                if (!has(p.properties, codec::property_id::authentication_method))
                    return "AUTH without authentication method";
                return property_violation(p.properties, ref::bit(type), type, v, o);
            } else {
                return {};
            }
        },
        pkt);
}

namespace {

std::uint8_t expected_flags(const codec::packet& pkt) {
    if (const auto* p = std::get_if<codec::publish_packet>(&pkt))
        return static_cast<std::uint8_t>((p->dup ? 8 : 0) | (p->qos << 1) | (p->retain ? 1 : 0));
    const auto t = codec::type_of(pkt);
    return (t == packet_type::pubrel || t == packet_type::subscribe || t == packet_type::unsubscribe) ? 2 : 0;
}

void check_reencode(bytes_view input, protocol_version v, const codec::decode_options& o,
                    const codec::decode_result& r) {
    const auto original = input.first(r.consumed);
    std::vector<std::uint8_t> out;
    codec::encode_options eo;
    eo.min_remaining_length_bytes = r.remaining_length_bytes;
    try {
        codec::encode(r.pkt, v, out, eo);
    } catch (const codec::encode_error& e) {
        FUZZ_CHECK(false, std::string("accepted packet does not re-encode: ") + e.what() + " input " + hex_prefix(input));
    }
    FUZZ_CHECK(codec::encoded_size(r.pkt, v, eo) == out.size(), "encoded_size disagrees with encode for " + hex_prefix(input));
    if (std::equal(out.begin(), out.end(), original.begin(), original.end())) return;
    // Only a non-minimal Variable Byte Integer inside the packet (accepted on request in 5.0) may
    // re-encode differently; the packet must still be the same.
    FUZZ_CHECK(v == protocol_version::v5 && o.allow_non_minimal_varint,
               "re-encoding differs: in " + hex_prefix(original) + " out " + hex_prefix(out));
    const auto again = codec::decode(out, v, o);
    FUZZ_CHECK(again.ok() && again.pkt == r.pkt,
               "re-encoded packet decodes differently: " + describe(again) + " from " + hex_prefix(out));
}

}  // namespace

void check_decode(bytes_view input, protocol_version v, const codec::decode_options& o, const codec::decode_result& r,
                  bool nested) {
    const framing fr = read_framing(input);
    const bool complete = fr.status == framing::state::header_complete && fr.total() <= input.size();
    auto where = [&] { return describe(r) + " for input " + hex_prefix(input); };

    switch (r.status) {
        case decode_status::ok: {
            FUZZ_CHECK(complete, "ok for an incomplete packet: " + where());
            FUZZ_CHECK(r.consumed == fr.total(), "consumed differs from the framed size " + std::to_string(fr.total()) + ": " + where());
            FUZZ_CHECK(r.consumed <= input.size(), "consumed past the input: " + where());
            FUZZ_CHECK(r.remaining_length_bytes == fr.header_size - 1, "wrong remaining_length_bytes: " + where());
            FUZZ_CHECK(r.consumed <= o.maximum_packet_size, "accepted a packet over maximum_packet_size: " + where());
            FUZZ_CHECK(static_cast<unsigned>(codec::type_of(r.pkt)) == (fr.first_byte >> 4u), "wrong packet type: " + where());
            FUZZ_CHECK((fr.first_byte & 0x0F) == expected_flags(r.pkt), "fixed header flags not reflected: " + where());
            if (v == protocol_version::v5 && !o.allow_non_minimal_varint)
                FUZZ_CHECK(r.remaining_length_bytes == ref::varint_length(fr.remaining_length),
                           "non-minimal remaining length accepted in 5.0: " + where());
            const auto* lo = reinterpret_cast<const char*>(input.data());
            const auto* hi = lo + r.consumed;
            for_each_view(r.pkt, [&](std::string_view s) {
                FUZZ_CHECK(s.empty() || (s.data() >= lo && s.data() + s.size() <= hi), "view outside the packet: " + where());
            });
            const auto violation = packet_violation(r.pkt, v, o);
            FUZZ_CHECK(violation.empty(), "accepted a packet that breaks a rule (" + violation + "): " + where() +
                                              " version " + std::string(codec::to_string(v)));
            check_reencode(input, v, o, r);
            break;
        }
        case decode_status::need_more:
            FUZZ_CHECK(!complete, "need_more with a whole packet present: " + where());
            FUZZ_CHECK(fr.status != framing::state::length_too_long, "need_more after a 5-byte length: " + where());
            if (fr.status == framing::state::header_complete) {
                FUZZ_CHECK(r.needed == fr.total(), "needed differs from the framed size: " + where());
                FUZZ_CHECK(fr.total() <= o.maximum_packet_size, "need_more for a packet over maximum_packet_size: " + where());
            } else {
                FUZZ_CHECK(r.needed == 0, "needed set before the fixed header is complete: " + where());
            }
            break;
        case decode_status::error:
            FUZZ_CHECK(r.error.code != errc::ok, "error status with errc::ok: " + where());
            FUZZ_CHECK(r.error.reason_code >= 0x80, "error with a success reason code: " + where());
            FUZZ_CHECK(!r.error.message.empty(), "error without a message: " + where());
            FUZZ_CHECK(r.error.kind == codec::error_kind::malformed_packet || r.error.kind == codec::error_kind::protocol_error,
                       "bad error kind: " + where());
            FUZZ_CHECK(!codec::to_string(r.error.code).empty(), "error code without a name: " + where());
            FUZZ_CHECK(r.error.offset <= input.size(), "error offset past the input: " + where());
            if (complete) FUZZ_CHECK(r.error.offset <= fr.total(), "error offset past the packet: " + where());
            break;
    }
    FUZZ_CHECK(r.consumed <= input.size(), "consumed past the input: " + where());
    if (nested) return;

    // Bytes after the packet must not change the verdict.
    if (complete && input.size() > fr.total()) {
        const auto trimmed_input = input.first(fr.total());
        const auto trimmed = codec::decode(trimmed_input, v, o);
        check_decode(trimmed_input, v, o, trimmed, true);
        FUZZ_CHECK(same_result(r, trimmed), "trailing bytes changed the verdict: " + where() + " vs " + describe(trimmed));
    }
    // An accepted packet must not be rejected while it is still arriving.
    if (complete && r.ok()) {
        const std::size_t total = fr.total();
        const std::size_t prefixes[] = {0, 1, fr.header_size - 1, fr.header_size, total / 2, total - 1};
        for (std::size_t k : prefixes) {
            if (k >= total) continue;
            const auto part = input.first(k);
            const auto pr = codec::decode(part, v, o);
            FUZZ_CHECK(pr.status == decode_status::need_more,
                       "prefix of " + std::to_string(k) + " bytes of an accepted packet gave " + describe(pr) + ": " + where());
            check_decode(part, v, o, pr, true);
        }
    }
}

codec::decode_result decode_checked(bytes_view input, protocol_version v, const codec::decode_options& o) {
    // fuzz/tools/findings-to-vectors sets this to learn which packet bytes a finding decoded (for
    // structure-aware targets the file is not the packet). The last line is the failing decode.
    static const char* const dump_path = std::getenv("MQTTSPEC_FUZZ_DUMP");
    if (dump_path != nullptr) {
        if (FILE* f = std::fopen(dump_path, "a")) {
            std::fprintf(f, "%s %s\n", std::string(codec::to_string(v)).c_str(), hex_prefix(input, input.size()).c_str());
            std::fclose(f);
        }
    }
    auto r = codec::decode(input, v, o);
    check_decode(input, v, o, r);
    return r;
}

}  // namespace mqttspec::fuzz
