// MQTT 5.0, section 3.3 PUBLISH: publish.
#include <algorithm>
#include <map>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

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

}  // namespace
}  // namespace mqttspec::conformance
