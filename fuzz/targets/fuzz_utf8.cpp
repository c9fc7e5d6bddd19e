// validate_utf8 against the reference validator: same verdict and same offset, with every option
// combination the input selects.
#include "common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    using namespace mqttspec;
    FuzzedDataProvider fdp(data, size);
    const auto cfg = fuzz::read_config(fdp);
    const std::string s = fdp.ConsumeRemainingBytesAsString();
    codec::utf8_options options;
    options.reject_control_characters = cfg.options.reject_control_characters;
    options.reject_noncharacters = cfg.options.reject_noncharacters;
    const auto got = codec::validate_utf8(s, options);
    const auto want = fuzz::ref::utf8(s, options.reject_control_characters, options.reject_noncharacters);
    FUZZ_CHECK(got.code == want.code && (want.ok() || got.offset == want.offset),
               "validate_utf8(" + fuzz::hex_prefix({reinterpret_cast<const std::uint8_t*>(s.data()), s.size()}) +
                   ") = " + std::string(codec::to_string(got.code)) + "@" + std::to_string(got.offset) +
                   ", reference " + std::string(codec::to_string(want.code)) + "@" + std::to_string(want.offset));
    // Stricter options can only add rejections.
    if (!options.reject_control_characters || !options.reject_noncharacters) {
        const auto strict = codec::validate_utf8(s, {true, true});
        FUZZ_CHECK(got || !strict, "a stricter option accepted what the laxer rejected");
    }
    return 0;
}
