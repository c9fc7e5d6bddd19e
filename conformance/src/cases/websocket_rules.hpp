// Case bodies for MQTT over WebSocket (section 6), which reads the same in 3.1.1 and 5.0 (statement
// IDs MQTT-6.0.0-1, -2 and -4 in both). v311/6_0_websocket.cpp and v5/6_0_websocket.cpp register them
// under each version's IDs. They need a ws:// or wss:// target; on any other transport they are
// skipped with that reason.
//
// The test client hides WebSocket framing (each send is one binary message), so these cases drive a
// transport of their own (net/websocket_control.hpp: frame types seen, text and fragmented messages)
// and decode what the broker sends strictly, as the client does.
#pragma once

#include <utility>  // before Asio: Boost 1.74 needs std::exchange
#include <boost/asio/io_context.hpp>
#include <algorithm>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "mqttspec/codec/json.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/net/websocket_control.hpp"

namespace mqttspec::conformance::websocket_rules {

inline void require_websocket(case_context& t) {
    const auto kind = t.where().kind;
    if (kind != transport_kind::ws && kind != transport_kind::wss) {
        t.skip("MQTT over WebSocket (section 6) is checked only when the target is ws:// or wss://");
    }
}

// One WebSocket connection to the target, with nothing sent. The case's transcript shows every step.
// It is not a client of the case, so it leaves nothing behind: clean start, no session, no Will, and
// it ends with a DISCONNECT (send_disconnect) or is closed by the broker.
class raw_connection {
public:
    raw_connection(case_context& t, std::string name)
        : t_(t), name_(std::move(name)), io_(std::make_unique<boost::asio::io_context>()),
          transport_(make_transport(*io_, t.where())) {
        transport_->connect(clock::now() + t.timeout());  // transport_error: the run's error, not a verdict
        t_.log().event(name_, "WebSocket connection open to " + t.where().url());
    }
    ~raw_connection() { transport_->close(); }

    const net::websocket_details& details() const { return *net::websocket_details_of(*transport_); }

    void send(std::span<const std::uint8_t> bytes, net::websocket_framing framing = {}) {
        // sent_raw masks the credentials of a CONNECT (whole or split) as the client's transcript does.
        t_.log().event(name_, std::string("next bytes as one WebSocket ") + (framing.text ? "text" : "binary") + " message" +
                                  (framing.fragment > 0 ? " in frames of " + std::to_string(framing.fragment) + " bytes" : ""));
        t_.log().sent_raw(name_, bytes, t_.version());
        try {
            net::write_websocket(*transport_, bytes, framing, clock::now() + t_.timeout());
        } catch (const transport_error& e) {
            throw case_failure(std::string("the connection failed while sending: ") + e.what(), "an open connection", e.what());
        }
    }
    void send(const codec::packet& p, net::websocket_framing framing = {}) { send(codec::encode(p, t_.version()), framing); }

