// Case bodies for delivery rules that read the same in 3.1.1 and 5.0: a message reaches every matching
// subscriber (4.5), an identical filter replaces its subscription (3.8.4), a repeated QoS 2 PUBLISH is
// delivered once, and a released Packet Identifier starts a new message (4.3). The v311/ and v5/ case
// files register each body under the same case name and their own statement numbers; nothing here
// depends on the version, because the client speaks the case's version.
#pragma once

#include <algorithm>
#include <functional>
#include <string>

#include "case_helpers.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance::delivery_rules {

// Two subscribers (QoS 1 and QoS 0) each receive one QoS 1 message. The QoS they receive it at is the
// delivered-qos matrix's business: here only that it reaches both.
inline void every_matching_subscriber(case_context& t) {
    auto& a = t.connect("a");
    auto& b = t.connect("b");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("fan");
    a.subscribe(topic, 1);
    b.subscribe(topic, 0);
    helpers::publish_completed(pub, topic, "to-all", 1);
    const pattern message(json{{"type", "PUBLISH"}, {"topic", topic}, {"payload", "to-all"}});
    a.acknowledge(a.expect(message));
    b.acknowledge(b.expect(message));
}

// The copies of `payload` that reached `sub` before `marker_payload`, a later message of the same
// publisher on the same topic (helpers::copies_before_marker), with the marker acknowledged. The
// forwarded copy is ordered before the marker (4.6): none there means the message was lost.
inline helpers::copies_and_marker forwarded_copies(case_context& t, client& sub, const std::string& topic, const std::string& payload,
                                                   const std::string& marker_payload, const std::string& statement) {
    auto got = helpers::copies_before_marker(sub, topic, payload, marker_payload);
    sub.acknowledge(got.marker);
    t.check(!got.copies.empty(), "the message was not forwarded before the one its publisher sent after it on the same topic (4.6)",
            "PUBLISH '" + payload + "', then '" + marker_payload + "'",
            describe_packets(got.copies) + ", then " + got.marker.as_json.dump(), statement);
    return got;
}

// A message published with RETAIN 1 to a topic `sub` already subscribes to (`subscribe` makes the
// subscription: 3.1.1 plain, 5.0 with Retain As Published 0) is forwarded with RETAIN 0. Judged on
// every copy before a later message of the same publisher (forwarded_copies): a broker may send the
// message once more, as a retained one for the subscription it was still setting up.
inline void live_forward_clears_retain(case_context& t, const std::function<received_packet(client&, const std::string&)>& subscribe,
                                       const std::string& statement) {
    const auto topic = t.topic("t");
    t.retained_on(topic);
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    helpers::granted_qos(t, subscribe(sub, topic));  // a refusal skips
    pub.publish(topic, "live", 1, /*retain=*/true);
    pub.publish(topic, "after", 1);
    const auto got = forwarded_copies(t, sub, topic, "live", "after", statement);
    const bool cleared = std::any_of(got.copies.begin(), got.copies.end(),
                                     [](const received_packet& m) { return !m.as<codec::publish_packet>().retain; });
    t.check(cleared, "a message forwarded to an established subscription kept RETAIN 1",
            "a copy with RETAIN 0 (besides it, one with RETAIN 1 sent as retained for the new subscription is allowed)",
            describe_packets(got.copies), statement);
}

// SUBSCRIBE at QoS 0, then again to the identical filter at QoS 1: the second replaces the first, so
// one QoS 1 message arrives once, at what the second SUBACK granted (which may be lower than 1).
inline void identical_filter_replaces(case_context& t, const std::string& statement) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 0);
    const auto suback = sub.subscribe(topic, 1);
    const int granted = helpers::granted_qos(t, suback);  // a refusal skips
    helpers::publish_completed(pub, topic, "after-replace", 1);
    const auto copies = expect_copies(pub, sub, topic, 1, pattern(json{{"type", "PUBLISH"}, {"payload", "after-replace"}}), 1, 1);
    const auto expected_qos = std::min(granted, 1);
    t.check(copies[0].as<codec::publish_packet>().qos == expected_qos,
            "the message did not arrive at the QoS the new subscription was granted",
            "qos " + std::to_string(expected_qos) + " (the new subscription)", copies[0].as_json.dump(), statement);
    sub.acknowledge(copies[0]);
}

// A QoS 2 PUBLISH sent again (DUP 1) before PUBREL gets a PUBREC each time, and after PUBREL/PUBCOMP
// the subscriber has exactly one copy.
inline void qos2_duplicate_delivered_once(case_context& t) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, 2);
    codec::publish_packet p;
    p.qos = 2;
    p.topic = topic;
    p.packet_id = 5;
    p.payload = "once";
    pub.send(p);
    pub.expect_next({{"type", "PUBREC"}, {"packet_id", 5}});
    p.dup = true;  // a retransmission: the receiver has not seen PUBREL yet
    pub.send(p);
    pub.expect_next({{"type", "PUBREC"}, {"packet_id", 5}});
    codec::pubrel_packet rel;
    rel.packet_id = 5;
    pub.send(rel);
    pub.expect_next({{"type", "PUBCOMP"}, {"packet_id", 5}});
    const auto copies = expect_copies(pub, sub, topic, 2, pattern(json{{"type", "PUBLISH"}, {"payload", "once"}}), 1, 1);
    sub.acknowledge(copies[0]);
}

// Two messages with the same Packet Identifier at `qos` (1 or 2), the second after the first exchange
// completed (PUBACK, or PUBCOMP) and sent with DUP 1, which the receiver must ignore once the
// identifier was released: both are new messages and both are delivered.
inline void packet_id_reuse_is_new_message(case_context& t, std::uint8_t qos) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a");
    sub.subscribe(topic, qos);
    constexpr std::uint16_t id = 9;
    for (const char* payload : {"first", "second"}) {
        codec::publish_packet p;
        p.qos = qos;
        p.topic = topic;
        p.packet_id = id;
        p.payload = payload;
        p.dup = std::string_view(payload) == "second";
        pub.send(p);
        if (qos == 1) {
            pub.expect_next({{"type", "PUBACK"}, {"packet_id", id}});
            continue;
        }
        pub.expect_next({{"type", "PUBREC"}, {"packet_id", id}});
        codec::pubrel_packet rel;
        rel.packet_id = id;
        pub.send(rel);
        pub.expect_next({{"type", "PUBCOMP"}, {"packet_id", id}});
    }
    for (const char* payload : {"first", "second"}) {
        sub.acknowledge(sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", payload}}));
    }
}

}  // namespace mqttspec::conformance::delivery_rules
