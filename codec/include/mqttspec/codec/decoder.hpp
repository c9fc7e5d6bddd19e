// Strict, bounded, incremental decoding.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "mqttspec/codec/error.hpp"
#include "mqttspec/codec/packets.hpp"
#include "mqttspec/codec/types.hpp"

namespace mqttspec::codec {

// Strict by default. Every option that relaxes or adds a check is named here and off by default.
struct decode_options {
    // Largest whole packet (fixed header included) accepted; larger ones are rejected with
    // errc::packet_too_large as soon as the fixed header is read. Default: the protocol maximum.
    std::size_t maximum_packet_size = 268'435'455 + 5;

    // Direction-dependent checks: packet types the sender may not send, Subscription Identifier in
    // a client's PUBLISH (MQTT-3.3.4-6), Topic Alias bounds, ... Off while unknown.
    codec::sender sender = codec::sender::unknown;

    // SHOULD-level checks, off by default. When on: a payload not matching its Payload Format
    // Indicator is a protocol error (5.0 3.3.2.3.2, reason 0x99); a disallowed code point is a
    // malformed packet ("MAY treat it as a Malformed Packet", 5.0 1.5.4).
    bool check_payload_format = false;        // payload must be UTF-8 when Payload Format Indicator = 1
    bool reject_control_characters = false;   // U+0001..U+001F, U+007F..U+009F in UTF-8 strings
    bool reject_noncharacters = false;        // U+FFFE, U+FFFF, U+xFFFE, U+FDD0.. in UTF-8 strings

    // Leniencies, each off by default.
    bool allow_non_minimal_varint = false;    // 5.0 only: accept non-shortest Variable Byte Integers
};

enum class decode_status : std::uint8_t { ok, need_more, error };

struct decode_result {
    decode_status status = decode_status::need_more;
    packet pkt;                  // valid when status == ok
    std::size_t consumed = 0;    // whole packet size when ok
    std::size_t needed = 0;      // need_more: total bytes needed if known (fixed header read), else 0
    std::uint8_t remaining_length_bytes = 0;  // bytes the Remaining Length used on the wire (ok)
    decode_error error;          // status == error

    bool ok() const noexcept { return status == decode_status::ok; }
};

// Decodes the first packet in `input`. Never reads outside `input`. Error offsets count from
// input[0]. Views in the result point into `input`.
decode_result decode(std::span<const std::uint8_t> input, protocol_version version,
                     const decode_options& options = {});

// Feed bytes in any chunking; take complete packets out. Views in a result stay valid until the
// next call to feed() or next(). After an error the decoder stays failed (a stream cannot be
// resynchronised once framing is lost) until reset().
class stream_decoder {
public:
    explicit stream_decoder(protocol_version version, decode_options options = {});

    void feed(std::span<const std::uint8_t> bytes);
    decode_result next();

    // When true, a CONNECT whose protocol name/level announce a version switches the decoder to it
    // (what `mqttspec decode` does without -V).
    void follow_connect(bool on) noexcept { follow_connect_ = on; }
    void set_version(protocol_version v) noexcept { version_ = v; }
    protocol_version version() const noexcept { return version_; }
    const decode_options& options() const noexcept { return options_; }

    std::size_t buffered() const noexcept { return buffer_.size() - start_; }
    std::size_t stream_offset() const noexcept { return consumed_total_; }
    void reset();

private:
    protocol_version version_;
    decode_options options_;
    std::vector<std::uint8_t> buffer_;
    std::size_t start_ = 0;           // first unconsumed byte in buffer_
    std::size_t consumed_total_ = 0;  // bytes consumed before buffer_[start_]
    bool failed_ = false;
    decode_error failure_;
    bool follow_connect_ = false;
};

}  // namespace mqttspec::codec
