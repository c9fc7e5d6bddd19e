// MQTT 3.1.1, section 3.1 CONNECT: session.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using helpers::connect_connack_first;
using helpers::session_present;

MQTTSPEC_CASE(session_present_flags, {
    .id = "v311/session/session-present",
    .title = "Clean Session 0 without a stored session gets Session Present 0; reconnecting to the stored session gets Session Present 1",
    .statements = {"MQTT-3.2.2-3", "MQTT-3.2.2-2", "MQTT-3.1.2-4"},
}) {
    const auto id = t.client_id("c");
    auto first = connect_connack_first(t, "c", {.clean_start = false});
    t.check(!session_present(first.connack), "Session Present 1 for a client identifier without a stored session",
            "session_present false", first.connack.as_json.dump(), "MQTT-3.2.2-3");
    first.c.disconnect();
    auto again = connect_connack_first(t, "c2", {.client_id = id, .clean_start = false});
    t.check(session_present(again.connack), "the session stored by the first connection was not resumed",
            "session_present true", again.connack.as_json.dump(), "MQTT-3.2.2-2");
}

MQTTSPEC_CASE(subscriptions_survive, {
    .id = "v311/session/subscriptions-survive-reconnect",
    .title = "The subscriptions of a Clean Session 0 session survive the connection: messages arrive after reconnecting without subscribing again",
    .statements = {"MQTT-3.1.2-4", "MQTT-4.1.0-1"},
    .needs = {requirement::qos1},
}) {
    const auto id = t.client_id("sub");
    const auto topic = t.topic("t");
    auto& sub = t.connect("sub", {.clean_start = false});
    sub.subscribe(topic, 1);
    sub.disconnect();
    auto again = connect_connack_first(t, "sub2", {.client_id = id, .clean_start = false});
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, topic, "live-after-reconnect");
    const auto msg = helpers::expect_publish(again.c, topic, "live-after-reconnect", {{"qos", 1}});
    again.c.acknowledge(msg);
}

// QoS 1 and 2 messages published while a Clean Session 0 client is away are queued and delivered
// after it reconnects, after the CONNACK.
void queued_while_offline(case_context& t, std::uint8_t qos) {
    const auto id = t.client_id("sub");
    const auto topic = t.topic("t");
    auto& sub = t.connect("sub", {.clean_start = false});
    sub.subscribe(topic, qos);
    sub.disconnect();
    auto& pub = t.connect("pub");
    if (qos == 1) {
        helpers::publish_qos1_acked(pub, topic, "queued");
    } else {
        helpers::publish_qos2_completed(pub, topic, "queued");
    }
    // The session may receive the message only once the broker handled the disconnect; the
    // publisher's acknowledgement alone does not prove that. Reconnecting does: the broker either
    // queued the message in the stored session or has the client online again.
    auto again = connect_connack_first(t, "sub2", {.client_id = id, .clean_start = false});
    t.check(session_present(again.connack), "the stored session was not resumed", "session_present true",
            again.connack.as_json.dump(), "MQTT-3.2.2-2");
    const auto msg = helpers::expect_publish(again.c, topic, "queued", {{"qos", qos}});
    again.c.acknowledge(msg);
}

MQTTSPEC_CASE(queued_qos1, {
    .id = "v311/session/queued-qos1-while-offline",
    .title = "A QoS 1 message published while a Clean Session 0 subscriber is disconnected is delivered when it reconnects",
    .statements = {"MQTT-3.1.2-5", "MQTT-3.2.0-1", "MQTT-4.5.0-1", "MQTT-3.2.2-2"},
    .needs = {requirement::qos1},
}) {
    queued_while_offline(t, 1);
}

MQTTSPEC_CASE(queued_qos2, {
    .id = "v311/session/queued-qos2-while-offline",
    .title = "A QoS 2 message published while a Clean Session 0 subscriber is disconnected is delivered when it reconnects",
    .statements = {"MQTT-3.1.2-5", "MQTT-3.2.0-1", "MQTT-4.5.0-1", "MQTT-3.2.2-2"},
    .needs = {requirement::qos2},
}) {
    queued_while_offline(t, 2);
}

MQTTSPEC_CASE(clean_session_discards, {
    .id = "v311/session/clean-session-discards-state",
    .title = "Connecting with Clean Session 1 discards the stored session: Session Present 0, and its subscriptions are gone afterwards",
    .statements = {"MQTT-3.1.2-6", "MQTT-3.2.2-1", "MQTT-3.2.2-3"},
}) {
    const auto id = t.client_id("c");
    const auto topic = t.topic("t");
    auto& c = t.connect("c", {.clean_start = false});
    c.subscribe(topic, 1);
    c.disconnect();
    auto clean = connect_connack_first(t, "clean", {.client_id = id, .clean_start = true});
    t.check(!session_present(clean.connack), "Session Present 1 on a Clean Session 1 connection",
            "session_present false", clean.connack.as_json.dump(), "MQTT-3.2.2-1");
    clean.c.disconnect();
    auto again = connect_connack_first(t, "again", {.client_id = id, .clean_start = false});
    t.check(!session_present(again.connack), "a session survived a Clean Session 1 connection",
            "session_present false", again.connack.as_json.dump(), "MQTT-3.1.2-6");
    // The old subscription must be gone: a message to its topic does not arrive; the sentinel goes
    // through a subscription made now.
    const auto sentinel = t.topic("sentinel");
    again.c.subscribe(sentinel, 0);
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, topic, "to-discarded-subscription");
    expect_no_delivery_unordered_marker(pub, again.c, sentinel, 1, pattern(json{{"type", "PUBLISH"}, {"topic", topic}}));
}

}  // namespace
}  // namespace mqttspec::conformance
