// The wire transcript of one case: every packet each client sent or received, decoded to the codec's
// JSON shape, with time since the case started. Shown with -v and for failures in the JSON/HTML reports.
//
// Secrets never enter it unless `mqttspec run --show-secrets`: every recorded packet has its password,
// Authentication Data (CONNECT, CONNACK, AUTH, will properties, anywhere) replaced by
// "<redacted, N bytes>", raw bytes have those bytes masked as "**" in their hex, and the credentials the
// run knows (target, profile) are masked in event texts and in undecodable bytes. Redaction happens here,
// once, so every report and the console see the same redacted record.
#pragma once

#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include <mqttspec/codec/packets.hpp>

#include "mqttspec/conformance/pattern.hpp"
#include "mqttspec/conformance/net_types.hpp"

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

// Hex of at most `limit` bytes, "... (N bytes)" appended when cut.
std::string transcript_hex(std::span<const std::uint8_t> bytes, std::size_t limit = 256);

// What stands in the JSON shape for a secret of `size` bytes: "<redacted, 14 bytes>".
std::string redacted_placeholder(std::size_t size);

// Replaces every secret field of a packet in the codec's JSON shape (password / password_hex,
// authentication_data in any properties, the will's included) by redacted_placeholder(). Returns the
// secret values found (raw bytes), so that they can also be masked elsewhere.
std::vector<std::string> redact_packet_json(json& packet);

class transcript {
public:
    explicit transcript(clock::time_point start = clock::now()) : start_(start) {}

    // Redaction is on by default; --show-secrets turns it off for the whole run.
    void show_secrets(bool show) noexcept { show_secrets_ = show; }
    bool shows_secrets() const noexcept { return show_secrets_; }
    // A credential the run may send (target or profile password): masked wherever it appears.
    void add_known_secret(std::string secret);

    void sent(const std::string& client, json packet, std::string hex = {});
    // Raw bytes a client wrote: decoded for display when they decode as one packet in `version`; secret
    // fields masked in both the JSON and the hex.
    void sent_raw(const std::string& client, std::span<const std::uint8_t> bytes, codec::protocol_version version);
    void received(const std::string& client, json packet, std::string hex = {});
    void event(const std::string& client, std::string text, std::string hex = {});

    const std::vector<transcript_entry>& entries() const noexcept { return entries_; }
    json to_json() const;
    // One line per entry: "  +12.3ms sub <- {"type":"SUBACK",...}"
    std::string to_text() const;

private:
    double now_ms() const;
    json redact(json packet);
    std::string mask_text(std::string text) const;
    std::string mask_hex(std::string hex) const;
    void mask_known_secrets(std::span<const std::uint8_t> bytes, std::vector<bool>& masked) const;

    clock::time_point start_;
    bool show_secrets_ = false;
    std::vector<std::string> secrets_;  // raw bytes of every secret seen or announced
    std::vector<transcript_entry> entries_;
};

}  // namespace mqttspec::conformance
