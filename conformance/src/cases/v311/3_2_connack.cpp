// MQTT 3.1.1, section 3.2 CONNACK: connack.
#include <cctype>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "empty_client_id.hpp"
#include "case_helpers.hpp"

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

MQTTSPEC_CASE(rejected_credentials, {
    .id = "v311/connect/bad-credentials-refused",
    .title = "A CONNECT with credentials the server rejects gets CONNACK return code 4 or 5, Session Present 0, then the connection is closed",
    .statements = {"MQTT-3.2.2-4", "MQTT-3.2.2-5"},
    .needs = {requirement::rejected_credentials},
}) {
    auto& c = t.open("c");
    c.send(t.make_connect("c", {.username = t.prof().rejected_username, .password = t.prof().rejected_password}));
    expect_connect_rejected(c, {.return_codes = {0x04, 0x05}, .close_without_connack_allowed = false,
                                .statement = "MQTT-3.2.2-5"});
}

}  // namespace
}  // namespace mqttspec::conformance