    // The next packet from the broker in the codec's JSON shape; nullopt once the broker closed.
    // Fails on a malformed packet (the broker is the sender) and when nothing arrives in time.
    std::optional<json> next() {
        const auto until = clock::now() + t_.timeout();
        for (;;) {
            if (!pending_.empty()) {
                const auto r = codec::decode(pending_, t_.version(), {.sender = codec::sender::server});
                if (r.status == codec::decode_status::error) {
                    // The statement the packet breaks is the codec's, often not among the case's own: a
                    // failure of the broker all the same, as in client::fail_malformed (not t.fail, which
                    // would take a foreign statement for a bug of the case).
                    throw case_failure("the broker sent a malformed packet: " + r.error.message, "a well-formed packet",
                                       codec::to_hex(pending_), std::string(r.error.statement));
                }
                if (r.ok()) {
                    json j = json::parse(codec::to_json(r, t_.version()).dump());
                    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(r.consumed));
                    t_.log().received(name_, j);
                    return j;
                }
            }
            if (closed_) return std::nullopt;
            const auto outcome = transport_->read(pending_, until);
            if (outcome.status == read_status::closed) {
                t_.log().event(name_, "connection closed: " + outcome.detail);
                closed_ = true;
            } else if (outcome.status == read_status::timeout) {
                t_.fail("the broker sent nothing more and kept the connection open", "a packet or a close",
                        "nothing within the timeout");
            }
        }
    }
    // The next packet, which must be of `type` (and have `packet_id` when given).
    json expect(const std::string& type, std::optional<std::uint16_t> packet_id = std::nullopt) {
        const auto p = next();
        const std::string wanted = type + (packet_id ? " packet_id " + std::to_string(*packet_id) : "");
        if (!p) t_.fail("the broker closed the connection", wanted, "connection closed");
        t_.check(p->value("type", "") == type && (!packet_id || p->value("packet_id", 0) == *packet_id),
                 "the broker answered with another packet", wanted, p->dump());
        return *p;
    }
    void send_disconnect() { send(codec::disconnect_packet{}); }

private:
    case_context& t_;
    std::string name_;
    std::unique_ptr<boost::asio::io_context> io_;
    std::unique_ptr<transport> transport_;
    std::vector<std::uint8_t> pending_;
    bool closed_ = false;
};

inline codec::subscribe_packet subscribe_to(const std::string& topic, std::uint16_t packet_id) {
    codec::subscribe_packet s;
    s.packet_id = packet_id;
    s.subscriptions = {{.filter = topic, .qos = 0}};
    return s;
}

inline codec::publish_packet qos0_publish(const std::string& topic, std::string_view payload) {
    codec::publish_packet p;
    p.topic = topic;
    p.payload = payload;
    return p;
}

// Connects with the CONNECT the case's clients use and requires CONNACK 0.
inline void handshake(case_context& t, raw_connection& c, const std::string& name) {
    c.send(t.make_connect(name, {}));
    const auto ack = c.expect("CONNACK");
    t.check(ack.value("reason_code", -1) == 0, "the broker refused the CONNECT", "CONNACK 0", ack.dump());
}

// MQTT-6.0.0-4: the server selects "mqtt", the subprotocol the client offered, in its handshake response.
inline void mqtt_subprotocol(case_context& t) {
    require_websocket(t);
    raw_connection c(t, "c");
    const auto& got = c.details().subprotocol;
    t.check(got == "mqtt", "the WebSocket handshake response does not select the subprotocol \"mqtt\" the client offered",
            "Sec-WebSocket-Protocol: mqtt", got.empty() ? "no Sec-WebSocket-Protocol header" : "Sec-WebSocket-Protocol: " + got);
    handshake(t, c, "c");
    c.send_disconnect();
}

// MQTT-6.0.0-1, the broker as sender: every MQTT packet it sends travels in binary data frames.
inline void broker_sends_binary_frames(case_context& t) {
    require_websocket(t);
    raw_connection c(t, "c");
    handshake(t, c, "c");
    const auto topic = t.topic("binary");
    c.send(subscribe_to(topic, 1));
    c.expect("SUBACK", 1);
    c.send(qos0_publish(topic, "over-websocket"));
    c.expect("PUBLISH");
    c.send(codec::pingreq_packet{});
    c.expect("PINGRESP");
    t.check(!c.details().received_text, "the broker sent MQTT data in a WebSocket text frame (CONNACK, SUBACK, PUBLISH or PINGRESP)",
            "binary data frames only", "a text data frame");
    c.send_disconnect();
}

