// The helpers every case file may use, in one place (CASES.md section 2): recurring setups and steps
// that are not verdicts. Outcome checks (what the standard permits) live in verifiers.hpp; case
// bodies shared by 3.1.1 and 5.0 twins live in the *_rules.hpp headers. Sections:
//   connecting and sessions  - CONNACK first, resumed sessions, wills, session expiry
//   publishing and delivery  - flows completed at QoS 1/2, messages held in flight
//   5.0 packets              - bent CONNECT flags, raw exchanges, properties, subscriptions
//   ending a connection      - DISCONNECT and the broker's close, quiet periods, refusals
// Names do not depend on the version: the client speaks the case's version.
#pragma once

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mqttspec/codec/json.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/net_types.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance::helpers {

using namespace std::chrono_literals;
using codec::property_id;

// ---- connecting, publishing and delivery (both versions) ------------------------------------------

// Connects `name` with `options` and requires the CONNACK (return code 0) to be the very first packet
// the broker sends (MQTT-3.2.0-1): a resumed session may have messages queued, which must come after
// it. Registers a persistent session for cleanup.
struct connection {
    client& c;
    received_packet connack;
};
inline connection connect_connack_first(case_context& t, const std::string& name, const connect_options& options) {
    const auto packet = t.make_connect(name, options);
    if (!options.clean_start) t.session_kept(std::string(packet.client_id));
    client& c = t.open(name);
    c.send(packet);
    const auto connack = c.expect_next({{"type", "CONNACK"}});
    check_setup(connack.as<codec::connack_packet>().reason_code == 0, "the broker refused the connection",
                "CONNACK return code 0", connack.as_json.dump(), "MQTT-3.1.4-4");
    return {c, connack};
}

inline bool session_present(const received_packet& connack) {
    return connack.as<codec::connack_packet>().session_present;
}

// Waits for a PUBLISH with this payload on `topic` and checks delivered fields.
inline received_packet expect_publish(client& c, const std::string& topic, const std::string& payload, json extra = json::object()) {
    json p{{"type", "PUBLISH"}, {"topic", topic}, {"payload", payload}};
    for (auto it = extra.begin(); it != extra.end(); ++it) p[it.key()] = it.value();
    return c.expect(pattern(p));
}

// A QoS 1 publish whose PUBACK is awaited (so the broker owns the message before the case goes on).
inline void publish_qos1_acked(client& pub, const std::string& topic, std::string_view payload, bool retain = false) {
    const auto id = pub.publish(topic, payload, 1, retain);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
}

// A QoS 2 publish carried through PUBREC/PUBREL/PUBCOMP.
inline void publish_qos2_completed(client& pub, const std::string& topic, std::string_view payload, bool retain = false) {
    const auto id = pub.publish(topic, payload, 2, retain);
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
    codec::pubrel_packet release;
    release.packet_id = id;
    pub.send(release);
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
}

// Publishes `payload` at `qos` (1 or 2) and completes the publisher's side.
inline void publish_completed(client& pub, const std::string& topic, std::string_view payload, std::uint8_t qos) {
    if (qos == 2) return publish_qos2_completed(pub, topic, payload);
    const auto id = pub.publish(topic, payload, qos);
    if (qos == 1) pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
}

// Every PUBLISH on `topic` `sub` has received and not consumed, after a barrier, `first` in front.
// The broker may hold messages back within its send quota (4.9), so fewer than were published may be here.
inline std::vector<received_packet> held_deliveries(client& sub, const std::string& topic, received_packet first) {
    std::vector<received_packet> held{std::move(first)};
    sub.barrier();
    for (auto& m : sub.take_all({{"type", "PUBLISH"}, {"topic", topic}})) held.push_back(std::move(m));
    return held;
}

inline std::uint16_t packet_id_of(const received_packet& p) { return p.as<codec::publish_packet>().packet_id; }

// A message on `topic` and a later marker from the same publisher: every copy of `payload` that `sub`
// received before the marker, which is returned as `marker`. The copy forwarded to the subscription
// comes before the marker (the topic is ordered: 4.6). Copies are acknowledged as they come, since a
// broker may keep one message in flight and hold the marker back until the copy is answered.
//
// Why copies: a message published right after a SUBACK may also come as a retained message sent for
// the new subscription, which the broker may still be setting up when the PUBLISH arrives (3.8.4: its
// first messages and the SUBACK are not ordered); ejabberd 23.01 does this now and then. That copy
// carries RETAIN 1 and is no forward to an established subscription, so a case about the RETAIN
// flag of forwarded messages judges the copies together, not the first alone.
struct copies_and_marker {
    std::deque<received_packet> copies;  // in arrival order (describe_packets shows them)
    received_packet marker;
};
inline copies_and_marker copies_before_marker(client& sub, const std::string& topic, const std::string& payload,
                                              const std::string& marker_payload) {
    auto marker = sub.expect_acknowledging({{"type", "PUBLISH"}, {"topic", topic}, {"payload", marker_payload}});
    std::deque<received_packet> copies;
    for (auto& m : sub.take_all({{"type", "PUBLISH"}, {"topic", topic}, {"payload", payload}})) {
        if (m.sequence < marker.sequence) copies.push_back(std::move(m));
    }
    return {std::move(copies), std::move(marker)};
}

// ---- 5.0 packets, connections and their end ------------------------------------------------------

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


// Property builders. String views must outlive the packet that is sent (literals or locals of the
// case body).
inline codec::property number_property(property_id id, std::uint32_t value) { return {id, value, {}, {}}; }
inline codec::property string_property(property_id id, std::string_view text) { return {id, 0, text, {}}; }
inline codec::property user_property(std::string_view name, std::string_view value) {
    return {property_id::user_property, 0, name, value};
}

// One subscription with 5.0 options.
inline codec::subscription subscription(std::string_view filter, std::uint8_t qos, bool no_local = false,
                                        bool retain_as_published = false, std::uint8_t retain_handling = 0) {
    codec::subscription s;
    s.filter = filter;
    s.qos = qos;
    s.no_local = no_local;
    s.retain_as_published = retain_as_published;
    s.retain_handling = retain_handling;
    return s;
}

// Some rules are stated in wall-clock seconds (Message Expiry Interval, Will Delay Interval, Session
// Expiry Interval): the only way to observe them is to let that time pass. This is not used to
// synchronise with the broker: it waits, bounded, on an idle connection of its own (`name`), which
// must stay silent; a packet or a close there means the broker is not idle and the case errs.
inline void let_time_pass(case_context& t, const std::string& name, std::chrono::milliseconds how_long) {
    auto& idle = t.connect(name);
    t.note("letting " + std::to_string(how_long.count()) + " ms of wall-clock time pass");
    const auto e = idle.next_event(clock::now() + how_long);
    if (e.kind != event_kind::timeout) {
        throw std::runtime_error("the idle connection '" + name + "' used to let time pass did not stay idle");
    }
}

// The broker refuses a SUBSCRIBE (already sent with `packet_id`): a SUBACK whose every reason code
// is >= 0x80, or - when it treats the request as a Protocol Error / Malformed Packet (4.13) - close,
// optionally after DISCONNECT >= 0x80. Anything else (a granted subscription) fails.
inline void expect_subscribe_refused(client& c, std::uint16_t packet_id, const std::string& statement) {
    const auto until = c.default_deadline();
    for (;;) {
        auto e = c.next_event(until);
        switch (e.kind) {
            case event_kind::timeout:
                throw case_failure("the broker neither answered the SUBSCRIBE nor closed the connection",
                                   "SUBACK with reason codes >= 0x80, or DISCONNECT >= 0x80 / close", "nothing",
                                   statement);
            case event_kind::malformed:
                c.expect_well_formed();
                return;
            case event_kind::closed:
                return;
            case event_kind::packet: {
                const auto& p = *e.packet;
                if (p.type() == codec::packet_type::disconnect) {
                    const auto code = p.as<codec::disconnect_packet>().reason_code;
                    if (code < 0x80) {
                        throw case_failure("the broker sent DISCONNECT with a success code", "DISCONNECT >= 0x80",
                                           p.as_json.dump(), statement);
                    }
                    c.expect_closed();
                    return;
                }
                const pattern refused(json{{"type", "SUBACK"}, {"packet_id", packet_id}});
                if (!refused.matches(p.as_json)) {
                    throw case_failure("the broker sent another packet instead of answering the SUBSCRIBE",
                                       "SUBACK for packet identifier " + std::to_string(packet_id), p.as_json.dump(),
                                       statement);
                }
                for (auto code : p.as<codec::suback_packet>().reason_codes) {
                    if (code < 0x80) {
                        throw case_failure("the broker granted a subscription it must refuse",
                                           "SUBACK reason codes >= 0x80", p.as_json.dump(), statement);
                    }
                }
                return;
            }
        }
    }
}

// Sends a SUBSCRIBE without waiting for the SUBACK; returns its packet identifier.
inline std::uint16_t send_subscribe(client& c, std::vector<codec::subscription> subscriptions,
                                    codec::property_list properties = {}) {
    codec::subscribe_packet p;
    p.packet_id = c.next_packet_id();
    p.subscriptions = std::move(subscriptions);
    p.properties = std::move(properties);
    c.send(p);
    return p.packet_id;
}

// The CONNACK of a connect() as its struct.
inline const codec::connack_packet& connack_of(case_context& t, std::string_view name) {
    return t.connack(name).as<codec::connack_packet>();
}

// A connection whose will ("payload" on `topic`) has Will Delay Interval `delay` and whose session
// has expiry `session_expiry`.
inline client& connect_with_will(case_context& t, const std::string& name, const std::string& topic, const std::string& payload,
                          std::uint32_t delay, std::optional<std::uint32_t> session_expiry) {
    codec::will_message will;
    will.topic = topic;
    will.payload = payload;
    will.qos = 0;
    will.properties = {number_property(property_id::will_delay_interval, delay)};
    connect_options o;
    o.client_id = t.client_id(name);
    o.will = will;
    o.session_expiry = session_expiry;
    return t.connect(name, o);
}

// The subscriber to wills on `topic`; its expectations wait long enough for a delayed will.
inline client& will_watcher(case_context& t, const std::string& topic, std::chrono::seconds longest_delay) {
    auto& sub = t.connect("watcher");
    sub.subscribe(topic, 0);
    sub.set_timeout(t.timeout() + longest_delay + 1500ms);  // delay plus a whole-second clock's rounding
    return sub;
}

// A subscriber session `name` with the given expiry, subscribed at QoS 1 to `topic`.
inline client& subscriber_with_expiry(case_context& t, const std::string& name, const std::string& topic,
                               std::optional<std::uint32_t> expiry) {
    connect_options o;
    o.client_id = t.client_id(name);
    o.session_expiry = expiry;
    t.session_kept(*o.client_id);  // whatever the broker does, end the session afterwards
    auto& c = t.connect(name, o);
    c.subscribe(topic, 1);
    return c;
}

// Reconnects `name`'s client ID with Clean Start 0 (no expiry of its own) and returns the client.
inline client& resume(case_context& t, const std::string& name) {
    connect_options o;
    o.client_id = t.client_id(name);
    o.clean_start = false;
    return t.connect(name + "-again", o);
}

// Publishes one QoS 1 message "queued" to `topic` from a fresh publisher, returned for the marker.
inline client& publish_queued(case_context& t, const std::string& topic) {
    auto& pub = t.connect("pub");
    const auto id = pub.publish(topic, "queued", 1);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    return pub;
}

// The resumed connection `again` has no session, so nothing queued for the old one may arrive. It
// subscribes afresh and `pub` sends an ordered marker: a broker that kept the old session's queue
// would send "queued" (received earlier from `pub` on the same topic at the same QoS) first (4.6).
inline void expect_queue_discarded(client& pub, client& again, const std::string& topic) {
    again.subscribe(topic, 1);
    expect_no_delivery(pub, again, topic, 1, {{"type", "PUBLISH"}, {"payload", "queued"}});
}

inline void check_session_present(case_context& t, const std::string& name, bool expected, const std::string& statement) {
    const auto& connack = t.connack(name);
    t.check(connack.as<codec::connack_packet>().session_present == expected,
            expected ? "the broker did not keep the session" : "the broker kept a session that had ended",
            std::string("session_present ") + (expected ? "true" : "false"), connack.as_json.dump(), statement);
}

// 3.14.2.2.2: with Session Expiry 0 in CONNECT, a non-zero Session Expiry Interval in DISCONNECT is a
// Protocol Error; the server "does not treat it as a valid DISCONNECT packet" and uses DISCONNECT 0x82.
inline void disconnect_with_expiry_after_zero(client& c) {
    codec::disconnect_packet d;
    d.properties = {number_property(property_id::session_expiry_interval, 300)};
    c.send(d);
}

// The Subscription Identifiers a delivered PUBLISH carries, sorted (their order is not significant).
inline std::vector<std::uint32_t> identifiers_of(const received_packet& m) {
    std::vector<std::uint32_t> ids;
    for (const auto& p : m.as<codec::publish_packet>().properties) {
        if (p.id == property_id::subscription_identifier) ids.push_back(p.integer);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
}

inline std::string describe(const std::vector<std::uint32_t>& ids) {
    std::string s = "[";
    for (std::size_t i = 0; i < ids.size(); ++i) s += (i ? "," : "") + std::to_string(ids[i]);
    return s + "]";
}

inline codec::property_list with_identifier(std::uint32_t id) {
    return {number_property(property_id::subscription_identifier, id)};
}

// Publishes one retained message on a fresh topic and returns the topic.
inline std::string with_retained_message(case_context& t, const std::string& payload) {
    const auto topic = t.topic("kept");
    t.retained_on(topic);
    auto& pub = t.connect("pub");
    const auto id = pub.publish(topic, payload, 1, true);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    return topic;
}

inline std::string shared_filter(case_context& t, std::string_view group, std::string_view suffix) {
    return "$share/" + std::string(group) + "/" + t.topic(suffix);
}

}  // namespace mqttspec::conformance::helpers
