// MQTT 5.0, section 3.1 CONNECT: will.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "keepalive_timing.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

// A subscriber to the will topic, connected before the will's owner.
struct will_watch {
    std::string topic;
    client* sub = nullptr;
};

will_watch watch_will(case_context& t, std::uint8_t qos = 1) {
    will_watch w{t.topic("will"), nullptr};
    w.sub = &t.connect("watcher");
    w.sub->subscribe(w.topic, qos);
    return w;
}

MQTTSPEC_CASE(network_loss, {
    .id = "v5/will/published-on-network-loss",
    .title = "When the connection is lost without DISCONNECT the server publishes the will, at its QoS and with RETAIN 0 when Will Retain is 0",
    .statements = {"MQTT-3.1.2-8", "MQTT-3.1.2-7", "MQTT-3.1.2-14"},
    .needs = {requirement::qos1},
}) {
    const auto w = watch_will(t);
    connect_options o;
    o.will = will(w.topic, "gone", 1, false);
    auto& c = t.connect("owner", o);
    c.close();
    w.sub->acknowledge(
        w.sub->expect({{"type", "PUBLISH"}, {"topic", w.topic}, {"payload", "gone"}, {"qos", 1}, {"retain", false}}));
}

MQTTSPEC_CASE(normal_disconnect, {
    .id = "v5/will/not-published-on-normal-disconnect",
    .title = "DISCONNECT with reason code 0x00 makes the server discard the will without publishing it",
    .statements = {"MQTT-3.1.2-10", "MQTT-3.14.4-3"},
}) {
    const auto w = watch_will(t);
    connect_options o;
    o.will = will(w.topic, "must-not-appear");
    auto& c = t.connect("owner", o);
    disconnect_and_await_close(t, c);
    auto& pub = t.connect("pub");
    expect_no_delivery_unordered_marker(pub, *w.sub, w.topic, 0, {{"type", "PUBLISH"}, {"payload", "must-not-appear"}});
}

MQTTSPEC_CASE(error_disconnect, {
    .id = "v5/will/published-after-error-disconnect",
    .title = "DISCONNECT with an error reason code (0x80) does not discard the will: the server publishes it",
    .statements = {"MQTT-3.1.2-8", "MQTT-3.1.2-10"},
}) {
    const auto w = watch_will(t);
    connect_options o;
    o.will = will(w.topic, "after-error");
    auto& c = t.connect("owner", o);
    // 3.1.2.5: only a DISCONNECT with reason 0x00 deletes the will.
    disconnect_and_await_close(t, c, codec::reason::unspecified_error);
    w.sub->expect({{"type", "PUBLISH"}, {"topic", w.topic}, {"payload", "after-error"}});
}

MQTTSPEC_CASE(protocol_error, {
    .id = "v5/will/published-on-protocol-error",
    .title = "When the server closes a connection for a Malformed Packet it publishes that connection's will",
    .statements = {"MQTT-3.1.2-8", "MQTT-4.13.1-1"},
}) {
    const auto w = watch_will(t);
    connect_options o;
    o.will = will(w.topic, "broken");
    auto& c = t.connect("owner", o);
    // PUBLISH with QoS 3 (flags 0110): topic | packet id 1 | property length 0 | payload "x"
    c.send_raw(codec::raw_builder().str(t.topic("a")).u16(1).varint(0).bytes("x").packet(0x36));
    expect_connection_closed_or_disconnect(c, malformed_reasons, "MQTT-4.13.1-1");
    w.sub->expect({{"type", "PUBLISH"}, {"topic", w.topic}, {"payload", "broken"}});
}

MQTTSPEC_CASE(retained_will, {
    .id = "v5/will/retained",
    .title = "A will with Will Retain 1 is published as a retained message",
    .statements = {"MQTT-3.1.2-15"},
    .needs = {requirement::retain, requirement::qos1},
}) {
    const auto w = watch_will(t);
    t.retained_on(w.topic);
    connect_options o;
    o.will = will(w.topic, "kept-will", 1, true);
    auto& c = t.connect("owner", o);
    c.close();
    // Published (the watcher sees it), so a new subscriber must now get it as a retained message.
    w.sub->acknowledge(w.sub->expect({{"type", "PUBLISH"}, {"topic", w.topic}, {"payload", "kept-will"}}));
    auto& late = t.connect("late");
    late.subscribe(w.topic, 1);
    late.acknowledge(late.expect({{"type", "PUBLISH"}, {"topic", w.topic}, {"payload", "kept-will"}, {"retain", true}}));
}

MQTTSPEC_CASE(takeover_will, {
    .id = "v5/will/published-on-takeover",
    .title = "When a new connection takes over a client's session, the existing connection's will (no delay) is published",
    .statements = {"MQTT-3.1.2-8", "MQTT-3.1.4-3"},
}) {
    const auto w = watch_will(t);
    connect_options o;
    o.will = will(w.topic, "taken-over");
    auto& first = t.connect("first", o);
    connect_options again;
    again.client_id = t.client_id("first");
    t.connect("second", again);
    expect_connection_closed_or_disconnect(first, {codec::reason::session_taken_over}, "MQTT-3.1.4-3");
    w.sub->expect({{"type", "PUBLISH"}, {"topic", w.topic}, {"payload", "taken-over"}});
}

MQTTSPEC_CASE(keepalive_will, {
    .id = "v5/will/published-on-keep-alive-timeout",
    .title = "When the server closes a connection whose Keep Alive expired, it publishes that connection's will",
    .statements = {"MQTT-3.1.2-8", "MQTT-3.1.2-22"},
    .slow = true,
}) {
    const auto w = watch_will(t);
    connect_options o;
    o.will = will(w.topic, "silent");
    o.keep_alive = 1;
    const auto k = keepalive::connect_timed(t, "owner", o);  // then says nothing at all
    // The punctuality of the close is v5/keepalive/idle-connection-closed's business; this case
    // judges the will, so it only needs the close within the same generous bound.
    keepalive::expect_keepalive_close(t, k, {codec::reason::keep_alive_timeout}, "MQTT-3.1.2-22", false);
    w.sub->expect({{"type", "PUBLISH"}, {"topic", w.topic}, {"payload", "silent"}});
}

}  // namespace
}  // namespace mqttspec::conformance
