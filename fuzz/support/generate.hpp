// Fuzzer-driven builders: strings that sit near MQTT's rules (valid, just invalid, wildcard-laden,
// ill-formed UTF-8), property blocks, semi-valid packets of each family (with raw_builder, so every
// field can lie), packet structs for the encoder, and byte-level mutations.
#pragma once

#include <fuzzer/FuzzedDataProvider.h>

#include <cstdint>
#include <string>
#include <vector>

#include "mqttspec/codec/codec.hpp"

namespace mqttspec::fuzz {

// A string chosen from MQTT-flavoured vocabulary, built from topic levels, or raw bytes.
std::string gen_string(FuzzedDataProvider& fdp);
// A topic name or filter built from levels ("+", "#", "$SYS", "", "a", ...), sometimes shared.
std::string gen_topic(FuzzedDataProvider& fdp, bool filter);

// A 5.0 property block body (no length prefix) for a packet type (packet_type::reserved = Will
// Properties). Mostly allowed identifiers with plausible values; sometimes anything.
std::vector<std::uint8_t> gen_property_body(FuzzedDataProvider& fdp, codec::packet_type where);
// The block with its length prefix; the prefix may lie or be non-minimal.
std::vector<std::uint8_t> gen_property_block(FuzzedDataProvider& fdp, codec::packet_type where);

// Semi-valid packets per family, framed (fixed header included).
std::vector<std::uint8_t> gen_connect(FuzzedDataProvider& fdp, codec::protocol_version v);
std::vector<std::uint8_t> gen_publish(FuzzedDataProvider& fdp, codec::protocol_version v);
std::vector<std::uint8_t> gen_subscribe_or_unsubscribe(FuzzedDataProvider& fdp, codec::protocol_version v);
std::vector<std::uint8_t> gen_ack(FuzzedDataProvider& fdp, codec::protocol_version v);
std::vector<std::uint8_t> gen_connack_disconnect_auth(FuzzedDataProvider& fdp, codec::protocol_version v);

// Frames a body: usually the true length, sometimes a lying or non-minimal one.
std::vector<std::uint8_t> frame(FuzzedDataProvider& fdp, std::uint8_t first_byte, const codec::raw_builder& body);

// A few byte-level edits (flip, overwrite, insert, erase, truncate, append).
void mutate(FuzzedDataProvider& fdp, std::vector<std::uint8_t>& bytes);

// A packet struct with fields from the fuzzer; strings live in `store`.
codec::packet gen_packet(FuzzedDataProvider& fdp, codec::protocol_version v, codec::arena& store);
codec::property_list gen_property_list(FuzzedDataProvider& fdp, codec::packet_type where, codec::arena& store);

// Forgets the recorded tail form of acks/DISCONNECT/AUTH, for comparisons that must not depend on it.
void clear_tail_form(codec::packet& p);

}  // namespace mqttspec::fuzz
