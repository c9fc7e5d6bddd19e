// Helpers shared by the MQTT 5.0 core-family cases (CONNECT, the QoS flows, ...): CONNECT
// packets with one flag bent, a raw exchange for replies the 5.0 decoder cannot read, ending a
// connection in a way whose processing by the broker is observable, and quiet-period checks.
#pragma once

#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "mqttspec/codec/json.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/net_types.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance::v5core {

// The DISCONNECT reasons accepted before the close at MUST level after a Malformed Packet or Protocol
// Error: any code >= 0x80 (the empty list). 4.13.1 makes the DISCONNECT itself a SHOULD and allows "a
// more specific Reason Code" than 0x81/0x82; the specific code is judged at SHOULD level by the
// v5/malformed/*/reason-code cases.
inline const std::vector<std::uint8_t> malformed_reasons{};
inline const std::vector<std::uint8_t> protocol_error_reasons{};

// Offset of the Connect Flags byte in an encoded CONNECT: fixed header (type byte + Remaining
// Length VBI), then protocol name (2 + 4 bytes) and protocol version (1 byte).
inline std::size_t connect_flags_offset(const std::vector<std::uint8_t>& connect) {
    std::size_t header = 1;
    while (header < connect.size() && (connect[header] & 0x80) != 0) ++header;
    return header + 1 + 2 + 4 + 1;
}

// The CONNECT `t.connect(name, options)` would send, encoded, with `set_bits` ORed into its Connect
// Flags byte (the payload stays as the unmodified flags describe it).
inline std::vector<std::uint8_t> connect_with_flag_bits(case_context& t, std::string_view name,
                                                        const connect_options& options, std::uint8_t set_bits) {
    auto bytes = codec::encode(t.make_connect(name, options), codec::protocol_version::v5);
    bytes.at(connect_flags_offset(bytes)) |= set_bits;
    return bytes;
}

// What a broker sent on a bare transport until it closed or the deadline passed.
struct raw_reply {
    std::vector<std::uint8_t> bytes;
    bool closed = false;
    std::string detail;
};

// Sends `request` on a new connection of its own and collects every byte the broker sends until it
// closes (or the case's timeout passes). For replies that may come in another protocol version's
// layout, which the strict 5.0 client would report as malformed before seeing the close.
inline raw_reply raw_exchange(case_context& t, const std::string& name, std::span<const std::uint8_t> request) {
    boost::asio::io_context io;
    auto link = make_transport(io, t.where());
    const auto until = clock::now() + t.timeout();
    link->connect(until);
    t.log().sent(name, nullptr, codec::to_hex(request));
    link->write(request, until);
    raw_reply reply;
    for (;;) {
        const auto before = reply.bytes.size();
        const auto outcome = link->read(reply.bytes, until);
        if (reply.bytes.size() > before) {
            t.log().received(name, nullptr,
                             codec::to_hex(std::span<const std::uint8_t>(reply.bytes).subspan(before)));
        }
        if (outcome.status == read_status::closed) {
            reply.closed = true;
            reply.detail = outcome.detail;
            t.log().event(name, "connection closed: " + outcome.detail);
            break;
        }
        if (outcome.status == read_status::timeout) break;
    }
    link->close();
    return reply;
}

// Sends DISCONNECT with `reason` and waits for the broker to close the connection. 3.14.4: the
// server closes after a client DISCONNECT (SHOULD); once it has, it has processed the DISCONNECT (Will
// discarded or published, session stored), so later steps observe that state. A broker that keeps
// the connection open is not failed here (a SHOULD); the client closes it instead.
inline void await_close_after_disconnect(case_context& t, client& c) {
    const auto until = c.default_deadline();
    for (;;) {
        auto e = c.next_event(until);
        if (e.kind == event_kind::closed) return;
        if (e.kind == event_kind::malformed) c.expect_well_formed();
        if (e.kind == event_kind::timeout) {
            t.note("the broker kept the connection open after DISCONNECT; the client closes it");
            c.close();
            return;
        }
    }
}

inline void disconnect_and_await_close(case_context& t, client& c, std::uint8_t reason = 0) {
    codec::disconnect_packet d;
    d.reason_code = reason;
    c.send(d);
    await_close_after_disconnect(t, c);
}

// The broker closes `c`, optionally after one DISCONNECT whose reason is in `reasons`; returns that
// DISCONNECT when there was one (`reasons` empty: any code >= 0x80). Like expect_connection_closed_or_disconnect, but hands the
// DISCONNECT back for further checks (properties) and allows nothing after it (3.14.4-1).
inline std::optional<received_packet> expect_close_maybe_disconnect(client& c, const std::vector<std::uint8_t>& reasons,
                                                                     const std::string& statement) {
    json allowed = json::array();
    for (auto r : reasons) allowed.push_back(r);
    // An empty list: any error code (>= 0x80).
    const json code = reasons.empty() ? json{{"at_least", 0x80}} : json{{"any_of", allowed}};
    const pattern disconnect(json{{"type", "DISCONNECT"}, {"reason_code", code}});
    const auto until = c.default_deadline();
    std::optional<received_packet> seen;
    for (;;) {
        auto e = c.next_event(until);
        switch (e.kind) {
            case event_kind::closed:
                return seen;
            case event_kind::malformed:
                c.expect_well_formed();
                break;
            case event_kind::timeout:
                throw case_failure("the connection was still open " + std::to_string(c.timeout().count()) + " ms later",
                                   "connection closed, optionally after " + disconnect.str(), "connection open",
                                   statement);
            case event_kind::packet:
                if (seen) {
                    throw case_failure("the broker sent a packet after its DISCONNECT", "connection closed",
                                       e.packet->as_json.dump(), "MQTT-3.14.4-1");
                }
                if (auto why = disconnect.mismatch(e.packet->as_json); !why.empty()) {
                    throw case_failure("the broker sent a packet where it must close the connection (" + why + ")",
                                       "connection closed, optionally after " + disconnect.str(),
                                       e.packet->as_json.dump(), statement);
                }
                seen = std::move(e.packet);
                break;
        }
    }
}

