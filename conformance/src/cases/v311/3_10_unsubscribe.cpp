// MQTT 3.1.1, section 3.10 UNSUBSCRIBE: unsubscribe.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(unsuback_packet_id, {
    .id = "v311/unsubscribe/unsuback-echoes-packet-id",
    .title = "An UNSUBSCRIBE is answered with an UNSUBACK carrying its Packet Identifier (1, 0x1234 and 65535)",
    .statements = {"MQTT-3.10.4-4", "MQTT-2.3.1-7"},
}) {
    auto& c = t.connect("c");
    const auto topic = t.topic("t");
    c.subscribe(topic, 0);
    for (std::uint16_t id : {std::uint16_t{1}, std::uint16_t{0x1234}, std::uint16_t{0xFFFF}}) {
        codec::unsubscribe_packet u;
        u.packet_id = id;
        u.filters.push_back(topic);
        c.send(u);
        c.expect_next({{"type", "UNSUBACK"}, {"packet_id", id}});
    }
}

MQTTSPEC_CASE(unknown_filter_acknowledged, {
    .id = "v311/unsubscribe/unknown-filter-acknowledged",
    .title = "An UNSUBSCRIBE for a filter the client never subscribed to is still answered with an UNSUBACK",
    .statements = {"MQTT-3.10.4-5"},
}) {
    auto& c = t.connect("c");
    c.unsubscribe(t.topic("never-subscribed"));
}

MQTTSPEC_CASE(stops_delivery, {
    .id = "v311/unsubscribe/stops-delivery",
    .title = "After UNSUBACK no new message is delivered for the deleted subscription",
    .statements = {"MQTT-3.10.4-2", "MQTT-3.10.4-1"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    const auto sentinel = t.topic("sentinel");
    sub.subscribe(topic, 1);
    sub.subscribe(sentinel, 0);
    helpers::publish_qos1_acked(pub, topic, "before");
    sub.acknowledge(helpers::expect_publish(sub, topic, "before"));
    sub.unsubscribe(topic);
    helpers::publish_qos1_acked(pub, topic, "after");
    expect_no_delivery_unordered_marker(pub, sub, sentinel, 1, pattern(json{{"type", "PUBLISH"}, {"topic", topic}, {"payload", "after"}}));
}

MQTTSPEC_CASE(multiple_filters_one_unsuback, {
    .id = "v311/unsubscribe/multiple-filters-one-unsuback",
    .title = "An UNSUBSCRIBE with several filters is answered with a single UNSUBACK and deletes each subscription",
    .statements = {"MQTT-3.10.4-6", "MQTT-3.10.4-2"},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto a = t.topic("a"), b = t.topic("b"), sentinel = t.topic("sentinel");
    sub.subscribe(a, 0);
    sub.subscribe(b, 0);
    sub.subscribe(sentinel, 0);
    codec::unsubscribe_packet u;
    u.packet_id = 77;
    u.filters = {a, b};
    sub.send(u);
    sub.expect_next({{"type", "UNSUBACK"}, {"packet_id", 77}});
    sub.expect_none({{"type", "UNSUBACK"}});
    pub.publish(a, "to-a", 0);
    pub.publish(b, "to-b", 0);
    expect_no_delivery_unordered_marker(pub, sub, sentinel, 0, pattern(json{{"type", "PUBLISH"}, {"topic", {{"any_of", {a, b}}}}}));
}

MQTTSPEC_CASE(literal_comparison, {
    .id = "v311/unsubscribe/filter-compared-literally",
    .title = "UNSUBSCRIBE compares filters character by character: unsubscribing 'x/y' leaves a 'x/+' subscription in place",
    .statements = {"MQTT-3.10.4-1"},
    .needs = {requirement::wildcard_subscriptions},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    sub.subscribe(t.topic("x/+"), 0);
    sub.unsubscribe(t.topic("x/y"));
    pub.publish(t.topic("x/y"), "still-subscribed", 0);
    helpers::expect_publish(sub, t.topic("x/y"), "still-subscribed");
}

}  // namespace
}  // namespace mqttspec::conformance
