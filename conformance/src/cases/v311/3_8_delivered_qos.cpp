// MQTT 3.1.1, section 3.8 SUBSCRIBE: delivered qos.
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "overlap_rules.hpp"
#include "v311_helpers.hpp"

namespace mqttspec::conformance {
namespace {

// Delivered QoS is the minimum of the published QoS and the granted QoS (3.8.4).
void delivered_qos(case_context& t, std::uint8_t published, std::uint8_t subscribed) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    const auto suback = sub.subscribe(topic, subscribed);
    const auto granted = suback.as<codec::suback_packet>().reason_codes.at(0);
    t.check(granted <= subscribed, "the broker granted more than requested", "granted QoS <= " + std::to_string(subscribed),
            suback.as_json.dump(), "MQTT-3.8.4-5");
    const std::uint8_t expected = std::min(published, granted);
    if (published == 0) pub.publish(topic, "qos-check", 0);
    if (published == 1) v311::publish_qos1_acked(pub, topic, "qos-check");
    if (published == 2) v311::publish_qos2_completed(pub, topic, "qos-check");
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "qos-check"}});
    t.check(msg.as<codec::publish_packet>().qos == expected, "the message was delivered at the wrong QoS",
            "qos " + std::to_string(expected) + " (published " + std::to_string(published) + ", granted " +
                std::to_string(granted) + ")",
            msg.as_json.dump(), "MQTT-3.8.4-6");
    sub.acknowledge(msg);
}

MQTTSPEC_CASE(qos1_to_qos0_subscriber, {
    .id = "v311/publish/delivered-qos-1-to-0",
    .title = "A QoS 1 message reaches a QoS 0 subscription at QoS 0",
    .statements = {"MQTT-3.8.4-6", "MQTT-3.8.4-5"},
    .needs = {requirement::qos1},
}) {
    delivered_qos(t, 1, 0);
}

MQTTSPEC_CASE(qos2_to_qos1_subscriber, {
    .id = "v311/publish/delivered-qos-2-to-1",
    .title = "A QoS 2 message reaches a QoS 1 subscription at QoS 1",
    .statements = {"MQTT-3.8.4-6", "MQTT-3.8.4-5"},
    .needs = {requirement::qos2},
}) {
    delivered_qos(t, 2, 1);
}

MQTTSPEC_CASE(qos2_to_qos0_subscriber, {
    .id = "v311/publish/delivered-qos-2-to-0",
    .title = "A QoS 2 message reaches a QoS 0 subscription at QoS 0",
    .statements = {"MQTT-3.8.4-6", "MQTT-3.8.4-5"},
    .needs = {requirement::qos2},
}) {
    delivered_qos(t, 2, 0);
}

MQTTSPEC_CASE(qos1_to_qos2_subscriber, {
    .id = "v311/publish/delivered-qos-1-to-2",
    .title = "A QoS 1 message reaches a QoS 2 subscription at QoS 1 (the published QoS is not raised)",
    .statements = {"MQTT-3.8.4-6", "MQTT-3.8.4-5"},
    .needs = {requirement::qos1},
}) {
    delivered_qos(t, 1, 2);
}

MQTTSPEC_CASE(qos0_to_qos2_subscriber, {
    .id = "v311/publish/delivered-qos-0-to-2",
    .title = "A QoS 0 message reaches a QoS 2 subscription at QoS 0",
    .statements = {"MQTT-3.8.4-6", "MQTT-3.8.4-5"},
}) {
    delivered_qos(t, 0, 2);
}

}  // namespace
}  // namespace mqttspec::conformance
