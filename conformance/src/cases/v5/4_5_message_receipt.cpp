// MQTT 5.0, section 4.5 Message receipt: message receipt.
#include <algorithm>
#include <map>

#include "delivery_rules.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(all_matching_sessions, {
    .id = "v5/publish/every-matching-subscriber",
    .title = "A message reaches every client with a matching subscription",
    .statements = {"MQTT-4.5.0-1"},
    .needs = {requirement::qos1},
}) {
    delivery_rules::every_matching_subscriber(t);
}

MQTTSPEC_CASE(no_local_off_echoes, {
    .id = "v5/subscription-options/no-local-0-delivers-own-messages",
    .title = "With No Local 0 a client's own message is delivered back to it like any other",
    .statements = {"MQTT-4.5.0-1"},
    .needs = {requirement::qos1},
}) {
    auto& self = t.connect("self");
    const auto topic = t.topic("t");
    self.subscribe({subscription(topic, 1, /*no_local=*/false)});
    const auto own = self.publish(topic, "own", 1);
    self.expect({{"type", "PUBACK"}, {"packet_id", own}});
    const auto m = self.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "own"}});
    self.acknowledge(m);
}

}  // namespace
}  // namespace mqttspec::conformance
