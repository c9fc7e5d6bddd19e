// MQTT 5.0, section 3.3 PUBLISH: message expiry.
// Expiry is stated in wall-clock seconds, so the queued/retained cases let time pass (let_time_pass) and are
// marked slow so they overlap with the rest of the run. Brokers commonly keep time in whole seconds: a
// message with a 1 s interval may live up to 2 s, hence the 2.5 s waits.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;
using namespace std::chrono_literals;

constexpr auto past_one_second_expiry = 2500ms;

std::uint32_t expiry_of(case_context& t, const received_packet& m, const std::string& statement) {
    const auto* e = codec::find(m.as<codec::publish_packet>().properties, property_id::message_expiry_interval);
    t.check(e != nullptr, "the forwarded message lost its Message Expiry Interval",
            "a message_expiry_interval property", m.as_json.dump(), statement);
    return e->integer;
}

MQTTSPEC_CASE(expiry_forwarded, {
    .id = "v5/message-expiry/forwarded-with-interval",
    .title = "A message forwarded at once carries a Message Expiry Interval no greater than the one it was published with",
    .statements = {"MQTT-3.3.2-6"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 1);
    const auto id = pub.publish(topic, "m", 1, false, {number_property(property_id::message_expiry_interval, 3600)});
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    const auto m = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "m"}});
    const auto left = expiry_of(t, m, "MQTT-3.3.2-6");
    // At most a few seconds can have passed; 0 would mean the broker thinks the message expired.
    t.check(left <= 3600 && left >= 3600 - 5, "the forwarded Message Expiry Interval is not the received value minus the time waited",
            "3595..3600", std::to_string(left));
    sub.acknowledge(m);
}

MQTTSPEC_CASE(expired_while_queued, {
    .id = "v5/message-expiry/expired-while-queued-not-delivered",
    .title = "A message whose Message Expiry Interval passes while queued for an offline subscriber is not delivered",
    .statements = {"MQTT-3.3.2-5"},
    .needs = {requirement::qos1},
    .slow = true,
}) {
    connect_options persistent;
    persistent.client_id = t.client_id("sub");
    persistent.session_expiry = 300;
    t.session_kept(*persistent.client_id);
    auto& sub = t.connect("sub", persistent);
    const auto topic = t.topic("t");
    sub.subscribe(topic, 1);
    // Offline once the broker has closed the connection: a message published earlier could still go
    // to this connection instead of the session's queue.
    helpers::disconnect_and_await_close(t, sub);

    auto& pub = t.connect("pub");
    const auto short_lived = pub.publish(topic, "expires", 1, false, {number_property(property_id::message_expiry_interval, 1)});
    pub.expect({{"type", "PUBACK"}, {"packet_id", short_lived}});
    const auto control = pub.publish(topic, "stays", 1);  // no expiry: must still be delivered, after "expires"
    pub.expect({{"type", "PUBACK"}, {"packet_id", control}});

    let_time_pass(t, "clock", past_one_second_expiry);

    persistent.clean_start = false;
    auto& again = t.connect("sub-again", persistent);
    // Acknowledging what comes first: a broker that keeps one message in flight sends "stays" only
    // after a wrongly kept "expires" is acknowledged, and that one is then judged below.
    const auto stays = again.expect_acknowledging({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "stays"}});
    again.acknowledge(stays);
    // "expires" was queued before "stays": had the broker kept it, it would be here by now.
    again.expect_none({{"type", "PUBLISH"}, {"payload", "expires"}});
}

