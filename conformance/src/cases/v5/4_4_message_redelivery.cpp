// MQTT 5.0, section 4.4 Message delivery retry: message redelivery.
#include <algorithm>
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(redelivered_with_dup, {
    .id = "v5/qos1/unacknowledged-resent-on-reconnect",
    .title = "An unacknowledged QoS 1 message is resent with DUP 1 and its original packet identifier when the session resumes",
    .statements = {"MQTT-4.4.0-1", "MQTT-3.3.1-1", "MQTT-3.1.2-5"},
    .needs = {requirement::qos1},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 1);
    pub.publish(topic, "unacked", 1);
    const auto first = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "unacked"}, {"dup", false}});
    sub.close();  // network loss, no PUBACK
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    auto& again = t.connect("again", o);
    t.check(t.connack("again").as<codec::connack_packet>().session_present, "the session was not kept",
            "session_present true", t.connack("again").as_json.dump(), "MQTT-3.1.2-5");
    const auto id = first.as<codec::publish_packet>().packet_id;
    const auto resent = again.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "unacked"}});
    t.check(resent.as<codec::publish_packet>().packet_id == id, "the resent PUBLISH has another packet identifier",
            "packet_id " + std::to_string(id), resent.as_json.dump(), "MQTT-4.4.0-1");
    t.check(resent.as<codec::publish_packet>().dup, "the resent PUBLISH has DUP 0", "dup true", resent.as_json.dump(),
            "MQTT-3.3.1-1");
    again.acknowledge(resent);
}

MQTTSPEC_CASE(error_puback_not_resent, {
    .id = "v5/qos1/error-puback-not-resent",
    .title = "A QoS 1 message answered by a PUBACK with an error reason code counts as acknowledged and is not resent",
    .statements = {"MQTT-4.4.0-2"},
    .needs = {requirement::qos1},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 1);
    pub.publish(topic, "refused", 1);
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "refused"}});
    codec::puback_packet ack;
    ack.packet_id = msg.as<codec::publish_packet>().packet_id;
    ack.reason_code = codec::reason::unspecified_error;
    sub.send(ack);
    disconnect_and_await_close(t, sub);
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    auto& again = t.connect("again", o);
    // Had the broker kept "refused" in flight, it would resend it before a later message from the same
    // publisher on the same topic at the same QoS (4.6): an ordered marker proves it never comes.
    expect_no_delivery(pub, again, topic, 1, {{"type", "PUBLISH"}, {"payload", "refused"}});
}

MQTTSPEC_CASE(publish_resent, {
    .id = "v5/qos2/unacknowledged-resent-on-reconnect",
    .title = "An unacknowledged QoS 2 PUBLISH is resent with DUP 1 and its original packet identifier when the session resumes",
    .statements = {"MQTT-4.4.0-1", "MQTT-3.3.1-1"},
    .needs = {requirement::qos2},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    publish_qos2_completed(pub, topic, "no-pubrec");
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "no-pubrec"}});
    const auto id = msg.as<codec::publish_packet>().packet_id;
    sub.close();
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    auto& again = t.connect("again", o);
    again.acknowledge(again.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "no-pubrec"}, {"dup", true},
                                    {"packet_id", id}, {"qos", 2}}));
}

}  // namespace
}  // namespace mqttspec::conformance
