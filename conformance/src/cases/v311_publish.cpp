// 3.1.1 section 3.3 PUBLISH, the QoS flows of 4.3, message receipt (4.5) and ordering (4.6).
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "overlap_rules.hpp"
#include "v311_helpers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(qos0_delivery, {
    .id = "v311/publish/qos0-delivery",
    .title = "A QoS 0 message is not acknowledged and reaches the subscriber as a QoS 0 PUBLISH with DUP 0 and no Packet Identifier",
    .statements = {"MQTT-3.3.4-1", "MQTT-4.3.1-1", "MQTT-3.3.1-2", "MQTT-2.3.1-5"},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 0);
    pub.publish(topic, "q0", 0);
    // packet_id absent: the codec maps a QoS 0 PUBLISH without the field (one with it would not decode).
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "q0"}, {"qos", 0}, {"dup", false},
                {"packet_id", {{"absent", true}}}});
    pub.expect_none({{"type", {{"any_of", {"PUBACK", "PUBREC"}}}}});
}

MQTTSPEC_CASE(qos1_puback_ids, {
    .id = "v311/publish/qos1-puback-echoes-packet-id",
    .title = "A QoS 1 PUBLISH is answered with a PUBACK carrying its Packet Identifier, also without subscribers and for identifiers 1 and 65535",
    .statements = {"MQTT-3.3.4-1", "MQTT-4.3.2-2", "MQTT-2.3.1-6"},
    .needs = {requirement::qos1},
}) {
    auto& pub = t.connect("pub");
    const auto topic = t.topic("nobody-listens");
    for (std::uint16_t id : {std::uint16_t{1}, std::uint16_t{0x1234}, std::uint16_t{0xFFFF}}) {
        codec::publish_packet p;
        p.qos = 1;
        p.topic = topic;
        p.packet_id = id;
        p.payload = "x";
        pub.send(p);
        pub.expect_next({{"type", "PUBACK"}, {"packet_id", id}});
    }
}

MQTTSPEC_CASE(qos2_flow, {
    .id = "v311/publish/qos2-flow",
    .title = "A QoS 2 message goes PUBLISH/PUBREC/PUBREL/PUBCOMP on both sides with the same Packet Identifier and arrives once at QoS 2",
    .statements = {"MQTT-3.3.4-1", "MQTT-4.3.3-1", "MQTT-4.3.3-2", "MQTT-2.3.1-6", "MQTT-3.6.1-1"},
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 2);
    v311::publish_qos2_completed(pub, topic, "exactly-once");
    const auto msg = v311::expect_publish(sub, topic, "exactly-once", {{"qos", 2}, {"dup", false}});
    const auto id = msg.as<codec::publish_packet>().packet_id;
    codec::pubrec_packet rec;
    rec.packet_id = id;
    sub.send(rec);
    // The strict decoder already rejects a PUBREL whose flags are not 0010 (MQTT-3.6.1-1).
    sub.expect_next({{"type", "PUBREL"}, {"packet_id", id}});
    codec::pubcomp_packet comp;
    comp.packet_id = id;
    sub.send(comp);
    sub.expect_none({{"type", "PUBLISH"}, {"payload", "exactly-once"}});
}

MQTTSPEC_CASE(qos2_duplicate_not_redelivered, {
    .id = "v311/publish/qos2-duplicate-not-redelivered",
    .title = "A QoS 2 PUBLISH repeated before PUBREL is answered with PUBREC again and not delivered twice",
    .statements = {"MQTT-4.3.3-2"},
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 0);
    codec::publish_packet p;
    p.qos = 2;
    p.topic = topic;
    p.packet_id = 10;
    p.payload = "once-only";
    pub.send(p);
    pub.expect_next({{"type", "PUBREC"}, {"packet_id", 10}});
    p.dup = true;  // the client's re-send
    pub.send(p);
    pub.expect_next({{"type", "PUBREC"}, {"packet_id", 10}});
    codec::pubrel_packet rel;
    rel.packet_id = 10;
    pub.send(rel);
    pub.expect_next({{"type", "PUBCOMP"}, {"packet_id", 10}});
    expect_copies(pub, sub, topic, 2, pattern(json{{"type", "PUBLISH"}, {"topic", topic}, {"payload", "once-only"}}), 1, 1);
}

