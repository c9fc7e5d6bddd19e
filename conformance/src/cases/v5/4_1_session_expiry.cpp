// MQTT 5.0, section 4.1 Session state: session expiry.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using helpers::await_close_after_disconnect;
using helpers::disconnect_and_await_close;
using namespace helpers;
using namespace std::chrono_literals;

MQTTSPEC_CASE(expiry_zero_ends, {
    .id = "v5/session-expiry/zero-ends-at-disconnect",
    .title = "Without a Session Expiry Interval the session ends when the connection closes",
    .statements = {"MQTT-4.1.0-2", "MQTT-3.2.2-3"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("t");
    auto& sub = subscriber_with_expiry(t, "sub", topic, std::nullopt);
    disconnect_and_await_close(t, sub);
    auto& pub = publish_queued(t, topic);
    auto& again = resume(t, "sub");
    check_session_present(t, "sub-again", false, "MQTT-3.2.2-3");
    expect_queue_discarded(pub, again, topic);
}

MQTTSPEC_CASE(expiry_elapsed, {
    .id = "v5/session-expiry/ends-after-interval",
    .title = "A session is discarded once its Session Expiry Interval has passed after the connection closed",
    .statements = {"MQTT-4.1.0-2"},
    .needs = {requirement::qos1},
    .slow = true,
}) {
    const auto topic = t.topic("t");
    auto& sub = subscriber_with_expiry(t, "sub", topic, 1);
    disconnect_and_await_close(t, sub);
    auto& pub = publish_queued(t, topic);
    let_time_pass(t, "clock", 2500ms);  // 1 s interval plus a whole-second clock's rounding
    auto& again = resume(t, "sub");
    check_session_present(t, "sub-again", false, "MQTT-4.1.0-2");
    expect_queue_discarded(pub, again, topic);
}

MQTTSPEC_CASE(disconnect_sets_zero, {
    .id = "v5/session-expiry/disconnect-sets-zero",
    .title = "A Session Expiry Interval of 0 in the client's DISCONNECT ends the session at the disconnect",
    .statements = {"MQTT-4.1.0-2"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("t");
    auto& sub = subscriber_with_expiry(t, "sub", topic, 300);
    codec::disconnect_packet d;
    d.properties = {number_property(property_id::session_expiry_interval, 0)};
    sub.send(d);
    await_close_after_disconnect(t, sub);
    auto& pub = publish_queued(t, topic);
    auto& again = resume(t, "sub");
    check_session_present(t, "sub-again", false, "MQTT-4.1.0-2");
    expect_queue_discarded(pub, again, topic);
}

MQTTSPEC_CASE(disconnect_nonzero_after_zero, {
    .id = "v5/session-expiry/disconnect-nonzero-after-zero-ignored",
    .title = "A non-zero Session Expiry Interval in DISCONNECT after CONNECT had 0 is a Protocol Error: the session is not kept",
    .statements = {"MQTTSPEC-5-3.14.2.2.2-expiry-after-zero", "MQTT-4.13.1-1", "MQTT-4.1.0-2"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("t");
    auto& sub = subscriber_with_expiry(t, "sub", topic, std::nullopt);
    disconnect_with_expiry_after_zero(sub);
    expect_connection_closed_or_disconnect(sub, {}, "MQTT-4.13.1-1");
    auto& pub = publish_queued(t, topic);
    auto& again = resume(t, "sub");
    check_session_present(t, "sub-again", false, "MQTT-4.1.0-2");
    expect_queue_discarded(pub, again, topic);
}

}  // namespace
}  // namespace mqttspec::conformance
