// MQTT 5.0, section 3.3 PUBLISH: subscription options.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"
#include "delivery_rules.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(retain_as_published_0, {
    .id = "v5/subscription-options/retain-as-published-0",
    .title = "With Retain As Published 0 a retained message forwarded to an existing subscription has RETAIN 0",
    .statements = {"MQTT-3.3.1-12"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    delivery_rules::live_forward_clears_retain(
        t,
        [](client& sub, const std::string& topic) {
            return sub.subscribe({subscription(topic, 1, false, /*retain_as_published=*/false)});
        },
        "MQTT-3.3.1-12");
}

MQTTSPEC_CASE(retain_as_published_1, {
    .id = "v5/subscription-options/retain-as-published-1",
    .title = "With Retain As Published 1 forwarded messages keep the RETAIN flag they were published with",
    .statements = {"MQTT-3.3.1-13"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    const auto topic = t.topic("t");
    t.retained_on(topic);
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    granted_qos(t, sub.subscribe({subscription(topic, 1, false, /*retain_as_published=*/true)}));  // a refusal skips
    pub.publish(topic, "retained", 1, true);
    pub.publish(topic, "plain", 1, false);
    // Every copy of "retained" before "plain": one sent as retained for the new subscription, if the
    // broker sends it, has RETAIN 1 as well.
    const auto got = delivery_rules::forwarded_copies(t, sub, topic, "retained", "plain", "MQTT-3.3.1-13");
    for (const auto& a : got.copies) {
        t.check(a.as<codec::publish_packet>().retain, "a message published with RETAIN 1 was forwarded with RETAIN 0",
                "retain true", a.as_json.dump());
    }
    t.check(!got.marker.as<codec::publish_packet>().retain, "a message published with RETAIN 0 was forwarded with RETAIN 1",
            "retain false", got.marker.as_json.dump());
}

MQTTSPEC_CASE(retain_handling_1_new, {
    .id = "v5/subscription-options/retain-handling-1-new-subscription",
    .title = "With Retain Handling 1 retained messages are sent when the subscription did not exist",
    .statements = {"MQTT-3.3.1-10"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    const auto topic = with_retained_message(t, "r");
    auto& sub = t.connect("sub");
    sub.subscribe({subscription(topic, 1, false, false, 1)});
    const auto m = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"retain", true}, {"payload", "r"}});
    sub.acknowledge(m);
}

MQTTSPEC_CASE(retain_handling_1_existing, {
    .id = "v5/subscription-options/retain-handling-1-existing-subscription",
    .title = "With Retain Handling 1 no retained messages are sent when the subscription already existed",
    .statements = {"MQTT-3.3.1-10"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    const auto topic = with_retained_message(t, "r");
    auto& sub = t.connect("sub");
    sub.subscribe({subscription(topic, 1, false, false, 1)});
    const auto m = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"retain", true}, {"payload", "r"}});
    sub.acknowledge(m);
    sub.subscribe({subscription(topic, 1, false, false, 1)});  // the same filter: the subscription exists
    // Retained messages sent on SUBSCRIBE are not ordered against live ones by 4.6: a live marker from
    // a publisher is the weaker proof (verifiers.hpp).
    auto& pub = t.connect("pub-live");
    expect_no_delivery_unordered_marker(pub, sub, topic, 1, {{"type", "PUBLISH"}, {"topic", topic}, {"payload", "r"}});
}

MQTTSPEC_CASE(retain_handling_2, {
    .id = "v5/subscription-options/retain-handling-2",
    .title = "With Retain Handling 2 no retained messages are sent on subscribing, but new messages are",
    .statements = {"MQTT-3.3.1-11"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    const auto topic = with_retained_message(t, "r");
    auto& sub = t.connect("sub");
    sub.subscribe({subscription(topic, 1, false, false, 2)});
    // The subscription works: a live marker arrives, and the retained message did not come. Retained
    // messages sent on SUBSCRIBE are not ordered against live ones by 4.6: the weaker proof
    // (verifiers.hpp).
    auto& pub = t.connect("pub-live");
    expect_no_delivery_unordered_marker(pub, sub, topic, 1, {{"type", "PUBLISH"}, {"topic", topic}, {"payload", "r"}});
}

}  // namespace
}  // namespace mqttspec::conformance
