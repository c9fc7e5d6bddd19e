// MQTT 5.0, section 3.1 CONNECT: connect properties.
#include <map>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "empty_client_id.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

std::string assigned_id(case_context& t, const std::string& name) {
    const auto* p = codec::find(connack_of(t, name).properties, property_id::assigned_client_identifier);
    t.check(p != nullptr, "the CONNACK for a zero-length Client Identifier has no Assigned Client Identifier",
            "an assigned_client_identifier property", t.connack(name).as_json.dump(), "MQTT-3.2.2-16");
    return std::string(p->data);
}

MQTTSPEC_CASE(assigned_id_returned, {
    .id = "v5/assigned-client-id/returned-for-empty-id",
    .title = "A CONNECT with a zero-length Client Identifier is answered with a non-empty Assigned Client Identifier",
    .statements = {"MQTT-3.2.2-16", "MQTT-3.1.3-7"},
    .needs = {requirement::empty_client_id},
}) {
    empty_client_id::connect(t, "anonymous", {}, "MQTT-3.1.3-7");
    const auto id = assigned_id(t, "anonymous");
    t.check(!id.empty(), "the Assigned Client Identifier is empty", "a non-empty identifier", "\"\"", "MQTT-3.2.2-16");
}

MQTTSPEC_CASE(assigned_ids_unique, {
    .id = "v5/assigned-client-id/unique",
    .title = "Two connections with zero-length Client Identifiers are assigned different identifiers, and both stay connected",
    .statements = {"MQTT-3.2.2-16", "MQTT-3.1.3-6"},
    .needs = {requirement::empty_client_id},
}) {
    auto& a = empty_client_id::connect(t, "first", {}, "MQTT-3.1.3-6");
    auto& b = empty_client_id::connect(t, "second", {}, "MQTT-3.1.3-6");
    const auto ida = assigned_id(t, "first"), idb = assigned_id(t, "second");
    t.check(ida != idb, "two sessions were assigned the same Client Identifier", "different identifiers", ida + " and " + idb);
    // Had the broker given them one session, the second CONNECT would have taken the first over.
    a.barrier();
    b.barrier();
}

MQTTSPEC_CASE(assigned_id_resumable, {
    .id = "v5/assigned-client-id/identifies-the-session",
    .title = "The Assigned Client Identifier is the session's identifier: reconnecting with it resumes the session",
    .statements = {"MQTT-3.1.3-7", "MQTT-3.2.2-3", "MQTT-3.2.2-16"},
    .needs = {requirement::empty_client_id, requirement::qos1},
}) {
    connect_options empty;
    empty.session_expiry = 300;
    auto& c = empty_client_id::connect(t, "anonymous", empty, "MQTT-3.1.3-7");
    const auto id = assigned_id(t, "anonymous");
    t.session_kept(id);
    c.subscribe(t.topic("t"), 1);
    // Reconnect only once the broker has closed this connection (and so stored the session).
    helpers::disconnect_and_await_close(t, c);
    connect_options back;
    back.client_id = id;
    back.clean_start = false;
    back.session_expiry = 300;
    t.connect("anonymous-again", back);
    t.check(connack_of(t, "anonymous-again").session_present,
            "reconnecting with the Assigned Client Identifier did not find the session", "session_present true",
            t.connack("anonymous-again").as_json.dump(), "MQTT-3.1.3-7");
}

// Packets that are neither PUBLISH, CONNACK nor DISCONNECT must carry no Reason String and no User
// Property when the client sent Request Problem Information 0.
void check_no_problem_information(case_context& t, client& c) {
    c.barrier();
    for (const auto& r : c.inbox()) {
        const auto type = r.type();
        if (type == codec::packet_type::publish || type == codec::packet_type::disconnect) continue;
        const json props = r.as_json.value("properties", json::object());
        t.check(!props.contains("reason_string") && !props.contains("user_property"),
                "the broker sent a Reason String or User Property after Request Problem Information 0",
                "no reason_string / user_property", r.as_json.dump());
    }
}

MQTTSPEC_CASE(problem_information_suppressed, {
    .id = "v5/problem-information/suppressed-when-not-requested",
    .title = "With Request Problem Information 0 the server sends no Reason String or User Property on acknowledgements",
    .statements = {"MQTT-3.1.2-29"},
    .needs = {requirement::qos1},
}) {
    connect_options quiet;
    quiet.properties = {number_property(property_id::request_problem_information, 0)};
    auto& c = t.connect("quiet", quiet);
    // Acknowledgements that have something to explain: no subscribers, no subscription, refused filters.
    const auto suback = c.subscribe(t.topic("t"), 1);
    c.unsubscribe(t.topic("never-subscribed"));
    c.publish(t.topic("nobody"), "x", 1);
    if (t.caps().maximum_qos >= 2) c.publish(t.topic("nobody"), "x", 2);  // PUBREC 0x10 likewise
    // SUBACK consumed above: judge it too.
    const json props = suback.as_json.value("properties", json::object());
    t.check(!props.contains("reason_string") && !props.contains("user_property"),
            "the broker sent a Reason String or User Property after Request Problem Information 0",
            "no reason_string / user_property", suback.as_json.dump());
    check_no_problem_information(t, c);
}

