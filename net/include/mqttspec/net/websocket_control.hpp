// What the byte interface of `transport` hides about a WebSocket connection, for the checks of MQTT
// section 6 (MQTT-6.0.0-x: binary frames only, packets not aligned with frames, the "mqtt"
// subprotocol). Kept out of transport.hpp so that the common interface stays byte-oriented.
#pragma once

#include <cstddef>
#include <span>
#include <string>

#include "mqttspec/net/transport.hpp"

namespace mqttspec::net {

struct websocket_details {
    std::string subprotocol;     // Sec-WebSocket-Protocol of the handshake response; "" when absent
    bool received_text = false;  // a text data frame arrived from the peer
};

// How write_websocket() frames its bytes.
struct websocket_framing {
    bool text = false;         // a text message instead of binary (a peer must close on it: MQTT-6.0.0-1)
    std::size_t fragment = 0;  // > 0: one message sent as frames of at most this many bytes
};

// The handshake's subprotocol and the frame types seen so far; nullptr when `t` is not a WebSocket
// transport (ws://, wss://) made by make_transport.
const websocket_details* websocket_details_of(const transport& t) noexcept;

// Writes `bytes` as one WebSocket message framed as asked. Throws transport_error (io when `t` is not
// a WebSocket transport; after a timeout the transport is closed).
void write_websocket(transport& t, std::span<const std::uint8_t> bytes, websocket_framing framing, deadline until);

}  // namespace mqttspec::net
