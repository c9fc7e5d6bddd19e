// Small helpers shared by the 3.1.1 case files (v311_*.cpp).
#pragma once

#include <string>
#include <vector>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance::v311 {

// Connects `name` with `options` and requires the CONNACK (return code 0) to be the very first packet
// the broker sends (MQTT-3.2.0-1): a resumed session may have messages queued, which must come after
// it. Registers a persistent session for cleanup.
struct connection {
    client& c;
    received_packet connack;
};
inline connection connect_connack_first(case_context& t, const std::string& name, const connect_options& options) {
    const auto packet = t.make_connect(name, options);
    if (!options.clean_start) t.session_kept(std::string(packet.client_id));
    client& c = t.open(name);
    c.send(packet);
    const auto connack = c.expect_next({{"type", "CONNACK"}});
    check_setup(connack.as<codec::connack_packet>().reason_code == 0, "the broker refused the connection",
                "CONNACK return code 0", connack.as_json.dump(), "MQTT-3.1.4-4");
    return {c, connack};
}

inline bool session_present(const received_packet& connack) {
    return connack.as<codec::connack_packet>().session_present;
}

// Waits for a PUBLISH with this payload on `topic` and checks delivered fields.
inline received_packet expect_publish(client& c, const std::string& topic, const std::string& payload, json extra = json::object()) {
    json p{{"type", "PUBLISH"}, {"topic", topic}, {"payload", payload}};
    for (auto it = extra.begin(); it != extra.end(); ++it) p[it.key()] = it.value();
    return c.expect(pattern(p));
}

// A QoS 1 publish whose PUBACK is awaited (so the broker owns the message before the case goes on).
inline void publish_qos1_acked(client& pub, const std::string& topic, const std::string& payload, bool retain = false) {
    const auto id = pub.publish(topic, payload, 1, retain);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
}

// A QoS 2 publish carried through PUBREC/PUBREL/PUBCOMP.
inline void publish_qos2_completed(client& pub, const std::string& topic, const std::string& payload, bool retain = false) {
    const auto id = pub.publish(topic, payload, 2, retain);
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
    codec::pubrel_packet release;
    release.packet_id = id;
    pub.send(release);
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
}

}  // namespace mqttspec::conformance::v311
