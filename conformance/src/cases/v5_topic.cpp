// 5.0 section 4.7 Topic Names and Topic Filters: '$'-topics and matching without normalisation (the
// wildcard table is fixtures/matrices/wildcards.json; 1.5.4 for U+FEFF).
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

void expect_message(client& sub, const std::string& topic, const std::string& payload) {
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", payload}});
}

MQTTSPEC_CASE(dollar_not_matched_by_leading_wildcard, {
    .id = "v5/topic/dollar-topic-not-matched-by-leading-wildcard",
    .title = "A Topic Filter starting with '+' does not match a Topic Name starting with '$'",
    .statements = {"MQTT-4.7.2-1"},
    .needs = {requirement::wildcard_subscriptions},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    // Filter "+/<prefix>/t" matches "s/<prefix>/t" (the sentinel's topic) and would match
    // "$mqttspec/<prefix>/t" but for the '$' rule. Nothing outside this run's prefix is involved.
    sub.subscribe("+/" + t.prefix() + "/t", 0);
    pub.publish("$mqttspec/" + t.prefix() + "/t", "dollar", 0);
    pub.barrier();
    expect_no_delivery(pub, sub, "s/" + t.prefix() + "/t", pattern(json{{"type", "PUBLISH"}, {"payload", "dollar"}}));
}

MQTTSPEC_CASE(dollar_matched_explicitly, {
    .id = "v5/topic/dollar-topic-matched-by-explicit-filter",
    .title = "A Topic Filter starting with '$' literally matches Topic Names starting with '$', also with wildcards after it",
    .statements = {"MQTT-4.7.2-1", "MQTT-4.7.1-2"},
    .needs = {requirement::wildcard_subscriptions},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    sub.subscribe("$mqttspec/" + t.prefix() + "/+", 0);
    const auto dollar = "$mqttspec/" + t.prefix() + "/t";
    pub.publish(dollar, "dollar-explicit", 0);
    expect_message(sub, dollar, "dollar-explicit");
}

MQTTSPEC_CASE(no_normalisation, {
    .id = "v5/topic/no-unicode-normalisation",
    .title = "Topic matching does not normalise: a filter in NFC ('caf\\u00e9') does not match the NFD Topic Name ('cafe\\u0301'), but matches itself",
    .statements = {"MQTT-4.7.3-4"},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto nfc = t.topic("caf\xC3\xA9");   // U+00E9
    const auto nfd = t.topic("cafe\xCC\x81");  // e + U+0301
    sub.subscribe(nfc, 0);
    pub.publish(nfd, "decomposed", 0);
    pub.publish(nfc, "composed", 0);
    // Forwarded in order from one publisher (4.6): "decomposed" would come before "composed".
    expect_message(sub, nfc, "composed");
    sub.expect_none({{"type", "PUBLISH"}, {"payload", "decomposed"}});
}

MQTTSPEC_CASE(bom_kept, {
    .id = "v5/topic/zero-width-no-break-space-kept",
    .title = "U+FEFF (bytes EF BB BF) in a Topic Name is kept, not stripped: it is delivered unchanged and does not match the name without it",
    .statements = {"MQTT-1.5.4-3", "MQTT-4.7.3-4"},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto with_bom = t.topic("\xEF\xBB\xBFz");
    const auto without = t.topic("z");
    sub.subscribe(with_bom, 0);
    pub.publish(without, "plain", 0);
    pub.publish(with_bom, "bom", 0);
    expect_message(sub, with_bom, "bom");
    sub.expect_none({{"type", "PUBLISH"}, {"payload", "plain"}});
}

}  // namespace
}  // namespace mqttspec::conformance
