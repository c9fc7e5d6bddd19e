// 3.1.1 section 3.10 UNSUBSCRIBE: deliveries already begun survive the deletion of their subscription (3.10.4).
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(started_qos2_delivery_completed, {
    .id = "v311/unsubscribe/started-qos2-delivery-completed",
    .title = "A QoS 2 delivery begun before the UNSUBSCRIBE is completed: the PUBREC sent after the UNSUBACK is answered with PUBREL",
    .statements = {"MQTT-3.10.4-3"},
    .needs = {requirement::qos2},
}) {
    const auto topic = t.topic("t");
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 2);
    auto& pub = t.connect("pub");
    helpers::publish_qos2_completed(pub, topic, "begun");
    const auto msg = helpers::expect_publish(sub, topic, "begun", {{"qos", 2}});
    sub.unsubscribe(topic);
    const auto id = msg.as<codec::publish_packet>().packet_id;
    codec::pubrec_packet received;
    received.packet_id = id;
    sub.send(received);
    sub.expect({{"type", "PUBREL"}, {"packet_id", id}});
    codec::pubcomp_packet complete;
    complete.packet_id = id;
    sub.send(complete);
    sub.barrier();
}

MQTTSPEC_CASE(started_qos1_delivery_completed, {
    .id = "v311/unsubscribe/started-qos1-delivery-completed",
    .title = "A QoS 1 delivery begun before the UNSUBSCRIBE and never acknowledged is sent again, with its Packet "
             "Identifier, when the session resumes",
    .statements = {"MQTT-3.10.4-3"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("t");
    const auto id = t.client_id("sub");
    t.session_kept(id);
    auto& sub = t.connect("sub", {.client_id = id, .clean_start = false});
    sub.subscribe(topic, 1);
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, topic, "begun");
    const auto msg = helpers::expect_publish(sub, topic, "begun", {{"qos", 1}});
    sub.unsubscribe(topic);
    // No PUBACK: the delivery is unfinished when the connection ends. Completing it means sending it
    // again on the resumed session (MQTT-4.4.0-1).
    sub.close();
    const auto back = helpers::connect_connack_first(t, "sub-again", {.client_id = id, .clean_start = false});
    const auto again = back.c.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "begun"},
                                      {"packet_id", msg.as<codec::publish_packet>().packet_id}});
    back.c.acknowledge(again);
}

}  // namespace
}  // namespace mqttspec::conformance
