// MQTT 5.0, section 3.1 CONNECT: takeover.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(existing_closed, {
    .id = "v5/takeover/existing-connection-closed",
    .title = "A CONNECT with the Client Identifier of a connected client closes the existing connection (DISCONNECT 0x8E allowed first, nothing after it)",
    .statements = {"MQTT-3.1.4-3", "MQTT-3.14.4-1", "MQTT-3.14.4-2"},
}) {
    auto& first = t.connect("first");
    connect_options o;
    o.client_id = t.client_id("first");
    auto& second = t.connect("second", o);
    expect_connection_closed_or_disconnect(first, {codec::reason::session_taken_over}, "MQTT-3.1.4-3");
    second.barrier();  // the new connection is the one that lives on
}

MQTTSPEC_CASE(session_continues, {
    .id = "v5/takeover/session-continues",
    .title = "A takeover with Clean Start 0 continues the session: Session Present 1 and its subscription delivers to the new connection",
    .statements = {"MQTT-3.1.4-3", "MQTT-3.2.2-3", "MQTT-3.1.2-5"},
    .needs = {requirement::qos1},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& first = t.connect("first", o);
    const auto topic = t.topic("a");
    first.subscribe(topic, 1);
    o.clean_start = false;
    o.client_id = t.client_id("first");
    auto& second = t.connect("second", o);
    t.check(t.connack("second").as<codec::connack_packet>().session_present,
            "Session Present is 0 although the session was taken over with Clean Start 0", "session_present true",
            t.connack("second").as_json.dump(), "MQTT-3.2.2-3");
    expect_connection_closed_or_disconnect(first, {codec::reason::session_taken_over}, "MQTT-3.1.4-3");
    auto& pub = t.connect("pub");
    const auto id = pub.publish(topic, "to-new-connection", 1);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    second.acknowledge(second.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "to-new-connection"}}));
}

}  // namespace
}  // namespace mqttspec::conformance
