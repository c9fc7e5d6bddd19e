// MQTT 5.0, section 3.1 CONNECT: will delay.
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
using namespace std::chrono_literals;

MQTTSPEC_CASE(will_deferred, {
    .id = "v5/will-delay/publication-deferred",
    .title = "A will with a Will Delay Interval is published only after that interval, not at the moment the connection is lost",
    .statements = {"MQTT-3.1.2-8"},
    .slow = true,
}) {
    const auto topic = t.topic("will");
    auto& sub = will_watcher(t, topic, 2s);
    auto& c = connect_with_will(t, "dying", topic, "delayed-will", 2, 300);
    c.close();
    const auto lost = clock::now();
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "delayed-will"}});
    const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - lost);
    // A whole-second clock may fire up to a second early relative to our clock.
    t.check(after >= 1000ms, "the will was published before its Will Delay Interval had passed",
            "no earlier than ~2 s after the connection was lost", std::to_string(after.count()) + " ms");
}

MQTTSPEC_CASE(will_cancelled_by_reconnect, {
    .id = "v5/will-delay/cancelled-by-reconnect",
    .title = "A delayed will is not published when the client reconnects to its session before the Will Delay Interval ends",
    .statements = {"MQTT-3.1.3-9"},
    .slow = true,
}) {
    const auto topic = t.topic("will");
    auto& sub = will_watcher(t, topic, 2s);
    auto& saved = connect_with_will(t, "saved", topic, "must-not-come", 2, 300);
    auto& marker = connect_with_will(t, "marker", topic, "marker-will", 2, 300);
    saved.close();
    marker.close();  // lost after `saved`: its will is due no earlier than saved's would be
    connect_options back;
    back.client_id = t.client_id("saved");
    back.clean_start = false;
    back.session_expiry = 300;
    t.connect("saved-again", back);
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "marker-will"}});
    auto& pub = t.connect("pub");
    expect_no_delivery_unordered_marker(pub, sub, topic, 0, {{"type", "PUBLISH"}, {"payload", "must-not-come"}});
}

MQTTSPEC_CASE(will_on_session_end, {
    .id = "v5/will-delay/session-end-publishes-will",
    .title = "A will whose Will Delay Interval outlasts the session is published when the session ends",
    .statements = {"MQTT-3.1.2-8"},
}) {
    const auto topic = t.topic("will");
    auto& sub = t.connect("watcher");
    sub.subscribe(topic, 0);
    // Session Expiry 0: the session ends with the connection, long before the delay. The delay only
    // has to outlast the wait for the will below (one timeout), so that a broker publishing at the
    // delay's end fails; kept short so that a will left pending (cleanup cancels it) could not
    // surface long after the run.
    const auto delay = static_cast<std::uint32_t>(
        std::max<long long>(10, std::chrono::ceil<std::chrono::seconds>(2 * t.timeout()).count()));
    auto& c = connect_with_will(t, "dying", topic, "session-ended", delay, std::nullopt);
    c.close();
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "session-ended"}});
}

MQTTSPEC_CASE(will_on_disconnect_0x04, {
    .id = "v5/will-delay/disconnect-with-will-message",
    .title = "DISCONNECT with reason 0x04 (Disconnect with Will Message) makes the server publish the will",
    .statements = {"MQTT-3.1.2-8"},
}) {
    const auto topic = t.topic("will");
    auto& sub = t.connect("watcher");
    sub.subscribe(topic, 0);
    auto& c = connect_with_will(t, "leaving", topic, "asked-for", 0, std::nullopt);
    codec::disconnect_packet d;
    d.reason_code = 0x04;
    c.send(d);
    c.close();
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "asked-for"}});
}

MQTTSPEC_CASE(will_properties_forwarded, {
    .id = "v5/will-delay/will-properties-forwarded",
    .title = "A published will carries its User Properties in order and its Payload Format Indicator, Content Type, Response Topic and Correlation Data",
    .statements = {"MQTT-3.1.3-10", "MQTT-3.3.2-4", "MQTT-3.3.2-15", "MQTT-3.3.2-16", "MQTT-3.3.2-20"},
}) {
    const auto topic = t.topic("will");
    const auto response = t.topic("answers");
    auto& sub = t.connect("watcher");
    sub.subscribe(topic, 0);
    codec::will_message will;
    will.topic = topic;
    will.payload = "gone";
    will.properties = {
        number_property(property_id::payload_format_indicator, 1),
        string_property(property_id::content_type, "text/plain"),
        string_property(property_id::response_topic, response),
        string_property(property_id::correlation_data, std::string_view("\x00\xff", 2)),
        user_property("z", "1"), user_property("a", "2"), user_property("z", "3"),
    };
    connect_options o;
    o.will = will;
    auto& c = t.connect("dying", o);
    c.close();
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "gone"},
                {"properties", {{"payload_format_indicator", 1}, {"content_type", "text/plain"},
                                {"response_topic", response}, {"correlation_data", "00ff"},
                                {"user_property", json::array({json::array({"z", "1"}), json::array({"a", "2"}), json::array({"z", "3"})})}}}});
}

}  // namespace
}  // namespace mqttspec::conformance
