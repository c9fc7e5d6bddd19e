// The one JSON shape of an MQTT packet, used by `mqttspec decode`/`encode`, fixture vectors and
// flows, report transcripts and fuzz reproducers. Kept out of the core codec target so that the
// codec depends on the standard library only.
//
// Shape (keys present only where the packet/version has the field):
//   {"type": "PUBLISH", "dup": false, "qos": 1, "retain": false, "topic": "a/b", "packet_id": 7,
//    "properties": {"message_expiry_interval": 10, "user_property": [["k", "v"]]},
//    "payload": "text"}                      // or "payload_hex": "00ff" when not valid UTF-8
// - properties: an insertion-ordered object keyed by property name (properties.hpp); binary values
//   (correlation_data, authentication_data) are hex strings; user_property is a list of [name, value]
//   pairs; subscription_identifier is a number, or a list when repeated.
// - binary fields (payload, will payload, password) are "x" when valid UTF-8, else "x_hex".
// - acks/DISCONNECT/AUTH carry "wire_form": "reason_code" | "reason_code_and_properties" only when the
//   packet used a longer form than its content needs; "remaining_length_bytes" appears only when
//   non-minimal.
// - 5.0 output adds "reason_name" (or "reason_names" for SUBACK/UNSUBACK) beside reason codes, for
//   humans; input ignores them.
// - UTF-8 string fields that are not well-formed UTF-8 (only in packets built to be invalid) are
//   printed as "x_hex"; inside properties and filter lists as {"hex": "..."}. Input accepts both.
// - a property repeated where the spec allows one (only in packets built to be invalid) is a list.
// - when the wire interleaves a property with others (user_property, topic_alias, user_property),
//   "properties" is a list of such objects, one per run of equal identifiers, so that the wire
//   order survives (input accepts both forms).
// - subscriptions carry "reserved_bits" (the options byte's reserved bits, as stored) only when
//   non-zero.
// Field order, per type: CONNECT protocol_name, protocol_level, clean_start, reserved_flag (only if
// true), keep_alive, properties (5.0), client_id, will {topic, payload, qos, retain, properties},
// username, password. CONNACK session_present, reason_code, properties. PUBLISH dup, qos, retain,
// topic, packet_id (QoS > 0), properties, payload. Acks packet_id, reason_code, properties,
// wire_form. SUBSCRIBE packet_id, properties, subscriptions [{filter, qos, no_local,
// retain_as_published, retain_handling}]. SUBACK/UNSUBACK packet_id, properties, reason_codes.
// UNSUBSCRIBE packet_id, properties, filters. DISCONNECT/AUTH reason_code, properties, wire_form.
// PINGREQ/PINGRESP type only. Fields a version lacks are absent (and rejected on input).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

#include "mqttspec/codec/arena.hpp"
#include "mqttspec/codec/decoder.hpp"
#include "mqttspec/codec/encoder.hpp"
#include "mqttspec/codec/error.hpp"
#include "mqttspec/codec/packets.hpp"

namespace mqttspec::codec {

using ordered_json = nlohmann::ordered_json;

ordered_json to_json(const packet& p, protocol_version version);
// Adds "remaining_length_bytes" when the decode saw a non-minimal length.
ordered_json to_json(const decode_result& r, protocol_version version);
// {"error": "invalid_fixed_header_flags", "kind": "malformed_packet", "offset": 0,
//  "reason_code": 129, "statement": "MQTT-2.2.2-1", "message": "..."}
ordered_json to_json(const decode_error& e);

// Thrown by from_json with a JSON-pointer-like path to the offending field: "/properties/topic_alias".
struct json_packet_error : std::runtime_error {
    json_packet_error(std::string field_path, const std::string& what)
        : std::runtime_error(field_path + ": " + what), path(std::move(field_path)) {}
    std::string path;
};

// Builds a packet from the JSON shape above; strings are kept in `store`. Missing fields take the
// defaults of packets.hpp, except CONNECT's protocol name and level, which default to `version`'s.
// Unknown keys, wrong types, numbers outside the field's wire range, and fields `version` lacks are
// errors (a typo must not silently drop a field). Values that fit the wire but break a rule (QoS 3,
// packet id 0, a property in the wrong packet) are accepted: tests send them.
packet from_json(const nlohmann::ordered_json& j, protocol_version version, arena& store);
// encode options that reproduce what the JSON recorded (remaining_length_bytes).
encode_options encode_options_from_json(const nlohmann::ordered_json& j);

}  // namespace mqttspec::codec
