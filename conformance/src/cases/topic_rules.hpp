// Case bodies for the topic rules that read the same in 3.1.1 and 5.0 (section 4.7): '$'-topics and
// leading wildcards, literal '$' filters, no normalisation, case-sensitive matching, U+FEFF kept,
// multi-byte levels. v311/4_7_topics.cpp and
// v5/4_7_topics.cpp register them under each version's IDs and statement numbers.
#pragma once

#include <string>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance::topic_rules {

inline void expect_message(client& sub, const std::string& topic, const std::string& payload) {
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", payload}});
}

// Publishes `payload` to the '$'-topic `topic` and waits until the broker has taken it: the PUBACK
// (QoS 1) or a barrier (QoS 0). 3.1.1 4.7.2 recommends that a server not let clients use '$'-topics,
// and 5.0 leaves '$'-topics to the implementation, so a refusal (the connection closed, or a 5.0
// PUBACK >= 0x80) skips the case with the reason.
inline void publish_dollar_or_skip(case_context& t, client& pub, const std::string& topic, const std::string& payload,
                                   std::uint8_t qos) {
    const auto id = pub.publish(topic, payload, qos);
    if (qos == 0) pub.send(codec::pingreq_packet{});
    const auto until = pub.default_deadline();
    for (;;) {
        auto e = pub.next_event(until);
        if (e.kind == event_kind::closed) {
            t.skip("the broker closed the connection after a PUBLISH to the '$'-topic " + topic +
                   ": it refuses client publishes on '$'-topics, which the standard allows");
        }
        if (e.kind == event_kind::malformed) pub.expect_well_formed();
        if (e.kind == event_kind::timeout) {
            t.fail("the broker did not acknowledge a PUBLISH to a '$'-topic", qos == 0 ? "PINGRESP" : "PUBACK",
                   "nothing");
        }
        const auto& j = e.packet->as_json;
        if (qos == 0 && j.at("type") == "PINGRESP") return;
        if (qos > 0 && j.at("type") == "PUBACK" && j.at("packet_id") == id) {
            if (j.value("reason_code", 0) >= 0x80) {
                t.skip("the broker refused the PUBLISH to the '$'-topic " + topic + " (" + j.dump() +
                       "), which the standard allows");
            }
            return;
        }
        t.fail("the broker answered a PUBLISH to a '$'-topic with an unexpected packet",
               qos == 0 ? "PINGRESP" : "PUBACK", j.dump());
    }
}

// A filter starting with '+' must not match a Topic Name starting with '$'.
inline void dollar_not_matched_by_leading_wildcard(case_context& t) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    // Filter "+/<prefix>/t" matches "s/<prefix>/t" (the sentinel's topic) and would match
    // "$mqttspec/<prefix>/t" but for the '$' rule. Nothing outside this run's prefix is involved.
    sub.subscribe("+/" + t.prefix() + "/t", 0);
    publish_dollar_or_skip(t, pub, "$mqttspec/" + t.prefix() + "/t", "dollar", 0);
    expect_no_delivery_unordered_marker(pub, sub, "s/" + t.prefix() + "/t", 0, pattern(json{{"type", "PUBLISH"}, {"payload", "dollar"}}));
}

// A filter starting with '$' matches '$'-topics literally, wildcards after it included. The broker
// need not route client publishes on '$'-topics at all (3.1.1 4.7.2 recommends against letting
// clients use them), so an exact-filter subscriber first shows whether it does: a message and an
// ordered marker after it (same topic, same QoS, same publisher: 4.6) that never reach it mean "not
// routed" and skip the case. Once the broker routes them, the wildcard filter must match too.
inline void dollar_matched_explicitly(case_context& t, const std::string& wildcard_statement) {
    auto& exact = t.connect("exact");
    auto& wildcard = t.connect("wildcard");
    auto& pub = t.connect("pub");
    const auto dollar = "$mqttspec/" + t.prefix() + "/t";
    const auto refused = [&](const received_packet& suback) {
        const auto code = suback.as_json.at("reason_codes").at(0).get<int>();
        if (code >= 0x80) t.skip("the broker refused a subscription to a '$'-topic (" + suback.as_json.dump() + ")");
    };
    refused(exact.subscribe(dollar, 1));
    refused(wildcard.subscribe("$mqttspec/" + t.prefix() + "/+", 1));
    const std::uint8_t qos = t.caps().maximum_qos >= 1 ? 1 : 0;
    publish_dollar_or_skip(t, pub, dollar, "dollar-explicit", qos);
    publish_dollar_or_skip(t, pub, dollar, "dollar-marker", qos);

    const auto until = exact.default_deadline();
    const auto e = exact.next_event(until);
    if (e.kind == event_kind::malformed) exact.expect_well_formed();
    if (e.kind == event_kind::closed) t.fail("the broker closed the subscriber's connection", "PUBLISH", e.detail);
    if (e.kind == event_kind::timeout) {
        // Neither the message nor the marker reached the exact filter. Had the wildcard subscriber got
        // them, the broker would route '$'-topics and fail the literal match.
        wildcard.barrier();
        const auto via_wildcard = wildcard.take_all(pattern(json{{"type", "PUBLISH"}, {"topic", dollar}}));
        t.check(via_wildcard.empty(), "a '$'-topic message reached a '+' filter after '$' but not the exact filter",
                "PUBLISH " + dollar + " to the exact filter", "nothing", "MQTT-4.7.3-4");
        t.skip("the broker does not route client publishes on the '$'-topic " + dollar +
               " (neither the message nor a marker after it arrived); the standard lets it reserve '$'-topics");
    }
    const auto& first = e.packet->as_json;
    t.check(first.at("type") == "PUBLISH" && first.at("payload") == "dollar-explicit",
            "the first packet on the exact '$' filter is not the first message published", "PUBLISH dollar-explicit",
            first.dump(), "MQTT-4.7.3-4");
    t.check(first.at("topic") == dollar, "the message arrived with another Topic Name", dollar, first.dump(), "MQTT-4.7.3-4");
    if (first.value("qos", 0) > 0) exact.acknowledge(*e.packet);
    // Routed: the '+' after '$' must match the same message.
    try {
        (void)wildcard.expect(pattern(json{{"type", "PUBLISH"}, {"topic", dollar}, {"payload", "dollar-explicit"}}));
    } catch (case_failure& f) {
        f.statement = wildcard_statement;
        throw;
    }
}
// An NFC filter does not match the NFD form of the same name.
inline void no_normalisation(case_context& t) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto nfc = t.topic("caf\xC3\xA9");   // U+00E9
    const auto nfd = t.topic("cafe\xCC\x81");  // e + U+0301
    sub.subscribe(nfc, 0);
    pub.publish(nfd, "decomposed", 0);
    pub.publish(nfc, "composed", 0);
    // Forwarded in order from one publisher (4.6): "decomposed" would come before "composed".
    expect_message(sub, nfc, "composed");
    sub.expect_none({{"type", "PUBLISH"}, {"payload", "decomposed"}});
}

