// The JSON mapping. Mode bit 0 clear: decode the input; an accepted packet goes packet -> to_json ->
// from_json and must come back equal and re-encode to the input bytes (wire_form and
// remaining_length_bytes carry the recorded form); a rejection must render as JSON. Mode bit 0 set:
// the input is JSON text; from_json must either build a packet or throw json_packet_error (or the
// encoder's encode_error), never anything else, and a built packet must survive to_json/from_json.
#include <nlohmann/json.hpp>

#include "common.hpp"
#include "mqttspec/codec/json.hpp"

namespace {

using namespace mqttspec;

void round_trip(const codec::packet& p, codec::protocol_version v, const std::string& origin) {
    const auto j = codec::to_json(p, v);
    codec::arena store;
    codec::packet back;
    try {
        back = codec::from_json(j, v, store);
    } catch (const std::exception& e) {
        FUZZ_CHECK(false, std::string("from_json rejected to_json's output: ") + e.what() + " json " + j.dump() + " from " + origin);
    }
    FUZZ_CHECK(back == p, "packet -> JSON -> packet differs: " + j.dump() + " from " + origin);
    // Text round trip too: what `mqttspec decode` prints, `encode` must read.
    const auto reparsed = codec::ordered_json::parse(j.dump());
    FUZZ_CHECK(codec::to_json(codec::from_json(reparsed, v, store), v) == j, "JSON text round trip differs: " + j.dump());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    const auto cfg = fuzz::read_config(fdp);
    if (cfg.mode & 1) {
        const std::string text = fdp.ConsumeRemainingBytesAsString();
        const auto j = codec::ordered_json::parse(text, nullptr, false);
        if (j.is_discarded()) return 0;
        codec::arena store;
        codec::packet p;
        try {
            p = codec::from_json(j, cfg.version, store);
            codec::encode(p, cfg.version, codec::encode_options_from_json(j));
        } catch (const codec::json_packet_error&) {
            return 0;
        } catch (const codec::encode_error&) {
            return 0;
        } catch (const std::exception& e) {
            FUZZ_CHECK(false, std::string("from_json threw something other than json_packet_error: ") + e.what() +
                                  " for " + j.dump());
        }
        round_trip(p, cfg.version, "JSON " + j.dump());
        return 0;
    }

    const auto bytes = fdp.ConsumeRemainingBytes<std::uint8_t>();
    const auto r = fuzz::decode_checked(bytes, cfg.version, cfg.options);
    if (r.status == codec::decode_status::error) {
        const auto j = codec::to_json(r.error);
        FUZZ_CHECK(j.at("error") == std::string(codec::to_string(r.error.code)) && j.at("offset") == r.error.offset,
                   "error JSON does not carry the error: " + j.dump());
        return 0;
    }
    if (!r.ok()) return 0;
    const std::string origin = fuzz::hex_prefix(bytes);
    round_trip(r.pkt, cfg.version, origin);
    // The result's JSON records the remaining-length size; encoding from it reproduces the bytes.
    const auto j = codec::to_json(r, cfg.version);
    codec::arena store;
    const auto p = codec::from_json(j, cfg.version, store);
    const auto out = codec::encode(p, cfg.version, codec::encode_options_from_json(j));
    const auto original = fuzz::bytes_view(bytes).first(r.consumed);
    const bool same = std::equal(out.begin(), out.end(), original.begin(), original.end());
    FUZZ_CHECK(same || (cfg.version == codec::protocol_version::v5 && cfg.options.allow_non_minimal_varint),
               "bytes -> JSON -> bytes differs: " + j.dump() + " from " + origin + " gave " + fuzz::hex_prefix(out));
    return 0;
}
