// Connecting with a zero-length Client Identifier, which a server may refuse (3.1.1 3.1.3.1: CONNACK
// return code 0x02; 5.0 3.1.3.1: it MAY use 0x85, and 3.2.2.2 lets it pick any refusal code, e.g.
// mosquitto's 0x80 Unspecified error). Shared by the 3.1.1 and 5.0 empty-client-id cases.
#pragma once

#include <string>

#include "mqttspec/conformance/case.hpp"

namespace mqttspec::conformance::empty_client_id {

// Connects `name` with a zero-length Client Identifier (and `options` otherwise). A refusal skips the
// case with the reason, unless the profile says this broker accepts zero-length identifiers: then the
// refusal fails, citing `statement`. Any other CONNACK code fails.
inline client& connect(case_context& t, const std::string& name, connect_options options, const std::string& statement) {
    options.client_id = "";
    options.expect_reason = std::nullopt;
    auto& c = t.connect(name, options);
    const int code = t.connack(name).as_json.at("reason_code").get<int>();
    if (code == 0) return c;
    const int refusal = t.v5() ? 0x85 : 0x02;  // Client Identifier not valid / identifier rejected
    const bool refused = t.v5() ? code >= 0x80 : code == refusal;
    const bool profile_says_accepted = t.prof().accepts_empty_client_id.value_or(false);
    if (refused && !profile_says_accepted) {
        t.skip("the broker refuses zero-length Client Identifiers (CONNACK " + t.connack(name).as_json.dump() +
               "), which the standard allows; set \"accepts_empty_client_id\": true in the profile to require them");
    }
    t.fail(profile_says_accepted ? "the broker refused a zero-length Client Identifier, which the profile says it accepts"
                                 : "the broker answered a zero-length Client Identifier with an unexpected code",
           profile_says_accepted ? "CONNACK 0" : t.v5() ? "CONNACK 0, or a refusal code >= 128" : "CONNACK 0, or the refusal code 2",
           t.connack(name).as_json.dump(), statement);
}

}  // namespace mqttspec::conformance::empty_client_id
