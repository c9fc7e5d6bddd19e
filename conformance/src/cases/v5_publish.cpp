// 5.0 section 3.3 PUBLISH and the QoS flows of 4.3.
#include <algorithm>
#include <map>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "v5_core_support.hpp"

namespace mqttspec::conformance {
namespace {

using namespace v5core;

MQTTSPEC_CASE(qos1_puback, {
    .id = "v5/publish/qos1-puback",
    .title = "A QoS 1 PUBLISH is answered with a PUBACK carrying the same packet identifier",
    .statements = {"MQTT-3.3.4-1", "MQTT-4.3.2-4", "MQTT-3.4.2-1"},
    .needs = {requirement::qos1},
}) {
    auto& pub = t.connect("pub");
    const auto id = pub.publish(t.topic("a"), "hello", 1);
    // No subscriber: 0x10 No matching subscribers is a success code the broker may use (3.4.2.1).
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}, {"reason_code", {{"any_of", {0x00, 0x10}}}}});
}

MQTTSPEC_CASE(qos1_delivered_at_qos1, {
    .id = "v5/publish/qos1-delivery",
    .title = "A QoS 1 message reaches a QoS 1 subscriber as a QoS 1 PUBLISH with DUP 0 and its payload",
    .statements = {"MQTT-4.3.2-2", "MQTT-4.3.2-4"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    require_granted(t, sub.subscribe(topic, 1), 1);
    const auto id = pub.publish(topic, "payload-1", 1);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"qos", 1}, {"dup", false},
                                 {"payload", "payload-1"}});
    sub.acknowledge(msg);
}

MQTTSPEC_CASE(qos0_delivery, {
    .id = "v5/publish/qos0-delivery",
    .title = "A QoS 0 message reaches a subscriber as a QoS 0 PUBLISH with DUP 0 and no packet identifier",
    .statements = {"MQTT-4.3.1-1", "MQTT-3.3.1-2", "MQTT-2.2.1-2"},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    pub.publish(topic, "q0", 0);
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"qos", 0}, {"dup", false}, {"packet_id", {{"absent", true}}},
                {"payload", "q0"}});
}

MQTTSPEC_CASE(delivered_qos_minimum, {
    .id = "v5/publish/delivered-qos-is-minimum",
    .title = "A message is delivered at the lower of its published QoS and the subscription's granted QoS",
    .statements = {"MQTT-3.8.4-8", "MQTT-3.8.4-7"},
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto g0 = t.topic("g0"), g1 = t.topic("g1"), g2 = t.topic("g2");
    const auto suback = sub.subscribe({{.filter = g0, .qos = 0}, {.filter = g1, .qos = 1}, {.filter = g2, .qos = 2}});
    // 3.9.3: the broker may grant less than requested, never more; the delivered QoS follows the grant.
    std::map<const std::string*, std::uint8_t> granted;
    const std::string* filters[] = {&g0, &g1, &g2};
    for (std::uint8_t i = 0; i < 3; ++i) {
        granted[filters[i]] = granted_qos(t, suback, i);
        t.check(granted[filters[i]] <= i, "the broker granted a higher QoS than the subscription requested",
                "granted QoS at most " + std::to_string(i) + " for filter " + std::to_string(i), suback.as_json.dump(),
                "MQTT-3.8.4-7");
    }
    // (published QoS, subscription)
    struct row {
        std::uint8_t published;
        const std::string* topic;
    };
    const row rows[] = {{1, &g0}, {2, &g0}, {2, &g1}, {0, &g2}, {1, &g2}, {2, &g2}};
    int n = 0;
    for (const auto& r : rows) {
        const auto payload = "m" + std::to_string(n++);
        const auto id = pub.publish(*r.topic, payload, r.published);
        if (r.published == 1) pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
        if (r.published == 2) {
            pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
            pub.send(pubrel(id));
            pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
        }
        const auto delivered = std::min(r.published, granted[r.topic]);
        const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", *r.topic}, {"payload", payload}});
        t.check(msg.as<codec::publish_packet>().qos == delivered,
                "QoS " + std::to_string(r.published) + " message on a subscription granted QoS " +
                    std::to_string(granted[r.topic]) + " arrived at the wrong QoS",
                "qos " + std::to_string(delivered), msg.as_json.dump(), "MQTT-3.8.4-8");
        sub.acknowledge(msg);
    }
}

MQTTSPEC_CASE(topic_name_not_filter, {
    .id = "v5/publish/topic-name-of-message-not-filter",
    .title = "A message delivered through a wildcard subscription carries the Topic Name it was published to",
    .statements = {"MQTT-3.3.2-3"},
    .needs = {requirement::wildcard_subscriptions},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    sub.subscribe(t.topic("+/x"), 0);
    const auto topic = t.topic("abc/x");
    pub.publish(topic, "via-wildcard", 0);
    sub.expect({{"type", "PUBLISH"}, {"payload", "via-wildcard"}, {"topic", topic}});
}

MQTTSPEC_CASE(incoming_dup_not_forwarded, {
    .id = "v5/publish/incoming-dup-not-propagated",
    .title = "A first delivery to a subscriber has DUP 0 even when the publisher's PUBLISH had DUP 1",
    .statements = {"MQTT-3.3.1-3"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 1);
    codec::publish_packet p;
    p.dup = true;  // as if the publisher were retransmitting
    p.qos = 1;
    p.topic = topic;
    p.packet_id = pub.next_packet_id();
    p.payload = "dup-in";
    pub.send(p);
    pub.expect({{"type", "PUBACK"}, {"packet_id", p.packet_id}});
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "dup-in"}});
    t.check(!msg.as<codec::publish_packet>().dup, "the broker copied the incoming DUP flag to a first delivery",
            "dup false", msg.as_json.dump(), "MQTT-3.3.1-3");
    sub.acknowledge(msg);
}

MQTTSPEC_CASE(all_matching_sessions, {
    .id = "v5/publish/every-matching-subscriber",
    .title = "A message is delivered to every client with a matching subscription",
    .statements = {"MQTT-4.5.0-1"},
    .needs = {requirement::qos1},
}) {
    auto& a = t.connect("a");
    auto& b = t.connect("b");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("fan");
    a.subscribe(topic, 1);
    b.subscribe(topic, 1);
    const auto id = pub.publish(topic, "to-all", 1);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}, {"reason_code", 0}});
    a.acknowledge(a.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "to-all"}}));
    b.acknowledge(b.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "to-all"}}));
}

}  // namespace
}  // namespace mqttspec::conformance
