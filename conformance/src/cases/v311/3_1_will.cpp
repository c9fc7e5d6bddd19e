// MQTT 3.1.1, section 3.1 CONNECT: will.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "keepalive_timing.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

// Client `name` with a Will on `topic`; the strings live as long as the case (t.topic copies).
client& connect_with_will(case_context& t, const std::string& name, const std::string& topic, const std::string& payload,
                          std::uint8_t qos = 0, bool retain = false, std::uint16_t keep_alive = 60) {
    connect_options o;
    o.will = helpers::will(topic, payload, qos, retain);
    o.keep_alive = keep_alive;
    return t.connect(name, o);
}

// Waits (bounded by the client's timeout) for the broker to close `c`; false when it did not.
bool await_close(client& c) {
    const auto until = c.default_deadline();
    for (;;) {
        const auto e = c.next_event(until);
        if (e.kind == event_kind::closed) return true;
        if (e.kind == event_kind::timeout) return false;
        if (e.kind == event_kind::malformed) c.expect_well_formed();
    }
}

MQTTSPEC_CASE(will_on_network_failure, {
    .id = "v311/will/published-on-abnormal-close",
    .title = "The Will Message is published when the client's connection closes without DISCONNECT, as a non-retained message",
    .statements = {"MQTT-3.1.2-8", "MQTT-3.1.2-16"},
}) {
    const auto topic = t.topic("will");
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 0);
    auto& dying = connect_with_will(t, "dying", topic, "gone");
    dying.close();
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "gone"}, {"retain", false}});
}

MQTTSPEC_CASE(will_qos1, {
    .id = "v311/will/published-at-will-qos",
    .title = "A QoS 1 Will Message reaches a QoS 1 subscriber at QoS 1",
    .statements = {"MQTT-3.1.2-8", "MQTT-3.8.4-6"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("will");
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 1);
    auto& dying = connect_with_will(t, "dying", topic, "gone-qos1", 1);
    dying.close();
    sub.acknowledge(helpers::expect_publish(sub, topic, "gone-qos1", {{"qos", 1}}));
}

MQTTSPEC_CASE(will_not_on_disconnect, {
    .id = "v311/will/not-published-after-disconnect",
    .title = "After a DISCONNECT the server discards the Will Message without publishing it",
    .statements = {"MQTT-3.14.4-3", "MQTT-3.1.2-10"},
}) {
    const auto topic = t.topic("will");
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 0);
    auto& leaving = connect_with_will(t, "leaving", topic, "must-not-appear");
    leaving.send(codec::disconnect_packet{});
    // The broker's close shows it has processed the DISCONNECT (3.14.4: it closes after it, SHOULD).
    // Reconnecting with the same Client Identifier before that could take the old connection over
    // while the DISCONNECT is still unread, and a takeover may rightly publish the Will.
    if (!await_close(leaving)) {
        t.note("the broker kept the connection open after DISCONNECT; the client closes it");
        leaving.close();
    }
    // Connecting with the same Client Identifier can only complete once the broker is done with the
    // old connection: any Will it publishes is queued for `sub` before this CONNACK, hence before
    // the sentinel below.
    t.connect("same-id", {.client_id = t.client_id("leaving")});
    expect_no_delivery_unordered_marker(sub, sub, topic, 0, pattern(json{{"type", "PUBLISH"}, {"topic", topic}, {"payload", "must-not-appear"}}));
}

MQTTSPEC_CASE(will_retained, {
    .id = "v311/will/retain-flag",
    .title = "A Will Message with Will Retain 1 is published as a retained message",
    .statements = {"MQTT-3.1.2-17"},
    .needs = {requirement::retain},
}) {
    const auto topic = t.topic("will");
    t.retained_on(topic);
    auto& watcher = t.connect("watcher");
    watcher.subscribe(topic, 0);
    auto& dying = connect_with_will(t, "dying", topic, "retained-will", 0, true);
    dying.close();
    // Live forwarding has RETAIN 0 (3.3.1-9); the stored copy shows at a new subscription.
    watcher.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "retained-will"}});
    auto& late = t.connect("late");
    late.subscribe(topic, 0);
    late.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "retained-will"}, {"retain", true}});
}

MQTTSPEC_CASE(will_on_protocol_error, {
    .id = "v311/will/published-on-protocol-error",
    .title = "The Will Message is published when the server closes the connection because of a protocol violation",
    .statements = {"MQTT-3.1.2-8", "MQTT-3.3.1-4"},
}) {
    const auto topic = t.topic("will");
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 0);
    auto& bad = connect_with_will(t, "bad", topic, "violated");
    // PUBLISH with QoS 3 (first byte 0x36): packet id 1, payload "x".
    bad.send_raw(codec::raw_builder().str(t.topic("t")).u16(1).bytes("x").packet(0x36));
    bad.expect_closed();
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "violated"}});
}

}  // namespace
}  // namespace mqttspec::conformance
