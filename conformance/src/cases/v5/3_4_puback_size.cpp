// 5.0 PUBACK (3.4.2.2): its Reason String and User Properties are left out when they would not fit
// in the client's Maximum Packet Size.
#include "mqttspec/conformance/case.hpp"
#include "ack_size_support.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(puback_within_client_limit, {
    .id = "v5/puback/optional-properties-within-client-maximum-packet-size",
    .title = "A PUBACK to a client with a small Maximum Packet Size carries no Reason String or User Property that would make it exceed that size",
    .statements = {"MQTT-3.4.2-2", "MQTT-3.4.2-3"},
    .needs = {requirement::qos1},
}) {
    // PUBACK with a reason code and an empty property list: 2 + 2 + 1 + 1 bytes.
    const auto limit = ack_size::tight_limit(t, 6);
    auto& c = t.connect("c", ack_size::with_limit(limit));
    // No subscriber: 0x10 No matching subscribers, a code brokers like to explain (3.4.2.1).
    const auto id = c.publish(t.topic("nobody"), "x", 1);
    // The PUBACK itself is due (4.3.2); only its optional properties may give way.
    const auto ack = c.expect({{"type", "PUBACK"}, {"packet_id", id}});
    ack_size::check_fits<codec::puback_packet>(t, ack, limit, "MQTT-3.4.2-2", "MQTT-3.4.2-3");
    if (const auto& denied = t.prof().denied_topic) {
        // 0x87 Not authorized, which an ACL may explain; 3.3.5 also lets the broker refuse by closing.
        auto& d = t.connect("denied", ack_size::with_limit(limit));
        const auto denied_id = d.publish(*denied, "x", 1);
        std::vector<received_packet> others;
        if (const auto a = ack_size::answer_or_close(d, {{"type", "PUBACK"}, {"packet_id", denied_id}}, others, "MQTT-3.4.2-2")) {
            ack_size::check_fits<codec::puback_packet>(t, *a, limit, "MQTT-3.4.2-2", "MQTT-3.4.2-3");
        }
    }
}

}  // namespace
}  // namespace mqttspec::conformance
