// MQTT 5.0, section 3.3 PUBLISH: receive maximum.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

// Connects a subscriber announcing `receive_maximum` and subscribed to `topic` at `qos`, and a
// publisher that sends `count` messages "m0".. at `qos` and completes each flow with the broker, so
// that all of them are the broker's to deliver before the case looks at the subscriber.
client& flood_subscriber(case_context& t, const std::string& topic, std::uint16_t receive_maximum, std::uint8_t qos,
                         int count) {
    connect_options limited;
    limited.properties = {number_property(property_id::receive_maximum, receive_maximum)};
    auto& sub = t.connect("sub", limited);
    sub.subscribe(topic, qos);
    auto& pub = t.connect("pub");
    for (int i = 0; i < count; ++i) {
        const auto id = pub.publish(topic, "m" + std::to_string(i), qos);
        if (qos == 1) {
            pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
        } else {
            pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
            codec::pubrel_packet rel;
            rel.packet_id = id;
            pub.send(rel);
            pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
        }
    }
    pub.barrier();
    return sub;
}

// The unacknowledged QoS > 0 PUBLISH packets now queued at `sub` (after a barrier), in arrival order.
std::vector<received_packet> in_flight(client& sub, const std::string& topic) {
    sub.barrier();
    return sub.take_all({{"type", "PUBLISH"}, {"topic", topic}, {"qos", {{"at_least", 1}}}});
}

MQTTSPEC_CASE(receive_maximum_qos1, {
    .id = "v5/flow-control/receive-maximum-qos1",
    .title = "The server never has more unacknowledged QoS 1 PUBLISHes out than the client's Receive Maximum, and sends the rest as PUBACKs come",
    .statements = {"MQTT-3.3.4-9", "MQTT-4.9.0-2"},
    .needs = {requirement::qos1},
}) {
    constexpr std::uint16_t maximum = 2;
    constexpr int count = 6;
    const auto topic = t.topic("t");
    auto& sub = flood_subscriber(t, topic, maximum, 1, count);
    int delivered = 0;
    while (delivered < count) {
        // Wait for at least one, then look at everything outstanding.
        auto first = sub.expect({{"type", "PUBLISH"}, {"topic", topic}});
        auto rest = in_flight(sub, topic);
        rest.insert(rest.begin(), std::move(first));
        std::string seen;
        for (const auto& m : rest) seen += m.as_json.value("payload", "") + " ";
        t.check(rest.size() <= maximum,
                std::to_string(rest.size()) + " QoS 1 PUBLISHes were unacknowledged at once",
                "at most " + std::to_string(maximum), seen);
        for (const auto& m : rest) {
            t.check(m.as_json.value("payload", "") == "m" + std::to_string(delivered),
                    "messages were lost or reordered under flow control", "m" + std::to_string(delivered), seen);
            sub.acknowledge(m);
            ++delivered;
        }
    }
    sub.expect_none({{"type", "PUBLISH"}, {"topic", topic}});
}

MQTTSPEC_CASE(receive_maximum_qos2, {
    .id = "v5/flow-control/receive-maximum-qos2-until-pubcomp",
    .title = "A QoS 2 PUBLISH counts against the client's Receive Maximum until its PUBCOMP, not just its PUBREC",
    .statements = {"MQTT-3.3.4-9", "MQTT-4.9.0-2"},
    .needs = {requirement::qos2},
}) {
    const auto topic = t.topic("t");
    auto& sub = flood_subscriber(t, topic, 1, 2, 2);
    const auto first = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "m0"}});
    codec::pubrec_packet rec;
    rec.packet_id = first.as<codec::publish_packet>().packet_id;
    sub.send(rec);
    sub.expect({{"type", "PUBREL"}, {"packet_id", rec.packet_id}});
    // PUBREC received, PUBCOMP not yet sent: the quota is still used up.
    sub.expect_none({{"type", "PUBLISH"}, {"topic", topic}, {"qos", {{"at_least", 1}}}});
    codec::pubcomp_packet comp;
    comp.packet_id = rec.packet_id;
    sub.send(comp);
    const auto second = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "m1"}});
    sub.acknowledge(second);
}

MQTTSPEC_CASE(other_packets_at_zero_quota, {
    .id = "v5/flow-control/other-packets-answered-at-zero-quota",
    .title = "With the client's Receive Maximum used up, the server still answers SUBSCRIBE, UNSUBSCRIBE and PINGREQ",
    .statements = {"MQTT-3.3.4-10", "MQTT-4.9.0-3"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("t");
    auto& sub = flood_subscriber(t, topic, 1, 1, 3);
    const auto held = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "m0"}});
    // Quota zero now. Control packets must still be processed and answered.
    sub.subscribe(t.topic("other"), 0);
    sub.unsubscribe(t.topic("other"));
    sub.barrier();
    sub.acknowledge(held);
    for (const char* payload : {"m1", "m2"}) {
        const auto m = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", payload}});
        sub.acknowledge(m);
    }
}

// Fills the server's Receive Maximum with QoS 2 flows left open (the client withholds PUBREL, so no
// PUBCOMP comes), then sends one more QoS 2 PUBLISH.
void exceed_server_receive_maximum(case_context& t, client& pub) {
    const auto maximum = t.caps().receive_maximum;
    if (maximum > 1000) t.skip("the broker's Receive Maximum " + std::to_string(maximum) + " is too large to exceed quickly");
    const auto topic = t.topic("t");
    for (unsigned i = 0; i < maximum; ++i) {
        const auto id = pub.publish(topic, "m", 2);
        pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
    }
    pub.publish(topic, "one-too-many", 2);
}

MQTTSPEC_CASE(server_receive_maximum_exceeded, {
    .id = "v5/flow-control/server-receive-maximum-exceeded",
    .title = "More unacknowledged QoS 2 PUBLISHes than the server's Receive Maximum is a Protocol Error: the server closes the connection",
    .statements = {"MQTTSPEC-5-3.3.4-receive-maximum-exceeded", "MQTT-4.13.1-1"},
    .needs = {requirement::qos2},
}) {
    auto& pub = t.connect("pub");
    exceed_server_receive_maximum(t, pub);
    // 3.3.4: the server "uses a DISCONNECT packet with Reason Code 0x93 (Receive Maximum exceeded) as
    // described in section 4.13", which makes closing a MUST.
    expect_connection_closed_or_disconnect(pub, {}, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(server_receive_maximum_exceeded_reason, {
    .id = "v5/flow-control/server-receive-maximum-exceeded-reason-code",
    .title = "On more unacknowledged PUBLISHes than its Receive Maximum the server sends DISCONNECT 0x93 (Receive Maximum exceeded) before closing",
    .statements = {"MQTTSPEC-5-3.3.4-receive-maximum-exceeded", "MQTT-4.13.1-1"},
    .lvl = level::should,
    .needs = {requirement::qos2},
}) {
    auto& pub = t.connect("pub");
    exceed_server_receive_maximum(t, pub);
    expect_disconnect_reason_then_close(t, pub, 0x93, "MQTT-4.13.1-1");
}

}  // namespace
}  // namespace mqttspec::conformance
