// MQTT 5.0, section 4.12 Enhanced authentication: enhanced auth.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(unknown_method_rejected, {
    .id = "v5/auth/unsupported-method-rejected",
    .title = "A CONNECT with an Authentication Method the server does not support is refused (CONNACK 0x8C or 0x87 optional) and the connection closed",
    .statements = {"MQTT-4.12.0-1"},
}) {
    auto& c = t.open("c");
    connect_options o;
    // A method name no server implements; a broker that does support it would have to know this suite.
    o.properties = {string_property(property_id::authentication_method, "X-MQTTSPEC-NO-SUCH-METHOD"),
                    string_property(property_id::authentication_data, "abc")};
    c.send(t.make_connect("c", o));
    // 4.12: "it MAY send a CONNACK with a Reason Code of 0x8C (Bad authentication method) or 0x87
    // (Not Authorized) ... and MUST close the Network Connection".
    expect_connect_rejected(c, {.reasons = {0x8C, 0x87}, .close_without_connack_allowed = true,
                                .statement = "MQTT-4.12.0-1"});
}

MQTTSPEC_CASE(no_method_in_connack, {
    .id = "v5/auth/no-method-in-connack-without-client-method",
    .title = "Without an Authentication Method in CONNECT, the CONNACK carries no Authentication Method and no AUTH is sent",
    .statements = {"MQTT-4.12.0-6"},
}) {
    auto& c = t.connect("c");
    t.check(codec::find(connack_of(t, "c").properties, property_id::authentication_method) == nullptr,
            "the CONNACK carries an Authentication Method the client never named", "no authentication_method",
            t.connack("c").as_json.dump());
    c.expect_none({{"type", "AUTH"}});
}

MQTTSPEC_CASE(auth_without_method_rejected, {
    .id = "v5/auth/auth-without-method-rejected",
    .title = "An AUTH packet on a connection made without an Authentication Method breaks a client MUST; a server that checks it closes the connection",
    .statements = {"MQTT-4.13.1-1", "MQTT-4.12.0-7"},
    // MQTT-4.12.0-7 obliges the client; 4.13.1 makes closing a MUST only for errors the server
    // detects, so a server that lets this pass is judged non-strict, not failed.
    .lvl = level::should,
}) {
    auto& c = t.connect("c");
    codec::auth_packet a;
    a.reason_code = 0x19;  // Re-authenticate
    a.properties = {string_property(property_id::authentication_method, "X-MQTTSPEC-NO-SUCH-METHOD")};
    c.send(a);
    expect_connection_closed_or_disconnect(c, {}, "MQTT-4.13.1-1");
}

}  // namespace
}  // namespace mqttspec::conformance
