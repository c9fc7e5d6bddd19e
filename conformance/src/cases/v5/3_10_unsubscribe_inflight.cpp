// 5.0 UNSUBSCRIBE actions (3.10.4): deliveries the server had started for a removed subscription
// are completed.
#include <optional>

#include "mqttspec/conformance/case.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(unsubscribe_completes_started_deliveries, {
    .id = "v5/unsubscribe/started-deliveries-completed",
    .title = "After UNSUBSCRIBE the server completes the QoS 1 and QoS 2 deliveries it had started: PUBREL after the client's PUBREC, the unacknowledged PUBLISH resent on reconnection",
    .statements = {"MQTT-3.10.4-3"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("t");
    connect_options persistent;
    persistent.client_id = t.client_id("sub");
    persistent.session_expiry = 300;
    t.session_kept(*persistent.client_id);
    auto& sub = t.connect("sub", persistent);
    const auto granted = sub.subscribe(topic, 2).as<codec::suback_packet>().reason_codes.at(0);
    if (granted == 0 || granted >= 0x80) t.skip("the broker granted QoS " + std::to_string(granted) + " to a QoS 2 subscription");
    bool with_qos2 = granted == 2;
    auto& pub = t.connect("pub");
    const auto id1 = pub.publish(topic, "started-qos1", 1);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id1}});
    const auto m1 = sub.expect({{"type", "PUBLISH"}, {"payload", "started-qos1"}, {"qos", 1}});
    std::uint16_t delivery2 = 0;
    if (with_qos2) {
        const auto id2 = pub.publish(topic, "started-qos2", 2);
        pub.expect({{"type", "PUBREC"}, {"packet_id", id2}});
        pub.send(codec::pubrel_packet{.packet_id = id2});
        pub.expect({{"type", "PUBCOMP"}, {"packet_id", id2}});
        // A broker may keep one message in flight per client (4.9: it may send fewer than the Receive
        // Maximum) and hold this one back until started-qos1 is acknowledged: then only the QoS 1
        // delivery has started, and that is what the case goes on with.
        std::optional<received_packet> m2;
        try {
            m2 = sub.expect({{"type", "PUBLISH"}, {"payload", "started-qos2"}, {"qos", 2}});
        } catch (const case_failure&) {
            sub.expect_well_formed();
            if (sub.closed_by_broker()) throw;
        }
        if (m2) {
            delivery2 = m2->as<codec::publish_packet>().packet_id;
            sub.send(codec::pubrec_packet{.packet_id = delivery2});
        } else {
            with_qos2 = false;
            t.note("QoS 2 part left out: the broker sent nothing more while the QoS 1 message was unacknowledged (one message in flight)");
        }
    } else {
        t.note("QoS 2 part left out: the broker granted QoS 1");
    }
    // Both deliveries are started and unfinished: the QoS 1 one unacknowledged, the QoS 2 one waiting
    // for its PUBREL.
    sub.unsubscribe(topic);
    if (with_qos2) {
        sub.expect({{"type", "PUBREL"}, {"packet_id", delivery2}});
        sub.send(codec::pubcomp_packet{.packet_id = delivery2});
    }
    // The QoS 1 delivery is finished by the PUBACK, which the client gives only after reconnecting:
    // 4.4 has the server resend it with its Packet Identifier and DUP 1, subscription or not.
    sub.close();
    connect_options resume = persistent;
    resume.clean_start = false;
    auto& again = t.connect("sub-again", resume);
    const auto resent = again.expect({{"type", "PUBLISH"}, {"payload", "started-qos1"}, {"qos", 1},
                                      {"packet_id", m1.as<codec::publish_packet>().packet_id}, {"dup", true}});
    again.acknowledge(resent);
}

}  // namespace
}  // namespace mqttspec::conformance
