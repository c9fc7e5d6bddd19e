// 5.0 section 3.14 DISCONNECT, sent by the client (reserved flags) and by the server (after it).
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "v5_core_support.hpp"

namespace mqttspec::conformance {
namespace {

using namespace v5core;

MQTTSPEC_CASE(malformed_disconnect_keeps_will, {
    .id = "v5/disconnect/reserved-flags-not-a-normal-disconnect",
    .title = "A DISCONNECT with fixed-header flags 0001 is malformed, not a normal disconnection: the server closes and publishes the will",
    .statements = {"MQTT-3.14.1-1", "MQTT-3.1.2-8"},
}) {
    auto& watcher = t.connect("watcher");
    const auto will_topic = t.topic("will");
    watcher.subscribe(will_topic, 0);
    connect_options o;
    o.will = will(will_topic, "malformed-disconnect");
    auto& c = t.connect("owner", o);
    c.send_raw(codec::from_hex("e1 00"));  // DISCONNECT, flags 0001, no reason code (0x00 implied)
    expect_connection_closed_or_disconnect(c, malformed_reasons, "MQTT-3.14.1-1");
    // A broker that took it for DISCONNECT 0x00 would have discarded the will.
    watcher.expect({{"type", "PUBLISH"}, {"topic", will_topic}, {"payload", "malformed-disconnect"}});
}

MQTTSPEC_CASE(server_disconnect_then_close, {
    .id = "v5/disconnect/server-sends-nothing-after-disconnect",
    .title = "A server that sends DISCONNECT sends nothing after it and closes the connection",
    .statements = {"MQTT-3.14.4-1", "MQTT-3.14.4-2", "MQTT-3.14.2-1", "MQTT-4.13.1-1"},
}) {
    auto& c = t.connect("c");
    // A Malformed Packet (PUBLISH with QoS 3) followed by a PINGREQ: the broker ends the connection
    // (MQTT-4.13.1-1; a DISCONNECT with any error code may come first, 0x81 being what 4.13.1 suggests)
    // and must not answer the PINGREQ after its DISCONNECT.
    auto bytes = codec::raw_builder().str(t.topic("a")).u16(1).varint(0).bytes("x").packet(0x36);
    bytes.push_back(0xC0);
    bytes.push_back(0x00);
    c.send_raw(bytes);
    const auto disconnect = expect_close_maybe_disconnect(c, malformed_reasons, "MQTT-4.13.1-1");
    if (!disconnect) t.skip("the broker closed without sending DISCONNECT, so there is nothing after one to judge");
}

}  // namespace
}  // namespace mqttspec::conformance
