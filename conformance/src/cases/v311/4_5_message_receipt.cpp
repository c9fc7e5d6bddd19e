// MQTT 3.1.1, section 4.5 Message receipt: message receipt.
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "overlap_rules.hpp"
#include "v311_helpers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(every_subscriber, {
    .id = "v311/publish/delivered-to-every-subscriber",
    .title = "A message reaches every client with a matching subscription",
    .statements = {"MQTT-4.5.0-1"},
    .needs = {requirement::qos1},
}) {
    auto& a = t.connect("a");
    auto& b = t.connect("b");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    a.subscribe(topic, 1);
    b.subscribe(topic, 0);
    v311::publish_qos1_acked(pub, topic, "fan-out");
    a.acknowledge(v311::expect_publish(a, topic, "fan-out", {{"qos", 1}}));
    v311::expect_publish(b, topic, "fan-out", {{"qos", 0}});
}

}  // namespace
}  // namespace mqttspec::conformance