// Nothing may arrive on `c` and the connection must stay open until `until` (a keep-alive period
// being honoured). This waits on the connection itself, not a sleep: any packet or a close ends it.
inline void expect_quiet_until(client& c, deadline until, const std::string& statement) {
    auto e = c.next_event(until);
    if (e.kind == event_kind::timeout) return;
    if (e.kind == event_kind::malformed) c.expect_well_formed();
    throw case_failure("the broker acted on a connection whose Keep Alive was honoured",
                       "the connection stays open and quiet",
                       e.kind == event_kind::closed ? "connection closed: " + e.detail : e.packet->as_json.dump(),
                       statement);
}

// The QoS a SUBACK granted to its `index`-th filter. 3.9.3: a server may grant a lower QoS than
// requested, or refuse the subscription (a code >= 0x80, e.g. not authorised); a refusal skips the
// case with the reason, since what follows depends on the subscription.
inline std::uint8_t granted_qos(case_context& t, const received_packet& suback, std::size_t index = 0) {
    const auto& codes = suback.as_json.at("reason_codes");
    const auto code = index < codes.size() ? codes.at(index).get<int>() : 0x80;
    if (code >= 0x80) t.skip("the broker refused the subscription (SUBACK " + suback.as_json.dump() + ")");
    return static_cast<std::uint8_t>(code);
}

// Skips unless the SUBACK granted at least `needed` for its `index`-th filter (the case is about that QoS).
inline void require_granted(case_context& t, const received_packet& suback, std::uint8_t needed, std::size_t index = 0) {
    const auto granted = granted_qos(t, suback, index);
    if (granted < needed) {
        t.skip("the broker granted QoS " + std::to_string(granted) + " for a QoS " + std::to_string(needed) +
               " subscription (3.9.3 allows a lower grant), so a QoS " + std::to_string(needed) + " delivery cannot be judged");
    }
}

// The CONNECT refusal a malformed CONNECT earns (3.1.4: close, CONNACK >= 0x80 allowed first).
inline connect_rejection connect_refusal(std::string statement) {
    connect_rejection r;
    r.statement = std::move(statement);
    return r;
}

inline codec::pubrel_packet pubrel(std::uint16_t packet_id) {
    codec::pubrel_packet p;
    p.packet_id = packet_id;
    return p;
}

// A Will Message for connect_options; the strings must outlive the connect() call.
inline codec::will_message will(std::string_view topic, std::string_view payload, std::uint8_t qos = 0,
                                bool retain = false) {
    codec::will_message w;
    w.topic = topic;
    w.payload = payload;
    w.qos = qos;
    w.retain = retain;
    return w;
}

// 3.5.2.1 / 3.7.2.1: with no subscriber the broker may answer 0x10 No matching subscribers.
inline const json accepted_pubrec = {{"any_of", {0x00, 0x10}}};

// Publishes at QoS 2 and completes the publisher's side of the exchange. 4.3.3 lets the server
// forward the message when the PUBLISH arrives or only after PUBREL, so subscribers are watched only
// once the whole exchange is done.
inline void publish_qos2(client& pub, const std::string& topic, std::string_view payload) {
    const auto id = pub.publish(topic, payload, 2);
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
    pub.send(pubrel(id));
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
}

// Sends one UNSUBSCRIBE with these filters and returns the UNSUBACK with its packet identifier.
inline received_packet unsubscribe_all(client& c, std::uint16_t packet_id, const std::vector<std::string>& filters) {
    codec::unsubscribe_packet u;
    u.packet_id = packet_id;
    for (const auto& f : filters) u.filters.push_back(f);
    c.send(u);
    return c.expect({{"type", "UNSUBACK"}, {"packet_id", packet_id}});
}

inline constexpr int message_count = 5;

// Publishes "m0".."m<count-1>" at QoS 1 without waiting for each PUBACK, but never with more
// unacknowledged than the broker's Receive Maximum (MQTT-3.3.4-7): when the window is full, the oldest
// PUBACK is awaited (next in line: PUBACKs come in order, MQTT-4.6.0-2). Returns the packet ids whose
// PUBACK is still to come.
inline std::vector<std::uint16_t> publish_within_receive_maximum(case_context& t, client& pub, const std::string& topic, int count) {
    const std::size_t window = std::max<std::size_t>(1, t.caps().receive_maximum);
    std::vector<std::uint16_t> pending;
    for (int i = 0; i < count; ++i) {
        if (pending.size() == window) {
            pub.expect_next({{"type", "PUBACK"}, {"packet_id", pending.front()}});
            pending.erase(pending.begin());
        }
        pending.push_back(pub.publish(topic, "m" + std::to_string(i), 1));
    }
    return pending;
}

}  // namespace mqttspec::conformance::v5core
