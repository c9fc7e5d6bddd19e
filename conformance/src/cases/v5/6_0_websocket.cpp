// MQTT over WebSocket (section 6); the bodies are shared with the other version (websocket_rules.hpp).
#include "websocket_rules.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(websocket_mqtt_subprotocol, {
    .id = "v5/websocket/mqtt-subprotocol",
    .title = "Over WebSocket the server selects the subprotocol \"mqtt\" in its handshake response (skipped unless the target is ws:// or wss://)",
    .statements = {"MQTT-6.0.0-4"},
}) {
    websocket_rules::mqtt_subprotocol(t);
}

MQTTSPEC_CASE(websocket_broker_sends_binary_frames, {
    .id = "v5/websocket/broker-sends-binary-frames",
    .title = "Over WebSocket the server sends MQTT packets in binary data frames only (skipped unless the target is ws:// or wss://)",
    .statements = {"MQTT-6.0.0-1"},
}) {
    websocket_rules::broker_sends_binary_frames(t);
}

MQTTSPEC_CASE(websocket_text_frame_closes, {
    .id = "v5/websocket/text-frame-closes-connection",
    .title = "Over WebSocket a text data frame from the client makes the server close the connection (skipped unless the target is ws:// or wss://)",
    .statements = {"MQTT-6.0.0-1"},
}) {
    websocket_rules::text_frame_closes(t);
}

MQTTSPEC_CASE(websocket_packet_spans_frames, {
    .id = "v5/websocket/packet-spans-frames",
    .title = "Over WebSocket the server reassembles packets split over several messages and over the frames of one message (skipped unless the target is ws:// or wss://)",
    .statements = {"MQTT-6.0.0-2"},
}) {
    websocket_rules::packet_spans_frames(t);
}

MQTTSPEC_CASE(websocket_packets_share_frame, {
    .id = "v5/websocket/packets-share-frame",
    .title = "Over WebSocket the server processes every packet of a message that carries several (skipped unless the target is ws:// or wss://)",
    .statements = {"MQTT-6.0.0-2"},
}) {
    websocket_rules::packets_share_frame(t);
}

}  // namespace
}  // namespace mqttspec::conformance
