// One-shot decode() of raw bytes in every mode the input selects (version, sender, size limit,
// SHOULD-level checks, leniencies), with all the invariants of invariants.hpp.
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mqttspec;
    FuzzedDataProvider fdp(data, size);
    const auto cfg = fuzz::read_config(fdp);
    const auto bytes = fdp.ConsumeRemainingBytes<std::uint8_t>();
    fuzz::decode_checked(bytes, cfg.version, cfg.options);
    return 0;
}
