// MQTT 3.1.1, section 4.6 Message ordering: message ordering.
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "overlap_rules.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

// A publisher's messages to one topic reach the subscriber in the order sent (4.6). 3.1.1 announces no
// limit on messages in flight from the client, and forwarding order needs none: QoS 1 and 2 messages
// are published one at a time (in-flight window 1).
void ordered(case_context& t, std::uint8_t qos) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, qos);
    constexpr int count = 10;
    for (int i = 0; i < count; ++i) {
        const auto payload = "m" + std::to_string(i);
        if (qos == 0) pub.publish(topic, payload, 0);
        if (qos == 1) helpers::publish_qos1_acked(pub, topic, payload);
        if (qos == 2) helpers::publish_qos2_completed(pub, topic, payload);
    }
    for (int i = 0; i < count; ++i) {
        const auto msg = sub.expect_next({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "m" + std::to_string(i)}});
        sub.acknowledge(msg);
    }
}

MQTTSPEC_CASE(ordering_qos0, {
    .id = "v311/publish/ordering-qos0",
    .title = "QoS 0 messages from one publisher to one topic are forwarded in the order they were published",
    .statements = {"MQTT-4.6.0-6"},
}) {
    ordered(t, 0);
}

MQTTSPEC_CASE(ordering_qos1, {
    .id = "v311/publish/ordering-qos1",
    .title = "QoS 1 messages from one publisher to one topic are forwarded in the order they were published",
    .statements = {"MQTT-4.6.0-6"},
    .needs = {requirement::qos1},
}) {
    ordered(t, 1);
}

MQTTSPEC_CASE(ordering_qos2, {
    .id = "v311/publish/ordering-qos2",
    .title = "QoS 2 messages from one publisher to one topic are forwarded in the order they were published",
    .statements = {"MQTT-4.6.0-6"},
    .needs = {requirement::qos2},
}) {
    ordered(t, 2);
}

MQTTSPEC_CASE(puback_order, {
    .id = "v311/publish/puback-order",
    .title = "PUBACKs are sent in the order the QoS 1 PUBLISH packets were received",
    .statements = {"MQTT-4.6.0-2", "MQTT-4.6.0-6"},
    .needs = {requirement::qos1},
}) {
    // Two in flight, the fewest that have an order; 3.1.1 lets the client send them without waiting.
    auto& pub = t.connect("pub");
    std::vector<std::uint16_t> ids;
    for (int i = 0; i < 2; ++i) ids.push_back(pub.publish(t.topic("t"), "x", 1));
    for (auto id : ids) pub.expect_next({{"type", "PUBACK"}, {"packet_id", id}});
}

MQTTSPEC_CASE(pubrec_order, {
    .id = "v311/publish/pubrec-order",
    .title = "PUBRECs are sent in the order the QoS 2 PUBLISH packets were received",
    .statements = {"MQTT-4.6.0-3", "MQTT-4.6.0-6"},
    .needs = {requirement::qos2},
}) {
    // Two in flight, the fewest that have an order.
    auto& pub = t.connect("pub");
    std::vector<std::uint16_t> ids;
    for (int i = 0; i < 2; ++i) ids.push_back(pub.publish(t.topic("t"), "x", 2));
    for (auto id : ids) pub.expect_next({{"type", "PUBREC"}, {"packet_id", id}});
    for (auto id : ids) {
        codec::pubrel_packet rel;
        rel.packet_id = id;
        pub.send(rel);
    }
    for (auto id : ids) pub.expect_next({{"type", "PUBCOMP"}, {"packet_id", id}});
}

}  // namespace
}  // namespace mqttspec::conformance
