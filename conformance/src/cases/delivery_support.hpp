// Small delivery steps shared by the 5.0 cases of 4.3 (QoS sender state) and 4.6 (acknowledgement order).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "mqttspec/conformance/case.hpp"

namespace mqttspec::conformance::delivery {

// Publishes at QoS 2 and completes the publisher's side (PUBREC, PUBREL, PUBCOMP). 4.3.3 lets the
// server forward the message on PUBLISH or only on PUBREL, so subscribers are watched afterwards.
inline void publish_qos2_completed(client& pub, const std::string& topic, std::string_view payload) {
    const auto id = pub.publish(topic, payload, 2);
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
    codec::pubrel_packet rel;
    rel.packet_id = id;
    pub.send(rel);
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
}

// Publishes `payload` at `qos` (1 or 2) and completes the publisher's side.
inline void publish_completed(client& pub, const std::string& topic, std::string_view payload, std::uint8_t qos) {
    if (qos == 2) return publish_qos2_completed(pub, topic, payload);
    const auto id = pub.publish(topic, payload, qos);
    if (qos == 1) pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
}

// Every PUBLISH on `topic` `sub` has received and not consumed, after a barrier, `first` in front.
// The broker may hold messages back within its send quota (4.9), so fewer than were published may be here.
inline std::vector<received_packet> held_deliveries(client& sub, const std::string& topic, received_packet first) {
    std::vector<received_packet> held{std::move(first)};
    sub.barrier();
    for (auto& m : sub.take_all({{"type", "PUBLISH"}, {"topic", topic}})) held.push_back(std::move(m));
    return held;
}

inline std::uint16_t packet_id_of(const received_packet& p) { return p.as<codec::publish_packet>().packet_id; }

}  // namespace mqttspec::conformance::delivery
