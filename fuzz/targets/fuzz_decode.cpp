// One-shot decode() of raw bytes in every mode the input selects (version, sender, size limit,
// SHOULD-level checks, leniencies), with all the invariants of invariants.hpp. It also cross-checks
// the codec's tables and names against the reference for the (type, code, property) the input's
// first bytes pick: reason-code validity and names, property table, name round trips, hex helpers.
#include "common.hpp"

namespace {

using namespace mqttspec;

void check_tables(const fuzz::config& cfg, const std::vector<std::uint8_t>& bytes, const codec::decode_result& r) {
    const auto type = static_cast<codec::packet_type>(bytes.empty() ? cfg.mode % 16 : bytes[0] >> 4);
    // Every code for this (type, version): a few hundred table lookups, cheap next to a decode.
    for (unsigned c = 0; c < 256; ++c) {
        const auto code = static_cast<std::uint8_t>(c);
        const bool defined = codec::is_valid_reason_code(type, cfg.version, code);
        FUZZ_CHECK(defined == fuzz::ref::reason_code_defined(type, cfg.version, code),
                   "is_valid_reason_code(" + std::string(codec::to_string(type)) + ", " +
                       std::string(codec::to_string(cfg.version)) + ", " + std::to_string(code) + ") disagrees with the reference");
        FUZZ_CHECK(codec::reason_code_name(type, cfg.version, code).empty() == !defined,
                   "reason code name for an (un)defined code " + std::to_string(code));
    }
    const std::uint8_t code = bytes.size() > 1 ? bytes[1] : cfg.mode;

    FUZZ_CHECK(codec::parse_packet_type(codec::to_string(type)) == type || type == codec::packet_type::reserved,
               "packet type name does not round-trip");
    FUZZ_CHECK(codec::parse_protocol_version(codec::to_string(cfg.version)) == cfg.version, "version name does not round-trip");

    const std::uint8_t id = bytes.size() > 2 ? bytes[2] : code;
    const auto* info = codec::find_property(id);
    const auto rule = fuzz::ref::property(id);
    FUZZ_CHECK((info != nullptr) == (rule.type != fuzz::ref::value_type::none), "find_property(" + std::to_string(id) + ")");
    if (info) {
        FUZZ_CHECK(info->allowed_in == rule.allowed_in, "allowed_in of property " + std::to_string(id) + " disagrees");
        FUZZ_CHECK(info->repeatable == (rule.repeatable || rule.repeatable_in_publish_only), "repeatable of property " + std::to_string(id));
        FUZZ_CHECK(codec::find_property(info->name) == info, "property name does not round-trip");
        FUZZ_CHECK(codec::all_properties()[0].id <= info->id, "all_properties not in identifier order");
    }

    if (r.status == codec::decode_status::error) {
        const auto name = codec::to_string(r.error.code);
        FUZZ_CHECK(codec::parse_errc(name) == r.error.code, "errc name does not round-trip: " + std::string(name));
        FUZZ_CHECK(!codec::to_string(r.error.kind).empty(), "error kind without a name");
        const std::error_code ec = r.error.code;
        FUZZ_CHECK(ec.category() == codec::codec_category() && !ec.message().empty() && ec.category().name() != nullptr,
                   "error_code for " + std::string(name));
    }

    // Hex helpers: to_hex/from_hex/raw_builder::hex agree.
    const auto hex = codec::to_hex(std::span(bytes).first(std::min<std::size_t>(bytes.size(), 64)));
    FUZZ_CHECK(codec::from_hex(hex) == codec::raw_builder().hex(hex).body(), "from_hex and raw_builder::hex disagree");
    FUZZ_CHECK(codec::to_hex(codec::from_hex(hex)) == hex, "hex does not round-trip");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    const auto cfg = fuzz::read_config(fdp);
    const auto bytes = fdp.ConsumeRemainingBytes<std::uint8_t>();
    const auto r = fuzz::decode_checked(bytes, cfg.version, cfg.options);
    check_tables(cfg, bytes, r);
    return 0;
}