MQTTSPEC_CASE(qos1_packet_id_reuse, {
    .id = "v311/publish/qos1-packet-id-reuse-is-new-message",
    .title = "After its PUBACK, a QoS 1 Packet Identifier used again carries a new message, which is delivered too",
    .statements = {"MQTT-4.3.2-2"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 0);
    for (const char* payload : {"first", "second"}) {
        codec::publish_packet p;
        p.qos = 1;
        p.topic = topic;
        p.packet_id = 7;
        p.payload = payload;
        pub.send(p);
        pub.expect_next({{"type", "PUBACK"}, {"packet_id", 7}});
    }
    v311::expect_publish(sub, topic, "first");
    v311::expect_publish(sub, topic, "second");
}

MQTTSPEC_CASE(qos2_packet_id_reuse, {
    .id = "v311/publish/qos2-packet-id-reuse-is-new-message",
    .title = "After its PUBCOMP, a QoS 2 Packet Identifier used again carries a new message, which is delivered too",
    .statements = {"MQTT-4.3.3-2"},
    .needs = {requirement::qos2},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 0);
    for (const char* payload : {"first", "second"}) {
        codec::publish_packet p;
        p.qos = 2;
        p.topic = topic;
        p.packet_id = 9;
        p.payload = payload;
        pub.send(p);
        pub.expect_next({{"type", "PUBREC"}, {"packet_id", 9}});
        codec::pubrel_packet rel;
        rel.packet_id = 9;
        pub.send(rel);
        pub.expect_next({{"type", "PUBCOMP"}, {"packet_id", 9}});
    }
    v311::expect_publish(sub, topic, "first");
    v311::expect_publish(sub, topic, "second");
}

MQTTSPEC_CASE(incoming_dup_not_copied, {
    .id = "v311/publish/incoming-dup-not-propagated",
    .title = "A QoS 1 PUBLISH received with DUP 1 that is new to the server is forwarded with DUP 0",
    .statements = {"MQTT-3.3.1-3"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 1);
    codec::publish_packet p;
    p.dup = true;
    p.qos = 1;
    p.topic = topic;
    p.packet_id = 3;
    p.payload = "dup-in";
    pub.send(p);
    pub.expect({{"type", "PUBACK"}, {"packet_id", 3}});
    // 3.3.1.1: the outgoing DUP flag is set only when the server itself re-delivers.
    const auto msg = v311::expect_publish(sub, topic, "dup-in", {{"dup", false}});
    sub.acknowledge(msg);
}

// Delivered QoS is the minimum of the published QoS and the granted QoS (3.8.4).
void delivered_qos(case_context& t, std::uint8_t published, std::uint8_t subscribed) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    const auto suback = sub.subscribe(topic, subscribed);
    const auto granted = suback.as<codec::suback_packet>().reason_codes.at(0);
    t.check(granted <= subscribed, "the broker granted more than requested", "granted QoS <= " + std::to_string(subscribed),
            suback.as_json.dump(), "MQTT-3.8.4-5");
    const std::uint8_t expected = std::min(published, granted);
    if (published == 0) pub.publish(topic, "qos-check", 0);
    if (published == 1) v311::publish_qos1_acked(pub, topic, "qos-check");
    if (published == 2) v311::publish_qos2_completed(pub, topic, "qos-check");
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "qos-check"}});
    t.check(msg.as<codec::publish_packet>().qos == expected, "the message was delivered at the wrong QoS",
            "qos " + std::to_string(expected) + " (published " + std::to_string(published) + ", granted " +
                std::to_string(granted) + ")",
            msg.as_json.dump(), "MQTT-3.8.4-6");
    sub.acknowledge(msg);
}

