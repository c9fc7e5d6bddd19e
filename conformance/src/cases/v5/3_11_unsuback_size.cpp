// 5.0 UNSUBACK (3.11.2.1.2/3): its Reason String and User Properties are left out when they would not
// fit in the client's Maximum Packet Size.
#include "mqttspec/conformance/case.hpp"
#include "ack_size_support.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(unsuback_within_client_limit, {
    .id = "v5/unsuback/optional-properties-within-client-maximum-packet-size",
    .title = "An UNSUBACK to a client with a small Maximum Packet Size carries no Reason String or User Property that would make it exceed that size",
    .statements = {"MQTT-3.11.2-1", "MQTT-3.11.2-2"},
}) {
    // SUBACK / UNSUBACK for one filter with an empty property list: 2 + 2 + 1 + 1 bytes.
    const auto limit = ack_size::tight_limit(t, 6);
    auto& c = t.connect("c", ack_size::with_limit(limit));
    // 0x11 No subscription existed, a code brokers like to explain (3.11.3); then a plain success.
    const auto never = c.unsubscribe(t.topic("never-subscribed"));
    ack_size::check_fits<codec::unsuback_packet>(t, never, limit, "MQTT-3.11.2-1", "MQTT-3.11.2-2");
    c.subscribe(t.topic("t"), 0);
    const auto ok = c.unsubscribe(t.topic("t"));
    ack_size::check_fits<codec::unsuback_packet>(t, ok, limit, "MQTT-3.11.2-1", "MQTT-3.11.2-2");
}

}  // namespace
}  // namespace mqttspec::conformance
