// decode -> encode -> decode over every packet in the input: the recorded form (remaining-length
// size, tail form, property order) re-encodes to the original bytes (checked in check_decode), the
// canonical encoding decodes to the same packet, and canonical encoding is a fixed point.
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mqttspec;
    FuzzedDataProvider fdp(data, size);
    const auto cfg = fuzz::read_config(fdp);
    const auto bytes = fdp.ConsumeRemainingBytes<std::uint8_t>();
    std::size_t offset = 0;
    while (offset < bytes.size()) {
        const auto input = fuzz::bytes_view(bytes).subspan(offset);
        const auto r = fuzz::decode_checked(input, cfg.version, cfg.options);
        if (!r.ok()) break;
        offset += r.consumed;

        const auto canonical = codec::encode(r.pkt, cfg.version);
        FUZZ_CHECK(canonical.size() <= r.consumed, "canonical encoding longer than the accepted form");
        // Canonical bytes are strictly valid, even where the input relied on a leniency.
        auto strict = cfg.options;
        strict.allow_non_minimal_varint = false;
        const auto again = codec::decode(canonical, cfg.version, strict);
        FUZZ_CHECK(again.ok() && again.consumed == canonical.size(),
                   "canonical encoding rejected: " + fuzz::describe(again) + " for " + fuzz::hex_prefix(canonical));
        FUZZ_CHECK(again.pkt == r.pkt, "canonical encoding decodes to another packet: " + fuzz::hex_prefix(canonical));
        FUZZ_CHECK(codec::encode(again.pkt, cfg.version) == canonical, "canonical encoding is not a fixed point");
        FUZZ_CHECK(again.remaining_length_bytes == fuzz::ref::varint_length(static_cast<std::uint32_t>(canonical.size() - 1 - again.remaining_length_bytes)),
                   "canonical remaining length not minimal");
    }
    return 0;
}
