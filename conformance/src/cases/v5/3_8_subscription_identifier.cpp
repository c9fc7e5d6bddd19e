// MQTT 5.0, section 3.8 SUBSCRIBE: subscription identifier.
#include <algorithm>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(identifier_replaced, {
    .id = "v5/subscription-identifier/replaced-by-resubscribe",
    .title = "Subscribing again to the same filter with a new Subscription Identifier replaces the old identifier",
    .statements = {"MQTT-3.8.4-3"},
    .needs = {requirement::subscription_identifiers, requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 1, with_identifier(1));
    sub.subscribe(topic, 1, with_identifier(2));
    pub.publish(topic, "m", 1);
    const auto copies = expect_copies(pub, sub, topic, 1, {{"type", "PUBLISH"}, {"payload", "m"}}, 1, 1);
    t.check(identifiers_of(copies[0]) == std::vector<std::uint32_t>{2},
            "the replaced subscription's identifier was not updated", "[2]", copies[0].as_json.dump());
    sub.acknowledge(copies[0]);
}

MQTTSPEC_CASE(identifier_removed_by_resubscribe, {
    .id = "v5/subscription-identifier/removed-by-resubscribe-without",
    .title = "Subscribing again to the same filter without a Subscription Identifier leaves the subscription with none",
    .statements = {"MQTT-3.8.4-3"},
    .needs = {requirement::subscription_identifiers, requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 1, with_identifier(9));
    sub.subscribe(topic, 1);
    pub.publish(topic, "m", 1);
    const auto copies = expect_copies(pub, sub, topic, 1, {{"type", "PUBLISH"}, {"payload", "m"}}, 1, 1);
    t.check(identifiers_of(copies[0]).empty(), "the replaced subscription kept its old identifier", "[]",
            copies[0].as_json.dump());
    sub.acknowledge(copies[0]);
}

MQTTSPEC_CASE(identifier_zero_rejected, {
    .id = "v5/subscription-identifier/zero-rejected",
    .title = "A SUBSCRIBE with Subscription Identifier 0 is a Protocol Error: the server closes the connection",
    .statements = {"MQTTSPEC-5-3.8.2.1.2-identifier-zero", "MQTT-4.13.1-1"},
}) {
    auto& sub = t.connect("sub");
    // 3.8.2.1.2: "It is a Protocol Error if the Subscription Identifier has a value of 0."
    send_subscribe(sub, {subscription(t.topic("t"), 0)}, with_identifier(0));
    expect_connection_closed_or_disconnect(sub, {}, "MQTT-4.13.1-1");
}

}  // namespace
}  // namespace mqttspec::conformance