// MQTT-6.0.0-1, the broker as receiver: a text data frame closes the connection. The text frame
// carries a QoS 0 PUBLISH to a topic the client subscribed to, all bytes ASCII (valid UTF-8, which
// RFC 6455 requires of text): a broker that closes does so for the frame type, not for bad UTF-8, and
// one that ignores the frame type delivers the message back. 5.0 (4.13): a DISCONNECT with an error
// reason may precede the close.
inline void text_frame_closes(case_context& t) {
    require_websocket(t);
    raw_connection c(t, "c");
    handshake(t, c, "c");
    const auto topic = t.topic("text");
    c.send(subscribe_to(topic, 1));
    c.expect("SUBACK", 1);
    const auto publish = codec::encode(qos0_publish(topic, "in-a-text-frame"), t.version());
    if (std::any_of(publish.begin(), publish.end(), [](std::uint8_t b) { return b >= 0x80; })) {
        throw std::logic_error("the PUBLISH for the text frame is not all ASCII: " + codec::to_hex(publish));
    }
    c.send(publish, {.text = true});
    auto p = c.next();
    if (p && t.v5() && p->value("type", "") == "DISCONNECT" && p->value("reason_code", 0) >= 0x80) p = c.next();
    if (p) {
        t.fail("the broker did not close the connection after a text data frame", "the connection closed" +
               std::string(t.v5() ? " (a DISCONNECT >= 0x80 first allowed)" : ""), p->dump(), "MQTT-6.0.0-1");
    }
}

// MQTT-6.0.0-2: packets split over several WebSocket messages and over the frames of one message are
// reassembled: a CONNECT in two messages (the second fragmented), a SUBSCRIBE in two messages, a
// PUBLISH in one message of 2-byte frames.
inline void packet_spans_frames(case_context& t) {
    require_websocket(t);
    raw_connection c(t, "c");
    const auto connect = codec::encode(t.make_connect("c", {}), t.version());
    const std::span<const std::uint8_t> connect_bytes(connect);
    c.send(connect_bytes.first(3));
    c.send(connect_bytes.subspan(3), {.fragment = 4});
    const auto ack = c.expect("CONNACK");
    t.check(ack.value("reason_code", -1) == 0, "the broker refused the CONNECT", "CONNACK 0", ack.dump());
    const auto topic = t.topic("split");
    const auto subscribe = codec::encode(subscribe_to(topic, 1), t.version());
    const std::span<const std::uint8_t> sub_span(subscribe);
    c.send(sub_span.first(subscribe.size() / 2));
    c.send(sub_span.subspan(subscribe.size() / 2));
    c.expect("SUBACK", 1);
    c.send(qos0_publish(topic, "split-over-frames"), {.fragment = 2});
    const auto msg = c.expect("PUBLISH");
    t.check(msg.value("payload", "") == "split-over-frames", "the message came back changed", "payload split-over-frames", msg.dump());
    c.send_disconnect();
}

// MQTT-6.0.0-2: several packets in one WebSocket message are all processed, in order.
inline void packets_share_frame(case_context& t) {
    require_websocket(t);
    raw_connection c(t, "c");
    handshake(t, c, "c");
    const auto topic = t.topic("shared-frame");
    std::vector<std::uint8_t> message;
    codec::encode(subscribe_to(topic, 1), t.version(), message);
    codec::encode(qos0_publish(topic, "same-frame"), t.version(), message);
    codec::encode(codec::pingreq_packet{}, t.version(), message);
    c.send(message);
    // Each packet must be answered; the standard orders none of the three answers against the others
    // (the server may even send the PUBLISH before the SUBACK, 3.8.4), so they may come in any order.
    bool subscribed = false, delivered = false, ponged = false;
    while (!subscribed || !delivered || !ponged) {
        const auto p = c.next();
        const std::string missing = std::string(subscribed ? "" : " SUBACK packet_id 1") +
                                    (delivered ? "" : " PUBLISH same-frame") + (ponged ? "" : " PINGRESP");
        if (!p) t.fail("the broker did not answer every packet of the message", "still to come:" + missing, "connection closed or nothing more");
        const auto type = p->value("type", "");
        if (type == "SUBACK" && p->value("packet_id", 0) == 1 && !subscribed) subscribed = true;
        else if (type == "PUBLISH" && p->value("payload", "") == "same-frame" && !delivered) delivered = true;
        else if (type == "PINGRESP" && !ponged) ponged = true;
        else t.fail("the broker answered with another packet", "still to come:" + missing, p->dump());
    }
    c.send_disconnect();
}

}  // namespace mqttspec::conformance::websocket_rules
