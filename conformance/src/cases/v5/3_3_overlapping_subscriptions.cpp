// MQTT 5.0, section 3.3 PUBLISH: overlapping subscriptions.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "overlap_rules.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

// Overlapping subscriptions: the rule is in 3.3.4 (PUBLISH actions), hence the "publish" area; the
// table of filter pairs is overlap_rules.hpp.
void overlapping_5(case_context& t, const overlap_rules::row& r) { overlap_rules::overlapping_max_qos(t, r, "MQTT-3.3.4-2"); }

const bool overlapping_rows_registered = overlap_rules::register_rows<overlapping_5>(
    {.id = "v5/publish/overlapping-subscriptions-max-qos",
     .title = "With overlapping subscriptions one copy of the message has the highest granted QoS",
     .statements = {"MQTT-3.3.4-2"},
     .needs = {requirement::qos1, requirement::wildcard_subscriptions}},
    __FILE__, std::index_sequence<0, 1, 2, 3, 4, 5>{});

}  // namespace
}  // namespace mqttspec::conformance
