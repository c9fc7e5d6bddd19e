// MQTT 5.0, section 3.14 DISCONNECT: disconnect.
// The Will Delay Interval is wall-clock time: cases that must show a will did NOT come use a second "marker"
// client whose will has the same delay and whose connection drops later. Once the marker's will has arrived,
// and a sentinel after it, the first will would have arrived too had the broker been going to send it. No
// fixed waits.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;
using helpers::await_close_after_disconnect;
using helpers::disconnect_and_await_close;
using namespace std::chrono_literals;

MQTTSPEC_CASE(malformed_disconnect_keeps_will, {
    .id = "v5/disconnect/reserved-flags-not-a-normal-disconnect",
    .title = "A DISCONNECT with fixed-header flags 0001 is malformed, not a normal disconnection: the server closes and publishes the will",
    .statements = {"MQTT-3.14.1-1", "MQTT-3.1.2-8"},
}) {
    auto& watcher = t.connect("watcher");
    const auto will_topic = t.topic("will");
    watcher.subscribe(will_topic, 0);
    connect_options o;
    o.will = will(will_topic, "malformed-disconnect");
    auto& c = t.connect("owner", o);
    c.send_raw(codec::from_hex("e1 00"));  // DISCONNECT, flags 0001, no reason code (0x00 implied)
    expect_connection_closed_or_disconnect(c, malformed_reasons, "MQTT-3.14.1-1");
    // A broker that took it for DISCONNECT 0x00 would have discarded the will.
    watcher.expect({{"type", "PUBLISH"}, {"topic", will_topic}, {"payload", "malformed-disconnect"}});
}

MQTTSPEC_CASE(server_disconnect_then_close, {
    .id = "v5/disconnect/server-sends-nothing-after-disconnect",
    .title = "A server that sends DISCONNECT sends nothing after it and closes the connection",
    .statements = {"MQTT-3.14.4-1", "MQTT-3.14.4-2", "MQTT-3.14.2-1", "MQTT-4.13.1-1"},
}) {
    auto& c = t.connect("c");
    // A Malformed Packet (PUBLISH with QoS 3) followed by a PINGREQ: the broker ends the connection
    // (MQTT-4.13.1-1; a DISCONNECT with any error code may come first, 0x81 being what 4.13.1 suggests)
    // and must not answer the PINGREQ after its DISCONNECT.
    auto bytes = codec::raw_builder().str(t.topic("a")).u16(1).varint(0).bytes("x").packet(0x36);
    bytes.push_back(0xC0);
    bytes.push_back(0x00);
    c.send_raw(bytes);
    const auto disconnect = expect_connection_closed_or_disconnect(c, malformed_reasons, "MQTT-4.13.1-1");
    if (!disconnect) t.skip("the broker closed without sending DISCONNECT, so there is nothing after one to judge");
}

MQTTSPEC_CASE(disconnect_nonzero_after_zero_reason, {
    .id = "v5/session-expiry/disconnect-nonzero-after-zero-reason-code",
    .title = "On a non-zero Session Expiry Interval in DISCONNECT after CONNECT had 0, the server sends DISCONNECT 0x82 before closing",
    .statements = {"MQTTSPEC-5-3.14.2.2.2-expiry-after-zero", "MQTT-4.13.1-1"},
    .lvl = level::should,
}) {
    auto& c = t.connect("c");
    disconnect_with_expiry_after_zero(c);
    expect_disconnect_reason_then_close(t, c, 0x82, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(server_disconnect_without_expiry, {
    .id = "v5/session-expiry/not-in-server-disconnect",
    .title = "A DISCONNECT sent by the server never carries a Session Expiry Interval",
    .statements = {"MQTT-3.14.2-2"},
}) {
    std::vector<received_packet> disconnects;
    auto collect = [&](client& c) {
        const auto until = c.default_deadline();
        for (;;) {
            auto e = c.next_event(until);
            if (e.kind == event_kind::packet) {
                if (e.packet->type() == codec::packet_type::disconnect) disconnects.push_back(*e.packet);
                continue;
            }
            c.expect_well_formed();
            return;  // closed or timed out: what was sent is collected
        }
    };
    // Session take-over (3.1.4): the server may tell the old connection with DISCONNECT 0x8E.
    connect_options same;
    same.client_id = t.client_id("owner");
    auto& first = t.connect("first", same);
    auto& second = t.connect("second", same);
    collect(first);
    // A Protocol Error (Topic Alias 0): the server may send DISCONNECT before closing.
    second.publish(t.topic("t"), "x", 0, false, {number_property(property_id::topic_alias, 0)});
    collect(second);
    // The codec judges: it decodes a server DISCONNECT carrying a Session Expiry Interval as malformed
    // with statement MQTT-3.14.2-2 (this case's), and `collect` fails the case with that error. Every
    // DISCONNECT collected here is therefore without one.
    if (disconnects.empty()) t.skip("the broker closed both connections without sending DISCONNECT: nothing to judge");
}

MQTTSPEC_CASE(will_discarded_on_normal_disconnect, {
    .id = "v5/will-delay/normal-disconnect-discards-delayed-will",
    .title = "DISCONNECT with reason 0x00 discards a delayed will: it is not published when the delay ends",
    .statements = {"MQTT-3.14.4-3"},
    .slow = true,
}) {
    const auto topic = t.topic("will");
    auto& sub = will_watcher(t, topic, 1s);
    auto& polite = connect_with_will(t, "polite", topic, "must-not-come", 1, 300);
    auto& marker = connect_with_will(t, "marker", topic, "marker-will", 1, 300);
    polite.disconnect();  // reason 0x00
    marker.close();
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "marker-will"}});
    auto& pub = t.connect("pub");
    expect_no_delivery_unordered_marker(pub, sub, topic, 0, {{"type", "PUBLISH"}, {"payload", "must-not-come"}});
}

}  // namespace
}  // namespace mqttspec::conformance
