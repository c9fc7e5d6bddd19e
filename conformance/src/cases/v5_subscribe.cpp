// 5.0 section 3.8 SUBSCRIBE.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

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

}  // namespace
}  // namespace mqttspec::conformance
