// Small helpers shared by the MQTT 5.0 feature cases (topic alias, shared subscriptions, sessions, ...):
// property builders, a wall-clock wait for rules stated in seconds, and oracles for refusals that
// several feature areas judge the same way.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance::v5feat {

using namespace std::chrono_literals;

using codec::property_id;

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

// The broker must close the connection (4.13.1: MUST close on a Protocol Error or Malformed Packet);
// a DISCONNECT with any reason >= 0x80 may come first. Returns that reason code, or nullopt when the
// broker closed without DISCONNECT, so that a SHOULD-level case can judge the reason it chose.
inline std::optional<std::uint8_t> expect_error_close(client& c, const std::string& statement) {
    const auto until = c.default_deadline();
    std::optional<std::uint8_t> reason;
    for (;;) {
        auto e = c.next_event(until);
        switch (e.kind) {
            case event_kind::timeout:
                throw case_failure("the connection was still open " + std::to_string(c.timeout().count()) + " ms later",
                                   "connection closed, optionally after DISCONNECT >= 0x80",
                                   reason ? "DISCONNECT " + std::to_string(*reason) + ", connection open"
                                          : std::string("connection open"),
                                   statement);
            case event_kind::malformed:
                c.expect_well_formed();
                return reason;
            case event_kind::closed:
                return reason;
            case event_kind::packet: {
                const auto& p = *e.packet;
                if (!reason && p.type() == codec::packet_type::disconnect &&
                    p.as<codec::disconnect_packet>().reason_code >= 0x80) {
                    reason = p.as<codec::disconnect_packet>().reason_code;
                    continue;
                }
                throw case_failure("the broker sent a packet where it must close the connection",
                                   "connection closed, optionally after one DISCONNECT >= 0x80", p.as_json.dump(),
                                   statement);
            }
        }
    }
}

// SHOULD-level companion of expect_error_close: 4.13.1 "it SHOULD send a DISCONNECT packet containing
// the reason code before closing", with the reason code the section names.
inline void expect_error_close_with_reason(case_context& t, client& c, std::uint8_t named_reason,
                                           const std::string& statement) {
    const auto reason = expect_error_close(c, statement);
    const auto hex = [](unsigned v) {
        static constexpr char digits[] = "0123456789abcdef";
        return std::string("0x") + digits[(v >> 4) & 15] + digits[v & 15];
    };
    t.check(reason.has_value(), "the broker closed without sending DISCONNECT first",
            "DISCONNECT " + hex(named_reason) + " then close", "connection closed without DISCONNECT", statement);
    t.check(*reason == named_reason, "the broker's DISCONNECT carries another reason code than the one named",
            "DISCONNECT " + hex(named_reason) + " then close", "DISCONNECT " + hex(*reason) + " then close", statement);
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

}  // namespace mqttspec::conformance::v5feat
