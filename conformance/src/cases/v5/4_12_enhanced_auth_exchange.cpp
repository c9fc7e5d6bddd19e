// 5.0 Enhanced authentication (4.12) with a method the broker supports, named by the profile
// ("auth": {"method", "data", "responses", "rejected_data"}). Without one the cases are skipped.
#include <functional>
#include <optional>
#include <string>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/enhanced_auth.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

enhanced_auth profile_auth(case_context& t) {
    auto a = enhanced_auth_of(t.prof());
    if (!a) t.skip("the profile names no enhanced authentication method the broker supports (auth.method)");
    return *a;
}

std::string hex_byte(unsigned v) {
    static constexpr char digits[] = "0123456789abcdef";
    return std::string("0x") + digits[(v >> 4) & 15] + digits[v & 15];
}

codec::property_list auth_properties(const enhanced_auth& a, const std::optional<std::string>& data) {
    codec::property_list props = {string_property(property_id::authentication_method, a.method)};
    if (data) props.push_back(string_property(property_id::authentication_data, *data));
    return props;
}

std::string method_of(const received_packet& p) {
    const auto& j = p.as_json;
    if (j.contains("properties") && j.at("properties").contains("authentication_method")) {
        return j.at("properties").at("authentication_method").get<std::string>();
    }
    return "(none)";
}

// MQTT-4.12.0-5: every AUTH and a successful CONNACK carry the CONNECT's Authentication Method.
void check_method(case_context& t, const enhanced_auth& a, const received_packet& p) {
    const auto got = method_of(p);
    t.check(got == a.method, "the server's " + std::string(p.as_json.at("type").get<std::string>()) +
                                 " does not carry the Authentication Method of the CONNECT",
            "authentication_method " + a.method, "authentication_method " + got + ": " + p.as_json.dump(), "MQTT-4.12.0-5");
}

// Runs the server's side of an exchange started by the client (CONNECT or AUTH 0x19) until a packet
// other than AUTH 0x18 arrives or the connection closes. Each server AUTH 0x18 is answered with AUTH
// 0x18 (MQTT-4.12.0-3), the method and `answer(step)`; no answer skips the case. `judge` checks each
// server AUTH for reason 0x18 (MQTT-4.12.0-2) and the method (MQTT-4.12.0-5). Returns the packet that
// ended the exchange, nullopt when the server closed the connection.
std::optional<received_packet> run_exchange(case_context& t, client& c, const enhanced_auth& a,
                                            const std::function<std::optional<std::string>(std::size_t)>& answer,
                                            bool judge) {
    for (std::size_t step = 0;; ++step) {
        auto e = c.next_event(c.default_deadline());
        if (e.kind == event_kind::malformed) c.expect_well_formed();
        if (e.kind == event_kind::closed) return std::nullopt;
        if (e.kind == event_kind::timeout) {
            t.fail("the server did not answer the authentication step", "AUTH, CONNACK, DISCONNECT or a close",
                   "nothing within the timeout");
        }
        const received_packet& p = *e.packet;
        if (p.type() != codec::packet_type::auth) return p;
        const auto reason = p.as<codec::auth_packet>().reason_code;
        if (judge) {
            t.check(reason == 0x18, "a server AUTH during authentication does not carry reason 0x18 (Continue authentication)",
                    "AUTH reason 0x18", "AUTH reason " + hex_byte(reason), "MQTT-4.12.0-2");
            check_method(t, a, p);
        }
        if (reason != 0x18) return p;
        const auto data = answer(step);
        if (!data) {
            t.skip("the server asked for authentication step " + std::to_string(step + 1) +
                   " and the profile gives no answer for it (auth.responses)");
        }
        codec::auth_packet reply;
        reply.reason_code = 0x18;
        reply.properties = auth_properties(a, data);
        c.send(reply);
    }
}

std::optional<std::string> profile_response(const enhanced_auth& a, std::size_t step) {
    if (step < a.responses.size()) return a.responses[step];
    return std::nullopt;
}

// CONNECT with the profile's method and `data`, as a raw client (no CONNACK expected by connect()).
client& connect_with_method(case_context& t, const enhanced_auth& a, const std::optional<std::string>& data) {
    auto& c = t.open("c");
    connect_options o;
    o.properties = auth_properties(a, data);
    c.send(t.make_connect("c", o));
    return c;
}

