// What the network fuzzer sends: a sequence of steps over a few numbered connections, and the
// reproducer file that stores sequences as hex so a finding can be replayed byte for byte.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mqttspec/codec/types.hpp"

namespace mqttspec::netfuzz {

namespace codec = mqttspec::codec;

enum class step_kind : std::uint8_t {
    write,    // one write() of `bytes` on connection `conn` (opened on first use)
    barrier,  // end of the connection's script: prove the broker handled everything (see executor)
};

struct step {
    step_kind kind = step_kind::write;
    std::uint8_t conn = 0;
    std::vector<std::uint8_t> bytes;  // write only
    std::string note;                 // what the bytes are, for humans: "PUBLISH qos=1 [remaining_length+1]"
};

struct sequence {
    std::uint64_t iteration = 0;
    codec::protocol_version version = codec::protocol_version::v3_1_1;  // what the generator aimed at
    std::vector<step> steps;

    std::size_t connection_count() const noexcept;
    std::size_t write_count() const noexcept;
};

// Tracks MQTT framing of the bytes written on one connection, to know whether the broker has
// whole packets (it owes an answer) or is legitimately waiting for the rest of one.
class frame_tracker {
public:
    enum class state : std::uint8_t { boundary, inside, invalid };
    void feed(const std::vector<std::uint8_t>& bytes);
    state status() const noexcept { return state_; }

private:
    state state_ = state::boundary;
    bool in_length_ = false;
    std::uint8_t length_bytes_ = 0;
    std::uint32_t length_ = 0;
    std::uint32_t multiplier_ = 1;
    std::uint64_t body_left_ = 0;
};

struct reproducer_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

nlohmann::ordered_json to_json(const sequence& s);
// to_json() for a reproducer file: every occurrence of `password` in a write is zeroed, and the step
// records where it was ("password_at": offsets, "password_length"), so no file holds the secret.
nlohmann::ordered_json to_reproducer_json(const sequence& s, const std::optional<std::string>& password);
// The inverse, applied to a sequence read from a file: puts `password` back where the file says it
// went. Throws reproducer_error (naming `where`) when the file needs a password and none, or one of
// another length, is given.
void fill_password(sequence& s, const nlohmann::ordered_json& j, const std::optional<std::string>& password,
                   const std::string& where);
// `where` names the file and JSON path in error messages ("f.json: /sequences/0/steps/3/write").
sequence sequence_from_json(const nlohmann::ordered_json& j, const std::string& where);

}  // namespace mqttspec::netfuzz
