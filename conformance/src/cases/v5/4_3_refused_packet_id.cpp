// 5.0 section 4.3.3: after a PUBREC with a Reason Code of 0x80 or greater the exchange is over, and a
// later PUBLISH with the same Packet Identifier is a new Application Message (MQTT-4.3.3-9). The refusal
// comes from a topic the profile says the broker denies (denied_topic).
#include <string>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

std::string hex_byte(unsigned v) {
    static constexpr char digits[] = "0123456789abcdef";
    return std::string("0x") + digits[(v >> 4) & 15] + digits[v & 15];
}

MQTTSPEC_CASE(refused_qos2_id_reused_as_new_message, {
    .id = "v5/qos2/packet-id-reuse-after-error-pubrec",
    .title = "After a PUBREC of 0x80 or above, a QoS 2 PUBLISH reusing that Packet Identifier is a new message and is delivered (needs a denied topic)",
    .statements = {"MQTT-4.3.3-9"},
    .needs = {requirement::denied_topic, requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("allowed");
    sub.subscribe(topic, 2);
    const std::string denied = *t.prof().denied_topic;
    const std::string refused_payload = "refused-" + t.prefix();  // the denied topic is fixed: the payload is this run's
    codec::publish_packet p;
    p.qos = 2;
    p.packet_id = pub.next_packet_id();
    p.topic = denied;
    p.payload = refused_payload;
    pub.send(p);
    const auto until = pub.default_deadline();
    for (;;) {
        auto e = pub.next_event(until);
        if (e.kind == event_kind::malformed) pub.expect_well_formed();
        if (e.kind == event_kind::closed) {
            t.skip("the server closed the connection on the PUBLISH to the denied topic " + denied +
                   " (3.3.5 allows it): no PUBREC >= 0x80 to build on");
        }
        if (e.kind == event_kind::timeout) t.fail("the server did not answer a QoS 2 PUBLISH to a denied topic", "PUBREC", "nothing");
        if (e.packet->type() == codec::packet_type::disconnect) {
            t.skip("the server disconnected on the PUBLISH to the denied topic: no PUBREC >= 0x80 to build on");
        }
        if (e.packet->type() != codec::packet_type::pubrec) continue;
        const auto& rec = e.packet->as<codec::pubrec_packet>();
        t.check(rec.packet_id == p.packet_id, "the PUBREC names another packet identifier",
                "packet_id " + std::to_string(p.packet_id), e.packet->as_json.dump());
        if (rec.reason_code < 0x80) {
            codec::pubrel_packet rel;
            rel.packet_id = p.packet_id;
            pub.send(rel);
            pub.expect({{"type", "PUBCOMP"}, {"packet_id", p.packet_id}});
            t.skip("the server accepted the PUBLISH to the denied topic (PUBREC " + hex_byte(rec.reason_code) +
                   "): no refused Packet Identifier to reuse");
        }
        break;
    }
    // The exchange ended with the error PUBREC: no PUBREL. The same identifier on an allowed topic.
    p.topic = topic;
    p.payload = "new-message";
    pub.send(p);
    // 3.5.2.1: the subscriber exists, but 0x10 (No matching subscribers) would still be a success code.
    pub.expect({{"type", "PUBREC"}, {"packet_id", p.packet_id}, {"reason_code", {{"any_of", {0x00, 0x10}}}}});
    codec::pubrel_packet rel;
    rel.packet_id = p.packet_id;
    pub.send(rel);
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", p.packet_id}});
    sub.acknowledge(sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "new-message"}}));
}

}  // namespace
}  // namespace mqttspec::conformance
