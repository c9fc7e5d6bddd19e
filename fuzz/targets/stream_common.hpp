// Shared body of fuzz_stream_v31 / _v311 / _v5: the input is cut into chunks chosen by the fuzzer and
// fed to stream_decoder; what comes out must equal decoding the concatenation one packet at a time.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <optional>
#include <string>
#include <vector>

#include "../support/check.hpp"
#include "../support/invariants.hpp"

namespace mqttspec::fuzz {

// The version a CONNECT at the start of `bytes` announces (name "MQIsdp"/level 3, "MQTT"/4 or 5),
// read independently of the codec; nullopt if not a CONNECT or not enough of it is there.
inline std::optional<codec::protocol_version> announced_version(bytes_view bytes) {
    const auto f = read_framing(bytes);
    if (f.status != framing::state::header_complete || (f.first_byte >> 4) != 1) return std::nullopt;
    const std::size_t at = f.header_size;
    if (bytes.size() < at + 2) return std::nullopt;
    const std::size_t name_length = static_cast<std::size_t>(bytes[at]) << 8 | bytes[at + 1];
    if (bytes.size() < at + 2 + name_length + 1) return std::nullopt;
    const std::string_view name(reinterpret_cast<const char*>(bytes.data() + at + 2), name_length);
    const auto level = bytes[at + 2 + name_length];
    if (name == "MQIsdp" && level == 3) return codec::protocol_version::v3_1;
    if (name == "MQTT" && level == 4) return codec::protocol_version::v3_1_1;
    if (name == "MQTT" && level == 5) return codec::protocol_version::v5;
    return std::nullopt;
}

// True while a CONNECT at the start of `bytes` has not shown its protocol level yet and the bytes up
// to it would fit in `limit` (then a stream following CONNECT cannot know the version yet).
inline bool announcement_incomplete(bytes_view bytes, std::size_t limit) {
    const auto f = read_framing(bytes);
    if (f.status != framing::state::header_complete || (f.first_byte >> 4) != 1) return false;
    const std::size_t at = f.header_size;
    if (bytes.size() < at + 2) return at + 2 <= limit;
    const std::size_t level_end = at + 2 + (static_cast<std::size_t>(bytes[at]) << 8 | bytes[at + 1]) + 1;
    return bytes.size() < level_end && level_end <= limit;
}

inline int run_stream_target(const std::uint8_t* data, std::size_t size, codec::protocol_version version) {
    using codec::decode_status;
    FuzzedDataProvider fdp(data, size);
    config cfg = read_config(fdp);
    cfg.version = version;
    const auto& options = cfg.options;

    std::vector<std::vector<std::uint8_t>> chunks;
    std::vector<std::uint8_t> all;
    while (fdp.remaining_bytes() > 0) {
        const auto n = fdp.ConsumeIntegralInRange<std::size_t>(0, 64);
        chunks.push_back(fdp.ConsumeBytes<std::uint8_t>(n));
        all.insert(all.end(), chunks.back().begin(), chunks.back().end());
    }

    // Reference: one-shot decode over the concatenation, switching version at a CONNECT that
    // announces one when follow_connect is on.
    std::vector<codec::decode_result> expected;
    std::vector<std::size_t> expected_start;
    std::size_t offset = 0;
    auto current = version;
    for (;;) {
        const auto rest = bytes_view(all).subspan(offset);
        bool version_pending = false;
        if (cfg.follow_connect) {
            if (auto announced = announced_version(rest)) current = *announced;
            else version_pending = announcement_incomplete(rest, options.maximum_packet_size);
        }
        auto r = decode_checked(rest, current, options);
        // The 5.0-only minimal-length rule waits for the CONNECT's own version (need_more).
        if (version_pending && r.status == decode_status::error && r.error.code == codec::errc::varint_not_minimal)
            r = codec::decode_result{};
        expected_start.push_back(offset);
        if (r.status == decode_status::ok) offset += r.consumed;
        const bool stop = r.status != decode_status::ok;
        expected.push_back(std::move(r));
        if (stop) break;
    }
    const auto& last = expected.back();

    codec::stream_decoder sd(version, options);
    sd.follow_connect(cfg.follow_connect);
    FUZZ_CHECK(sd.version() == version && sd.buffered() == 0 && sd.stream_offset() == 0, "fresh stream decoder not empty");
    std::size_t index = 0;  // next expected packet
    std::size_t fed = 0;
    bool failed = false;
    for (const auto& chunk : chunks) {
        sd.feed(chunk);
        fed += chunk.size();
        for (;;) {
            const auto r = sd.next();
            // (A failed stream drops what it is fed: nothing after a framing loss is trusted.)
            FUZZ_CHECK(failed || sd.stream_offset() + sd.buffered() == fed,
                       "stream offset " + std::to_string(sd.stream_offset()) + " + buffered " +
                           std::to_string(sd.buffered()) + " != fed " + std::to_string(fed));
            if (r.status == decode_status::need_more) {
                FUZZ_CHECK(!failed, "need_more after an error: a failed stream must stay failed");
                // The reference must not have a complete packet (or an error) within what was fed.
                FUZZ_CHECK(index < expected.size(), "stream wants more after the reference ended");
                const auto& want = expected[index];
                const bool reference_has_it_by_now =
                    want.status == decode_status::ok ? expected_start[index] + want.consumed <= fed : false;
                FUZZ_CHECK(!reference_has_it_by_now, "stream needs more although a whole packet was fed: " +
                                                           describe(want) + " at " + std::to_string(expected_start[index]));
                break;
            }
            FUZZ_CHECK(index < expected.size(), "stream produced more results than the reference");
            const auto& want = expected[index];
            if (r.status == decode_status::ok) {
                FUZZ_CHECK(want.status == decode_status::ok && r.consumed == want.consumed &&
                               r.remaining_length_bytes == want.remaining_length_bytes && r.pkt == want.pkt,
                           "stream packet " + std::to_string(index) + " differs: stream " + describe(r) + ", one-shot " +
                               describe(want));
                FUZZ_CHECK(sd.stream_offset() == expected_start[index] + want.consumed, "stream offset after a packet");
                ++index;
                continue;
            }
            // error: same code; offset counted from the first byte ever fed.
            FUZZ_CHECK(want.status == decode_status::error && r.error.code == want.error.code &&
                           r.error.offset == expected_start[index] + want.error.offset,
                       "stream error differs: stream " + describe(r) + ", one-shot " + describe(want) + " at stream offset " +
                           std::to_string(expected_start[index]));
            failed = true;
            break;
        }
    }
    if (!failed) {
        FUZZ_CHECK(last.status != decode_status::error || index < expected.size() - 1,
                   "one-shot decode failed but the stream never did: " + describe(last));
        FUZZ_CHECK(index == expected.size() - 1, "stream delivered " + std::to_string(index) + " of " +
                                                      std::to_string(expected.size() - 1) + " packets");
        FUZZ_CHECK(sd.buffered() == all.size() - expected_start.back(), "stream buffers the wrong amount");
        FUZZ_CHECK(sd.version() == current, "stream ended on another version than the reference");
    } else {
        // Stays failed, with the same error, until reset().
        const auto again = sd.next();
        FUZZ_CHECK(again.status == decode_status::error && again.error.code == last.error.code,
                   "failed stream did not stay failed: " + describe(again));
        sd.reset();
        FUZZ_CHECK(sd.buffered() == 0, "reset kept bytes");
        sd.set_version(version);  // reset() keeps a version learnt from a CONNECT
        sd.feed(all);
        const auto first = sd.next();
        FUZZ_CHECK(first.status == expected.front().status, "after reset the stream decodes differently: " +
                                                                describe(first) + " vs " + describe(expected.front()));
    }
    return 0;
}

}  // namespace mqttspec::fuzz
