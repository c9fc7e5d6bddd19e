// 5.0 section 4.3.3: message expiry and a QoS 2 exchange already under way. Once the server has sent
// a QoS 2 PUBLISH it no longer applies the message's expiry to it (MQTT-4.3.3-7), and as receiver it
// completes the exchange of a message that expired meanwhile (MQTT-4.3.3-13). Expiry is wall-clock
// time, so these cases let it pass (let_time_pass: whole-second clocks make a 1 s interval last up to
// 2 s, hence 2.5 s) and are slow.
#include <chrono>

#include "case_helpers.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace std::chrono_literals;
constexpr auto past_one_second_expiry = 2500ms;

MQTTSPEC_CASE(sent_qos2_not_expired, {
    .id = "v5/qos2/sent-publish-not-expired",
    .title = "A QoS 2 PUBLISH the server has sent is resent on the resumed session although its Message Expiry Interval has passed meanwhile",
    .statements = {"MQTT-4.3.3-7"},
    .needs = {requirement::qos2},
    .slow = true,
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    t.session_kept(t.client_id("sub"));
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    const auto id = pub.publish(topic, "short-lived", 2, false, {helpers::number_property(codec::property_id::message_expiry_interval, 1)});
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
    codec::pubrel_packet rel;
    rel.packet_id = id;
    pub.send(rel);
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
    const auto sent = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "short-lived"}});
    sub.close();  // no PUBREC: the server still holds the PUBLISH unacknowledged
    helpers::let_time_pass(t, "clock", past_one_second_expiry);
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    auto& again = t.connect("again", o);
    const auto e = again.next_event(again.default_deadline());
    if (e.kind == event_kind::malformed) again.expect_well_formed();
    const bool resent = e.kind == event_kind::packet && e.packet->as_json.value("type", "") == "PUBLISH" &&
                        e.packet->as_json.value("payload", "") == "short-lived";
    t.check(resent, "the server dropped a QoS 2 message it had already sent because its Message Expiry Interval passed",
            "the PUBLISH resent (DUP 1, packet_id " + std::to_string(helpers::packet_id_of(sent)) + ")",
            e.kind == event_kind::packet ? e.packet->as_json.dump() : std::string("nothing"), "MQTT-4.3.3-7");
    again.acknowledge(*e.packet);
}

MQTTSPEC_CASE(expired_qos2_exchange_completed, {
    .id = "v5/qos2/expired-message-exchange-completed",
    .title = "The server completes an incoming QoS 2 exchange (PUBCOMP 0x00 to the PUBREL) although the message's Message Expiry Interval has passed meanwhile",
    .statements = {"MQTT-4.3.3-13"},
    .needs = {requirement::qos2},
    .slow = true,
}) {
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    const auto id = pub.publish(topic, "short-lived", 2, false, {helpers::number_property(codec::property_id::message_expiry_interval, 1)});
    // 3.5.2.1: with no subscriber the broker may answer 0x10 No matching subscribers.
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}, {"reason_code", {{"any_of", {0x00, 0x10}}}}});
    helpers::let_time_pass(t, "clock", past_one_second_expiry);
    codec::pubrel_packet rel;
    rel.packet_id = id;
    pub.send(rel);
    const auto comp = pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
    t.check(comp.as_json.value("reason_code", 0) == 0,
            "the server did not complete the QoS 2 exchange of an expired message: the PUBCOMP carries an error",
            "PUBCOMP reason 0x00", comp.as_json.dump(), "MQTT-4.3.3-13");
}

}  // namespace
}  // namespace mqttspec::conformance
