// MQTT 5.0, section 4.6 Message ordering: message ordering.
#include <algorithm>
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(forwarding_order_qos1, {
    .id = "v5/qos1/forwarding-order",
    .title = "QoS 1 messages from one publisher to one topic reach the subscriber in the order they were published",
    .statements = {"MQTT-4.6.0-5", "MQTT-4.6.0-6"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("ordered");
    sub.subscribe(topic, 1);
    // Published back to back, without waiting for each PUBACK (within the broker's Receive Maximum).
    publish_within_receive_maximum(t, pub, topic, message_count);
    for (int i = 0; i < message_count; ++i) {
        const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}});  // oldest first
        t.check(msg.as_json.value("payload", "") == "m" + std::to_string(i), "messages arrived out of order",
                "payload m" + std::to_string(i), msg.as_json.dump(), "MQTT-4.6.0-5");
        sub.acknowledge(msg);
    }
}

MQTTSPEC_CASE(puback_order, {
    .id = "v5/qos1/puback-order",
    .title = "PUBACKs for QoS 1 PUBLISHes come back in the order the PUBLISHes were sent",
    .statements = {"MQTT-4.6.0-2"},
    // 4.6: the text obliges the Client; it binds a server only by the ordering rules it implies.
    .lvl = level::should,
    .needs = {requirement::qos1},
}) {
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    for (auto id : publish_within_receive_maximum(t, pub, topic, message_count)) {
        pub.expect_next({{"type", "PUBACK"}, {"packet_id", id}});
    }
}

MQTTSPEC_CASE(forwarding_order_qos2, {
    .id = "v5/qos2/forwarding-order",
    .title = "QoS 2 messages from one publisher to one topic reach the subscriber in the order they were published",
    .statements = {"MQTT-4.6.0-5", "MQTT-4.6.0-6"},
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("ordered");
    sub.subscribe(topic, 2);
    constexpr int count = 4;
    // In flight together, but never more unacknowledged than the broker's Receive Maximum (MQTT-3.3.4-7):
    // in windows of at most that many, each completed before the next starts.
    const int window = std::clamp<int>(t.caps().receive_maximum, 1, count);
    for (int first = 0; first < count; first += window) {
        std::vector<std::uint16_t> ids;
        for (int i = first; i < std::min(count, first + window); ++i) ids.push_back(pub.publish(topic, "m" + std::to_string(i), 2));
        for (auto id : ids) pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
        for (auto id : ids) pub.send(pubrel(id));
        for (auto id : ids) pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
    }
    for (int i = 0; i < count; ++i) {
        const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}});
        t.check(msg.as_json.value("payload", "") == "m" + std::to_string(i), "messages arrived out of order",
                "payload m" + std::to_string(i), msg.as_json.dump(), "MQTT-4.6.0-5");
        sub.acknowledge(msg);
    }
}

}  // namespace
}  // namespace mqttspec::conformance
