// 3.1.1 section 4.1 Storing state: a session lasts at least as long as its network connection.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "invalid_connect_support.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(session_lasts_while_connected, {
    .id = "v311/session/lasts-while-connected",
    .title = "A connected client keeps its connection and its session while CONNECTs with its Client Identifier "
             "that fail validation are refused",
    .statements = {"MQTT-4.1.0-2", "MQTT-3.1.2-3", "MQTT-3.1.4-1"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("t");
    const auto id = t.client_id("holder");
    auto& holder = t.connect("holder", {.client_id = id});
    holder.subscribe(topic, 1);
    // Validation comes before the takeover of 3.1.4 step 2: a CONNECT that fails it is refused and
    // touches neither the connected client nor its session.
    codec::will_message will;
    will.topic = topic;
    will.payload = "never";
    // Each refusal cites the server rule it breaks: the reserved flag has its own (MQTT-3.1.2-3);
    // Will QoS 3 is a client's MUST (MQTT-3.1.2-14), which the server enforces by 3.1.4's validation.
    const struct {
        const char* name;
        invalid_connect::flaw flaw;
        const char* statement;
    } intruders[] = {{"reserved-flag", invalid_connect::flaw::reserved_flag, "MQTT-3.1.2-3"},
                     {"will-qos-3", invalid_connect::flaw::will_qos_3, "MQTT-3.1.4-1"}};
    for (const auto& intruder : intruders) {
        auto& c = t.open(intruder.name);
        c.send_raw(invalid_connect::encode_with(t.make_connect(intruder.name, {.client_id = id, .will = will}), t.version(),
                                                intruder.flaw));
        expect_connect_rejected(c, {.return_codes = {}, .close_without_connack_allowed = true, .statement = intruder.statement});
    }
    holder.barrier();
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, topic, "still-subscribed");
    holder.acknowledge(helpers::expect_publish(holder, topic, "still-subscribed", {{"qos", 1}}));
}

}  // namespace
}  // namespace mqttspec::conformance
