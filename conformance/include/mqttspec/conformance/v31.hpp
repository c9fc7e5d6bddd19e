// MQTT 3.1 (protocol name "MQIsdp", level 3): which 3.1.1 cases also judge a 3.1 broker, run over a
// 3.1 connection. 3.1.1 mostly writes down what 3.1 did; the cases that rely on what 3.1.1 added
// (Session Present, zero-length Client Identifiers, the SUBACK failure code 0x80, reserved-flag and
// malformed-packet checks, message ordering, '$' topics, ...) do not apply.
#pragma once

#include <string>
#include <vector>

#include "mqttspec/conformance/case.hpp"

namespace mqttspec::conformance {

// Whether the 3.1.1 case `info` also applies to MQTT 3.1; false for every other case.
bool applies_to_v31(const case_info& info);

// The 3.1 runs of the 3.1.1 cases that apply: ID "v31/<area>/<name>", version 3.1, the same body
// and statements (the 3.1.1 IDs of the rules 3.1 shares).
std::vector<case_def> v31_variants(const std::vector<case_def>& cases);

}  // namespace mqttspec::conformance
