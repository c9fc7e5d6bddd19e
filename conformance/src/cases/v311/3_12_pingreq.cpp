// MQTT 3.1.1, section 3.12 PINGREQ: pingreq.
#include <cctype>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "empty_client_id.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(pingreq_answered, {
    .id = "v311/pingreq/pingresp",
    .title = "Every PINGREQ is answered with a PINGRESP, also several in one write",
    .statements = {"MQTT-3.12.4-1"},
}) {
    auto& c = t.connect("c");
    c.send_raw(codec::from_hex("c0 00 c0 00 c0 00"));
    for (int i = 0; i < 3; ++i) c.expect_next({{"type", "PINGRESP"}});
    c.barrier();
}

}  // namespace
}  // namespace mqttspec::conformance
