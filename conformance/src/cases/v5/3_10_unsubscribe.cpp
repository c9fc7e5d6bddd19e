// MQTT 5.0, section 3.10 UNSUBSCRIBE: unsubscribe.
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

// 3.11.3: the Unsubscribe Reason Codes. MQTT-3.11.3-2 requires one of these per filter; which one a
// server picks for a filter with no subscription (0x11 is the code the table describes) is judged
// separately, at SHOULD level.
const std::set<std::uint8_t> defined_unsubscribe_reasons = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};

// Every reason code of `ack` is a defined Unsubscribe Reason Code (MQTT-3.11.3-2).
void check_defined_reasons(case_context& t, const received_packet& ack) {
    for (const auto code : ack.as<codec::unsuback_packet>().reason_codes) {
        t.check(defined_unsubscribe_reasons.contains(code), "UNSUBACK carries a code that is no Unsubscribe Reason Code",
                "0x00, 0x11, 0x80, 0x83, 0x87, 0x8F or 0x91", ack.as_json.dump(), "MQTT-3.11.3-2");
    }
}

MQTTSPEC_CASE(unsuback_success, {
    .id = "v5/unsubscribe/unsuback-success",
    .title = "UNSUBSCRIBE of an existing subscription is answered by one UNSUBACK with its Packet Identifier and reason code 0x00",
    .statements = {"MQTT-3.10.4-4", "MQTT-3.10.4-5", "MQTT-2.2.1-6", "MQTT-3.11.3-2"},
}) {
    auto& c = t.connect("c");
    const auto topic = t.topic("a");
    c.subscribe(topic, 0);
    const auto ack = unsubscribe_all(c, 0x2345, {topic});
    t.check(ack.as_json.at("reason_codes") == json::array({0}), "UNSUBACK does not report Success for the filter",
            "reason_codes [0]", ack.as_json.dump(), "MQTT-3.11.3-2");
    c.expect_none({{"type", "UNSUBACK"}});
}

MQTTSPEC_CASE(no_subscription_existed, {
    .id = "v5/unsubscribe/no-subscription-existed",
    .title = "UNSUBSCRIBE of a filter with no subscription is still answered by an UNSUBACK, with one defined Unsubscribe Reason Code",
    .statements = {"MQTT-3.10.4-5", "MQTT-3.11.3-2"},
}) {
    auto& c = t.connect("c");
    const auto ack = unsubscribe_all(c, 7, {t.topic("never-subscribed")});
    t.check(ack.as_json.at("reason_codes").size() == 1, "UNSUBACK does not hold one reason code for the filter",
            "one reason code", ack.as_json.dump(), "MQTT-3.11.3-2");
    check_defined_reasons(t, ack);
}

MQTTSPEC_CASE(reason_codes_in_order, {
    .id = "v5/unsubscribe/reason-codes-in-order",
    .title = "An UNSUBSCRIBE with several filters gets one UNSUBACK with one reason code per filter, in the order of the filters",
    .statements = {"MQTT-3.11.3-1", "MQTT-3.10.4-6", "MQTT-3.11.3-2"},
}) {
    auto& c = t.connect("c");
    const auto a = t.topic("a"), b = t.topic("b");
    c.subscribe(a, 0);
    c.subscribe(b, 0);
    // existing, missing, existing, missing: any reordering changes the list, provided the broker gives
    // a missing filter another code than Success (0x11 is the described one, any defined code may be used).
    const auto ack = unsubscribe_all(c, 9, {a, t.topic("x"), b, t.topic("y")});
    const auto& codes = ack.as_json.at("reason_codes");
    t.check(codes.size() == 4, "UNSUBACK does not hold one reason code per filter", "4 reason codes", ack.as_json.dump(),
            "MQTT-3.11.3-1");
    check_defined_reasons(t, ack);
    if (codes == json::array({0, 0, 0, 0})) {
        t.skip("the broker answers Success for filters without a subscription too: the order of the codes cannot be told");
    }
    t.check(codes[0] == 0 && codes[2] == 0, "UNSUBACK reason codes do not follow the filters",
            "Success (0) at the positions of the existing subscriptions (1st and 3rd)", ack.as_json.dump(), "MQTT-3.11.3-1");
}

MQTTSPEC_CASE(delivery_stops, {
    .id = "v5/unsubscribe/delivery-stops",
    .title = "After UNSUBACK no new message on the removed subscription is delivered",
    .statements = {"MQTT-3.10.4-2", "MQTT-3.10.4-1"},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto gone = t.topic("gone"), kept = t.topic("kept");
    sub.subscribe(gone, 0);
    sub.subscribe(kept, 0);
    sub.unsubscribe(gone);
    pub.publish(gone, "after-unsubscribe", 0);
    expect_no_delivery_unordered_marker(pub, sub, kept, 0, {{"type", "PUBLISH"}, {"topic", gone}});
}

MQTTSPEC_CASE(exact_filter_match, {
    .id = "v5/unsubscribe/filter-compared-exactly",
    .title = "UNSUBSCRIBE removes only a subscription whose filter is identical: a topic matching a wildcard subscription does not remove it",
    .statements = {"MQTT-3.10.4-1", "MQTT-3.11.3-2"},
    .needs = {requirement::wildcard_subscriptions},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto wildcard = t.topic("+"), topic = t.topic("x");
    sub.subscribe(wildcard, 0);
    const auto ack = unsubscribe_all(sub, 3, {topic});  // matches the filter, but is not it
    // The code is any defined one (MQTT-3.11.3-2); whether the subscription survived shows in delivery.
    check_defined_reasons(t, ack);
    pub.publish(topic, "still-subscribed", 0);
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "still-subscribed"}});
}

}  // namespace
}  // namespace mqttspec::conformance
