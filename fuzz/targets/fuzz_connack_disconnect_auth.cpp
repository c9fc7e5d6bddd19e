// Structure-aware fuzzing of CONNACK, DISCONNECT and AUTH: acknowledge flags, return/reason codes, properties, tail forms.
// See family_common.hpp for the input layout.
#include "family_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mqttspec::fuzz::run_family_target(data, size, mqttspec::fuzz::gen_connack_disconnect_auth);
}
