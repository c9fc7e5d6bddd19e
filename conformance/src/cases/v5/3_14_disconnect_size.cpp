// 5.0 DISCONNECT (3.14.2.2.3/4): its Reason String and User Properties are left out when they would
// not fit in the client's Maximum Packet Size.
#include "mqttspec/conformance/case.hpp"
#include "ack_size_support.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(disconnect_within_client_limit, {
    .id = "v5/disconnect/optional-properties-within-client-maximum-packet-size",
    .title = "A DISCONNECT the server sends to a client with a small Maximum Packet Size carries no Reason String or User Property that would make it exceed that size",
    .statements = {"MQTT-3.14.2-3", "MQTT-3.14.2-4"},
}) {
    // DISCONNECT with a reason code and an empty property list: 2 + 1 + 1 bytes.
    const auto limit = ack_size::tight_limit(t, 4);
    // Session takeover (3.1.4): the old connection may get DISCONNECT 0x8E Session taken over, then
    // must be closed. A server-sent DISCONNECT is optional (4.13), so no DISCONNECT passes too.
    connect_options first = ack_size::with_limit(limit);
    first.client_id = t.client_id("taken");
    auto& old = t.connect("old", first);
    connect_options second;
    second.client_id = first.client_id;
    t.connect("new", second);
    for (const auto& p : ack_size::packets_before_close(old)) {
        if (p.type() == codec::packet_type::disconnect) {
            ack_size::check_fits<codec::disconnect_packet>(t, p, limit, "MQTT-3.14.2-3", "MQTT-3.14.2-4");
        }
    }
    // A Protocol Error (a second CONNECT, 3.1.0-2): DISCONNECT 0x82, which brokers like to explain,
    // then close.
    auto& twice = t.connect("twice", ack_size::with_limit(limit));
    twice.send(t.make_connect("twice", ack_size::with_limit(limit)));
    for (const auto& p : ack_size::packets_before_close(twice)) {
        if (p.type() == codec::packet_type::disconnect) {
            ack_size::check_fits<codec::disconnect_packet>(t, p, limit, "MQTT-3.14.2-3", "MQTT-3.14.2-4");
        }
    }
}

}  // namespace
}  // namespace mqttspec::conformance
