// 5.0 PUBCOMP (3.7.2.2): its Reason String and User Properties are left out when they would not fit
// in the client's Maximum Packet Size.
#include "mqttspec/conformance/case.hpp"
#include "ack_size_support.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(pubcomp_within_client_limit, {
    .id = "v5/pubcomp/optional-properties-within-client-maximum-packet-size",
    .title = "A PUBCOMP to a client with a small Maximum Packet Size carries no Reason String or User Property that would make it exceed that size",
    .statements = {"MQTT-3.7.2-2", "MQTT-3.7.2-3"},
    .needs = {requirement::qos2},
}) {
    // PUBCOMP with a reason code and an empty property list: 2 + 2 + 1 + 1 bytes.
    const auto limit = ack_size::tight_limit(t, 6);
    auto& c = t.connect("c", ack_size::with_limit(limit));
    // A PUBREL for a Packet Identifier the broker does not know: the PUBCOMP is due all the same (4.3.3),
    // with 0x92 Packet Identifier not found, a code worth explaining (3.7.2.1).
    c.send(codec::pubrel_packet{.packet_id = 4242});
    const auto stray = c.expect({{"type", "PUBCOMP"}, {"packet_id", 4242}});
    ack_size::check_fits<codec::pubcomp_packet>(t, stray, limit, "MQTT-3.7.2-2", "MQTT-3.7.2-3");
    // A whole QoS 2 exchange with nobody subscribed (its PUBREC may say 0x10 No matching subscribers).
    const auto id = c.publish(t.topic("nobody"), "x", 2);
    c.expect({{"type", "PUBREC"}, {"packet_id", id}});
    c.send(codec::pubrel_packet{.packet_id = id});
    const auto comp = c.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
    ack_size::check_fits<codec::pubcomp_packet>(t, comp, limit, "MQTT-3.7.2-2", "MQTT-3.7.2-3");
}

}  // namespace
}  // namespace mqttspec::conformance
