// 5.0 section 4.8.2: a shared-subscription message in flight to a member whose session ends is not
// handed to another member (MQTT-4.8.2-5).
#include "case_helpers.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(shared_inflight_not_reoffered_at_session_end, {
    .id = "v5/shared/inflight-not-reoffered-when-session-ends",
    .title = "A QoS 1 shared-subscription message unacknowledged by a member whose session then ends is not sent to another member",
    .statements = {"MQTT-4.8.2-5"},
    .needs = {requirement::shared_subscriptions, requirement::qos1},
}) {
    const auto topic = t.topic("work");
    const auto filter = "$share/g/" + topic;  // the topic is unique to the run and case, so is the group
    auto& first = t.connect("first");  // Session Expiry 0: the session ends with the connection
    first.subscribe(filter, 1);
    auto& pub = t.connect("pub");
    helpers::publish_completed(pub, topic, "in-flight", 1);
    // The only member receives it and never acknowledges it.
    first.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "in-flight"}});
    auto& second = t.connect("second");
    second.subscribe(filter, 1);
    // DISCONNECT, then the server closes: it has processed the end of the connection, and with Session
    // Expiry 0 the session ended with it (3.1.2.11.2).
    helpers::disconnect_and_await_close(t, first);
    // Seeing the close is not proof that the broker has ended the session yet (mosquitto over wss closes
    // TLS before it drops the session, and a marker published in between went to the ending session and
    // was lost). A CONNACK to a Clean Start connection with the same Client Identifier is: the server
    // has discarded any session of that ID by then (3.1.2.4), so this reconnection ends it for sure.
    connect_options again;
    again.client_id = t.client_id("first");
    auto& replaced = t.connect("first-again", again);
    helpers::disconnect_and_await_close(t, replaced);
    // "second" is now the only member, so a marker must reach it. Neither 4.6 nor 4.8 orders the marker
    // after a wrongly re-offered message, hence the unordered marker (CASES.md section 5): a re-offer
    // made when the session ended comes before a message published after that.
    helpers::publish_completed(pub, topic, "marker", 1);
    second.acknowledge(second.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "marker"}}));
    second.barrier();
    t.check(second.take_all({{"type", "PUBLISH"}, {"payload", "in-flight"}}).empty(),
            "the message in flight to a member whose session ended was sent to another member",
            "\"in-flight\" not delivered to the other member", "\"in-flight\" delivered to it", "MQTT-4.8.2-5");
}

}  // namespace
}  // namespace mqttspec::conformance
