// Small helpers shared by the MQTT 5.0 feature cases (v5_topic_alias.cpp, v5_shared.cpp, ...):
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

}  // namespace mqttspec::conformance::v5feat
