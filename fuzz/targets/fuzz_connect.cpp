// Structure-aware fuzzing of CONNECT: protocol name/level, connect flags, will, credentials, 5.0 (will) properties.
// See family_common.hpp for the input layout.
#include "family_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mqttspec::fuzz::run_family_target(data, size, mqttspec::fuzz::gen_connect);
}
