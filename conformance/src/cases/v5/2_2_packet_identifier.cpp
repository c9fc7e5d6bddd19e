// MQTT 5.0, section 2.2 Variable header (packet id, properties): packet identifier.
#include <algorithm>
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(distinct_packet_ids, {
    .id = "v5/qos1/outgoing-packet-ids-distinct",
    .title = "Unacknowledged QoS 1 PUBLISHes the server sends to one client carry distinct non-zero packet identifiers",
    .statements = {"MQTT-2.2.1-4"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("ids");
    sub.subscribe(topic, 1);
    publish_within_receive_maximum(t, pub, topic, message_count);
    // The broker may keep fewer in flight than our Receive Maximum allows (4.9: its send quota is at
    // most that): compare the identifiers of those it has sent unacknowledged, the first at least.
    std::vector<received_packet> held{sub.expect({{"type", "PUBLISH"}, {"topic", topic}})};  // acknowledged at the end
    sub.barrier();
    for (auto& m : sub.take_all({{"type", "PUBLISH"}, {"topic", topic}})) held.push_back(std::move(m));
    std::set<std::uint16_t> seen;
    for (const auto& m : held) {
        const auto id = m.as<codec::publish_packet>().packet_id;
        t.check(id != 0 && seen.insert(id).second, "the broker reused a packet identifier still in flight",
                "a non-zero identifier not in use", m.as_json.dump(), "MQTT-2.2.1-4");
    }
    for (const auto& m : held) sub.acknowledge(m);
    if (held.size() < 2) t.skip("the broker sent one QoS 1 message at a time: no identifiers in flight together to compare");
}

}  // namespace
}  // namespace mqttspec::conformance
