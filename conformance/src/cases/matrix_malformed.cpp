// Cases generated from fixtures/matrices/malformed.json ("kind": "malformed-packets"): packets a
// broker must refuse, as bytes, each with the outcome the spec requires per version.
//
// A row sends its bytes after a successful CONNECT (or, with "first": true, instead of CONNECT) and
// passes when the broker ends the connection in a permitted way:
//   3.1.1: the broker closes the connection, sending nothing first (4.8; for a bad first packet
//          MQTT-3.1.4-1: no CONNACK);
//   5.0:   close, or DISCONNECT with any reason code >= 0x80 then close (4.13.1: the DISCONNECT is a
//          SHOULD and "a more specific Reason Code" than 0x81/0x82 is allowed); for a bad first packet,
//          close or a CONNACK >= 0x80 then close (MQTT-3.1.4-1, MQTT-3.14.0-1: no DISCONNECT before a
//          successful CONNACK).
// Each 5.0 row also generates v5/malformed/<name>/reason-code at SHOULD level: the DISCONNECT was
// sent and carries one of the row's reasons (default 0x81/0x82); for a bad first packet the CONNACK is
// a MAY, so only its code is judged when it comes.
// "or_reply" (per version) names a further permitted outcome, e.g. a SUBACK with 0x80 for an invalid
// Topic Filter; after it the connection may stay open.
//
// The bytes are a template (see the file's "comment"): hex pairs, {rl} (the Remaining Length of the
// bytes after it), {str:TEXT} (two-byte length + TEXT as UTF-8, with {prefix}, {client_id} and \xHH
// escapes for raw bytes). Every row is decoded by the strict codec at load time: a row the codec
// accepts as a valid packet is a fixture error, so the table cannot drift into testing nothing.
#include <algorithm>
#include <map>
#include <set>

#include <mqttspec/codec/json.hpp>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/fixtures.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

struct template_values {
    std::string prefix;
    std::string client_id;
};

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// {prefix}/{client_id} substitution, then \xHH escapes to raw bytes.
std::string expand_text(std::string_view text, const template_values& v) {
    std::string s;
    for (std::size_t i = 0; i < text.size();) {
        if (text.substr(i, 8) == "{prefix}") {
            s += v.prefix;
            i += 8;
        } else if (text.substr(i, 11) == "{client_id}") {
            s += v.client_id;
            i += 11;
        } else if (text.substr(i, 2) == "\\x" && i + 3 < text.size() + 0 && hex_digit(text[i + 2]) >= 0 &&
                   hex_digit(text[i + 3]) >= 0) {
            s += static_cast<char>(hex_digit(text[i + 2]) * 16 + hex_digit(text[i + 3]));
            i += 4;
        } else if (text[i] == '{' || text[i] == '}' || text[i] == '\\') {
            throw std::invalid_argument("unknown placeholder or escape at '" + std::string(text.substr(i, 12)) +
                                        "' (use {prefix}, {client_id}, \\xHH)");
        } else {
            s += text[i++];
        }
    }
    return s;
}

