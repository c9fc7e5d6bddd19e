// Shared oracles for outcomes where the spec permits several behaviours. Each accepts every permitted
// outcome and nothing else, and throws case_failure with the evidence otherwise. Prefer these to
// hand-written checks so every case judges the same situation the same way.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/client.hpp"

namespace mqttspec::conformance {

// A check of a shared setup step (the broker accepted the CONNECT; nothing follows a server
// DISCONNECT) rather than of the case's own rule: its verdict may name a statement the case does not
// list, which t.check refuses (the case would claim a rule it does not set out to test).
inline void check_setup(bool ok, std::string message, std::string expected, std::string actual, std::string statement) {
    if (!ok) throw case_failure(std::move(message), std::move(expected), std::move(actual), std::move(statement));
}

// The broker must end the connection:
//   3.1.1: it closes the network connection (no packet first);
//   5.0:   it closes, or it sends one DISCONNECT with one of `reasons` (empty: any reason >= 0x80) and
//          then closes (4.13); nothing may follow that DISCONNECT (MQTT-3.14.4-1).
// `statement` is the rule this enforces. Returns the DISCONNECT when there was one, for a case that
// judges its reason code or properties further.
std::optional<received_packet> expect_connection_closed_or_disconnect(client& c, std::vector<std::uint8_t> reasons = {},
                                                                      std::string statement = {});

// SHOULD-level companion for 5.0 (4.13.1: "it SHOULD send a DISCONNECT packet containing the reason
// code before closing"): the connection ends as above and the DISCONNECT came, with `named_reason`,
// the reason code the standard names for this error.
void expect_disconnect_reason_then_close(case_context& t, client& c, std::uint8_t named_reason, const std::string& statement);

// The broker must reject a CONNECT:
//   3.1.1: CONNACK with one of `return_codes` then close, or close without CONNACK when
//          `close_without_connack_allowed` (e.g. MQTT-3.1.4-1: the server MAY send a CONNACK);
//   5.0:   CONNACK with one of `reasons` (empty: any >= 0x80) then close, or close without CONNACK
//          when allowed.
struct connect_rejection {
    std::vector<std::uint8_t> return_codes;  // 3.1.1 CONNACK codes accepted (empty: any non-zero)
    std::vector<std::uint8_t> reasons;       // 5.0 reason codes accepted (empty: any >= 0x80)
    bool close_without_connack_allowed = true;
    std::string statement;
};
void expect_connect_rejected(client& c, const connect_rejection& rule);

// Absence and copy counts are proved with a marker the standard orders after the message under test:
// 4.6 (3.1.1 MQTT-4.6.0-6, 5.0 MQTT-4.6.0-5) makes the broker forward PUBLISH packets with the same
// topic and QoS received from one client in the order it received them. Preconditions:
//  - `pub` sent the message under test on `topic` at `qos` before the call; at QoS 2 its flow is
//    complete (PUBCOMP received), since the broker may forward a QoS 2 message only on PUBREL (4.3.3);
//    at QoS 0 and 1 sending it earlier on the same connection is enough (4.6 orders by receipt);
//  - `sub` holds a subscription that matches `topic`, the one that would carry the message.
// The verifier publishes a marker from `pub` on `topic` at `qos` (completing its flow), waits for it at
// `sub` and acknowledges it. Had the broker forwarded the message, it would precede the marker. Then a
// PINGREQ round trip on `sub` takes in what the broker sent right after the marker, and the whole inbox
// is scanned, so a copy that arrived after the marker fails too.

// `sub` received no PUBLISH matching `unexpected` (other than the marker).
void expect_no_delivery(client& pub, client& sub, const std::string& topic, std::uint8_t qos, const pattern& unexpected);

// The same, for a case that cannot put the marker on the unwanted message's topic and client: `sub` is
// not subscribed to that topic any more (UNSUBSCRIBE, discarded session, a filter that must not match),
// or the unwanted message is the broker's own (a Will Message, a retained message sent on SUBSCRIBE, a
// PUBLISH from a refused connection). WEAKER: 4.6 does not order the marker against that message. It
// relies on `pub.barrier()` (the broker has processed everything `pub` sent) and on the broker sending
// `sub` what it had already queued for it before a later message, which brokers with one outbound queue
// per client do but the standard does not require: a broker that delivers the unwanted message after
// the marker, and after the scan, passes. `sub` must be subscribed to `marker_topic`.
void expect_no_delivery_unordered_marker(client& pub, client& sub, const std::string& marker_topic, std::uint8_t qos,
                                         const pattern& unexpected);

// Counts the copies of a message matching `message` at `sub` with an ordered marker as above, and passes
// when min <= copies <= max. While more copies than markers have arrived (3.1.1 overlapping
// subscriptions: one copy per subscription, each before its own copy of the marker), it waits for the
// next marker copy, up to the timeout, without failing if it never comes. Returns the copies (consumed
// from the inbox).
std::vector<received_packet> expect_copies(client& pub, client& sub, const std::string& topic, std::uint8_t qos,
                                           const pattern& message, std::size_t min, std::size_t max);

}  // namespace mqttspec::conformance
