// MQTT 5.0, section 3.3 PUBLISH: subscription identifier.
#include <algorithm>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(identifier_delivered, {
    .id = "v5/subscription-identifier/delivered-with-message",
    .title = "A message matching a subscription made with a Subscription Identifier carries that identifier",
    .statements = {"MQTT-3.3.4-3"},
    .needs = {requirement::subscription_identifiers, requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 1, with_identifier(268'435'455));  // the largest value, a four-byte varint
    pub.publish(topic, "m", 1);
    const auto m = sub.expect({{"type", "PUBLISH"}, {"topic", topic}});
    t.check(identifiers_of(m) == std::vector<std::uint32_t>{268'435'455},
            "the message does not carry exactly the subscription's identifier", "[268435455]",
            m.as_json.dump());
    sub.acknowledge(m);
}

MQTTSPEC_CASE(identifier_absent, {
    .id = "v5/subscription-identifier/absent-without-identifier",
    .title = "A message matching only a subscription made without a Subscription Identifier carries none",
    .statements = {"MQTT-3.3.4-4"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 1);
    pub.publish(topic, "m", 1);
    const auto m = sub.expect({{"type", "PUBLISH"}, {"topic", topic}});
    t.check(identifiers_of(m).empty(), "the message carries a Subscription Identifier nobody asked for",
            "no subscription_identifier property", m.as_json.dump());
    sub.acknowledge(m);
}

// Overlapping subscriptions: 3.3.4 lets the server send one copy carrying the identifiers of all
// matching subscriptions (any order), or one copy per subscription carrying that subscription's.
void judge_overlap(case_context& t, client& pub, client& sub, const std::string& topic,
                   const std::vector<std::optional<std::uint32_t>>& subscription_ids) {
    pub.publish(topic, "m", 1);
    const auto copies = expect_copies(pub, sub, topic, 1, {{"type", "PUBLISH"}, {"topic", topic}, {"payload", "m"}}, 1,
                                      subscription_ids.size());
    std::string seen;
    for (const auto& c : copies) seen += describe(identifiers_of(c)) + " ";
    if (copies.size() == 1) {
        std::vector<std::uint32_t> all;
        for (const auto& id : subscription_ids) {
            if (id) all.push_back(*id);
        }
        std::sort(all.begin(), all.end());
        t.check(identifiers_of(copies[0]) == all,
                "a single copy does not carry the identifiers of all matching subscriptions", describe(all), seen,
                "MQTT-3.3.4-4");
    } else {
        // One copy per subscription: the multiset of per-copy identifier lists must be the subscriptions'.
        std::vector<std::vector<std::uint32_t>> expected, got;
        for (const auto& id : subscription_ids) expected.push_back(id ? std::vector<std::uint32_t>{*id} : std::vector<std::uint32_t>{});
        for (const auto& c : copies) got.push_back(identifiers_of(c));
        std::sort(expected.begin(), expected.end());
        std::sort(got.begin(), got.end());
        t.check(got == expected, "the separate copies do not each carry their own subscription's identifier",
                "one copy per subscription with its identifier", seen, "MQTT-3.3.4-5");
    }
    for (const auto& c : copies) sub.acknowledge(c);
}

MQTTSPEC_CASE(identifiers_overlapping, {
    .id = "v5/subscription-identifier/overlapping-subscriptions",
    .title = "A message matching two subscriptions with identifiers carries both, in one copy or one per copy",
    .statements = {"MQTT-3.3.4-3", "MQTT-3.3.4-4", "MQTT-3.3.4-5"},
    .needs = {requirement::subscription_identifiers, requirement::wildcard_subscriptions, requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a/b");
    sub.subscribe(t.topic("a/+"), 1, with_identifier(3));
    sub.subscribe(t.prefix() + "/#", 1, with_identifier(700));
    judge_overlap(t, pub, sub, topic, {3, 700});
}

MQTTSPEC_CASE(identifiers_overlapping_one_without, {
    .id = "v5/subscription-identifier/overlapping-one-without-identifier",
    .title = "With overlapping subscriptions of which one has no identifier, only the other's identifier is sent",
    .statements = {"MQTT-3.3.4-4", "MQTT-3.3.4-5"},
    .needs = {requirement::subscription_identifiers, requirement::wildcard_subscriptions, requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a/b");
    sub.subscribe(t.topic("a/+"), 1, with_identifier(42));
    sub.subscribe(t.prefix() + "/#", 1);
    judge_overlap(t, pub, sub, topic, {42, std::nullopt});
}

MQTTSPEC_CASE(identifier_on_retained, {
    .id = "v5/subscription-identifier/retained-message-carries-identifier",
    .title = "A retained message sent because of a new subscription carries that subscription's identifier",
    .statements = {"MQTT-3.3.4-3"},
    .needs = {requirement::subscription_identifiers, requirement::retain, requirement::qos1},
}) {
    const auto topic = t.topic("kept");
    t.retained_on(topic);
    auto& pub = t.connect("pub");
    const auto id = pub.publish(topic, "r", 1, true);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 1, with_identifier(77));
    const auto m = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"retain", true}});
    t.check(identifiers_of(m) == std::vector<std::uint32_t>{77},
            "the retained message does not carry the new subscription's identifier", "[77]", m.as_json.dump());
    sub.acknowledge(m);
}

}  // namespace
}  // namespace mqttspec::conformance
