// MQTT 5.0, section 3.1 CONNECT: session.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;
using helpers::await_close_after_disconnect;
using helpers::disconnect_and_await_close;
using namespace std::chrono_literals;

MQTTSPEC_CASE(clean_start_discards, {
    .id = "v5/session/clean-start-discards-session",
    .title = "Clean Start 1 discards the existing session: Session Present 0 and its subscriptions are gone",
    .statements = {"MQTT-3.1.2-4", "MQTT-3.1.4-4", "MQTT-3.2.2-2"},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& first = t.connect("first", o);
    const auto old_topic = t.topic("old"), sentinel = t.topic("sentinel");
    first.subscribe(old_topic, 0);
    disconnect_and_await_close(t, first);
    o.client_id = t.client_id("first");  // Clean Start stays 1
    auto& again = t.connect("again", o);
    t.check(!t.connack("again").as<codec::connack_packet>().session_present, "Session Present is 1 on Clean Start 1",
            "session_present false", t.connack("again").as_json.dump(), "MQTT-3.2.2-2");
    again.subscribe(sentinel, 0);
    auto& pub = t.connect("pub");
    pub.publish(old_topic, "to-discarded-subscription", 0);
    expect_no_delivery_unordered_marker(pub, again, sentinel, 0, {{"type", "PUBLISH"}, {"topic", old_topic}});
}

MQTTSPEC_CASE(state_kept_while_connected, {
    .id = "v5/session/resumed-session-keeps-subscription",
    .title = "A session resumed with Clean Start 0 keeps its subscriptions: messages arrive without subscribing again",
    .statements = {"MQTT-3.1.2-5", "MQTT-4.1.0-1", "MQTT-3.1.3-2"},
    .needs = {requirement::qos1},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& first = t.connect("first", o);
    const auto topic = t.topic("kept");
    first.subscribe(topic, 1);
    disconnect_and_await_close(t, first);
    o.clean_start = false;
    o.client_id = t.client_id("first");  // the Client Identifier finds the session
    auto& again = t.connect("again", o);
    auto& pub = t.connect("pub");
    const auto id = pub.publish(topic, "to-resumed", 1);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    again.acknowledge(again.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "to-resumed"}}));
}

MQTTSPEC_CASE(expiry_positive_keeps, {
    .id = "v5/session-expiry/positive-keeps-session",
    .title = "With a Session Expiry Interval above 0 the session, its subscriptions and queued messages outlive the connection",
    .statements = {"MQTT-3.1.2-23", "MQTT-3.2.2-3"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("t");
    auto& sub = subscriber_with_expiry(t, "sub", topic, 300);
    disconnect_and_await_close(t, sub);
    publish_queued(t, topic);
    auto& again = resume(t, "sub");
    check_session_present(t, "sub-again", true, "MQTT-3.2.2-3");
    const auto m = again.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "queued"}});
    again.acknowledge(m);
}

}  // namespace
}  // namespace mqttspec::conformance
