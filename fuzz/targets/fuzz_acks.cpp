// Structure-aware fuzzing of PUBACK, PUBREC, PUBREL, PUBCOMP: packet id and the 5.0 reason code / property tail in every form.
// See family_common.hpp for the input layout.
#include "family_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mqttspec::fuzz::run_family_target(data, size, mqttspec::fuzz::gen_ack);
}
