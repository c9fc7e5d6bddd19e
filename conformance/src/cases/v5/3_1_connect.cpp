// MQTT 5.0, section 3.1 CONNECT: connect.
#include <cctype>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(auth_data_without_method, {
    .id = "v5/auth/data-without-method-rejected",
    .title = "Authentication Data without an Authentication Method in CONNECT is a Protocol Error: the CONNECT is refused and the connection closed",
    .statements = {"MQTTSPEC-5-3.1.2.11.10-data-without-method", "MQTT-3.1.4-1"},
}) {
    auto& c = t.open("c");
    connect_options o;
    o.properties = {string_property(property_id::authentication_data, "abc")};
    c.send(t.make_connect("c", o));
    // 3.1.2.11.10: "It is a Protocol Error to include Authentication Data if there is no Authentication Method."
    expect_connect_rejected(c, {.reasons = {}, .close_without_connack_allowed = true, .statement = "MQTT-3.1.4-1"});
}

MQTTSPEC_CASE(basic_accept, {
    .id = "v5/connect/basic-accept",
    .title = "A valid CONNECT with Clean Start 1 is accepted with reason code 0x00 and Session Present 0",
    .statements = {"MQTT-3.2.0-1", "MQTT-3.2.2-2", "MQTT-3.1.4-5"},
}) {
    auto& c = t.open("c");
    const auto connack = c.handshake(t.make_connect("c", {}));
    c.expect_none({{"type", "CONNACK"}});  // MQTT-3.2.0-2: at most one CONNACK
    t.check(connack.as_json.value("reason_code", -1) == 0, "CONNACK reason code is not Success",
            "reason_code 0", connack.as_json.dump(), "MQTT-3.1.4-5");
    t.check(!connack.as<codec::connack_packet>().session_present,
            "Session Present is 1 on a Clean Start connection", "session_present false",
            connack.as_json.dump(), "MQTT-3.2.2-2");
}

// Judges the reply to a CONNECT the broker must refuse for its protocol name or version: nothing or
// one CONNACK refusing it, then the close. 3.1.4: a server may serve several protocols on one port
// and applies the 5.0 rules only once it has determined that the client speaks 5.0; for a name or
// version it does not know it cannot tell which CONNACK layout the client reads, so besides the 5.0
// CONNACK 0x84 the 3.1.1 layout of the same refusal (20 02 00 01, 3.1.1's MQTT-3.1.2-2) is accepted.
void expect_protocol_refused(case_context& t, const raw_reply& reply, const std::string& statement) {
    const auto hex = codec::to_hex(reply.bytes);
    if (!reply.bytes.empty() && hex != "20020001") {
        const auto r = codec::decode(reply.bytes, codec::protocol_version::v5, {.sender = codec::sender::server});
        const bool refused_in_5 = r.ok() && r.consumed == reply.bytes.size() &&
                                  codec::type_of(r.pkt) == codec::packet_type::connack &&
                                  std::get<codec::connack_packet>(r.pkt).reason_code ==
                                      codec::reason::unsupported_protocol_version &&
                                  !std::get<codec::connack_packet>(r.pkt).session_present;
        t.check(refused_in_5, "the broker did not refuse the CONNECT as the spec allows",
                "nothing, or CONNACK 0x84 (5.0 layout) or 20 02 00 01 (3.1.1 layout), then close", hex, statement);
    }
    t.check(reply.closed, "the broker did not close the connection", "connection closed",
            hex.empty() ? "connection open, nothing received" : hex + ", connection open", statement);
}

MQTTSPEC_CASE(unsupported_protocol_version, {
    .id = "v5/connect/unsupported-protocol-version",
    .title = "A CONNECT with a Protocol Version the server does not support is refused (CONNACK 0x84 allowed) and the connection closed",
    .statements = {"MQTT-3.1.2-2"},
}) {
    auto packet = t.make_connect("c", {});
    packet.protocol_level = 6;  // no such MQTT version; otherwise a 5.0 CONNECT
    const auto bytes = codec::encode(packet, codec::protocol_version::v5);
    expect_protocol_refused(t, raw_exchange(t, "c", bytes), "MQTT-3.1.2-2");
}

MQTTSPEC_CASE(bad_protocol_name, {
    .id = "v5/connect/bad-protocol-name",
    .title = "A CONNECT whose Protocol Name is not \"MQTT\" is refused (CONNACK 0x84 allowed) and the connection closed",
    .statements = {"MQTT-3.1.2-1"},
}) {
    auto packet = t.make_connect("c", {});
    packet.protocol_name = "MQTX";
    const auto bytes = codec::encode(packet, codec::protocol_version::v5);
    expect_protocol_refused(t, raw_exchange(t, "c", bytes), "MQTT-3.1.2-1");
}

