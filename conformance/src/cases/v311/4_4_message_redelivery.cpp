// MQTT 3.1.1, section 4.4 Message delivery retry: message redelivery.
#include "case_helpers.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

using helpers::connect_connack_first;
using helpers::session_present;

// Subscribes `id` (Clean Session 0) at `qos`, has a message published to it and returns the first
// connection with the delivered PUBLISH not acknowledged.
struct unacked_delivery {
    client& sub;
    received_packet publish;
    client& pub;  // its publisher, for an ordered marker
};

unacked_delivery deliver_unacknowledged(case_context& t, std::uint8_t qos, const std::string& topic, const std::string& payload) {
    auto& sub = t.connect("sub", {.clean_start = false});
    sub.subscribe(topic, qos);
    auto& pub = t.connect("pub");
    if (qos == 1) {
        helpers::publish_qos1_acked(pub, topic, payload);
    } else {
        helpers::publish_qos2_completed(pub, topic, payload);
    }
    auto msg = helpers::expect_publish(sub, topic, payload, {{"qos", qos}, {"dup", false}});
    return {sub, msg, pub};
}

MQTTSPEC_CASE(qos1_resent_with_dup, {
    .id = "v311/session/qos1-resent-on-reconnect",
    .title = "An unacknowledged QoS 1 PUBLISH is re-sent on reconnection with Clean Session 0, with the original Packet Identifier and DUP 1",
    .statements = {"MQTT-4.4.0-1", "MQTT-3.3.1-1"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("t");
    auto [sub, msg, pub] = deliver_unacknowledged(t, 1, topic, "unacked-1");
    const auto id = msg.as<codec::publish_packet>().packet_id;
    sub.close();  // network failure: no PUBACK, no DISCONNECT
    auto again = connect_connack_first(t, "sub2", {.client_id = t.client_id("sub"), .clean_start = false});
    const auto resent = helpers::expect_publish(again.c, topic, "unacked-1", {{"qos", 1}});
    t.check(resent.as<codec::publish_packet>().packet_id == id, "the message was re-sent with another Packet Identifier",
            "packet_id " + std::to_string(id), resent.as_json.dump(), "MQTT-4.4.0-1");
    t.check(resent.as<codec::publish_packet>().dup, "the re-delivered PUBLISH has DUP 0", "dup true",
            resent.as_json.dump(), "MQTT-3.3.1-1");
    again.c.acknowledge(resent);
}

MQTTSPEC_CASE(qos2_publish_resent_with_dup, {
    .id = "v311/session/qos2-publish-resent-on-reconnect",
    .title = "A QoS 2 PUBLISH not yet answered with PUBREC is re-sent on reconnection with the original Packet Identifier and DUP 1",
    .statements = {"MQTT-4.4.0-1", "MQTT-3.3.1-1"},
    .needs = {requirement::qos2},
}) {
    const auto topic = t.topic("t");
    auto [sub, msg, pub] = deliver_unacknowledged(t, 2, topic, "unacked-2");
    const auto id = msg.as<codec::publish_packet>().packet_id;
    sub.close();
    auto again = connect_connack_first(t, "sub2", {.client_id = t.client_id("sub"), .clean_start = false});
    const auto resent = helpers::expect_publish(again.c, topic, "unacked-2", {{"qos", 2}});
    t.check(resent.as<codec::publish_packet>().packet_id == id, "the message was re-sent with another Packet Identifier",
            "packet_id " + std::to_string(id), resent.as_json.dump(), "MQTT-4.4.0-1");
    t.check(resent.as<codec::publish_packet>().dup, "the re-delivered PUBLISH has DUP 0", "dup true",
            resent.as_json.dump(), "MQTT-3.3.1-1");
    again.c.acknowledge(resent);
}

MQTTSPEC_CASE(qos2_pubrel_resent, {
    .id = "v311/session/qos2-pubrel-resent-on-reconnect",
    .title = "A PUBREL not yet answered with PUBCOMP is re-sent on reconnection with the original Packet Identifier, and the PUBLISH is not",
    .statements = {"MQTT-4.4.0-1", "MQTT-4.3.3-1"},
    .needs = {requirement::qos2},
}) {
    const auto topic = t.topic("t");
    auto [sub, msg, pub] = deliver_unacknowledged(t, 2, topic, "released");
    const auto id = msg.as<codec::publish_packet>().packet_id;
    codec::pubrec_packet received;
    received.packet_id = id;
    sub.send(received);
    sub.expect({{"type", "PUBREL"}, {"packet_id", id}});
    sub.close();  // no PUBCOMP
    auto again = connect_connack_first(t, "sub2", {.client_id = t.client_id("sub"), .clean_start = false});
    again.c.expect({{"type", "PUBREL"}, {"packet_id", id}});
    codec::pubcomp_packet complete;
    complete.packet_id = id;
    again.c.send(complete);
    // 4.3.3: after sending PUBREL the sender must not re-send the PUBLISH. A re-send would come before
    // a later QoS 2 message from the same publisher on the same topic (4.6): an ordered marker.
    expect_no_delivery(pub, again.c, topic, 2, pattern(json{{"type", "PUBLISH"}, {"payload", "released"}}));
}

MQTTSPEC_CASE(resend_order, {
    .id = "v311/session/resent-in-original-order",
    .title = "Unacknowledged QoS 1 messages are re-sent on reconnection in the order they were first sent",
    .statements = {"MQTT-4.6.0-1", "MQTT-4.4.0-1", "MQTT-4.6.0-6"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("t");
    auto& sub = t.connect("sub", {.clean_start = false});
    sub.subscribe(topic, 1);
    auto& pub = t.connect("pub");
    std::vector<std::uint16_t> ids;
    for (int i = 1; i <= 3; ++i) helpers::publish_qos1_acked(pub, topic, "m" + std::to_string(i));
    // The broker may keep fewer messages in flight than were published (4.6 lets it send one at a
    // time): those it sent before the network loss are the ones it must re-send.
    const auto held = helpers::held_deliveries(sub, topic, sub.expect({{"type", "PUBLISH"}, {"topic", topic}}));
    for (std::size_t i = 0; i < held.size(); ++i) {
        const auto wanted = "m" + std::to_string(i + 1);
        t.check(i < 3 && held[i].as_json.value("payload", "") == wanted, "the messages were first sent out of order",
                "payload " + wanted, held[i].as_json.dump(), "MQTT-4.6.0-6");
        ids.push_back(helpers::packet_id_of(held[i]));
    }
    sub.close();
    auto again = connect_connack_first(t, "sub2", {.client_id = t.client_id("sub"), .clean_start = false});
    for (std::size_t i = 0; i < 3; ++i) {
        json wanted{{"type", "PUBLISH"}, {"topic", topic}, {"payload", "m" + std::to_string(i + 1)}};
        if (i < ids.size()) {
            wanted["packet_id"] = ids[i];  // a re-send keeps its identifier and says so
            wanted["dup"] = true;
        }
        again.c.acknowledge(again.c.expect_next(pattern(wanted)));
    }
    if (ids.size() < 2) {
        t.skip("the broker sent one QoS 1 message at a time: there was no order of re-sends to check (the rest came in order)");
    }
}

}  // namespace
}  // namespace mqttspec::conformance
