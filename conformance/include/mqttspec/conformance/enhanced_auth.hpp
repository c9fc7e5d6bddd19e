// An enhanced authentication method (5.0 section 4.12) the broker supports, named by the profile:
//   "auth": {"method": "...", "data": "...", "responses": ["...", ...], "rejected_data": "..."}
// The profile loader validates the object (errors name the file and the field, like every profile
// field) and keeps it by the profile's file, so adding it left `profile` itself unchanged.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "mqttspec/conformance/profile.hpp"

namespace mqttspec::conformance {

struct enhanced_auth {
    std::string method;                        // Authentication Method of the CONNECT
    std::optional<std::string> data;           // Authentication Data of the CONNECT
    std::vector<std::string> responses;        // Authentication Data of the client's AUTH answering each server AUTH 0x18, in order
    std::optional<std::string> rejected_data;  // Authentication Data the broker rejects with this method
};

// The "auth" object of the file `p` was parsed from (parse_profile / load_profile); nullopt when it has none.
std::optional<enhanced_auth> enhanced_auth_of(const profile& p);

}  // namespace mqttspec::conformance
