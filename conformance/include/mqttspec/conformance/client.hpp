// The test client: one MQTT connection driven step by step by a case. It never answers anything on
// its own (no automatic PUBACK, no keep-alive PINGREQ): a case says every packet that is sent.
//
// Everything the broker sends is decoded strictly (sender = server). A packet that fails decoding is
// itself a failure of the case, with the codec's error and statement ID.
//
// Two layers:
//  - expectations (expect, expect_next, expect_closed, expect_none, ...) wait up to the client's
//    timeout and throw case_failure with the evidence when the broker does not comply;
//  - next_event() never throws on broker behaviour, for the network fuzzer.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "mqttspec/codec/codec.hpp"
#include "mqttspec/conformance/pattern.hpp"
#include "mqttspec/conformance/transcript.hpp"
#include "mqttspec/conformance/net_types.hpp"
#include "mqttspec/conformance/verdict.hpp"

namespace mqttspec::conformance {

// A packet from the broker. Copies share the bytes, so the views inside `packet` stay valid.
struct received_packet {
    std::shared_ptr<const std::vector<std::uint8_t>> bytes;  // exactly this packet's bytes
    codec::packet packet;
    json as_json;  // the codec's JSON shape; what patterns match against
    clock::time_point at{};
    std::uint64_t sequence = 0;  // arrival order on this connection, from 1

    codec::packet_type type() const noexcept { return codec::type_of(packet); }
    // The packet as its struct; throws case_failure when it is another type.
    template <class P>
    const P& as() const {
        if (const P* p = std::get_if<P>(&packet)) return *p;
        throw case_failure("unexpected packet type", "another packet type", as_json.dump());
    }
};

struct client_options {
    std::string name = "client";     // shown in transcripts: "sub", "pub", ...
    codec::protocol_version version = codec::protocol_version::v5;
    std::chrono::milliseconds timeout{5000};  // how long an expectation waits
    // Largest packet accepted from the broker (what the case announced as Maximum Packet Size).
    std::size_t maximum_packet_size = 268'435'455 + 5;
};

enum class event_kind : std::uint8_t { packet, closed, timeout, malformed };

struct client_event {
    event_kind kind = event_kind::timeout;
    std::optional<received_packet> packet;  // kind == packet
    codec::decode_error error;              // kind == malformed
    std::string detail;                     // closed: how
};

class client {
public:
    // `log` may be null (no transcript). The client does not own the io_context.
    client(boost::asio::io_context& io, const target& where, client_options options, transcript* log);
    ~client();
    client(const client&) = delete;
    client& operator=(const client&) = delete;

    const std::string& name() const noexcept { return options_.name; }
    codec::protocol_version version() const noexcept { return options_.version; }
    std::chrono::milliseconds timeout() const noexcept { return options_.timeout; }
    void set_timeout(std::chrono::milliseconds t) noexcept { options_.timeout = t; }

    // ---- connection ----------------------------------------------------------------------------
    // Opens the transport (TCP/TLS/WS handshakes) without sending anything. Throws transport_error:
    // not reaching the broker is an error of the run, not a verdict on the broker.
    void open();
    // Closes the transport abruptly (no DISCONNECT): a network failure as the broker sees it.
    void close() noexcept;
    bool is_open() const noexcept;
    // True once the broker closed the connection (seen by a read).
    bool closed_by_broker() const noexcept { return closed_by_broker_; }

    // ---- sending (a lost connection while sending is a case_failure) ------------------------------
    void send(const codec::packet& p, const codec::encode_options& options = {});
    // A packet given in the codec's JSON shape (what flows use).
    void send_json(const json& packet);
    // Bytes exactly as given: malformed packets from codec::raw_builder, split packets, ...
    void send_raw(std::span<const std::uint8_t> bytes);

    // ---- expectations (throw case_failure) ------------------------------------------------------
    // The first not-yet-consumed packet matching `p`, waiting for it if needed; packets that do not
    // match stay queued for later expectations. Fails on timeout, close, or a malformed packet.
    // A timeout on a connected session is checked first with a PINGREQ (see busy_broker_grace): a
    // broker that answers it slowly is loaded, not wrong, and gets the timeout again (twice at most).
    received_packet expect(const pattern& p);
    // expect(p), acknowledging every QoS 1/2 PUBLISH that arrives meanwhile (they stay queued for
    // the case to inspect). For ordered markers: a broker may keep a single message in flight per
    // client and send the next only once the earlier one is acknowledged (3.1.1 4.6 and 5.0 4.9
    // let it send fewer than the client would take), so an unacknowledged copy would hold the
    // marker back.
    received_packet expect_acknowledging(const pattern& p);
    // The oldest not-yet-consumed packet, which must match `p` (ordering matters).
    received_packet expect_next(const pattern& p);
    // Expect a packet of this struct type and return a copy of the packet with it.
    received_packet expect(codec::packet_type t);
    // The broker closes the connection. Packets that arrive first are allowed only when they match
    // `allowed_before` (nullopt: none at all). Fails on timeout.
    void expect_closed(const std::optional<pattern>& allowed_before = std::nullopt);
    // PINGREQ, then wait for PINGRESP: everything the broker sent on this connection before the
    // PINGRESP is now queued (the broker answers in order). Packets stay queued.
    void barrier();
    // barrier(), then no unconsumed packet may match `p` (absence proved by the barrier, not by waiting).
    void expect_none(const pattern& p);
    // Removes and returns all unconsumed packets matching `p` (after a barrier, for counting copies).
    std::vector<received_packet> take_all(const pattern& p);