MQTTSPEC_CASE(expiry_reduced_while_queued, {
    .id = "v5/message-expiry/reduced-by-time-queued",
    .title = "A message held for an offline subscriber is delivered with its Message Expiry Interval reduced by the time it waited",
    .statements = {"MQTT-3.3.2-6"},
    .needs = {requirement::qos1},
    .slow = true,
}) {
    connect_options persistent;
    persistent.client_id = t.client_id("sub");
    persistent.session_expiry = 300;
    t.session_kept(*persistent.client_id);
    auto& sub = t.connect("sub", persistent);
    const auto topic = t.topic("t");
    sub.subscribe(topic, 1);
    // Offline once the broker has closed the connection: a message published earlier could still go
    // to this connection instead of the session's queue.
    helpers::disconnect_and_await_close(t, sub);

    auto& pub = t.connect("pub");
    const auto id = pub.publish(topic, "m", 1, false, {number_property(property_id::message_expiry_interval, 60)});
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    const auto published = clock::now();

    let_time_pass(t, "clock", past_one_second_expiry);

    persistent.clean_start = false;
    auto& again = t.connect("sub-again", persistent);
    const auto m = again.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "m"}});
    const auto waited = std::chrono::duration_cast<std::chrono::seconds>(clock::now() - published).count();
    const auto left = expiry_of(t, m, "MQTT-3.3.2-6");
    // Whole-second clocks may round the time waited down by up to one second.
    const auto most = 60 - waited + 1;
    t.check(left >= 1 && static_cast<long long>(left) <= most,
            "the Message Expiry Interval was not reduced by the time the message waited in the broker",
            "1.." + std::to_string(most) + " after " + std::to_string(waited) + " s", std::to_string(left));
    again.acknowledge(m);
}

MQTTSPEC_CASE(retained_expired_not_sent, {
    .id = "v5/message-expiry/expired-retained-not-sent",
    .title = "A retained message whose Message Expiry Interval has passed is not sent to a new subscriber",
    .statements = {"MQTT-3.3.2-5"},
    .needs = {requirement::qos1, requirement::retain},
    .slow = true,
}) {
    const auto expiring = t.topic("expiring"), control = t.topic("control");
    t.retained_on(expiring);
    t.retained_on(control);
    auto& pub = t.connect("pub");
    const auto a = pub.publish(expiring, "expires", 1, true, {number_property(property_id::message_expiry_interval, 1)});
    pub.expect({{"type", "PUBACK"}, {"packet_id", a}});
    const auto b = pub.publish(control, "stays", 1, true);
    pub.expect({{"type", "PUBACK"}, {"packet_id", b}});

    let_time_pass(t, "clock", past_one_second_expiry);

    auto& sub = t.connect("sub");
    // The control topic is subscribed second: its retained message arrives after any for `expiring`.
    sub.subscribe(expiring, 1);
    sub.subscribe(control, 1);
    const auto stays = sub.expect({{"type", "PUBLISH"}, {"topic", control}, {"payload", "stays"}});
    sub.acknowledge(stays);
    sub.expect_none({{"type", "PUBLISH"}, {"topic", expiring}});
}

MQTTSPEC_CASE(retained_expiry_reduced, {
    .id = "v5/message-expiry/retained-interval-reduced",
    .title = "A retained message sent to a new subscriber carries its Message Expiry Interval reduced by the time it was held",
    .statements = {"MQTT-3.3.2-6"},
    .needs = {requirement::qos1, requirement::retain},
    .slow = true,
}) {
    const auto topic = t.topic("kept");
    t.retained_on(topic);
    auto& pub = t.connect("pub");
    const auto id = pub.publish(topic, "m", 1, true, {number_property(property_id::message_expiry_interval, 60)});
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    const auto published = clock::now();

    let_time_pass(t, "clock", past_one_second_expiry);

    auto& sub = t.connect("sub");
    sub.subscribe(topic, 1);
    const auto m = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"retain", true}});
    const auto waited = std::chrono::duration_cast<std::chrono::seconds>(clock::now() - published).count();
    const auto left = expiry_of(t, m, "MQTT-3.3.2-6");
    const auto most = 60 - waited + 1;
    t.check(left >= 1 && static_cast<long long>(left) <= most,
            "the retained message's Message Expiry Interval was not reduced by the time it was held",
            "1.." + std::to_string(most) + " after " + std::to_string(waited) + " s", std::to_string(left));
    sub.acknowledge(m);
}

}  // namespace
}  // namespace mqttspec::conformance