MQTTSPEC_CASE(response_information_not_requested, {
    .id = "v5/response-information/absent-when-not-requested",
    .title = "Without Request Response Information the CONNACK carries no Response Information",
    .statements = {"MQTT-3.1.2-28"},
}) {
    t.connect("c");
    t.check(codec::find(connack_of(t, "c").properties, property_id::response_information) == nullptr,
            "the CONNACK carries Response Information nobody asked for", "no response_information",
            t.connack("c").as_json.dump());
}

MQTTSPEC_CASE(response_information_zero, {
    .id = "v5/response-information/absent-when-request-is-0",
    .title = "With Request Response Information 0 the CONNACK carries no Response Information",
    .statements = {"MQTT-3.1.2-28"},
}) {
    connect_options o;
    o.properties = {number_property(property_id::request_response_information, 0)};
    t.connect("c", o);
    t.check(codec::find(connack_of(t, "c").properties, property_id::response_information) == nullptr,
            "the CONNACK carries Response Information although the client sent Request Response Information 0",
            "no response_information", t.connack("c").as_json.dump());
}

// 3.1.2.11.6/7: a value other than 0 or 1 is a Protocol Error in CONNECT.
void connect_with_bad_flag(case_context& t, property_id which) {
    auto& c = t.open("c");
    connect_options bad;
    bad.properties = {number_property(which, 2)};
    c.send(t.make_connect("c", bad));
    expect_connect_rejected(c, {.reasons = {}, .close_without_connack_allowed = true, .statement = "MQTT-3.1.4-1"});
}

MQTTSPEC_CASE(problem_information_invalid, {
    .id = "v5/problem-information/value-2-rejected",
    .title = "Request Problem Information 2 is a Protocol Error: the server refuses the CONNECT (CONNACK >= 0x80 optional) and closes",
    .statements = {"MQTT-3.1.4-1"},
}) {
    connect_with_bad_flag(t, property_id::request_problem_information);
}

MQTTSPEC_CASE(response_information_invalid, {
    .id = "v5/response-information/value-2-rejected",
    .title = "Request Response Information 2 is a Protocol Error: the server refuses the CONNECT (CONNACK >= 0x80 optional) and closes",
    .statements = {"MQTT-3.1.4-1"},
}) {
    connect_with_bad_flag(t, property_id::request_response_information);
}

MQTTSPEC_CASE(receive_maximum_zero_rejected, {
    .id = "v5/flow-control/receive-maximum-zero-rejected",
    .title = "A CONNECT with Receive Maximum 0 is a Protocol Error: the server refuses it (CONNACK >= 0x80 optional) and closes",
    .statements = {"MQTTSPEC-5-3.1.2.11.3-receive-maximum-zero", "MQTT-3.1.4-1"},
}) {
    auto& c = t.open("c");
    connect_options bad;
    bad.properties = {number_property(property_id::receive_maximum, 0)};
    c.send(t.make_connect("c", bad));
    expect_connect_rejected(c, {.reasons = {}, .close_without_connack_allowed = true, .statement = "MQTT-3.1.4-1"});
}

MQTTSPEC_CASE(server_sends_no_alias_when_client_maximum_zero, {
    .id = "v5/topic-alias/none-to-client-with-maximum-zero",
    .title = "The server sends no Topic Alias to a client that announced Topic Alias Maximum 0",
    .statements = {"MQTT-3.1.2-27"},
}) {
    connect_options zero;
    zero.properties = {number_property(property_id::topic_alias_maximum, 0)};
    auto& sub = t.connect("sub", zero);
    auto& pub = t.connect("pub");
    const auto topic = t.topic("repeated");
    sub.subscribe(topic, 0);
    // The same long topic again and again is where a broker would be tempted to use an alias.
    for (int i = 0; i < 8; ++i) pub.publish(topic, "m" + std::to_string(i), 0);
    pub.barrier();
    for (int i = 0; i < 8; ++i) {
        const auto m = sub.expect({{"type", "PUBLISH"}, {"payload", "m" + std::to_string(i)}});
        t.check(codec::find(m.as<codec::publish_packet>().properties, property_id::topic_alias) == nullptr,
                "the broker sent a Topic Alias to a client that announced Topic Alias Maximum 0",
                "no topic_alias property", m.as_json.dump());
    }
}

}  // namespace
}  // namespace mqttspec::conformance
