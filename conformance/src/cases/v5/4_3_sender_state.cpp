// 5.0 section 4.3: the server as QoS 1 / QoS 2 sender. A new message gets an unused packet
// identifier (MQTT-4.3.2-1, MQTT-4.3.3-1), and the server keeps each step unacknowledged until the
// matching acknowledgement: PUBLISH until PUBACK (MQTT-4.3.2-3) or PUBREC (MQTT-4.3.3-3), PUBREL
// until PUBCOMP (MQTT-4.3.3-5). A resumed session shows what the server still holds unacknowledged.
#include <set>

#include "case_helpers.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

using helpers::packet_id_of;

MQTTSPEC_CASE(qos1_new_message_unused_id, {
    .id = "v5/qos1/new-message-gets-unused-packet-id",
    .title = "Each new QoS 1 message the server sends while earlier ones are unacknowledged carries a packet identifier not in use",
    .statements = {"MQTT-4.3.2-1"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("ids");
    sub.subscribe(topic, 1);
    for (const char* payload : {"n1", "n2", "n3"}) helpers::publish_completed(pub, topic, payload, 1);
    // None is acknowledged: each one the server sends is a new message while the others are in use.
    auto held = helpers::held_deliveries(sub, topic, sub.expect({{"type", "PUBLISH"}, {"topic", topic}}));
    std::set<std::uint16_t> in_use;
    for (const auto& m : held) {
        t.check(in_use.insert(packet_id_of(m)).second, "a new QoS 1 message reuses the packet identifier of an unacknowledged one",
                "an identifier not in use", m.as_json.dump(), "MQTT-4.3.2-1");
    }
    for (const auto& m : held) sub.acknowledge(m);
    if (held.size() < 2) t.skip("the server sent one QoS 1 message at a time (its send quota, 4.9): no identifiers in use together");
}

MQTTSPEC_CASE(qos2_new_message_unused_id, {
    .id = "v5/qos2/new-message-gets-unused-packet-id",
    .title = "A new QoS 2 message the server sends while an earlier one awaits PUBCOMP carries another packet identifier",
    .statements = {"MQTT-4.3.3-1"},
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("ids");
    sub.subscribe(topic, 2);
    helpers::publish_qos2_completed(pub, topic, "first");
    const auto first = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "first"}});
    const auto first_id = packet_id_of(first);
    codec::pubrec_packet rec;
    rec.packet_id = first_id;
    sub.send(rec);
    sub.expect({{"type", "PUBREL"}, {"packet_id", first_id}});
    // No PUBCOMP yet: the identifier stays in use (2.2.1: until the PUBCOMP), and the exchange no longer
    // counts against the send quota only once PUBCOMP arrives (4.9), so the next message may wait for it.
    helpers::publish_qos2_completed(pub, topic, "second");
    auto held = helpers::held_deliveries(sub, topic, first);
    held.erase(held.begin());
    for (const auto& m : held) {
        t.check(packet_id_of(m) != first_id, "a new QoS 2 message reuses the packet identifier of one awaiting PUBCOMP",
                "a packet identifier other than " + std::to_string(first_id), m.as_json.dump(), "MQTT-4.3.3-1");
    }
    codec::pubcomp_packet comp;
    comp.packet_id = first_id;
    sub.send(comp);
    if (held.empty()) {
        sub.acknowledge(sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "second"}}));
        t.skip("the server sent the second QoS 2 message only after the first one's PUBCOMP (its send quota, 4.9)");
    }
    for (const auto& m : held) sub.acknowledge(m);
}

MQTTSPEC_CASE(qos1_unacknowledged_until_puback, {
    .id = "v5/qos1/unacknowledged-until-puback",
    .title = "The server holds a QoS 1 message unacknowledged until its PUBACK: on resuming the session it resends the one not acknowledged, not the one that was",
    .statements = {"MQTT-4.3.2-3"},
    .needs = {requirement::qos1},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    t.session_kept(t.client_id("sub"));
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 1);
    helpers::publish_completed(pub, topic, "acked", 1);
    helpers::publish_completed(pub, topic, "unacked", 1);
    sub.acknowledge(sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "acked"}}));
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "unacked"}});
    // The PUBACK must have been processed before the connection is lost: a broker that reads the new
    // connection's CONNECT before the old connection's last bytes may rightly resend "acked".
    sub.barrier();
    sub.close();  // network loss, "unacked" without PUBACK
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    auto& again = t.connect("again", o);
    const auto resent = again.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "unacked"}});
    // 4.6: resent messages keep their original order, so "acked", were it still held, would come first.
    t.check(again.take_all({{"type", "PUBLISH"}, {"payload", "acked"}}).empty(),
            "the server resent a QoS 1 message the client had acknowledged with PUBACK", "only \"unacked\" resent",
            "\"acked\" resent too", "MQTT-4.3.2-3");
    again.acknowledge(resent);
}

MQTTSPEC_CASE(qos2_sender_holds_each_step, {
    .id = "v5/qos2/sender-holds-each-step-until-acknowledged",
    .title = "The server holds a QoS 2 PUBLISH until PUBREC and then the PUBREL until PUBCOMP: each is resent when the session resumes before its acknowledgement",
    .statements = {"MQTT-4.3.3-3", "MQTT-4.3.3-5"},
    .needs = {requirement::qos2},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& sub = t.connect("sub", o);
    t.session_kept(t.client_id("sub"));
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    helpers::publish_qos2_completed(pub, topic, "steps");
    const auto id = packet_id_of(sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "steps"}}));
    sub.close();  // no PUBREC: the PUBLISH stays unacknowledged
    o.clean_start = false;
    o.client_id = t.client_id("sub");
    auto& second = t.connect("second", o);
    const auto again = second.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "steps"}});
    t.check(packet_id_of(again) == id, "the resent QoS 2 PUBLISH carries another packet identifier",
            "packet_id " + std::to_string(id), again.as_json.dump(), "MQTT-4.3.3-3");
    codec::pubrec_packet rec;
    rec.packet_id = id;
    second.send(rec);
    second.expect({{"type", "PUBREL"}, {"packet_id", id}});
    second.close();  // no PUBCOMP: the PUBREL stays unacknowledged
    auto& third = t.connect("third", o);
    const auto rel = third.next_event(third.default_deadline());
    if (rel.kind == event_kind::malformed) third.expect_well_formed();
    t.check(rel.kind == event_kind::packet && rel.packet->as_json.value("type", "") == "PUBREL" &&
                rel.packet->as_json.value("packet_id", 0) == id,
            "after PUBREC but without PUBCOMP, the resumed session does not start with the PUBREL resent",
            "PUBREL packet_id " + std::to_string(id),
            rel.kind == event_kind::packet ? rel.packet->as_json.dump() : std::string("nothing"), "MQTT-4.3.3-5");
    codec::pubcomp_packet comp;
    comp.packet_id = id;
    third.send(comp);
}

}  // namespace
}  // namespace mqttspec::conformance
