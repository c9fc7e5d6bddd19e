// 5.0 section 3.3 PUBLISH and the QoS flows of 4.3.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(qos1_puback, {
    .id = "v5/publish/qos1-puback",
    .title = "A QoS 1 PUBLISH is answered with a PUBACK carrying the same packet identifier",
    .statements = {"MQTT-3.3.4-1", "MQTT-4.3.2-4"},
    .needs = {requirement::qos1},
}) {
    auto& pub = t.connect("pub");
    const auto id = pub.publish(t.topic("a"), "hello", 1);
    // No subscriber: 0x10 No matching subscribers is a success code the broker may use (3.4.2.1).
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}, {"reason_code", {{"any_of", {0x00, 0x10}}}}});
}

MQTTSPEC_CASE(qos1_delivered_at_qos1, {
    .id = "v5/publish/qos1-delivery",
    .title = "A QoS 1 message reaches a QoS 1 subscriber as a QoS 1 PUBLISH with DUP 0 and its payload",
    .statements = {"MQTT-4.3.2-2"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 1);
    const auto id = pub.publish(topic, "payload-1", 1);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"qos", 1}, {"dup", false},
                                 {"payload", "payload-1"}});
    sub.acknowledge(msg);
}

}  // namespace
}  // namespace mqttspec::conformance
