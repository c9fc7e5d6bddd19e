// MQTT 3.1.1, section 4.3 QoS delivery protocols: qos levels.
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "delivery_rules.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(qos2_duplicate_delivered_once, {
    .id = "v311/qos2/duplicate-before-pubrel-delivered-once",
    .title = "A QoS 2 PUBLISH repeated before PUBREL is answered with PUBREC again and not delivered twice",
    .statements = {"MQTT-4.3.3-2"},
    .needs = {requirement::qos2},
}) {
    delivery_rules::qos2_duplicate_delivered_once(t);
}


MQTTSPEC_CASE(qos1_packet_id_reuse, {
    .id = "v311/qos1/packet-id-reuse-after-puback",
    .title = "After PUBACK, a PUBLISH reusing the Packet Identifier is a new message, even with DUP 1, and is delivered too",
    .statements = {"MQTT-4.3.2-2"},
    .needs = {requirement::qos1},
}) {
    delivery_rules::packet_id_reuse_is_new_message(t, 1);
}


MQTTSPEC_CASE(qos2_packet_id_reuse, {
    .id = "v311/qos2/packet-id-reuse-after-pubcomp",
    .title = "After PUBCOMP, a QoS 2 PUBLISH reusing the Packet Identifier is a new message and is delivered too",
    .statements = {"MQTT-4.3.3-2"},
    .needs = {requirement::qos2},
}) {
    delivery_rules::packet_id_reuse_is_new_message(t, 2);
}


MQTTSPEC_CASE(server_packet_ids_distinct, {
    .id = "v311/publish/server-packet-ids-unused",
    .title = "QoS 1 messages in flight to one subscriber carry distinct non-zero Packet Identifiers",
    .statements = {"MQTT-2.3.1-4", "MQTT-2.3.1-1", "MQTT-4.3.2-1"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 1);
    constexpr int count = 5;
    for (int i = 0; i < count; ++i) helpers::publish_qos1_acked(pub, topic, "m" + std::to_string(i));
    // The broker may send one message at a time and wait for each PUBACK (it announces no window):
    // compare the identifiers of those it has sent unacknowledged, the first at least.
    std::vector<received_packet> held{helpers::expect_publish(sub, topic, "m0", {{"qos", 1}, {"dup", false}})};
    sub.barrier();
    for (auto& m : sub.take_all({{"type", "PUBLISH"}, {"topic", topic}})) held.push_back(std::move(m));
    std::set<std::uint16_t> ids;
    for (const auto& m : held) {
        const auto id = m.as<codec::publish_packet>().packet_id;
        t.check(id != 0 && ids.insert(id).second, "the broker reused a Packet Identifier that is still in use",
                "a new non-zero packet_id", m.as_json.dump(), "MQTT-2.3.1-4");
    }
    for (const auto& m : held) sub.acknowledge(m);
    if (held.size() < 2) t.skip("the broker sent one QoS 1 message at a time: no identifiers in use together to compare");
}

}  // namespace
}  // namespace mqttspec::conformance
