// Stream decoder, protocol v3.1, fed in fuzzer-chosen chunks; see stream_common.hpp.
#include "stream_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return mqttspec::fuzz::run_stream_target(data, size, mqttspec::codec::protocol_version::v3_1);
}
