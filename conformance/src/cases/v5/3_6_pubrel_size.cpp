// 5.0 PUBREL (3.6.2.2): its Reason String and User Properties are left out when they would not fit
// in the client's Maximum Packet Size.
#include "mqttspec/codec/encoder.hpp"
#include "mqttspec/conformance/case.hpp"
#include "ack_size_support.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(pubrel_within_client_limit, {
    .id = "v5/pubrel/optional-properties-within-client-maximum-packet-size",
    .title = "A PUBREL to a client with a small Maximum Packet Size carries no Reason String or User Property that would make it exceed that size",
    .statements = {"MQTT-3.6.2-2", "MQTT-3.6.2-3"},
    .needs = {requirement::qos2},
}) {
    const auto topic = t.topic("t");
    // The QoS 2 message the broker delivers (and then releases) must fit too: its size without
    // properties, or a PUBREL with a reason code (6 bytes), whichever is larger.
    codec::publish_packet delivered{.qos = 2, .topic = topic, .payload = "x"};
    delivered.packet_id = 1;
    const auto limit = ack_size::tight_limit(t, std::max<std::size_t>(6, codec::encoded_size(delivered, codec::protocol_version::v5)));
    auto& sub = t.connect("sub", ack_size::with_limit(limit));
    const auto granted = sub.subscribe(topic, 2).as<codec::suback_packet>().reason_codes.at(0);
    if (granted != 2) t.skip("the broker granted QoS " + std::to_string(granted) + " to a QoS 2 subscription (3.9.3 allows it)");
    auto& pub = t.connect("pub");
    const auto id = pub.publish(topic, "x", 2);
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
    pub.send(codec::pubrel_packet{.packet_id = id});
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"qos", 2}});
    const auto delivery_id = msg.as<codec::publish_packet>().packet_id;
    sub.send(codec::pubrec_packet{.packet_id = delivery_id});
    // The PUBREL is due (4.3.3); only its optional properties may give way.
    const auto rel = sub.expect({{"type", "PUBREL"}, {"packet_id", delivery_id}});
    ack_size::check_fits<codec::pubrel_packet>(t, rel, limit, "MQTT-3.6.2-2", "MQTT-3.6.2-3");
    sub.send(codec::pubcomp_packet{.packet_id = delivery_id});
    // A PUBREC for a Packet Identifier the broker never used: it may answer PUBREL 0x92 (Packet
    // Identifier not found), a code worth explaining, or nothing, or take it for a Protocol Error and
    // close (4.13: inconsistent with its state). Whatever it sends must fit.
    auto& stray = t.connect("stray", ack_size::with_limit(limit));
    stray.send(codec::pubrec_packet{.packet_id = 4242});
    std::vector<received_packet> others;
    stray.send(codec::pingreq_packet{});
    ack_size::answer_or_close(stray, {{"type", "PINGRESP"}}, others, "MQTT-3.6.2-2");
    for (const auto& p : others) {
        if (p.type() == codec::packet_type::pubrel) ack_size::check_fits<codec::pubrel_packet>(t, p, limit, "MQTT-3.6.2-2", "MQTT-3.6.2-3");
    }
}

}  // namespace
}  // namespace mqttspec::conformance
