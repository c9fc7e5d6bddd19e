// 3.1.1 section 4.7.3 Topic semantic and usage: Topic Names and Filters encode to at most 65535 bytes.
#include <string>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(longest_topic_name_intact, {
    .id = "v311/topic/longest-topic-name-intact",
    .title = "A Topic Name and Filter of exactly 65535 bytes, the encoding's limit, reach the subscriber intact",
    .statements = {"MQTT-4.7.3-3"},
    .needs = {requirement::qos1},
}) {
    constexpr std::size_t longest = 65535;
    auto topic = t.topic("longest-");
    topic.append(longest - topic.size(), 'x');
    auto& sub = t.connect("sub");
    const auto suback = sub.subscribe(topic, 1);
    // 3.9.3: the server may refuse any subscription; then nothing here can be observed.
    if (suback.as<codec::suback_packet>().reason_codes.at(0) == 0x80) {
        t.skip("the broker refused the subscription to a 65535-byte filter");
    }
    auto& pub = t.connect("pub");
    const auto id = pub.publish(topic, "at-the-limit", 1);
    const auto e = pub.next_event(pub.default_deadline());
    if (e.kind == event_kind::malformed) pub.expect_well_formed();
    // 3.3.5: a PUBLISH the server does not authorise may be answered by closing the connection.
    if (e.kind == event_kind::closed) t.skip("the broker closed the connection on a PUBLISH to a 65535-byte topic (3.3.5)");
    t.check(e.kind == event_kind::packet && e.packet->as_json.value("type", "") == "PUBACK" &&
                e.packet->as<codec::puback_packet>().packet_id == id,
            "the PUBLISH to a 65535-byte topic was not acknowledged", "PUBACK " + std::to_string(id),
            e.packet ? e.packet->as_json.dump() : "nothing");
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"payload", "at-the-limit"}});
    const auto& p = msg.as<codec::publish_packet>();
    t.check(p.topic == topic, "the delivered Topic Name is not the 65535-byte one published",
            std::to_string(longest) + " bytes", std::to_string(p.topic.size()) + " bytes", "MQTT-4.7.3-3");
    sub.acknowledge(msg);
}

}  // namespace
}  // namespace mqttspec::conformance