// Connects with the profile's method and data; skips when the profile's authentication does not succeed.
client& authenticated(case_context& t, const enhanced_auth& a, bool judge) {
    auto& c = connect_with_method(t, a, a.data);
    const auto end = run_exchange(t, c, a, [&](std::size_t step) { return profile_response(a, step); }, judge);
    if (!end) t.skip("the server closed the connection during the profile's authentication (auth.method " + a.method + ")");
    if (end->type() != codec::packet_type::connack) {
        t.fail("the server ended the CONNECT's authentication with a packet other than AUTH or CONNACK", "AUTH 0x18 or CONNACK",
               end->as_json.dump());
    }
    const auto reason = end->as<codec::connack_packet>().reason_code;
    if (reason >= 0x80) t.skip("the server refused the profile's authentication (CONNACK " + hex_byte(reason) + "): check auth in the profile");
    if (judge) check_method(t, a, *end);
    return c;
}

MQTTSPEC_CASE(enhanced_auth_exchange, {
    .id = "v5/auth/enhanced-exchange",
    .title = "With the profile's Authentication Method, each server AUTH carries reason 0x18 and the method, and the successful CONNACK repeats the method (skipped without auth in the profile)",
    .statements = {"MQTT-4.12.0-2", "MQTT-4.12.0-5", "MQTT-3.15.2-1"},
}) {
    const auto a = profile_auth(t);
    auto& c = authenticated(t, a, true);
    c.barrier();
}

MQTTSPEC_CASE(enhanced_auth_rejected_closes, {
    .id = "v5/auth/enhanced-rejected-closes",
    .title = "When the server rejects enhanced authentication it closes the connection, optionally after a CONNACK of 0x80 or above (skipped without auth.rejected_data in the profile)",
    .statements = {"MQTT-4.12.0-4", "MQTT-4.12.0-2"},
}) {
    const auto a = profile_auth(t);
    if (!a.rejected_data) t.skip("the profile gives no Authentication Data the server rejects (auth.rejected_data)");
    auto& c = connect_with_method(t, a, a.rejected_data);
    // Every further step gets the rejected data too: the server may reject at any step (4.12).
    const auto end = run_exchange(t, c, a, [&](std::size_t) { return a.rejected_data; }, false);
    if (!end) return;  // closed without CONNACK: allowed
    const auto& j = end->as_json;
    if (end->type() != codec::packet_type::connack) {
        t.fail("the server answered rejected authentication with a packet other than AUTH or CONNACK", "CONNACK >= 0x80 and close, or close",
               j.dump(), "MQTT-4.12.0-4");
    }
    const auto reason = end->as<codec::connack_packet>().reason_code;
    if (reason < 0x80) t.skip("the server accepted the profile's auth.rejected_data (CONNACK " + hex_byte(reason) + "): nothing was rejected");
    c.expect_closed();
}

MQTTSPEC_CASE(reauthentication_failure_closes, {
    .id = "v5/auth/reauthentication-failure-closes",
    .title = "A failed re-authentication ends with the server closing the connection, optionally after a DISCONNECT of 0x80 or above (skipped without auth.rejected_data in the profile)",
    .statements = {"MQTT-4.12.1-2", "MQTT-4.12.0-2"},
}) {
    const auto a = profile_auth(t);
    if (!a.rejected_data) t.skip("the profile gives no Authentication Data the server rejects (auth.rejected_data)");
    auto& c = authenticated(t, a, false);
    codec::auth_packet reauth;
    reauth.reason_code = 0x19;  // Re-authenticate
    reauth.properties = auth_properties(a, a.rejected_data);
    c.send(reauth);
    const auto end = run_exchange(t, c, a, [&](std::size_t) { return a.rejected_data; }, false);
    if (!end) return;  // closed: the MUST holds (the DISCONNECT first is a SHOULD)
    if (end->type() == codec::packet_type::auth) {
        t.skip("the server accepted the re-authentication with the profile's auth.rejected_data (AUTH " +
               hex_byte(end->as<codec::auth_packet>().reason_code) + "): nothing was rejected");
    }
    const bool disconnect_with_error =
        end->type() == codec::packet_type::disconnect && end->as<codec::disconnect_packet>().reason_code >= 0x80;
    t.check(disconnect_with_error, "the server answered a failed re-authentication with something other than DISCONNECT >= 0x80 or a close",
            "DISCONNECT >= 0x80 then close, or close", end->as_json.dump(), "MQTT-4.12.1-2");
    c.expect_closed();
}

}  // namespace
}  // namespace mqttspec::conformance
