// 5.0 section 4.9: the server's initial send quota towards a client is non-zero and no higher than the
// client's Receive Maximum (MQTT-4.9.0-1). Shown on a resumed session with messages queued while the
// client was away: the server sends them as soon as the CONNECT is processed, within the quota.
#include "case_helpers.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(initial_send_quota_on_resume, {
    .id = "v5/flow-control/initial-send-quota-on-resumed-session",
    .title = "On a resumed session with QoS 1 messages queued, the server sends at least one and no more unacknowledged than the Receive Maximum of the new CONNECT",
    .statements = {"MQTT-4.9.0-1"},
    .needs = {requirement::qos1},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    t.session_kept(t.client_id("sub"));
    const auto topic = t.topic("queued");
    sub.subscribe(topic, 1);
    sub.send(codec::disconnect_packet{});  // normal disconnection: the session stays (Session Expiry 60)
    sub.expect_closed();
    auto& pub = t.connect("pub");
    constexpr int queued = 3;
    for (int i = 0; i < queued; ++i) helpers::publish_completed(pub, topic, "q" + std::to_string(i), 1);
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    o.properties = {helpers::number_property(codec::property_id::receive_maximum, 1)};
    auto& again = t.connect("again", o);
    t.check(t.connack("again").as<codec::connack_packet>().session_present, "the session was not kept",
            "session_present true", t.connack("again").as_json.dump(), "MQTT-4.9.0-1");
    // Non-zero: the first queued message comes without any acknowledgement from the client.
    auto first = again.expect({{"type", "PUBLISH"}, {"topic", topic}, {"qos", 1}});
    // No higher than 1: the queued messages are ready when the CONNECT is processed, before the
    // PINGREQ that follows it; a second one sent within a quota above 1 precedes the PINGRESP.
    again.barrier();
    const auto extra = again.take_all({{"type", "PUBLISH"}, {"topic", topic}});
    std::string seen;
    for (const auto& m : extra) seen += m.as_json.dump() + " ";
    t.check(extra.empty(), "with Receive Maximum 1, the server sent more than one unacknowledged QoS 1 message",
            "one PUBLISH until its PUBACK", "further PUBLISH before any PUBACK: " + seen, "MQTT-4.9.0-1");
    for (int i = 0; i < queued; ++i) {
        again.acknowledge(first);
        if (i + 1 < queued) first = again.expect({{"type", "PUBLISH"}, {"topic", topic}, {"qos", 1}});
    }
}

}  // namespace
}  // namespace mqttspec::conformance
