// 5.0 section 4.3.2 QoS 1 delivery, 4.4 message retransmission and 4.6 ordering, for QoS 1.
#include <algorithm>
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "v5_core_support.hpp"

namespace mqttspec::conformance {
namespace {

using namespace v5core;

constexpr int message_count = 5;

// Publishes "m0".."m<count-1>" at QoS 1 without waiting for each PUBACK, but never with more
// unacknowledged than the broker's Receive Maximum (MQTT-3.3.4-7): when the window is full, the oldest
// PUBACK is awaited (next in line: PUBACKs come in order, MQTT-4.6.0-2). Returns the packet ids whose
// PUBACK is still to come.
std::vector<std::uint16_t> publish_within_receive_maximum(case_context& t, client& pub, const std::string& topic, int count) {
    const std::size_t window = std::max<std::size_t>(1, t.caps().receive_maximum);
    std::vector<std::uint16_t> pending;
    for (int i = 0; i < count; ++i) {
        if (pending.size() == window) {
            pub.expect_next({{"type", "PUBACK"}, {"packet_id", pending.front()}});
            pending.erase(pending.begin());
        }
        pending.push_back(pub.publish(topic, "m" + std::to_string(i), 1));
    }
    return pending;
}

MQTTSPEC_CASE(forwarding_order, {
    .id = "v5/qos1/forwarding-order",
    .title = "QoS 1 messages from one publisher to one topic reach the subscriber in the order they were published",
    .statements = {"MQTT-4.6.0-5", "MQTT-4.6.0-6"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("ordered");
    sub.subscribe(topic, 1);
    // Published back to back, without waiting for each PUBACK (within the broker's Receive Maximum).
    publish_within_receive_maximum(t, pub, topic, message_count);
    for (int i = 0; i < message_count; ++i) {
        const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}});  // oldest first
        t.check(msg.as_json.value("payload", "") == "m" + std::to_string(i), "messages arrived out of order",
                "payload m" + std::to_string(i), msg.as_json.dump(), "MQTT-4.6.0-5");
        sub.acknowledge(msg);
    }
}

MQTTSPEC_CASE(puback_order, {
    .id = "v5/qos1/puback-order",
    .title = "PUBACKs for QoS 1 PUBLISHes come back in the order the PUBLISHes were sent",
    .statements = {"MQTT-4.6.0-2"},
    // 4.6: the text obliges the Client; it binds a server only by the ordering rules it implies.
    .lvl = level::should,
    .needs = {requirement::qos1},
}) {
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    for (auto id : publish_within_receive_maximum(t, pub, topic, message_count)) {
        pub.expect_next({{"type", "PUBACK"}, {"packet_id", id}});
    }
}

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

MQTTSPEC_CASE(id_reuse_after_puback, {
    .id = "v5/qos1/packet-id-reuse-after-puback",
    .title = "After PUBACK, a PUBLISH reusing the packet identifier is a new message, even with DUP 1",
    .statements = {"MQTT-4.3.2-5", "MQTT-4.3.2-4"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 1);
    codec::publish_packet p;
    p.qos = 1;
    p.topic = topic;
    p.packet_id = 42;
    p.payload = "first";
    pub.send(p);
    pub.expect({{"type", "PUBACK"}, {"packet_id", 42}});
    p.dup = true;  // even marked as a retransmission, it follows a completed exchange
    p.payload = "second";
    pub.send(p);
    pub.expect({{"type", "PUBACK"}, {"packet_id", 42}});
    sub.acknowledge(sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "first"}}));
    sub.acknowledge(sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "second"}}));
}

MQTTSPEC_CASE(redelivered_with_dup, {
    .id = "v5/qos1/unacknowledged-resent-on-reconnect",
    .title = "An unacknowledged QoS 1 message is resent with DUP 1 and its original packet identifier when the session resumes",
    .statements = {"MQTT-4.4.0-1", "MQTT-3.3.1-1", "MQTT-3.1.2-5"},
    .needs = {requirement::qos1},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 1);
    pub.publish(topic, "unacked", 1);
    const auto first = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "unacked"}, {"dup", false}});
    sub.close();  // network loss, no PUBACK
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    auto& again = t.connect("again", o);
    t.check(t.connack("again").as<codec::connack_packet>().session_present, "the session was not kept",
            "session_present true", t.connack("again").as_json.dump(), "MQTT-3.1.2-5");
    const auto id = first.as<codec::publish_packet>().packet_id;
    const auto resent = again.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "unacked"}});
    t.check(resent.as<codec::publish_packet>().packet_id == id, "the resent PUBLISH has another packet identifier",
            "packet_id " + std::to_string(id), resent.as_json.dump(), "MQTT-4.4.0-1");
    t.check(resent.as<codec::publish_packet>().dup, "the resent PUBLISH has DUP 0", "dup true", resent.as_json.dump(),
            "MQTT-3.3.1-1");
    again.acknowledge(resent);
}

MQTTSPEC_CASE(error_puback_not_resent, {
    .id = "v5/qos1/error-puback-not-resent",
    .title = "A QoS 1 message answered by a PUBACK with an error reason code counts as acknowledged and is not resent",
    .statements = {"MQTT-4.4.0-2"},
    .needs = {requirement::qos1},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 1);
    pub.publish(topic, "refused", 1);
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "refused"}});
    codec::puback_packet ack;
    ack.packet_id = msg.as<codec::publish_packet>().packet_id;
    ack.reason_code = codec::reason::unspecified_error;
    sub.send(ack);
    disconnect_and_await_close(t, sub);
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    auto& again = t.connect("again", o);
    // Had the broker kept "refused" in flight, it would resend it before a later message from the same
    // publisher on the same topic at the same QoS (4.6): an ordered marker proves it never comes.
    expect_no_delivery(pub, again, topic, 1, {{"type", "PUBLISH"}, {"payload", "refused"}});
}

}  // namespace
}  // namespace mqttspec::conformance
