// 5.0 section 4.6: QoS 2 acknowledgements keep the order of what they acknowledge. The text obliges the
// Client (MQTT-4.6.0-3, MQTT-4.6.0-4); a server is bound by it only through the ordering rules it
// implies, so these cases are SHOULD level, like the PUBACK order case.
#include <algorithm>

#include "case_helpers.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

using helpers::packet_id_of;

MQTTSPEC_CASE(pubrec_order, {
    .id = "v5/qos2/pubrec-order",
    .title = "PUBRECs for QoS 2 PUBLISHes come back in the order the PUBLISHes were sent",
    .statements = {"MQTT-4.6.0-3"},
    .lvl = level::should,
    .needs = {requirement::qos2},
}) {
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    // Never more unacknowledged QoS 2 PUBLISHes than the server's Receive Maximum (MQTT-3.3.4-7).
    const std::size_t count = std::min<std::size_t>(3, std::max<std::size_t>(1, t.caps().receive_maximum));
    if (count < 2) t.skip("the server's Receive Maximum is 1: no two QoS 2 PUBLISHes can be unacknowledged together");
    std::vector<std::uint16_t> ids;
    for (std::size_t i = 0; i < count; ++i) ids.push_back(pub.publish(topic, "r" + std::to_string(i), 2));
    for (auto id : ids) {
        const auto rec = pub.expect({{"type", "PUBREC"}});
        t.check(rec.as_json.value("packet_id", 0) == id, "PUBRECs came back in another order than the PUBLISHes",
                "PUBREC packet_id " + std::to_string(id), rec.as_json.dump(), "MQTT-4.6.0-3");
    }
    for (auto id : ids) {
        codec::pubrel_packet rel;
        rel.packet_id = id;
        pub.send(rel);
        pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
    }
}

MQTTSPEC_CASE(pubrel_order, {
    .id = "v5/qos2/pubrel-order",
    .title = "The server sends PUBRELs in the order the subscriber's PUBRECs arrived",
    .statements = {"MQTT-4.6.0-4"},
    .lvl = level::should,
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    helpers::publish_qos2_completed(pub, topic, "first");
    helpers::publish_qos2_completed(pub, topic, "second");
    auto held = helpers::held_deliveries(sub, topic, sub.expect({{"type", "PUBLISH"}, {"topic", topic}}));
    if (held.size() < 2) {
        for (const auto& m : held) sub.acknowledge(m);
        sub.acknowledge(sub.expect({{"type", "PUBLISH"}, {"topic", topic}}));
        t.skip("the server sent one QoS 2 message at a time (its send quota, 4.9): no two PUBRECs to reorder");
    }
    // PUBRECs in the reverse of the delivery order: the PUBRELs must follow the PUBRECs, not the PUBLISHes.
    std::reverse(held.begin(), held.end());
    for (const auto& m : held) {
        codec::pubrec_packet rec;
        rec.packet_id = packet_id_of(m);
        sub.send(rec);
    }
    for (const auto& m : held) {
        const auto rel = sub.expect({{"type", "PUBREL"}});
        t.check(rel.as_json.value("packet_id", 0) == packet_id_of(m), "PUBRELs were sent in another order than the PUBRECs arrived",
                "PUBREL packet_id " + std::to_string(packet_id_of(m)), rel.as_json.dump(), "MQTT-4.6.0-4");
        codec::pubcomp_packet comp;
        comp.packet_id = packet_id_of(m);
        sub.send(comp);
    }
}

}  // namespace
}  // namespace mqttspec::conformance
