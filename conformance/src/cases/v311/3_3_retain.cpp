// MQTT 3.1.1, section 3.3 PUBLISH: retain.
// A retained message the case expects is waited for with expect(): the standard does not order retained
// messages against live ones. Absence of a retained message at a new subscription is checked up to a live
// sentinel published to the same topic after the SUBACK (expect_no_delivery). For the same reason that is a
// bound, not a proof: a broker that sends the unwanted retained message after the sentinel passes unseen,
// while one that never sends it can never fail falsely.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"
#include "delivery_rules.hpp"

namespace mqttspec::conformance {
namespace {

pattern retained_copy(const std::string& topic, const std::string& payload) {
    return pattern(json{{"type", "PUBLISH"}, {"topic", topic}, {"payload", payload}, {"retain", true}});
}

MQTTSPEC_CASE(retained_for_new_subscriber, {
    .id = "v311/retain/delivered-to-new-subscriber",
    .title = "A retained message is stored, outlives its publisher's session and reaches a later subscriber with RETAIN 1 and its QoS",
    .statements = {"MQTT-3.3.1-5", "MQTT-3.3.1-6", "MQTT-3.3.1-8", "MQTT-3.1.2-7"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    const auto topic = t.topic("t");
    t.retained_on(topic);
    {
        auto& pub = t.connect("pub");
        helpers::publish_qos1_acked(pub, topic, "stored", true);
        pub.disconnect();  // its (clean) session ends; the retained message must not (3.1.2.4)
    }
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 1);
    const auto msg = helpers::expect_publish(sub, topic, "stored", {{"retain", true}, {"qos", 1}});
    sub.acknowledge(msg);
}

MQTTSPEC_CASE(retained_replaced, {
    .id = "v311/retain/replaced-by-newer",
    .title = "A newer retained message replaces the stored one: a new subscriber receives only the newer",
    .statements = {"MQTT-3.3.1-5", "MQTT-3.3.1-6"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    const auto topic = t.topic("t");
    t.retained_on(topic);
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, topic, "old", true);
    helpers::publish_qos1_acked(pub, topic, "new", true);
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 0);
    sub.expect(retained_copy(topic, "new"));
    expect_no_delivery_unordered_marker(pub, sub, topic, 0, retained_copy(topic, "old"));
}

MQTTSPEC_CASE(retained_cleared, {
    .id = "v311/retain/cleared-by-empty-payload",
    .title = "A retained PUBLISH with a zero-length payload removes the retained message and is not itself stored",
    .statements = {"MQTT-3.3.1-10", "MQTT-3.3.1-11"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    const auto topic = t.topic("t");
    t.retained_on(topic);
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, topic, "to-clear", true);
    helpers::publish_qos1_acked(pub, topic, "", true);
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 0);
    // Neither the old message nor an empty retained one may arrive before the live sentinel.
    expect_no_delivery_unordered_marker(pub, sub, topic, 0, pattern(json{{"type", "PUBLISH"}, {"topic", topic}, {"retain", true}}));
}

MQTTSPEC_CASE(empty_retained_forwarded, {
    .id = "v311/retain/empty-payload-forwarded-live",
    .title = "A zero-length retained PUBLISH is forwarded to current subscribers like any message, with RETAIN 0",
    .statements = {"MQTT-3.3.1-10", "MQTT-3.3.1-9"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    const auto topic = t.topic("t");
    t.retained_on(topic);
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    sub.subscribe(topic, 0);
    helpers::publish_qos1_acked(pub, topic, "", true);
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", ""}, {"retain", false}});
}

MQTTSPEC_CASE(live_retain_flag_cleared, {
    .id = "v311/retain/live-forward-retain-0",
    .title = "A retained message forwarded to an established subscription carries RETAIN 0",
    .statements = {"MQTT-3.3.1-9"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    delivery_rules::live_forward_clears_retain(
        t, [](client& sub, const std::string& topic) { return sub.subscribe(topic, 1); }, "MQTT-3.3.1-9");
}

MQTTSPEC_CASE(non_retained_keeps_retained, {
    .id = "v311/retain/non-retained-leaves-stored",
    .title = "A PUBLISH with RETAIN 0 is not stored and leaves the existing retained message in place",
    .statements = {"MQTT-3.3.1-12"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    const auto topic = t.topic("t");
    t.retained_on(topic);
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, topic, "stored", true);
    helpers::publish_qos1_acked(pub, topic, "transient", false);
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 0);
    sub.expect(retained_copy(topic, "stored"));
    expect_no_delivery_unordered_marker(pub, sub, topic, 0, pattern(json{{"type", "PUBLISH"}, {"topic", topic}, {"payload", "transient"}}));
}

MQTTSPEC_CASE(qos0_retained_replaces, {
    .id = "v311/retain/qos0-replaces-stored",
    .title = "A retained QoS 0 message replaces the stored one: a new subscriber gets the QoS 0 message (or nothing, if discarded), never the old one",
    .statements = {"MQTT-3.3.1-7"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    const auto topic = t.topic("t");
    t.retained_on(topic);
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, topic, "qos1-old", true);
    pub.publish(topic, "qos0-new", 0, true);
    // The broker has read the QoS 0 PUBLISH once it answers a later PINGREQ (it handles a connection's
    // packets in order), so the subscription below comes after it: without this, the new subscriber's
    // SUBSCRIBE could overtake the PUBLISH, and the old message would be rightly sent.
    pub.barrier();
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 1);
    // 3.3.1.3: the server MAY discard a retained QoS 0 message at any time; it must not bring back
    // the one it replaced.
    expect_no_delivery_unordered_marker(pub, sub, topic, 0, retained_copy(topic, "qos1-old"));
}

MQTTSPEC_CASE(retained_qos_kept, {
    .id = "v311/retain/stored-qos-applies",
    .title = "A retained message keeps its QoS: stored at QoS 1, it reaches a QoS 2 subscription at QoS 1",
    .statements = {"MQTT-3.3.1-5", "MQTT-3.8.4-6"},
    .needs = {requirement::retain, requirement::qos2},
}) {
    const auto topic = t.topic("t");
    t.retained_on(topic);
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, topic, "at-qos1", true);
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 2);
    const auto msg = helpers::expect_publish(sub, topic, "at-qos1", {{"retain", true}, {"qos", 1}});
    sub.acknowledge(msg);
}

MQTTSPEC_CASE(retained_wildcard, {
    .id = "v311/retain/every-matching-topic",
    .title = "A new wildcard subscription receives the retained message of every matching topic, each with RETAIN 1",
    .statements = {"MQTT-3.3.1-6", "MQTT-3.3.1-8"},
    .needs = {requirement::retain, requirement::wildcard_subscriptions, requirement::qos1},
}) {
    const auto one = t.topic("r/1"), two = t.topic("r/2");
    t.retained_on(one);
    t.retained_on(two);
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, one, "first", true);
    helpers::publish_qos1_acked(pub, two, "second", true);
    auto& sub = t.connect("sub");
    sub.subscribe(t.topic("r/+"), 0);
    sub.expect(retained_copy(one, "first"));
    sub.expect(retained_copy(two, "second"));
}

}  // namespace
}  // namespace mqttspec::conformance