MQTTSPEC_CASE(qos1_to_qos0_subscriber, {
    .id = "v311/publish/delivered-qos-1-to-0",
    .title = "A QoS 1 message reaches a QoS 0 subscription at QoS 0",
    .statements = {"MQTT-3.8.4-6"},
    .needs = {requirement::qos1},
}) {
    delivered_qos(t, 1, 0);
}

MQTTSPEC_CASE(qos2_to_qos1_subscriber, {
    .id = "v311/publish/delivered-qos-2-to-1",
    .title = "A QoS 2 message reaches a QoS 1 subscription at QoS 1",
    .statements = {"MQTT-3.8.4-6"},
    .needs = {requirement::qos2},
}) {
    delivered_qos(t, 2, 1);
}

MQTTSPEC_CASE(qos2_to_qos0_subscriber, {
    .id = "v311/publish/delivered-qos-2-to-0",
    .title = "A QoS 2 message reaches a QoS 0 subscription at QoS 0",
    .statements = {"MQTT-3.8.4-6"},
    .needs = {requirement::qos2},
}) {
    delivered_qos(t, 2, 0);
}

MQTTSPEC_CASE(qos1_to_qos2_subscriber, {
    .id = "v311/publish/delivered-qos-1-to-2",
    .title = "A QoS 1 message reaches a QoS 2 subscription at QoS 1 (the published QoS is not raised)",
    .statements = {"MQTT-3.8.4-6"},
    .needs = {requirement::qos1},
}) {
    delivered_qos(t, 1, 2);
}

MQTTSPEC_CASE(qos0_to_qos2_subscriber, {
    .id = "v311/publish/delivered-qos-0-to-2",
    .title = "A QoS 0 message reaches a QoS 2 subscription at QoS 0",
    .statements = {"MQTT-3.8.4-6"},
}) {
    delivered_qos(t, 0, 2);
}

void overlapping_311(case_context& t, const overlap_rules::row& r) {
    overlap_rules::overlapping_max_qos(t, r, "MQTT-3.3.5-1");
}

// The first row of overlap_rules (exact filter higher, '+' lower, lower subscribed first) keeps the
// ID it always had; the other rows get IDs below it.
MQTTSPEC_CASE(overlapping_max_qos, {
    .id = "v311/publish/overlapping-subscriptions-max-qos",
    .title = "With overlapping subscriptions the message arrives once or once per subscription, and one copy has the highest granted QoS",
    .statements = {"MQTT-3.3.5-1"},
    .needs = {requirement::qos1, requirement::wildcard_subscriptions},
}) {
    overlapping_311(t, overlap_rules::rows[0]);
}

const bool overlapping_rows_registered = overlap_rules::register_rows<overlapping_311>(
    {.id = "v311/publish/overlapping-subscriptions-max-qos",
     .title = "With overlapping subscriptions one copy of the message has the highest granted QoS",
     .statements = {"MQTT-3.3.5-1"},
     .needs = {requirement::qos1, requirement::wildcard_subscriptions}},
    __FILE__, std::index_sequence<1, 2, 3, 4, 5>{});

// A publisher's messages to one topic reach the subscriber in the order sent (4.6). 3.1.1 announces no
// limit on messages in flight from the client, and forwarding order needs none: QoS 1 and 2 messages
// are published one at a time (in-flight window 1).
void ordered(case_context& t, std::uint8_t qos) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, qos);
    constexpr int count = 10;
    for (int i = 0; i < count; ++i) {
        const auto payload = "m" + std::to_string(i);
        if (qos == 0) pub.publish(topic, payload, 0);
        if (qos == 1) v311::publish_qos1_acked(pub, topic, payload);
        if (qos == 2) v311::publish_qos2_completed(pub, topic, payload);
    }
    for (int i = 0; i < count; ++i) {
        const auto msg = sub.expect_next({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "m" + std::to_string(i)}});
        sub.acknowledge(msg);
    }
}

MQTTSPEC_CASE(ordering_qos0, {
    .id = "v311/publish/ordering-qos0",
    .title = "QoS 0 messages from one publisher to one topic are forwarded in the order they were published",
    .statements = {"MQTT-4.6.0-6"},
}) {
    ordered(t, 0);
}

