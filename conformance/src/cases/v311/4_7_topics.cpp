// MQTT 3.1.1, section 4.7 Topic names and filters: topics.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "topic_rules.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(dollar_not_matched_by_leading_wildcard, {
    .id = "v311/topic/dollar-topic-not-matched-by-leading-wildcard",
    .title = "A Topic Filter starting with '+' does not match a Topic Name starting with '$'",
    .statements = {"MQTT-4.7.2-1"},
    .needs = {requirement::wildcard_subscriptions},
}) {
    topic_rules::dollar_not_matched_by_leading_wildcard(t);
}

MQTTSPEC_CASE(dollar_matched_explicitly, {
    .id = "v311/topic/dollar-topic-matched-by-explicit-filter",
    .title = "A Topic Filter starting with '$' literally matches Topic Names starting with '$', also with wildcards after it (skipped when the broker does not route client publishes on '$'-topics)",
    .statements = {"MQTT-4.7.3-4", "MQTT-4.7.1-3"},
    .needs = {requirement::wildcard_subscriptions},
}) {
    topic_rules::dollar_matched_explicitly(t, "MQTT-4.7.1-3");
}

MQTTSPEC_CASE(no_normalisation, {
    .id = "v311/topic/no-unicode-normalisation",
    .title = "Topic matching does not normalise: a filter in NFC ('caf\\u00e9') does not match the NFD Topic Name ('cafe\\u0301'), but matches itself",
    .statements = {"MQTT-4.7.3-4"},
}) {
    topic_rules::no_normalisation(t);
}

MQTTSPEC_CASE(case_sensitive, {
    .id = "v311/topic/case-sensitive-matching",
    .title = "Topic matching is case-sensitive: the filter '<p>/Topic' does not match '<p>/topic' (nor '<p>/topic' match '<p>/Topic'), and '<p>/Topic' is delivered with its exact case",
    .statements = {"MQTT-4.7.3-4"},
    .needs = {requirement::qos1},
}) {
    topic_rules::case_sensitive(t, t.topic("Topic"), t.topic("topic"), t.topic("Topic"), t.topic("topic"));
}

MQTTSPEC_CASE(case_sensitive_wildcard, {
    .id = "v311/topic/case-sensitive-wildcard-matching",
    .title = "Topic matching with wildcards is case-sensitive: '<p>/+/X' does not match '<p>/a/x' (nor '<p>/+/x' match '<p>/a/X'), and '<p>/a/X' is delivered with its exact case",
    .statements = {"MQTT-4.7.3-4"},
    .needs = {requirement::qos1, requirement::wildcard_subscriptions},
}) {
    topic_rules::case_sensitive(t, t.topic("+/X"), t.topic("+/x"), t.topic("a/X"), t.topic("a/x"));
}

MQTTSPEC_CASE(bom_kept, {
    .id = "v311/topic/zero-width-no-break-space-kept",
    .title = "U+FEFF (bytes EF BB BF) in a Topic Name is kept, not stripped: it is delivered unchanged and does not match the name without it",
    .statements = {"MQTT-1.5.3-3", "MQTT-4.7.3-4"},
}) {
    topic_rules::zero_width_no_break_space_kept(t);
}

MQTTSPEC_CASE(unicode_levels, {
    .id = "v311/topic/multibyte-utf8-levels",
    .title = "Topic levels made of multi-byte UTF-8 characters are matched by '+' as whole levels",
    .statements = {"MQTT-4.7.1-3", "MQTT-4.7.3-4"},
    .needs = {requirement::wildcard_subscriptions},
}) {
    topic_rules::multibyte_utf8_levels(t);
}

}  // namespace
}  // namespace mqttspec::conformance