// Topic Names and Filters are case-sensitive (4.7.3: matching substitutes no character). `sub` holds
// the upper-case filter at QoS 1 and its lower-case twin at QoS 0. The lower-case message, published
// at QoS 1, may reach it only through the QoS 0 subscription (3.3.5), so a QoS 1 copy means the
// upper-case filter matched it; the ordered marker after it (same topic, QoS and publisher: 4.6)
// proves no such copy follows. The upper-case message arrives at QoS 1 under its exact Topic Name,
// and no QoS 0 copy of it (the lower-case filter must not match it either).
inline void case_sensitive(case_context& t, const std::string& upper_filter, const std::string& lower_filter,
                           const std::string& upper_topic, const std::string& lower_topic) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    sub.subscribe(upper_filter, 1);
    sub.subscribe(lower_filter, 0);
    const auto published = [&](const std::string& topic, const std::string& payload) {
        const auto id = pub.publish(topic, payload, 1);
        pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    };

    published(lower_topic, "to-lower");
    const auto lower = sub.expect({{"type", "PUBLISH"}, {"payload", "to-lower"}});
    if (lower.as_json.at("qos") != 0) sub.acknowledge(lower);
    t.check(lower.as_json.at("qos") == 0, "the upper-case filter " + upper_filter + " matched the lower-case Topic Name",
            "PUBLISH " + lower_topic + " at QoS 0 (only " + lower_filter + " matches)", lower.as_json.dump(), "MQTT-4.7.3-4");
    t.check(lower.as_json.at("topic") == lower_topic, "the message arrived under another Topic Name", lower_topic,
            lower.as_json.dump(), "MQTT-4.7.3-4");
    expect_no_delivery(pub, sub, lower_topic, 1, pattern(json{{"type", "PUBLISH"}, {"payload", "to-lower"}, {"qos", 1}}));

    published(upper_topic, "to-upper");
    const auto upper = sub.expect({{"type", "PUBLISH"}, {"payload", "to-upper"}, {"qos", 1}});
    sub.acknowledge(upper);
    t.check(upper.as_json.at("topic") == upper_topic, "the message arrived under another Topic Name (case changed)",
            upper_topic, upper.as_json.dump(), "MQTT-4.7.3-4");
    expect_no_delivery(pub, sub, upper_topic, 1, pattern(json{{"type", "PUBLISH"}, {"payload", "to-upper"}, {"qos", 0}}));
}

// EF BB BF in a Topic Name is U+FEFF, kept and matched as written.
inline void zero_width_no_break_space_kept(case_context& t) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto with_bom = t.topic("\xEF\xBB\xBFz");
    const auto without = t.topic("z");
    sub.subscribe(with_bom, 0);
    pub.publish(without, "plain", 0);
    pub.publish(with_bom, "bom", 0);
    expect_message(sub, with_bom, "bom");
    sub.expect_none({{"type", "PUBLISH"}, {"payload", "plain"}});
}

// '+' matches a level of multi-byte UTF-8 characters as a whole level.
inline void multibyte_utf8_levels(case_context& t) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    sub.subscribe(t.topic("\xE6\x97\xA5/+/\xF0\x9F\x98\x80"), 0);                 // 日/+/😀
    const auto topic = t.topic("\xE6\x97\xA5/\xE6\x9C\xAC/\xF0\x9F\x98\x80");  // 日/本/😀
    pub.publish(topic, "unicode", 0);
    expect_message(sub, topic, "unicode");
}

}  // namespace mqttspec::conformance::topic_rules
