// 3.1.1 section 4.6 Message ordering: the server as a sender of QoS 2 messages, and Ordered Topics by default.
#include <map>
#include <string>
#include <vector>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(pubrel_in_pubrec_order, {
    .id = "v311/ordering/pubrel-in-pubrec-order",
    .title = "Delivering QoS 2 messages, the server sends its PUBRELs in the order the subscriber's PUBRECs arrived",
    .statements = {"MQTT-4.6.0-4", "MQTT-4.6.0-6"},
    .needs = {requirement::qos2},
}) {
    const auto topic = t.topic("t");
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 2);
    auto& pub = t.connect("pub");
    helpers::publish_qos2_completed(pub, topic, "m1");
    helpers::publish_qos2_completed(pub, topic, "m2");
    // Both deliveries unanswered at once. 3.1.1 lets a server keep fewer in flight (4.4 / 4.6: it may
    // hold the next message until the previous one is acknowledged): then PUBRECs have one order only.
    std::vector<received_packet> delivered;
    const auto until = sub.default_deadline();
    while (delivered.size() < 2) {
        auto e = sub.next_event(until);
        if (e.kind == event_kind::malformed) sub.expect_well_formed();
        if (e.kind == event_kind::closed) t.fail("the broker closed the subscriber's connection", "two QoS 2 PUBLISH packets", e.detail);
        if (e.kind == event_kind::timeout) break;
        t.check(e.packet->type() == codec::packet_type::publish, "the subscriber received an unexpected packet",
                "PUBLISH", e.packet->as_json.dump());
        delivered.push_back(*e.packet);
    }
    if (delivered.size() < 2) t.skip("the broker keeps one QoS 2 delivery in flight at a time; PUBRECs cannot be reordered");
    const auto first = delivered[0].as<codec::publish_packet>().packet_id;
    const auto second = delivered[1].as<codec::publish_packet>().packet_id;
    // PUBRECs in the reverse order of the deliveries.
    for (const auto id : {second, first}) {
        codec::pubrec_packet rec;
        rec.packet_id = id;
        sub.send(rec);
    }
    for (const auto id : {second, first}) sub.expect_next({{"type", "PUBREL"}, {"packet_id", id}});
    for (const auto id : {second, first}) {
        codec::pubcomp_packet comp;
        comp.packet_id = id;
        sub.send(comp);
    }
    sub.barrier();
}

MQTTSPEC_CASE(topics_ordered_by_default, {
    .id = "v311/ordering/every-topic-ordered-by-default",
    .title = "Every topic is an Ordered Topic by default: messages published in bursts to several topics of different "
             "shapes reach a subscriber of each in the order of each topic",
    .statements = {"MQTT-4.6.0-5", "MQTT-4.6.0-6"},
    .needs = {requirement::qos1},
}) {
    const std::vector<std::string> topics = {t.topic("ordered"), t.topic("deeper/level/x"), t.topic("with space"),
                                             t.topic("Mixed-Case_1")};
    constexpr int per_topic = 4;
    auto& sub = t.connect("sub");
    std::vector<codec::subscription> subscriptions;
    for (const auto& topic : topics) {
        codec::subscription s;
        s.filter = topic;
        s.qos = 1;
        subscriptions.push_back(s);
    }
    sub.subscribe(subscriptions);
    auto& pub = t.connect("pub");
    // Bursts of consecutive messages per topic, two rounds, all sent before any PUBACK is awaited.
    std::vector<std::uint16_t> ids;
    for (int round = 0; round < 2; ++round) {
        for (const auto& topic : topics) {
            for (int i = round * per_topic / 2; i < (round + 1) * per_topic / 2; ++i) {
                ids.push_back(pub.publish(topic, "m" + std::to_string(i), 1));
            }
        }
    }
    for (const auto id : ids) pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    std::map<std::string, std::vector<std::string>> arrived;
    for (std::size_t n = 0; n < ids.size(); ++n) {
        const auto msg = sub.expect({{"type", "PUBLISH"}});
        const auto& p = msg.as<codec::publish_packet>();
        arrived[std::string(p.topic)].push_back(std::string(p.payload));
        sub.acknowledge(msg);
    }
    for (const auto& topic : topics) {
        std::vector<std::string> expected;
        for (int i = 0; i < per_topic; ++i) expected.push_back("m" + std::to_string(i));
        std::string got;
        for (const auto& payload : arrived[topic]) got += payload + " ";
        t.check(arrived[topic] == expected, "messages on one topic arrived out of their published order: " + topic,
                "m0 m1 m2 m3", got, "MQTT-4.6.0-5");
    }
}

}  // namespace
}  // namespace mqttspec::conformance
