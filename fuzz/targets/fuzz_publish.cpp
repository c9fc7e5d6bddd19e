// Structure-aware fuzzing of PUBLISH: flags, topic, packet id, 5.0 properties, payload.
// See family_common.hpp for the input layout.
#include "family_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mqttspec::fuzz::run_family_target(data, size, mqttspec::fuzz::gen_publish);
}
