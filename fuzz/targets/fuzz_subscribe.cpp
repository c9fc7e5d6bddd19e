// Structure-aware fuzzing of SUBSCRIBE and UNSUBSCRIBE: packet id, properties, filters, subscription options.
// See family_common.hpp for the input layout.
#include "family_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mqttspec::fuzz::run_family_target(data, size, mqttspec::fuzz::gen_subscribe_or_unsubscribe);
}