    // ---- MQTT conveniences (each is a thin wrapper over send/expect) -------------------------------
    // Sends CONNECT and expects CONNACK (any reason code). Returns the CONNACK.
    received_packet handshake(const codec::connect_packet& connect);
    // Sends PUBLISH; returns the packet identifier used (0 for QoS 0). Does not wait for acks.
    std::uint16_t publish(std::string_view topic, std::string_view payload, std::uint8_t qos = 0,
                          bool retain = false, codec::property_list properties = {});
    // SUBSCRIBE with one filter; expects the SUBACK with the same packet identifier and returns it.
    received_packet subscribe(std::string_view filter, std::uint8_t qos = 0, codec::property_list properties = {});
    received_packet subscribe(std::vector<codec::subscription> subscriptions, codec::property_list properties = {});
    received_packet unsubscribe(std::string_view filter);
    // Answers a received QoS 1/2 PUBLISH (PUBACK, or PUBREC + expect PUBREL + PUBCOMP), once: a
    // packet this client already acknowledged (expect_acknowledging) is not acknowledged again.
    void acknowledge(const received_packet& publish);
    // Sends DISCONNECT (reason 0) and closes the transport.
    void disconnect();
    // Next packet identifier, 1..65535, wrapping.
    std::uint16_t next_packet_id() noexcept;

    // ---- raw access (fuzzers, verifiers) ---------------------------------------------------------
    // The next queued packet, or waits until `until` for one; never throws on broker behaviour.
    client_event next_event(deadline until);
    const std::deque<received_packet>& inbox() const noexcept { return inbox_; }
    // Fails when the broker sent a malformed packet at any point (the runner checks after the body).
    void expect_well_formed() const {
        if (malformed_) fail_malformed();
    }
    deadline default_deadline() const { return clock::now() + options_.timeout; }
    transcript* log() const noexcept { return log_; }

private:
    // Reads once and decodes what is complete into inbox_. Returns false on timeout.
    bool pump(deadline until);
    [[noreturn]] void fail_malformed() const;
    // After expect(p) timed out: whether to wait once more. Sends a PINGREQ and waits for its
    // PINGRESP; true when `p` arrived meanwhile or the answer took over 1% of the timeout (a loaded
    // machine or broker). Waiting longer for a packet the standard requires can never pass a broker
    // wrongly; it only spares a false failure. False (fail now) when the session is not live.
    bool busy_broker_grace(const pattern& p);
    // A CONNECT was sent, nothing at all has come back, and the connection is open and unbroken.
    bool connect_unanswered() const;
    // A CONNECT got nothing back within the timeout (connect_unanswered): log it and wait once more.
    bool connack_grace();
    // expect(p), taking only a packet that arrived after the packet numbered `after_sequence`.
    received_packet expect_after(const pattern& p, std::uint64_t after_sequence, bool acknowledge_others = false);
    // Removes and returns the first unconsumed packet matching `p` that arrived after the packet
    // numbered `after_sequence` (0: any); nullopt when there is none yet.
    std::optional<received_packet> take_first(const pattern& p, std::uint64_t after_sequence = 0);
    std::string describe_inbox() const;

    boost::asio::io_context& io_;
    target target_;
    client_options options_;
    transcript* log_;
    std::unique_ptr<transport> transport_;
    std::vector<std::uint8_t> pending_;       // bytes read, not yet a whole packet
    std::deque<received_packet> inbox_;        // decoded, not yet consumed
    bool closed_by_broker_ = false;
    bool session_live_ = false;  // a successful CONNACK seen and no DISCONNECT sent: PINGREQ is allowed
    bool awaiting_connack_ = false;  // a CONNECT sent and nothing received since: the broker owes a CONNACK
    std::string close_detail_;
    std::optional<codec::decode_error> malformed_;  // the stream is dead after this
    std::string malformed_hex_;
    std::uint16_t last_packet_id_ = 0;
    std::uint64_t received_count_ = 0;
    std::set<std::uint64_t> acknowledged_;     // sequences of PUBLISHes already answered
    codec::arena arena_;                       // strings of packets built by send_json/publish
};

// The standard "nothing arrived" text used in failure evidence.
std::string describe_packets(const std::deque<received_packet>& packets);

}  // namespace mqttspec::conformance
