// 5.0: a Reason String or User Property must be left out of a packet when it would make the packet
// larger than the Maximum Packet Size its receiver announced (PUBACK MQTT-3.4.2-2/-3 ... DISCONNECT
// MQTT-3.14.2-3/-4, AUTH MQTT-3.15.2-2/-3). The cases announce the smallest limit the broker can honour
// without leaving anything but those optional properties out, provoke the packet where brokers like to
// explain themselves (error and "nothing happened" reason codes), and check its size.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "mqttspec/codec/encoder.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/pattern.hpp"

namespace mqttspec::conformance::ack_size {

using codec::property_id;

inline bool optional_property(const codec::property& p) {
    return p.id == property_id::reason_string || p.id == property_id::user_property;
}

// The limit to announce: the size of the broker's CONNACK (seen on a first connection, `probe_name`)
// without its Reason String and User Properties, which it must leave out to fit (MQTT-3.2.2-19/-20),
// or `least` (the largest packet the case needs, with no optional property), whichever is larger.
// Any Reason String or User Property the broker would add to a minimal acknowledgement then risks
// exceeding it.
inline std::uint32_t tight_limit(case_context& t, std::size_t least, const std::string& probe_name = "size-probe") {
    t.connect(probe_name);
    auto ack = t.connack(probe_name).as<codec::connack_packet>();
    std::erase_if(ack.properties, optional_property);
    const auto connack_size = codec::encoded_size(ack, codec::protocol_version::v5);
    const auto limit = static_cast<std::uint32_t>(std::max(connack_size, least));
    t.note("announcing Maximum Packet Size " + std::to_string(limit) + " (CONNACK without optional properties: " +
           std::to_string(connack_size) + " bytes, the case's largest packet: " + std::to_string(least) + " bytes)");
    return limit;
}

// CONNECT options announcing `limit` as Maximum Packet Size.
inline connect_options with_limit(std::uint32_t limit, connect_options options = {}) {
    options.properties.push_back({property_id::maximum_packet_size, limit, {}, {}});
    return options;
}

// The packet `p` (of type P) fits in `limit`. When it does not, the property that made it too large
// names the broken rule: `reason_string_rule` or `user_property_rule` (a packet too large without
// either cites the first: it had nothing optional to drop, so it is larger than this case allows for).
template <class P>
void check_fits(case_context& t, const received_packet& p, std::uint32_t limit, const std::string& reason_string_rule,
                const std::string& user_property_rule) {
    if (p.bytes->size() <= limit) return;
    const auto& props = p.as<P>().properties;
    const bool has_user_property = codec::find(props, property_id::user_property) != nullptr;
    const bool has_reason_string = codec::find(props, property_id::reason_string) != nullptr;
    t.fail("the broker sent a " + std::to_string(p.bytes->size()) + "-byte packet to a client whose Maximum Packet Size is " +
               std::to_string(limit) + "; a Reason String or User Property that does not fit must be left out",
           "at most " + std::to_string(limit) + " bytes", p.as_json.dump(),
           has_user_property && !has_reason_string ? user_property_rule : reason_string_rule);
}

// Waits for a packet matching `answer`, or for the broker to close the connection where the standard
// lets it refuse that way instead (then nullopt). Other packets are passed over and returned in
// `others` (a DISCONNECT before the close, say), so the case can check their size too.
inline std::optional<received_packet> answer_or_close(client& c, const pattern& answer, std::vector<received_packet>& others,
                                                      const std::string& statement) {
    const auto until = c.default_deadline();
    for (;;) {
        auto e = c.next_event(until);
        switch (e.kind) {
            case event_kind::timeout:
                throw case_failure("the broker neither answered nor closed the connection", answer.str(), "nothing",
                                   statement);
            case event_kind::malformed: c.expect_well_formed(); return std::nullopt;
            case event_kind::closed: return std::nullopt;
            case event_kind::packet:
                if (answer.matches(e.packet->as_json)) return std::move(*e.packet);
                others.push_back(std::move(*e.packet));
                break;
        }
    }
}

// The packets `c` receives until the broker closes the connection, or until the timeout (whether the
// broker had to close is another rule's business; the caller judges only what arrived).
inline std::vector<received_packet> packets_before_close(client& c) {
    std::vector<received_packet> got;
    const auto until = c.default_deadline();
    for (;;) {
        auto e = c.next_event(until);
        if (e.kind == event_kind::malformed) c.expect_well_formed();
        if (e.kind != event_kind::packet) return got;
        got.push_back(std::move(*e.packet));
    }
}

}  // namespace mqttspec::conformance::ack_size
