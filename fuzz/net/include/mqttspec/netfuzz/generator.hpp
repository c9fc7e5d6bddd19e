// Structure-aware generation and mutation of MQTT sessions for the network fuzzer.
//
// A plan is what a corpus entry stores: the packets (already encoded, possibly mutated) of up to
// three clients. `fresh` builds one from packet models through the codec's encoder (so fields,
// properties and flows are valid until a mutation breaks exactly one thing), `mutate` changes a
// corpus entry at packet and byte level, and `render` turns a plan into writes with a chosen
// chunking (packets split across writes or coalesced into one).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mqttspec/codec/types.hpp"
#include "mqttspec/netfuzz/sequence.hpp"

namespace mqttspec::netfuzz {

// splitmix64: tiny, fast, and identical on every platform, which --seed needs.
class rng {
public:
    explicit rng(std::uint64_t seed) : state_(seed) {}
    std::uint64_t next() noexcept {
        std::uint64_t z = (state_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    std::uint32_t below(std::uint32_t n) noexcept { return n == 0 ? 0 : static_cast<std::uint32_t>(next() % n); }
    bool chance(unsigned percent) noexcept { return below(100) < percent; }

private:
    std::uint64_t state_;
};

struct planned_packet {
    std::vector<std::uint8_t> bytes;
    std::string note;
};

// Connection roles; the number is the connection index in the rendered sequence.
enum class role : std::uint8_t { main = 0, watcher = 1, second = 2 };

struct plan {
    codec::protocol_version version = codec::protocol_version::v3_1_1;
    std::vector<planned_packet> main;     // the fuzzed client
    std::vector<planned_packet> watcher;  // subscribes to the worker's topics first; empty: none
    std::vector<planned_packet> second;   // another fuzzed client interleaved with main; empty: none
};

struct generator_options {
    std::vector<codec::protocol_version> versions;  // empty: 3.1.1 and 5 (3.1 now and then)
    std::optional<std::string> username;
    std::optional<std::string> password;
    unsigned worker = 0;  // keeps client ids and topics of concurrent workers apart
};

// The client identifiers a worker's sessions use (besides empty ones, which never get a will
// delay): the end-of-run cleanup takes each over to end whatever session the run left.
inline constexpr unsigned client_ids_per_worker = 4;
std::string session_client_id(unsigned worker, unsigned k);
std::vector<std::string> worker_session_ids(unsigned worker);
std::vector<std::string> session_client_ids(unsigned workers);
// Where a worker's topics live: every topic its sequences use starts with "mqttspec-fuzz/w<worker>/".
std::string worker_topic_prefix(unsigned worker);

class generator {
public:
    explicit generator(generator_options options);

    plan fresh(rng& r) const;
    plan mutate(const plan& parent, rng& r) const;
    sequence render(const plan& p, std::uint64_t iteration, rng& r) const;

private:
    generator_options options_;
    std::string prefix_;  // topic namespace of this worker: "mqttspec-fuzz/w3/"
};

// Offsets inside a well-formed encoded packet where a field starts or ends (fixed header end,
// string lengths, strings, packet id, property length, properties, payload). Used to truncate at
// field boundaries and to aim length lies at real length fields.
struct packet_layout {
    std::vector<std::size_t> boundaries;        // ascending, within [header_size, size]
    std::vector<std::size_t> length_fields;     // offsets of u16 string/binary length fields
    std::optional<std::size_t> property_length; // offset of the (first) property length VBI
    std::size_t header_size = 0;
};
packet_layout layout_of(const std::vector<std::uint8_t>& packet, codec::protocol_version version);

}  // namespace mqttspec::netfuzz
