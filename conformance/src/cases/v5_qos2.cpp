// 5.0 section 4.3.3 QoS 2 delivery, 3.5 PUBREC, 3.6 PUBREL, 3.7 PUBCOMP, and 4.4 retransmission.
#include <algorithm>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "v5_core_support.hpp"

namespace mqttspec::conformance {
namespace {

using namespace v5core;

// 3.5.2.1 / 3.7.2.1: with no subscriber the broker may answer 0x10 No matching subscribers.
const json accepted_pubrec = {{"any_of", {0x00, 0x10}}};

// Publishes at QoS 2 and completes the publisher's side of the exchange. 4.3.3 lets the server
// forward the message when the PUBLISH arrives or only after PUBREL, so subscribers are watched only
// once the whole exchange is done.
void publish_qos2(client& pub, const std::string& topic, std::string_view payload) {
    const auto id = pub.publish(topic, payload, 2);
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
    pub.send(pubrel(id));
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
}

MQTTSPEC_CASE(publisher_flow, {
    .id = "v5/qos2/publisher-flow",
    .title = "A QoS 2 PUBLISH is answered by PUBREC, and its PUBREL by PUBCOMP, each with the same packet identifier and a success code",
    .statements = {"MQTT-4.3.3-8", "MQTT-4.3.3-11", "MQTT-2.2.1-5", "MQTT-3.5.2-1", "MQTT-3.7.2-1"},
    .needs = {requirement::qos2},
}) {
    auto& pub = t.connect("pub");
    const auto id = pub.publish(t.topic("a"), "q2", 2);
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}, {"reason_code", accepted_pubrec}});
    pub.send(pubrel(id));
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}, {"reason_code", 0}});
}

MQTTSPEC_CASE(subscriber_flow, {
    .id = "v5/qos2/subscriber-flow",
    .title = "A QoS 2 message reaches a QoS 2 subscriber with DUP 0; the server answers its PUBREC with a PUBREL of the same identifier and does not send the message again",
    .statements = {"MQTT-4.3.3-2", "MQTT-4.3.3-4", "MQTT-4.3.3-6", "MQTT-3.6.2-1"},
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    const auto id = pub.publish(topic, "exactly-once", 2);
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
    pub.send(pubrel(id));
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"qos", 2}, {"dup", false}, {"payload", "exactly-once"}});
    const auto out_id = msg.as<codec::publish_packet>().packet_id;
    codec::pubrec_packet rec;
    rec.packet_id = out_id;
    sub.send(rec);
    sub.expect({{"type", "PUBREL"}, {"packet_id", out_id}, {"reason_code", 0}});
    codec::pubcomp_packet comp;
    comp.packet_id = out_id;
    sub.send(comp);
    // A second copy would come before a later QoS 2 message from the same publisher on the same topic.
    expect_no_delivery(pub, sub, topic, 2, {{"type", "PUBLISH"}, {"payload", "exactly-once"}});
}

MQTTSPEC_CASE(duplicate_before_pubrel, {
    .id = "v5/qos2/duplicate-before-pubrel-delivered-once",
    .title = "A QoS 2 PUBLISH resent before PUBREL gets another PUBREC but the message is delivered onward only once",
    .statements = {"MQTT-4.3.3-10", "MQTT-4.3.3-8"},
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    codec::publish_packet p;
    p.qos = 2;
    p.topic = topic;
    p.packet_id = 5;
    p.payload = "once";
    pub.send(p);
    pub.expect({{"type", "PUBREC"}, {"packet_id", 5}});
    p.dup = true;  // a retransmission: the receiver has not seen PUBREL yet
    pub.send(p);
    pub.expect({{"type", "PUBREC"}, {"packet_id", 5}});
    pub.send(pubrel(5));
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", 5}});
    const auto copies = expect_copies(pub, sub, topic, 2, {{"type", "PUBLISH"}, {"payload", "once"}}, 1, 1);
    sub.acknowledge(copies[0]);
}

MQTTSPEC_CASE(pubrel_unknown_id, {
    .id = "v5/qos2/pubrel-unknown-packet-id",
    .title = "A PUBREL for an unknown packet identifier is still answered by PUBCOMP with that identifier (0x92 or 0x00)",
    .statements = {"MQTT-4.3.3-11", "MQTT-3.7.2-1"},
    .needs = {requirement::qos2},
}) {
    auto& c = t.connect("c");
    c.send(pubrel(777));
    // 3.7.2.1: 0x92 Packet Identifier not found fits; 0x00 is what a server that released it says.
    c.expect({{"type", "PUBCOMP"}, {"packet_id", 777}, {"reason_code", {{"any_of", {0x00, 0x92}}}}});
}

MQTTSPEC_CASE(id_reuse_after_pubcomp, {
    .id = "v5/qos2/packet-id-reuse-after-pubcomp",
    .title = "After PUBCOMP, a QoS 2 PUBLISH reusing the packet identifier is a new message and is delivered",
    .statements = {"MQTT-4.3.3-12"},
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    for (const char* payload : {"first", "second"}) {
        codec::publish_packet p;
        p.qos = 2;
        p.topic = topic;
        p.packet_id = 9;
        p.payload = payload;
        pub.send(p);
        pub.expect({{"type", "PUBREC"}, {"packet_id", 9}});
        pub.send(pubrel(9));
        pub.expect({{"type", "PUBCOMP"}, {"packet_id", 9}});
    }
    sub.acknowledge(sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "first"}}));
    sub.acknowledge(sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "second"}}));
}

