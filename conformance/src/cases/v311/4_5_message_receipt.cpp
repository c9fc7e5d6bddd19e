// MQTT 3.1.1, section 4.5 Message receipt: message receipt.
#include "delivery_rules.hpp"
#include "mqttspec/conformance/case.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(every_subscriber, {
    .id = "v311/publish/every-matching-subscriber",
    .title = "A message reaches every client with a matching subscription",
    .statements = {"MQTT-4.5.0-1"},
    .needs = {requirement::qos1},
}) {
    delivery_rules::every_matching_subscriber(t);
}

}  // namespace
}  // namespace mqttspec::conformance
