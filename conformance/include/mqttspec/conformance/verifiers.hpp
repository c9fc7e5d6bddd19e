// Shared oracles for outcomes where the spec permits several behaviours. Each accepts every permitted
// outcome and nothing else, and throws case_failure with the evidence otherwise. Prefer these to
// hand-written checks so every case judges the same situation the same way.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/client.hpp"

namespace mqttspec::conformance {

// The broker must end the connection:
//   3.1.1: it closes the network connection (no packet first);
//   5.0:   it closes, or it sends DISCONNECT with one of `reasons` (empty: any reason >= 0x80) and
//          then closes (4.13). `statement` is the rule this enforces.
void expect_connection_closed_or_disconnect(client& c, std::vector<std::uint8_t> reasons = {},
                                            std::string statement = {});

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

// After `pub` published `unexpected` (a pattern of PUBLISH at the subscriber), proves that `sub`
// receives no such PUBLISH: `pub` publishes a sentinel QoS 1 on `sentinel_topic` (a topic `sub` is
// subscribed to, so it travels the same path), `sub` waits for it, and nothing matching
// `unexpected` may have arrived first. Absence by barrier, not by waiting.
void expect_no_delivery(client& pub, client& sub, const std::string& sentinel_topic, const pattern& unexpected);

// Counts the copies of a message at `sub` after a barrier on the same path (a sentinel as above);
// passes when min <= copies <= max. Returns the copies (consumed from the inbox).
std::vector<received_packet> expect_copies(client& pub, client& sub, const std::string& sentinel_topic,
                                           const pattern& message, std::size_t min, std::size_t max);

}  // namespace mqttspec::conformance
