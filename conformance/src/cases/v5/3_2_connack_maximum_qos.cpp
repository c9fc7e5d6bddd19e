// 5.0 CONNACK Maximum QoS (3.2.2.3.4): a server without QoS 1 or QoS 2 support says so; without the
// property it must take both.
#include "mqttspec/conformance/case.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(maximum_qos_announced, {
    .id = "v5/connack/maximum-qos-covers-unsupported-qos",
    .title = "A server that does not support QoS 1 or 2 PUBLISH packets announces its Maximum QoS: every QoS up to the announced one (2 when absent) is accepted",
    .statements = {"MQTT-3.2.2-9"},
}) {
    auto& c = t.connect("c");
    const auto* announced = codec::find(t.connack("c").as<codec::connack_packet>().properties, codec::property_id::maximum_qos);
    const std::uint8_t maximum = announced ? static_cast<std::uint8_t>(announced->integer) : 2;
    t.note("Maximum QoS " + std::to_string(maximum) + (announced ? "" : " (no Maximum QoS property: 3.2.2.3.4 says 2)"));
    const auto topic = t.topic("t");
    // A server that cannot handle the QoS closes (DISCONNECT 0x9B QoS not supported, 3.2.2.3.4) or never
    // answers; either fails here. Any PUBACK / PUBREC shows the exchange is supported, whatever its code
    // (an error code may have other causes, e.g. a quota).
    for (std::uint8_t qos = 1; qos <= maximum; ++qos) {
        const auto id = c.publish(topic, "qos-" + std::to_string(qos), qos);
        const auto why = "the broker announced no Maximum QoS below " + std::to_string(qos) + " but did not take a QoS " +
                         std::to_string(qos) + " PUBLISH";
        try {
            if (qos == 1) {
                c.expect({{"type", "PUBACK"}, {"packet_id", id}});
            } else {
                const auto rec = c.expect({{"type", "PUBREC"}, {"packet_id", id}});
                if (rec.as<codec::pubrec_packet>().reason_code < 0x80) {
                    c.send(codec::pubrel_packet{.packet_id = id});
                    c.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
                }
            }
        } catch (const case_failure& f) {
            if (!f.statement.empty()) throw;  // another rule's failure (a malformed packet): keep its evidence
            t.fail(why, qos == 1 ? "PUBACK" : "PUBREC, PUBREL, PUBCOMP", f.message + ": " + f.actual, "MQTT-3.2.2-9");
        }
    }
}

}  // namespace
}  // namespace mqttspec::conformance
