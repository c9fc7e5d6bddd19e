// MQTT 5.0, section 4.3 QoS delivery protocols: qos levels.
#include <algorithm>
#include <map>
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "delivery_rules.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(qos1_delivered_at_qos1, {
    .id = "v5/publish/qos1-delivery",
    .title = "A QoS 1 message reaches a QoS 1 subscriber as a QoS 1 PUBLISH with DUP 0 and its payload",
    .statements = {"MQTT-4.3.2-2", "MQTT-4.3.2-4"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    require_granted(t, sub.subscribe(topic, 1), 1);
    const auto id = pub.publish(topic, "payload-1", 1);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"qos", 1}, {"dup", false},
                                 {"payload", "payload-1"}});
    sub.acknowledge(msg);
}

MQTTSPEC_CASE(id_reuse_after_puback, {
    .id = "v5/qos1/packet-id-reuse-after-puback",
    .title = "After PUBACK, a PUBLISH reusing the Packet Identifier is a new message, even with DUP 1, and is delivered too",
    .statements = {"MQTT-4.3.2-5", "MQTT-4.3.2-4"},
    .needs = {requirement::qos1},
}) {
    delivery_rules::packet_id_reuse_is_new_message(t, 1);
}


MQTTSPEC_CASE(publisher_flow, {
    .id = "v5/qos2/publisher-flow",
    .title = "A QoS 2 PUBLISH is answered by PUBREC, and its PUBREL by PUBCOMP, each with the same packet identifier and a success code",
    .statements = {"MQTT-4.3.3-8", "MQTT-4.3.3-11", "MQTT-2.2.1-5", "MQTT-3.5.2-1", "MQTT-3.7.2-1"},
    .needs = {requirement::qos2},
}) {
    auto& pub = t.connect("pub");
    const auto id = pub.publish(t.topic("a"), "q2", 2);
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}, {"reason_code", accepted_pubrec}});
    pub.send(pubrel(id));
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}, {"reason_code", 0}});
}

MQTTSPEC_CASE(subscriber_flow, {
    .id = "v5/qos2/subscriber-flow",
    .title = "A QoS 2 message reaches a QoS 2 subscriber with DUP 0; the server answers its PUBREC with a PUBREL of the same identifier and does not send the message again",
    .statements = {"MQTT-4.3.3-2", "MQTT-4.3.3-4", "MQTT-4.3.3-6", "MQTT-3.6.2-1"},
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    const auto id = pub.publish(topic, "exactly-once", 2);
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
    pub.send(pubrel(id));
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"qos", 2}, {"dup", false}, {"payload", "exactly-once"}});
    const auto out_id = msg.as<codec::publish_packet>().packet_id;
    codec::pubrec_packet rec;
    rec.packet_id = out_id;
    sub.send(rec);
    sub.expect({{"type", "PUBREL"}, {"packet_id", out_id}, {"reason_code", 0}});
    codec::pubcomp_packet comp;
    comp.packet_id = out_id;
    sub.send(comp);
    // A second copy would come before a later QoS 2 message from the same publisher on the same topic.
    expect_no_delivery(pub, sub, topic, 2, {{"type", "PUBLISH"}, {"payload", "exactly-once"}});
}

MQTTSPEC_CASE(duplicate_before_pubrel, {
    .id = "v5/qos2/duplicate-before-pubrel-delivered-once",
    .title = "A QoS 2 PUBLISH repeated before PUBREL is answered with PUBREC again and not delivered twice",
    .statements = {"MQTT-4.3.3-10", "MQTT-4.3.3-8"},
    .needs = {requirement::qos2},
}) {
    delivery_rules::qos2_duplicate_delivered_once(t);
}


MQTTSPEC_CASE(pubrel_unknown_id, {
    .id = "v5/qos2/pubrel-unknown-packet-id",
    .title = "A PUBREL for an unknown packet identifier is still answered by PUBCOMP with that identifier (0x92 or 0x00)",
    .statements = {"MQTT-4.3.3-11", "MQTT-3.7.2-1"},
    .needs = {requirement::qos2},
}) {
    auto& c = t.connect("c");
    c.send(pubrel(777));
    // 3.7.2.1: 0x92 Packet Identifier not found fits; 0x00 is what a server that released it says.
    c.expect({{"type", "PUBCOMP"}, {"packet_id", 777}, {"reason_code", {{"any_of", {0x00, 0x92}}}}});
}

MQTTSPEC_CASE(id_reuse_after_pubcomp, {
    .id = "v5/qos2/packet-id-reuse-after-pubcomp",
    .title = "After PUBCOMP, a QoS 2 PUBLISH reusing the Packet Identifier is a new message and is delivered too",
    .statements = {"MQTT-4.3.3-12"},
    .needs = {requirement::qos2},
}) {
    delivery_rules::packet_id_reuse_is_new_message(t, 2);
}


MQTTSPEC_CASE(pubrel_resent, {
    .id = "v5/qos2/pubrel-resent-on-reconnect",
    .title = "When the session resumes after PUBREC but before PUBCOMP, the server resends the PUBREL (same identifier), not the PUBLISH",
    .statements = {"MQTT-4.4.0-1", "MQTT-4.3.3-6"},
    .needs = {requirement::qos2},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    publish_qos2_completed(pub, topic, "half-done");
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "half-done"}});
    const auto id = msg.as<codec::publish_packet>().packet_id;
    codec::pubrec_packet rec;
    rec.packet_id = id;
    sub.send(rec);
    sub.expect({{"type", "PUBREL"}, {"packet_id", id}});
    sub.close();  // network loss before PUBCOMP
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    auto& again = t.connect("again", o);
    again.expect({{"type", "PUBREL"}, {"packet_id", id}});
    codec::pubcomp_packet comp;
    comp.packet_id = id;
    again.send(comp);
    // A resent PUBLISH would come before a later QoS 2 message from the same publisher on the same
    // topic (4.6): an ordered marker.
    expect_no_delivery(pub, again, topic, 2, {{"type", "PUBLISH"}, {"payload", "half-done"}});
}

}  // namespace
}  // namespace mqttspec::conformance
