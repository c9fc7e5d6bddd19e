// 3.1.1 section 3.8 SUBSCRIBE.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(reserved_flags_close, {
    .id = "v311/subscribe/reserved-flags-malformed",
    .title = "A SUBSCRIBE whose fixed-header flags are not 0010 is malformed: the server closes the connection",
    .statements = {"MQTT-3.8.1-1", "MQTT-2.2.2-2"},
}) {
    auto& c = t.connect("c");
    // SUBSCRIBE with flags 0000 (first byte 0x80 instead of 0x82):
    //   packet id 1 | topic filter | requested QoS 0
    const auto bytes = codec::raw_builder().u16(1).str(t.topic("a")).byte(0).packet(0x80);
    c.send_raw(bytes);
    expect_connection_closed_or_disconnect(c, {}, "MQTT-3.8.1-1");
}

}  // namespace
}  // namespace mqttspec::conformance
