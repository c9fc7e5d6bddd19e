// What every decode must satisfy, whatever the input: framing agrees with an independent reading of
// the fixed header, accepted packets satisfy the standard's rules (checked with reference.hpp, not
// with the codec's own helpers), accepted packets re-encode to the same bytes, and the answer does
// not depend on bytes after the packet or on how much of the packet has arrived.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mqttspec/codec/codec.hpp"

namespace mqttspec::fuzz {

using bytes_view = std::span<const std::uint8_t>;

// Mode, version and decode options, read as the last five bytes of the input (FuzzedDataProvider
// takes integers from the end), so one target covers every mode. make_corpus writes seeds whose tail
// is such a configuration; see config_tail().
struct config {
    std::uint8_t mode = 0;  // target-specific; bit 0 conventionally selects raw input
    codec::protocol_version version = codec::protocol_version::v5;
    codec::decode_options options;
    bool follow_connect = false;
};
config read_config(FuzzedDataProvider& fdp);
// The five bytes read_config() consumes, in file order, for seed files.
std::vector<std::uint8_t> config_tail(std::uint8_t mode, codec::protocol_version version,
                                      std::uint8_t option_flags = 0, codec::sender sender = codec::sender::unknown,
                                      std::uint8_t max_size_selector = 0);

// Independent reading of the fixed header.
struct framing {
    enum class state : std::uint8_t { header_incomplete, length_too_long, header_complete } status{};
    std::uint8_t first_byte = 0;
    std::uint32_t remaining_length = 0;
    std::size_t header_size = 0;
    std::size_t total() const noexcept { return header_size + remaining_length; }
};
framing read_framing(bytes_view input);

// decode() plus every invariant of check_decode(); aborts on a violation.
codec::decode_result decode_checked(bytes_view input, codec::protocol_version version,
                                    const codec::decode_options& options);

// The invariants themselves. `nested` limits the recursive checks (prefixes, trimmed input).
void check_decode(bytes_view input, codec::protocol_version version, const codec::decode_options& options,
                  const codec::decode_result& result, bool nested = false);

// Empty when the packet breaks no rule the reference knows; otherwise what it breaks.
std::string packet_violation(const codec::packet& p, codec::protocol_version version,
                             const codec::decode_options& options);

// Whether two results say the same thing (status, sizes, packet, error code/offset/kind).
bool same_result(const codec::decode_result& a, const codec::decode_result& b);
std::string describe(const codec::decode_result& r);
std::string hex_prefix(bytes_view b, std::size_t limit = 96);

// Fuzzer-chosen decode options over every mode (used by targets that pick their own version).
codec::protocol_version pick_version(FuzzedDataProvider& fdp);

}  // namespace mqttspec::fuzz