MQTTSPEC_CASE(pubrel_resent, {
    .id = "v5/qos2/pubrel-resent-on-reconnect",
    .title = "When the session resumes after PUBREC but before PUBCOMP, the server resends the PUBREL (same identifier), not the PUBLISH",
    .statements = {"MQTT-4.4.0-1", "MQTT-4.3.3-6"},
    .needs = {requirement::qos2},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    publish_qos2(pub, topic, "half-done");
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "half-done"}});
    const auto id = msg.as<codec::publish_packet>().packet_id;
    codec::pubrec_packet rec;
    rec.packet_id = id;
    sub.send(rec);
    sub.expect({{"type", "PUBREL"}, {"packet_id", id}});
    sub.close();  // network loss before PUBCOMP
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    auto& again = t.connect("again", o);
    again.expect({{"type", "PUBREL"}, {"packet_id", id}});
    codec::pubcomp_packet comp;
    comp.packet_id = id;
    again.send(comp);
    // A resent PUBLISH would come before a later QoS 2 message from the same publisher on the same
    // topic (4.6): an ordered marker.
    expect_no_delivery(pub, again, topic, 2, {{"type", "PUBLISH"}, {"payload", "half-done"}});
}

MQTTSPEC_CASE(publish_resent, {
    .id = "v5/qos2/unacknowledged-resent-on-reconnect",
    .title = "An unacknowledged QoS 2 PUBLISH is resent with DUP 1 and its original packet identifier when the session resumes",
    .statements = {"MQTT-4.4.0-1", "MQTT-3.3.1-1"},
    .needs = {requirement::qos2},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    publish_qos2(pub, topic, "no-pubrec");
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "no-pubrec"}});
    const auto id = msg.as<codec::publish_packet>().packet_id;
    sub.close();
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    auto& again = t.connect("again", o);
    again.acknowledge(again.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "no-pubrec"}, {"dup", true},
                                    {"packet_id", id}, {"qos", 2}}));
}

MQTTSPEC_CASE(forwarding_order, {
    .id = "v5/qos2/forwarding-order",
    .title = "QoS 2 messages from one publisher to one topic reach the subscriber in the order they were published",
    .statements = {"MQTT-4.6.0-5", "MQTT-4.6.0-6"},
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("ordered");
    sub.subscribe(topic, 2);
    constexpr int count = 4;
    // In flight together, but never more unacknowledged than the broker's Receive Maximum (MQTT-3.3.4-7):
    // in windows of at most that many, each completed before the next starts.
    const int window = std::clamp<int>(t.caps().receive_maximum, 1, count);
    for (int first = 0; first < count; first += window) {
        std::vector<std::uint16_t> ids;
        for (int i = first; i < std::min(count, first + window); ++i) ids.push_back(pub.publish(topic, "m" + std::to_string(i), 2));
        for (auto id : ids) pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
        for (auto id : ids) pub.send(pubrel(id));
        for (auto id : ids) pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
    }
    for (int i = 0; i < count; ++i) {
        const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}});
        t.check(msg.as_json.value("payload", "") == "m" + std::to_string(i), "messages arrived out of order",
                "payload m" + std::to_string(i), msg.as_json.dump(), "MQTT-4.6.0-5");
        sub.acknowledge(msg);
    }
}

}  // namespace
}  // namespace mqttspec::conformance
