// 3.1.1 section 3.2 CONNACK: a CONNECT that no return code of Table 3.1 describes gets no CONNACK.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "invalid_connect_support.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(no_applicable_code_no_connack, {
    .id = "v311/connack/no-applicable-code-no-connack",
    .title = "A CONNECT that fails validation for a reason no CONNACK return code names (reserved flag set, Will QoS 3) "
             "is answered by closing the connection without a CONNACK",
    .statements = {"MQTT-3.2.2-6"},
}) {
    // Return codes 1-5 name the protocol version, the identifier, availability, credentials and
    // authorisation; a reserved Connect Flag or Will QoS 3 is none of them.
    auto& reserved = t.open("reserved-flag");
    reserved.send_raw(invalid_connect::encode_with(t.make_connect("reserved-flag", {}), t.version(),
                                                   invalid_connect::flaw::reserved_flag));
    reserved.expect_closed();

    codec::will_message will;
    const auto will_topic = t.topic("will");
    will.topic = will_topic;
    will.payload = "never";
    auto& qos3 = t.open("will-qos-3");
    auto connect = t.make_connect("will-qos-3", {.will = will});
    qos3.send_raw(invalid_connect::encode_with(connect, t.version(), invalid_connect::flaw::will_qos_3));
    qos3.expect_closed();
}

}  // namespace
}  // namespace mqttspec::conformance
