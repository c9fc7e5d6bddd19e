// Runs one sequence against the broker over the engine's transports and applies the per-sequence
// oracles: every broker packet is decoded strictly (sender = server), and every connection ends
// with a barrier that proves the broker handled what it got.
//
// Barrier, per connection: if the bytes written end on a packet boundary, a PINGREQ is written and
// the connection is read until PINGRESP or close; if they end inside a packet the broker is
// legitimately waiting for the rest, so what already arrived is read and the connection closed;
// if the framing is impossible (a 5-byte Remaining Length) the broker must close. A barrier that
// gets neither answer nor close by its deadline only makes the sequence a hang *suspect*: the
// fuzzer then probes the broker on a fresh connection before calling it a hang.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "mqttspec/net/target.hpp"
#include "mqttspec/net/transport.hpp"
#include "mqttspec/netfuzz/fast_tcp.hpp"
#include "mqttspec/netfuzz/sequence.hpp"

namespace boost::asio {
class io_context;
}

namespace mqttspec::netfuzz {

struct executor_options {
    net::target where;
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds barrier_timeout{1000};  // per barrier, before suspecting a hang
    std::chrono::milliseconds probe_timeout{5000};    // liveness probe: generous on purpose
    std::string probe_client_id = "mqttspec-fuzz-probe";
    bool generic_transport = false;  // plain TCP through the engine's Asio transport, not fast_tcp
};

struct malformed_reply {
    std::size_t conn = 0;
    std::string error_code;           // codec errc name, e.g. "invalid_reason_code"
    nlohmann::ordered_json error;     // the codec's decode_error as JSON
    std::string received_hex;         // everything this connection received
    std::string packet_hex;           // the packet that failed to decode (as far as it arrived)
    std::string version;              // version(s) it was decoded with
};

struct outcome {
    bool connect_failed = false;      // a connection to the broker could not be opened
    std::string connect_error;
    bool refused = false;             // ... because the broker refused it (not a timeout)
    bool suspect_hang = false;        // a barrier got neither answer nor close in time
    std::string suspect_detail;
    std::size_t suspect_conn = 0;     // the connection whose barrier timed out
    std::vector<malformed_reply> malformed;
    bool unproven = false;            // a connection ended with no proof that the broker read what it got
                                      // (no barrier, or abandoned inside a packet): it may read it later
    std::uint64_t signature = 0;      // hash of what the broker answered, for corpus novelty
    std::vector<std::string> transcript;  // per connection: "CONNACK(0) SUBACK(0,1) PINGRESP closed"
};

struct probe_result {
    bool ok = false;
    bool refused = false;
    std::string detail;
    std::chrono::microseconds round_trip{0};
};

class executor {
public:
    explicit executor(executor_options options);
    ~executor();
    executor(const executor&) = delete;
    executor& operator=(const executor&) = delete;

    outcome run(const sequence& s);
    // Fresh connection, CONNECT (3.1.1, clean session, the target's credentials), PINGREQ; ok when
    // CONNACK and PINGRESP both arrive before the probe deadline.
    probe_result probe();
    // Leaves the broker as the run found it under `filter`: ends the sessions of `session_ids`
    // (clean-session CONNECT, DISCONNECT: a pending will is published or dropped now), then, on a
    // fresh 3.1.1 connection, subscribes, collects the retained PUBLISHes up to a PINGRESP and
    // publishes an empty retained message to each, repeating until a pass finds none (bounded).
    // Returns how many topics it cleared; `problem` says what stopped it early.
    std::size_t clear_retained(const std::string& filter, const std::vector<std::string>& session_ids, std::string& problem);
    const executor_options& options() const noexcept { return options_; }

private:
    std::unique_ptr<net::transport> open_transport();

    executor_options options_;
    std::unique_ptr<boost::asio::io_context> io_;
    std::optional<resolved_address> resolved_;  // plain TCP: resolved once
};

}  // namespace mqttspec::netfuzz