// Expands a byte template. Throws std::invalid_argument with what is wrong.
std::vector<std::uint8_t> expand_bytes(std::string_view tpl, const template_values& v) {
    std::vector<std::uint8_t> out;
    std::optional<std::size_t> rl_at;
    for (std::size_t i = 0; i < tpl.size();) {
        const char c = tpl[i];
        if (c == ' ' || c == '\t' || c == '\n') {
            ++i;
        } else if (c == '{') {
            // Find the matching brace (TEXT may itself contain {prefix}).
            std::size_t depth = 0, end = i;
            for (; end < tpl.size(); ++end) {
                if (tpl[end] == '{') ++depth;
                if (tpl[end] == '}' && --depth == 0) break;
            }
            if (end == tpl.size()) throw std::invalid_argument("unterminated '{' at offset " + std::to_string(i));
            const auto token = tpl.substr(i + 1, end - i - 1);
            if (token == "rl") {
                if (rl_at) throw std::invalid_argument("{rl} appears twice");
                rl_at = out.size();
            } else if (token.substr(0, 4) == "str:") {
                const std::string s = expand_text(token.substr(4), v);
                if (s.size() > 65535) throw std::invalid_argument("{str:...} longer than 65535 bytes");
                out.push_back(static_cast<std::uint8_t>(s.size() >> 8));
                out.push_back(static_cast<std::uint8_t>(s.size() & 0xFF));
                out.insert(out.end(), s.begin(), s.end());
            } else {
                throw std::invalid_argument("unknown token {" + std::string(token) + "} (use {rl} or {str:TEXT})");
            }
            i = end + 1;
        } else {
            if (i + 1 >= tpl.size() || hex_digit(c) < 0 || hex_digit(tpl[i + 1]) < 0) {
                throw std::invalid_argument("expected a pair of hex digits at offset " + std::to_string(i));
            }
            out.push_back(static_cast<std::uint8_t>(hex_digit(c) * 16 + hex_digit(tpl[i + 1])));
            i += 2;
        }
    }
    if (rl_at) {
        std::vector<std::uint8_t> length;
        codec::put_varint(length, static_cast<std::uint32_t>(out.size() - *rl_at));
        out.insert(out.begin() + static_cast<std::ptrdiff_t>(*rl_at), length.begin(), length.end());
    }
    if (out.empty()) throw std::invalid_argument("no bytes");
    return out;
}

struct malformed_row {
    std::string name;
    std::string bytes_template;
    bool first = false;
    std::vector<std::uint8_t> reasons;  // 5.0
    std::optional<json> or_reply;       // a further permitted outcome (pattern)
    std::string codec_verdict;          // what the strict codec says about the bytes, for the transcript
};

std::string describe(const client_event& e) {
    switch (e.kind) {
        case event_kind::packet: return e.packet->as_json.dump();
        case event_kind::closed: return "connection closed (" + e.detail + ")";
        case event_kind::timeout: return "nothing (the connection stayed open)";
        case event_kind::malformed: return "a malformed packet: " + e.error.message;
    }
    return "?";
}

// How the broker ended (or did not end) the exchange after the row's bytes.
struct refusal {
    enum class kind { closed, alternative_reply, still_open, unexpected_packet } how = kind::still_open;
    // 5.0: the DISCONNECT (CONNACK for a first packet) with a reason >= 0x80 sent before the close.
    std::optional<received_packet> error_packet;
    std::string detail;  // what arrived instead, for the evidence
};

refusal observe_refusal(case_context& t, const malformed_row& row, const std::optional<pattern>& alternative) {
    const template_values values{t.prefix(), t.client_id("c")};
    const auto bytes = expand_bytes(row.bytes_template, values);
    t.note("sending " + codec::to_hex(bytes) + " - the codec: " + row.codec_verdict);
    client& c = row.first ? t.open("c") : t.connect("c");
    c.send_raw(bytes);
    // 4.13.1 / MQTT-3.1.4-1: before closing the broker may send one DISCONNECT (CONNACK for a bad
    // first packet, never DISCONNECT before a successful CONNACK: MQTT-3.14.0-1) with any error code.
    std::optional<pattern> error_packet;
    if (t.v5()) error_packet.emplace(json{{"type", row.first ? "CONNACK" : "DISCONNECT"}, {"reason_code", {{"at_least", 0x80}}}});
    refusal r;
    const auto until = c.default_deadline();
    for (;;) {
        auto e = c.next_event(until);
        if (e.kind == event_kind::closed) {
            r.how = refusal::kind::closed;
            return r;
        }
        if (e.kind == event_kind::malformed) c.expect_well_formed();  // fails with the codec's error
        if (e.kind == event_kind::timeout) {
            r.how = refusal::kind::still_open;
            r.detail = describe(e);
            return r;
        }
        const auto& p = *e.packet;
        if (alternative && !r.error_packet && alternative->matches(p.as_json)) {
            r.how = refusal::kind::alternative_reply;
            r.detail = p.as_json.dump();
            return r;
        }
        if (error_packet && !r.error_packet && error_packet->matches(p.as_json)) {
            r.error_packet = std::move(e.packet);
            continue;
        }
        r.how = refusal::kind::unexpected_packet;
        r.detail = p.as_json.dump();
        return r;
    }
}

