// 5.0 section 4.6: PUBLISH packets resent when a session resumes keep the order in which they were
// first sent (MQTT-4.6.0-1). The text obliges the Client; a server is bound by it only through the
// ordering rules it implies, so the case is SHOULD level, like the PUBACK order case.
#include "case_helpers.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(resent_in_original_order, {
    .id = "v5/qos1/resent-in-original-order",
    .title = "Unacknowledged QoS 1 messages resent when the session resumes come in the order they were first sent",
    .statements = {"MQTT-4.6.0-1"},
    .lvl = level::should,
    .needs = {requirement::qos1},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    t.session_kept(t.client_id("sub"));
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 1);
    for (const char* payload : {"r0", "r1", "r2"}) helpers::publish_completed(pub, topic, payload, 1);
    const auto held = helpers::held_deliveries(sub, topic, sub.expect({{"type", "PUBLISH"}, {"topic", topic}}));
    if (held.size() < 2) {
        for (const auto& m : held) sub.acknowledge(m);
        t.skip("the server sent one QoS 1 message at a time (its send quota, 4.9): no two unacknowledged messages to resend");
    }
    sub.close();  // network loss, nothing acknowledged
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    auto& again = t.connect("again", o);
    for (const auto& first_sent : held) {
        const auto wanted = first_sent.as_json.value("payload", "");
        const auto resent = again.expect({{"type", "PUBLISH"}, {"topic", topic}});
        t.check(resent.as_json.value("payload", "") == wanted, "resent messages came in another order than they were first sent",
                "payload " + wanted, resent.as_json.dump(), "MQTT-4.6.0-1");
        again.acknowledge(resent);
    }
}

}  // namespace
}  // namespace mqttspec::conformance
