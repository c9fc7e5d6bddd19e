// The wire transcript of one case: every packet each client sent or received, decoded to the codec's
// JSON shape, with time since the case started. Shown with -v and for failures in the JSON/HTML reports.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "mqttspec/conformance/pattern.hpp"
#include "mqttspec/conformance/transport.hpp"

namespace mqttspec::conformance {

enum class direction : std::uint8_t {
    sent,      // client -> broker
    received,  // broker -> client
    event,     // connection opened/closed, timeout, note from the case
};

struct transcript_entry {
    double t_ms = 0;       // since the case started
    std::string client;    // the name the case gave the connection
    direction dir = direction::event;
    json packet;           // decoded packet (sent/received); null for events
    std::string hex;       // raw bytes when they are the point (malformed, undecodable) or no packet
    std::string text;      // events, decode errors
};

class transcript {
public:
    explicit transcript(clock::time_point start = clock::now()) : start_(start) {}

    void sent(const std::string& client, json packet, std::string hex = {});
    void received(const std::string& client, json packet, std::string hex = {});
    void event(const std::string& client, std::string text, std::string hex = {});

    const std::vector<transcript_entry>& entries() const noexcept { return entries_; }
    json to_json() const;
    // One line per entry: "  +12.3ms sub <- {"type":"SUBACK",...}"
    std::string to_text() const;

private:
    double now_ms() const;
    clock::time_point start_;
    std::vector<transcript_entry> entries_;
};

}  // namespace mqttspec::conformance
