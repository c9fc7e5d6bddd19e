// 5.0 AUTH packet format (3.15.1): reserved fixed-header flags.
#include "mqttspec/codec/raw_builder.hpp"
#include "mqttspec/conformance/case.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(auth_reserved_flags, {
    .id = "v5/auth/reserved-flags-refused",
    .title = "An AUTH packet with fixed-header flags other than 0000 is malformed: the server closes the connection",
    .statements = {"MQTT-3.15.1-1"},
}) {
    auto& c = t.connect("c");
    // f1: AUTH with flags 0001; 07: Remaining Length; 19: Re-authenticate; 05: Property Length;
    // 15 00 02 58 58: Authentication Method "XX". Without the flags it would be a well-formed AUTH (which a
    // connection made without an Authentication Method does not expect either, 4.12.0-7: a broker that
    // sees that first closes too; one that ignores the packet fails).
    c.send_raw(codec::from_hex("f1 07 19 05 15 00 02 58 58"));
    expect_connection_closed_or_disconnect(c, {}, "MQTT-3.15.1-1");
}

}  // namespace
}  // namespace mqttspec::conformance
