// Encoder-driven: a packet struct built from the input (fields near and across the rules) is
// encoded and decoded back. The codec must accept it exactly when the reference rules find nothing
// wrong, and then return the same packet. Packets a version cannot carry must make the encoder throw.
#include <algorithm>

#include "common.hpp"

namespace {

using namespace mqttspec;

bool has_v5_only_content(const codec::packet& pkt) {
    return std::visit(
        [](const auto& p) {
            using T = std::decay_t<decltype(p)>;
            bool v5_only = std::is_same_v<T, codec::auth_packet>;
            if constexpr (requires { p.properties; }) v5_only = v5_only || !p.properties.empty();
            if constexpr (requires { p.form; }) v5_only = v5_only || p.reason_code != 0;
            if constexpr (std::is_same_v<T, codec::unsuback_packet>) v5_only = v5_only || !p.reason_codes.empty();
            if constexpr (std::is_same_v<T, codec::connect_packet>)
                v5_only = v5_only || (p.will && !p.will->properties.empty());
            return v5_only;
        },
        pkt);
}

// The form decode() will record (packets.hpp): the wire form is the longer of the requested and the
// canonical one (what the content needs), and it is recorded only when longer than canonical.
void form_for_content(codec::packet& pkt) {
    std::visit(
        [](auto& p) {
            if constexpr (requires { p.form; }) {
                using T = std::decay_t<decltype(p)>;
                using codec::tail_form;
                const bool auth = std::is_same_v<T, codec::auth_packet>;
                tail_form canonical = !p.properties.empty() ? tail_form::reason_code_and_properties
                                      : p.reason_code != 0  ? tail_form::reason_code
                                                            : tail_form::shortest;
                tail_form wanted = p.form;
                // AUTH cannot stop after the reason code (5.0 3.15.2.1).
                if (auth && canonical == tail_form::reason_code) canonical = tail_form::reason_code_and_properties;
                if (auth && wanted == tail_form::reason_code) wanted = tail_form::reason_code_and_properties;
                const tail_form wire = std::max(wanted, canonical);
                p.form = wire == canonical ? tail_form::shortest : wire;
            }
        },
        pkt);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    const auto cfg = fuzz::read_config(fdp);
    codec::arena store;
    const auto generated = fuzz::gen_packet(fdp, cfg.version, store);
    const bool v5 = cfg.version == codec::protocol_version::v5;
    const bool unrepresentable = !v5 && has_v5_only_content(generated);

    std::vector<std::uint8_t> bytes;
    try {
        bytes = codec::encode(generated, cfg.version);
    } catch (const codec::encode_error& e) {
        FUZZ_CHECK(unrepresentable, std::string("encoder refused a representable packet: ") + e.what());
        return 0;
    }
    FUZZ_CHECK(!unrepresentable, "encoder silently dropped 5.0-only content in " + std::string(codec::to_string(cfg.version)) +
                                     ": wrote " + fuzz::hex_prefix(bytes));
    auto pkt = generated;
    form_for_content(pkt);
    FUZZ_CHECK(bytes.size() == codec::encoded_size(pkt, cfg.version), "encoded_size disagrees with encode");

    const auto r = fuzz::decode_checked(bytes, cfg.version, cfg.options);
    const auto violation = fuzz::packet_violation(pkt, cfg.version, cfg.options);
    const bool fits = bytes.size() <= cfg.options.maximum_packet_size;
    const std::string shown = " for " + fuzz::hex_prefix(bytes) + ": " + fuzz::describe(r) +
                              " version " + std::string(codec::to_string(cfg.version));
    if (violation.empty() && fits) {
        FUZZ_CHECK(r.ok(), "rejected a valid packet" + shown);
        FUZZ_CHECK(r.pkt == pkt, "decode(encode(p)) != p" + shown);
    } else if (!violation.empty()) {
        FUZZ_CHECK(!r.ok(), "accepted an invalid packet (" + violation + ")" + shown);
    }
    return 0;
}
