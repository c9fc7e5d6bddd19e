// MQTT 3.1.1, section 3.3 PUBLISH: publish.
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "overlap_rules.hpp"
#include "case_helpers.hpp"

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
    helpers::publish_qos2_completed(pub, topic, "exactly-once");
    const auto msg = helpers::expect_publish(sub, topic, "exactly-once", {{"qos", 2}, {"dup", false}});
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
    const auto msg = helpers::expect_publish(sub, topic, "dup-in", {{"dup", false}});
    sub.acknowledge(msg);
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
