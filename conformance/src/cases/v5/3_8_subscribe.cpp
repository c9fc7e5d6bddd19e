// MQTT 5.0, section 3.8 SUBSCRIBE: subscribe.
#include <algorithm>
#include <map>

#include "delivery_rules.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"
#include "overlap_rules.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

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

MQTTSPEC_CASE(reserved_flags_malformed, {
    .id = "v5/subscribe/reserved-flags-malformed",
    .title = "A SUBSCRIBE whose fixed-header flags are not 0010 is malformed: the server closes the connection",
    .statements = {"MQTT-3.8.1-1"},
}) {
    auto& c = t.connect("c");
    // SUBSCRIBE with flags 0000 (first byte 0x80 instead of 0x82):
    //   packet id 1 | property length 0 | topic filter | subscription options 0
    const auto bytes = codec::raw_builder().u16(1).varint(0).str(t.topic("a")).byte(0).packet(0x80);
    c.send_raw(bytes);
    // 4.13.1: DISCONNECT 0x81 (Malformed Packet) before closing is allowed, not required.
    expect_connection_closed_or_disconnect(c, {codec::reason::malformed_packet}, "MQTT-3.8.1-1");
}

MQTTSPEC_CASE(suback_packet_id, {
    .id = "v5/subscribe/suback-packet-identifier",
    .title = "A SUBSCRIBE is answered by exactly one SUBACK carrying its Packet Identifier",
    .statements = {"MQTT-3.8.4-1", "MQTT-3.8.4-2", "MQTT-2.2.1-6"},
}) {
    auto& c = t.connect("c");
    const auto topic = t.topic("a");
    codec::subscribe_packet s;
    s.packet_id = 0x1234;  // both bytes non-zero, so a byte-swapped echo is caught
    s.subscriptions.push_back({.filter = topic});
    c.send(s);
    c.expect({{"type", "SUBACK"}, {"packet_id", 0x1234}, {"reason_codes", json::array({0})}});
    c.expect_none({{"type", "SUBACK"}});
}

MQTTSPEC_CASE(reason_code_per_filter_in_order, {
    .id = "v5/subscribe/reason-code-per-filter-in-order",
    .title = "A SUBSCRIBE with several filters gets one SUBACK with one reason code per filter, in order, each the granted QoS that deliveries then honour",
    .statements = {"MQTT-3.8.4-5", "MQTT-3.8.4-6", "MQTT-3.8.4-7", "MQTT-3.9.3-1", "MQTT-3.9.3-2", "MQTT-3.8.4-8"},
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const std::string topics[] = {t.topic("q2"), t.topic("q0"), t.topic("q1")};
    const std::uint8_t requested[] = {2, 0, 1};
    std::vector<codec::subscription> subs;
    for (int i = 0; i < 3; ++i) subs.push_back({.filter = topics[i], .qos = requested[i]});
    const auto suback = sub.subscribe(subs);
    const auto& codes = suback.as<codec::suback_packet>().reason_codes;
    t.check(codes.size() == 3, "the SUBACK does not hold one reason code per filter", "3 reason codes",
            suback.as_json.dump(), "MQTT-3.8.4-6");
    for (int i = 0; i < 3; ++i) {
        // 3.8.4: the server may grant less than requested, or refuse (>= 0x80), never grant more.
        t.check(codes[i] <= requested[i] || codes[i] >= 0x80,
                "reason code " + std::to_string(i) + " grants more than that filter requested (order mixed up?)",
                "granted QoS <= " + std::to_string(requested[i]), suback.as_json.dump(), "MQTT-3.9.3-1");
    }
    // The codes must describe the filters at their positions: a QoS 2 message to each topic arrives
    // at exactly the QoS granted at that position.
    for (int i = 0; i < 3; ++i) {
        if (codes[i] >= 0x80) continue;
        const auto payload = "to-" + std::to_string(i);
        const auto id = pub.publish(topics[i], payload, 2);
        pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
        pub.send(pubrel(id));
        pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
        const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topics[i]}, {"payload", payload}});
        t.check(msg.as<codec::publish_packet>().qos == codes[i],
                "a message to filter " + std::to_string(i) + " arrived at another QoS than its SUBACK code granted",
                "qos " + std::to_string(codes[i]), msg.as_json.dump(), "MQTT-3.8.4-8");
        sub.acknowledge(msg);
    }
}

MQTTSPEC_CASE(identical_filter_replaces, {
    .id = "v5/subscribe/identical-filter-replaces",
    .title = "Subscribing again to an identical Topic Filter replaces the subscription: one copy per message, at the new QoS",
    .statements = {"MQTT-3.8.4-3"},
    .needs = {requirement::qos1},
}) {
    delivery_rules::identical_filter_replaces(t, "MQTT-3.8.4-3");
}

}  // namespace
}  // namespace mqttspec::conformance