std::optional<pattern> alternative_of(case_context& t, const malformed_row& row) {
    if (!row.or_reply) return std::nullopt;
    return pattern(substitute(*row.or_reply, {{"prefix", t.prefix()}}));
}

// MUST level: the connection is closed, after at most the one error packet the version allows.
void run_row(case_context& t, const malformed_row& row) {
    const auto alternative = alternative_of(t, row);
    const auto r = observe_refusal(t, row, alternative);
    const std::string statement = t.info().statements.front();
    std::string expected = t.v5() ? std::string("close, or ") + (row.first ? "CONNACK" : "DISCONNECT") +
                                        " with a reason code >= 0x80 then close"
                                  : std::string("the connection closed with nothing sent first");
    if (alternative) expected += ", or " + alternative->str();
    switch (r.how) {
        case refusal::kind::closed:
        case refusal::kind::alternative_reply: return;
        case refusal::kind::still_open:
            t.fail(r.error_packet ? "the broker sent its error packet but did not close the connection"
                                  : "the broker did not close the connection after the invalid packet",
                   expected, r.detail, statement);
        case refusal::kind::unexpected_packet:
            t.fail("the broker answered the invalid packet instead of closing the connection", expected, r.detail,
                   statement);
    }
}

// SHOULD level (5.0): the reason code of the refusal. 4.13.1: the server SHOULD send a DISCONNECT with
// 0x81 (Malformed Packet) or 0x82 (Protocol Error) "unless a more specific Reason Code has been
// defined"; for an error in CONNECT a CONNACK with the code is a MAY (MQTT-3.1.4-1), so closing
// silently is fine there. Whether the broker closed at all is the MUST case's verdict, not this one's.
void run_row_reason_code(case_context& t, const malformed_row& row, const std::string& must_case) {
    const auto alternative = alternative_of(t, row);
    const auto r = observe_refusal(t, row, alternative);
    json wanted = json::array();
    for (auto code : row.reasons) wanted.push_back(code);
    const std::string packet_type = row.first ? "CONNACK" : "DISCONNECT";
    const std::string expected = packet_type + " with reason " + wanted.dump() + " (or a more specific code) before the close" +
                                 (row.first ? ", or a close without CONNACK" : "");
    if (r.how == refusal::kind::alternative_reply) return;  // the reply carries its own failure code
    if (r.error_packet) {
        const auto code = r.error_packet->as_json.at("reason_code").get<int>();
        t.check(std::find(row.reasons.begin(), row.reasons.end(), code) != row.reasons.end(),
                "the broker refused the packet with a reason code other than the one 4.13.1 suggests; it may be a "
                "more specific code the standard defines for this error",
                expected, r.error_packet->as_json.dump(), "MQTT-4.13.1-1");
        return;
    }
    if (r.how != refusal::kind::closed) {
        t.skip("the broker did not refuse the packet (" + r.detail + "), so there is no reason code to judge; " +
               must_case + " judges that");
    }
    t.check(row.first, "the broker closed the connection without sending DISCONNECT with a reason code first", expected,
            "connection closed", "MQTT-4.13.1-1");
}

// ---- loading ----------------------------------------------------------------------------------

// A value that is either the same for every version or an object keyed by version name.
const json* for_version(fixture_object& r, const json* v, const std::string& key, const std::string& version_name) {
    if (v == nullptr) return nullptr;
    if (v->is_object() && !v->contains("type")) {
        for (auto it = v->begin(); it != v->end(); ++it) {
            if (it.key() != "3.1.1" && it.key() != "5") r.fail(key + "/" + it.key(), "unknown version (use \"3.1.1\" or \"5\")");
        }
        const auto it = v->find(version_name);
        return it == v->end() ? nullptr : &*it;
    }
    return v;
}