MQTTSPEC_CASE(ordering_qos1, {
    .id = "v311/publish/ordering-qos1",
    .title = "QoS 1 messages from one publisher to one topic are forwarded in the order they were published",
    .statements = {"MQTT-4.6.0-6"},
    .needs = {requirement::qos1},
}) {
    ordered(t, 1);
}

MQTTSPEC_CASE(ordering_qos2, {
    .id = "v311/publish/ordering-qos2",
    .title = "QoS 2 messages from one publisher to one topic are forwarded in the order they were published",
    .statements = {"MQTT-4.6.0-6"},
    .needs = {requirement::qos2},
}) {
    ordered(t, 2);
}

MQTTSPEC_CASE(puback_order, {
    .id = "v311/publish/puback-order",
    .title = "PUBACKs are sent in the order the QoS 1 PUBLISH packets were received",
    .statements = {"MQTT-4.6.0-2", "MQTT-4.6.0-6"},
    .needs = {requirement::qos1},
}) {
    // Two in flight, the fewest that have an order; 3.1.1 lets the client send them without waiting.
    auto& pub = t.connect("pub");
    std::vector<std::uint16_t> ids;
    for (int i = 0; i < 2; ++i) ids.push_back(pub.publish(t.topic("t"), "x", 1));
    for (auto id : ids) pub.expect_next({{"type", "PUBACK"}, {"packet_id", id}});
}

MQTTSPEC_CASE(pubrec_order, {
    .id = "v311/publish/pubrec-order",
    .title = "PUBRECs are sent in the order the QoS 2 PUBLISH packets were received",
    .statements = {"MQTT-4.6.0-3", "MQTT-4.6.0-6"},
    .needs = {requirement::qos2},
}) {
    // Two in flight, the fewest that have an order.
    auto& pub = t.connect("pub");
    std::vector<std::uint16_t> ids;
    for (int i = 0; i < 2; ++i) ids.push_back(pub.publish(t.topic("t"), "x", 2));
    for (auto id : ids) pub.expect_next({{"type", "PUBREC"}, {"packet_id", id}});
    for (auto id : ids) {
        codec::pubrel_packet rel;
        rel.packet_id = id;
        pub.send(rel);
    }
    for (auto id : ids) pub.expect_next({{"type", "PUBCOMP"}, {"packet_id", id}});
}

