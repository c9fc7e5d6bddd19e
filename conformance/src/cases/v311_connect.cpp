// 3.1.1 section 3.1 CONNECT / 3.2 CONNACK.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(basic_accept, {
    .id = "v311/connect/basic-accept",
    .title = "A valid CONNECT with Clean Session 1 is accepted with return code 0 and Session Present 0",
    .statements = {"MQTT-3.2.0-1", "MQTT-3.2.2-1"},
}) {
    // connect() already requires the first packet to be a CONNACK with return code 0.
    t.connect("c");
    const auto& connack = t.connack("c").as<codec::connack_packet>();
    t.check(!connack.session_present, "Session Present is 1 on a Clean Session connection",
            "session_present false", "session_present true", "MQTT-3.2.2-1");
}

}  // namespace
}  // namespace mqttspec::conformance