MQTTSPEC_CASE(password_flag_without_password, {
    .id = "v5/connect/password-flag-without-password",
    .title = "A CONNECT with Password Flag 1 but no Password in the payload is malformed: the server closes the connection",
    .statements = {"MQTT-3.1.4-1", "MQTT-3.1.2-19"},
}) {
    auto& c = t.open("c");
    connect_options o;
    o.credentials = false;
    c.send_raw(connect_with_flag_bits(t, "c", o, 0x40));
    expect_connect_rejected(c, connect_refusal("MQTT-3.1.4-1"));
}

MQTTSPEC_CASE(client_id_23_alphanumeric, {
    .id = "v5/connect/client-id-23-alphanumeric",
    .title = "A Client Identifier of 23 ASCII letters and digits is accepted",
    .statements = {"MQTT-3.1.3-5", "MQTT-3.1.4-5"},
}) {
    // Letters and digits only, unique to this run and case: the run's client ID with the rest
    // stripped, keeping its end (nonce and case number), padded to exactly 23 bytes.
    std::string id;
    for (char ch : t.client_id("id23")) {
        if (std::isalnum(static_cast<unsigned char>(ch))) id += ch;
    }
    if (id.size() > 23) id = id.substr(id.size() - 23);
    id.append(23 - id.size(), '0');
    connect_options o;
    o.client_id = id;
    o.expect_reason = std::nullopt;
    t.connect("c", o);
    const auto& connack = t.connack("c");
    t.check(connack.as_json.value("reason_code", -1) == 0, "a 23-character alphanumeric Client Identifier was refused",
            "CONNACK reason code 0x00", connack.as_json.dump(), "MQTT-3.1.3-5");
    // Stored under that identifier: the assigned-identifier property is for zero-length IDs only.
    t.check(!connack.as_json["properties"].contains("assigned_client_identifier"),
            "the broker replaced a valid Client Identifier", "no assigned_client_identifier",
            connack.as_json.dump(), "MQTT-3.1.3-5");
}

MQTTSPEC_CASE(rejected_connect_ignores_following, {
    .id = "v5/connect/rejected-ignores-following-packets",
    .title = "After refusing a CONNECT the server processes nothing the client sent after it, sets Session Present 0 and closes",
    .statements = {"MQTT-3.1.4-6", "MQTT-3.2.2-6", "MQTT-3.2.2-7", "MQTT-4.13.2-1", "MQTT-3.14.0-1"},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 0);
    // A well-formed CONNECT the broker refuses: an Authentication Method nobody implements
    // (4.12: CONNACK 0x8C or 0x87 allowed, then close). A PUBLISH and a PINGREQ follow at once.
    connect_options o;
    o.properties.push_back({codec::property_id::authentication_method, 0, "mqttspec-no-such-method", {}});
    auto& c = t.open("c");
    // One write: the broker may close right after the CONNECT, and a later write would then fail
    // on our side instead of testing the broker.
    codec::publish_packet after;
    after.topic = topic;
    after.payload = "after-refused-connect";
    std::vector<std::uint8_t> burst = codec::encode(codec::packet{t.make_connect("c", o)}, t.version());
    for (const codec::packet& p : {codec::packet{after}, codec::packet{codec::pingreq_packet{}}}) {
        const auto bytes = codec::encode(p, t.version());
        burst.insert(burst.end(), bytes.begin(), bytes.end());
    }
    c.send_raw(burst);
    const auto until = c.default_deadline();
    auto first = c.next_event(until);
    if (first.kind == event_kind::packet && first.packet->type() == codec::packet_type::connack &&
        first.packet->as<codec::connack_packet>().reason_code == 0) {
        t.skip("the broker accepted the unknown Authentication Method, so no refusal could be provoked");
    }
    if (first.kind == event_kind::malformed) c.expect_well_formed();
    if (first.kind == event_kind::timeout) {
        t.fail("the broker neither answered nor closed the connection", "CONNACK >= 0x80 then close, or close",
               "nothing", "MQTT-3.2.2-7");
    }
    if (first.kind == event_kind::packet) {
        const pattern refusal({{"type", "CONNACK"}, {"session_present", false}, {"reason_code", {{"at_least", 0x80}}}});
        t.check(refusal.matches(first.packet->as_json), "the broker answered the refused CONNECT wrongly",
                refusal.str(), first.packet->as_json.dump(), "MQTT-3.2.2-6");
        // MQTT-3.2.2-7: close after the refusal; the PINGREQ sent after CONNECT gets no PINGRESP.
        c.expect_closed();
    }
    expect_no_delivery_unordered_marker(pub, sub, topic, 0, {{"type", "PUBLISH"}, {"payload", "after-refused-connect"}});
}

}  // namespace
}  // namespace mqttspec::conformance