MQTTSPEC_CASE(server_packet_ids_distinct, {
    .id = "v311/publish/server-packet-ids-unused",
    .title = "QoS 1 messages in flight to one subscriber carry distinct non-zero Packet Identifiers",
    .statements = {"MQTT-2.3.1-4", "MQTT-2.3.1-1", "MQTT-4.3.2-1"},
    .needs = {requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    sub.subscribe(topic, 1);
    constexpr int count = 5;
    for (int i = 0; i < count; ++i) v311::publish_qos1_acked(pub, topic, "m" + std::to_string(i));
    // The broker may send one message at a time and wait for each PUBACK (it announces no window):
    // compare the identifiers of those it has sent unacknowledged, the first at least.
    std::vector<received_packet> held{v311::expect_publish(sub, topic, "m0", {{"qos", 1}, {"dup", false}})};
    sub.barrier();
    for (auto& m : sub.take_all({{"type", "PUBLISH"}, {"topic", topic}})) held.push_back(std::move(m));
    std::set<std::uint16_t> ids;
    for (const auto& m : held) {
        const auto id = m.as<codec::publish_packet>().packet_id;
        t.check(id != 0 && ids.insert(id).second, "the broker reused a Packet Identifier that is still in use",
                "a new non-zero packet_id", m.as_json.dump(), "MQTT-2.3.1-4");
    }
    for (const auto& m : held) sub.acknowledge(m);
    if (held.size() < 2) t.skip("the broker sent one QoS 1 message at a time: no identifiers in use together to compare");
}

MQTTSPEC_CASE(every_subscriber, {
    .id = "v311/publish/delivered-to-every-subscriber",
    .title = "A message reaches every client with a matching subscription",
    .statements = {"MQTT-4.5.0-1"},
    .needs = {requirement::qos1},
}) {
    auto& a = t.connect("a");
    auto& b = t.connect("b");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    a.subscribe(topic, 1);
    b.subscribe(topic, 0);
    v311::publish_qos1_acked(pub, topic, "fan-out");
    a.acknowledge(v311::expect_publish(a, topic, "fan-out", {{"qos", 1}}));
    v311::expect_publish(b, topic, "fan-out", {{"qos", 0}});
}

MQTTSPEC_CASE(topic_name_of_publication, {
    .id = "v311/publish/topic-name-is-publication-topic",
    .title = "A message matched by a wildcard subscription carries the published Topic Name, which matches the filter",
    .statements = {"MQTT-3.3.2-3"},
    .needs = {requirement::wildcard_subscriptions},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    sub.subscribe(t.topic("w/+/x/#"), 0);
    pub.publish(t.topic("w/1/x/y/z"), "wild", 0);
    const auto msg = sub.expect({{"type", "PUBLISH"}, {"payload", "wild"}});
    t.check(msg.as<codec::publish_packet>().topic == t.topic("w/1/x/y/z"), "the forwarded Topic Name is not the published one",
            t.topic("w/1/x/y/z"), msg.as_json.dump(), "MQTT-3.3.2-3");
}

MQTTSPEC_CASE(unauthorised_publish, {
    .id = "v311/publish/unauthorised",
    .title = "A PUBLISH to a topic the client may not publish to is acknowledged per its QoS or the connection is closed, and it is not delivered",
    .statements = {"MQTT-3.3.5-2"},
    .needs = {requirement::denied_topic, requirement::qos1},
}) {
    const auto topic = *t.prof().denied_topic;  // fixed by the profile: the payload makes it this run's
    const auto payload = "denied-" + t.prefix();
    const auto marker_topic = t.topic("marker");
    // A subscriber to the denied topic watches for the message; an ACL may deny it too.
    auto& sub = t.connect("sub");
    const auto suback = sub.subscribe(topic, 1);
    const bool watching = suback.as<codec::suback_packet>().reason_codes.at(0) < 0x80;
    sub.subscribe(marker_topic, 1);
    auto& pub = t.connect("pub");
    const auto id = pub.publish(topic, payload, 1);
    // 3.3.5: a positive acknowledgement per the QoS rules, or closing the connection.
    bool closed = false;
    const auto until = pub.default_deadline();
    for (;;) {
        auto e = pub.next_event(until);
        if (e.kind == event_kind::closed) {
            closed = true;
            break;
        }
        if (e.kind == event_kind::malformed) pub.expect_well_formed();
        if (e.kind == event_kind::timeout) {
            t.fail("the broker neither acknowledged nor closed", "PUBACK " + std::to_string(id) + " or close", "nothing",
                   "MQTT-3.3.5-2");
        }
        t.check(pattern(json{{"type", "PUBACK"}, {"packet_id", id}}).matches(e.packet->as_json),
                "unexpected answer to an unauthorised PUBLISH", "PUBACK " + std::to_string(id) + " or close",
                e.packet->as_json.dump(), "MQTT-3.3.5-2");
        break;
    }
    if (!watching) {
        t.skip("the acknowledgement is correct, but the broker also refuses subscribing to the denied topic (SUBACK " +
               suback.as_json.dump() + "), so non-delivery cannot be observed");
    }
    // The marker cannot go to the denied topic (it would be denied as well): a marker on another topic
    // from the same publisher, or a new one if the broker closed it, is the weaker proof (verifiers.hpp).
    client& marker_pub = closed ? t.connect("pub-after") : pub;
    expect_no_delivery_unordered_marker(marker_pub, sub, marker_topic, 1,
                                        pattern(json{{"type", "PUBLISH"}, {"topic", topic}, {"payload", payload}}));
}

}  // namespace
}  // namespace mqttspec::conformance