// Decodes the row's bytes (with placeholder values) as the broker would; returns the codec's view.
// A row whose bytes are a valid packet the broker must accept is an error in the table.
std::string check_row_bytes(fixture_object& r, const std::string& tpl, codec::protocol_version version, bool first,
                            const std::string& key) {
    std::vector<std::uint8_t> bytes;
    try {
        bytes = expand_bytes(tpl, {"mqttspec/load-check/0", "mqttspec-load-check"});
    } catch (const std::invalid_argument& e) {
        r.fail(key, e.what());
    }
    const auto d = codec::decode(bytes, version, {.sender = codec::sender::client});
    if (d.status == codec::decode_status::error) {
        return std::string(codec::to_string(d.error.code)) + " (" + std::string(codec::to_string(d.error.kind)) +
               (d.error.statement.empty() ? "" : ", " + std::string(d.error.statement)) + ")";
    }
    if (d.status == codec::decode_status::need_more) {
        r.fail(key, "the bytes are an incomplete packet: a broker would wait for the rest, not reject it");
    }
    if (d.consumed != bytes.size()) r.fail(key, "the bytes hold more than one packet");
    const auto type = codec::type_of(d.pkt);
    const bool is_connect = type == codec::packet_type::connect;
    if (first && !is_connect) return "a valid " + std::string(codec::to_string(type)) + ", but not a CONNECT";
    if (!first && is_connect) return "a valid CONNECT, but a second one on the connection";
    r.fail(key, "the strict codec decodes these bytes as a valid " + std::string(codec::to_string(type)) +
                    (first ? " CONNECT" : "") + ": not a malformed packet");
}

std::vector<case_def> load_malformed(const json& doc, const std::filesystem::path& file) {
    std::vector<case_def> out;
    read_matrix_rows(doc, file, [](fixture_object&) {}, [&](fixture_object& r, const std::string& name) {
        malformed_row base;
        base.name = name;
        const std::string title = r.string("title");
        const json* hex = &r.required("hex");
        if (const json* v = r.optional("first")) {
            if (!v->is_boolean()) r.fail("first", "must be true or false");
            base.first = v->get<bool>();
        }
        if (const json* v = r.optional("reasons")) {
            if (!v->is_array() || v->empty()) r.fail("reasons", "must be a non-empty array of 5.0 reason codes");
            for (const auto& code : *v) {
                if (!code.is_number_unsigned() || code.get<std::uint64_t>() < 0x80 || code.get<std::uint64_t>() > 255) {
                    r.fail("reasons", "must be an array of error reason codes 128..255");
                }
                base.reasons.push_back(code.get<std::uint8_t>());
            }
        } else {
            base.reasons = {codec::reason::malformed_packet, codec::reason::protocol_error};
        }
        const json* or_reply = r.optional("or_reply");
        case_info common;
        read_level_and_needs(r, common);
        for (const auto& v : read_statements_per_version(r)) {
            malformed_row row = base;
            case_info info = common;
            info.statements = v.statements;
            const json* h = for_version(r, hex, "hex", v.name);
            if (h == nullptr || !h->is_string()) r.fail("hex", "needs a byte template (a string) for version " + v.name);
            row.bytes_template = h->get<std::string>();
            row.codec_verdict = check_row_bytes(r, row.bytes_template, v.version, row.first, "hex");
            if (const json* reply = for_version(r, or_reply, "or_reply", v.name)) {
                try {
                    pattern check(*reply);
                } catch (const pattern_error& e) {
                    throw fixture_error(file, r.path() + "/or_reply" + e.path, e.what());
                }
                row.or_reply = *reply;
            }
            info.id = v.prefix + "malformed/" + row.name;
            info.title = title;
            info = validated_fixture_case(r, std::move(info));
            if (v.version == codec::protocol_version::v5) {
                // The reason code is a separate, SHOULD-level verdict (see run_row_reason_code).
                case_info reason_info;
                reason_info.id = info.id + "/reason-code";
                reason_info.title = "After " + row.name + ", the " + (row.first ? "CONNACK" : "DISCONNECT") +
                                    " that precedes the close carries the reason code 4.13.1 suggests";
                reason_info.statements = {"MQTT-4.13.1-1"};
                reason_info.lvl = info.lvl == level::may ? level::may : level::should;
                out.push_back({validated_fixture_case(r, std::move(reason_info)), [row, must_case = info.id](case_context& t) {
                                   run_row_reason_code(t, row, must_case);
                               }});
            }
            out.push_back({std::move(info), [row](case_context& t) { run_row(t, row); }});
        }
    });
    return out;
}

const register_matrix_format malformed_format("malformed-packets", &load_malformed);

}  // namespace
}  // namespace mqttspec::conformance
