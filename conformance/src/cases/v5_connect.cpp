// 5.0 section 3.1 CONNECT / 3.2 CONNACK.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(basic_accept, {
    .id = "v5/connect/basic-accept",
    .title = "A valid CONNECT with Clean Start 1 is accepted with reason code 0x00 and Session Present 0",
    .statements = {"MQTT-3.2.0-1", "MQTT-3.2.2-2", "MQTT-3.1.4-5"},
}) {
    auto& c = t.open("c");
    const auto connack = c.handshake(t.make_connect("c", {}));
    c.expect_none({{"type", "CONNACK"}});  // MQTT-3.2.0-2: at most one CONNACK
    t.check(connack.as_json.value("reason_code", -1) == 0, "CONNACK reason code is not Success",
            "reason_code 0", connack.as_json.dump(), "MQTT-3.1.4-5");
    t.check(!connack.as<codec::connack_packet>().session_present,
            "Session Present is 1 on a Clean Start connection", "session_present false",
            connack.as_json.dump(), "MQTT-3.2.2-2");
}

}  // namespace
}  // namespace mqttspec::conformance
