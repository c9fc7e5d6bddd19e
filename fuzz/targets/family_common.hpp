// Shared body of the per-family targets: mode bit 0 set = the rest of the input is a packet as is
// (how seeds from fixture vectors arrive); clear = build a semi-valid packet of the family from the
// input, then (mode bit 1) mutate its bytes. Either way decode it with all invariants checked.
#pragma once

#include "common.hpp"

namespace mqttspec::fuzz {

template <class Builder>
int run_family_target(const std::uint8_t* data, std::size_t size, Builder build) {
    FuzzedDataProvider fdp(data, size);
    const auto cfg = read_config(fdp);
    std::vector<std::uint8_t> bytes;
    if (cfg.mode & 1) {
        bytes = fdp.ConsumeRemainingBytes<std::uint8_t>();
    } else {
        bytes = build(fdp, cfg.version);
        if (cfg.mode & 2) mutate(fdp, bytes);
    }
    decode_checked(bytes, cfg.version, cfg.options);
    return 0;
}

}  // namespace mqttspec::fuzz
