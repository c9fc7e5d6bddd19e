// MQTT 5.0, section 3.11 UNSUBACK: unsuback.
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(no_subscription_existed_code, {
    .id = "v5/unsubscribe/no-subscription-existed-reason-code",
    .title = "UNSUBSCRIBE of a filter with no subscription is answered with reason code 0x11 (No subscription existed)",
    .statements = {"MQTT-3.11.3-2"},
    // MQTT-3.11.3-2 requires a defined code; 0x11 is the one 3.11.3 describes for this situation.
    .lvl = level::should,
}) {
    auto& c = t.connect("c");
    const auto ack = unsubscribe_all(c, 7, {t.topic("never-subscribed")});
    t.check(ack.as_json.at("reason_codes") == json::array({codec::reason::no_subscription_existed}),
            "UNSUBACK does not say that no subscription existed", "reason_codes [17] (0x11)", ack.as_json.dump(),
            "MQTT-3.11.3-2");
}

}  // namespace
}  // namespace mqttspec::conformance
