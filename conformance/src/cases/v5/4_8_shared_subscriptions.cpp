// MQTT 5.0, section 4.8 Shared subscriptions: shared subscriptions.
// The "one copy per group" and "no retained messages" rules are in the section's unnumbered text: the
// delivery cases cite the numbered delivery rule that text refines (MQTT-4.5.0-1 for who gets a copy,
// MQTT-3.3.1-9 for retained messages on subscribing, which 3.3.1.3 states for "a new Non-shared
// Subscription" only) and quote the text they judge. Only the cases that judge the $share syntax cite
// MQTT-4.8.2-1/-2.  Absence at a group member cannot be proved by an ordered marker: 4.6 orders delivery on
// non-shared subscriptions only (MQTT-4.6.0-6), and a marker on the shared topic may go to another member.
// The cases use a marker on a non-shared subscription of each member instead, the weaker proof of
// expect_no_delivery_unordered_marker (verifiers.hpp).
#include <atomic>
#include <set>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

// Publishes `count` QoS 1 messages "m0".."m<count-1>" on `topic`, each acknowledged by the broker.
void publish_numbered(client& pub, const std::string& topic, int count) {
    for (int i = 0; i < count; ++i) {
        const auto id = pub.publish(topic, "m" + std::to_string(i), 1);
        pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    }
}

// Each of `members` subscribes (non-shared) to `marker_topic`, for marker_round.
void subscribe_to_markers(std::vector<client*> members, const std::string& marker_topic) {
    for (auto* c : members) c->subscribe(marker_topic, 1);
}

// After everything `pub` sent before: `pub` publishes one QoS 1 marker on `marker_topic`, and every
// member receives and acknowledges it (unordered marker, see the top of the file).
void marker_round(client& pub, std::vector<client*> members, const std::string& marker_topic) {
    static std::atomic<int> round{0};
    const std::string payload = "marker-" + std::to_string(++round);
    pub.barrier();
    const auto id = pub.publish(marker_topic, payload, 1);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    for (auto* c : members) c->acknowledge(c->expect({{"type", "PUBLISH"}, {"topic", marker_topic}, {"payload", payload}}));
}

// Takes every copy of the numbered messages from `members` (after a marker round) and acknowledges them.
std::vector<std::string> collect_numbered(client& pub, std::vector<client*> members, const std::string& topic,
                                          const std::string& marker_topic) {
    marker_round(pub, members, marker_topic);
    std::vector<std::string> payloads;
    for (auto* c : members) {
        for (const auto& m : c->take_all({{"type", "PUBLISH"}, {"topic", topic}})) {
            payloads.push_back(m.as_json.value("payload", ""));
            c->acknowledge(m);
        }
    }
    return payloads;
}

MQTTSPEC_CASE(one_copy_per_group, {
    .id = "v5/shared/one-copy-per-group",
    .title = "Each message matching a Shared Subscription is sent to exactly one of the group's sessions",
    .statements = {"MQTTSPEC-5-4.8.2-one-copy-per-group", "MQTT-4.5.0-1"},
    .needs = {requirement::shared_subscriptions, requirement::qos1},
}) {
    // 4.8.2: "each message ... is sent to only one of the sessions attached to the Shared Subscription".
    auto& a = t.connect("member-a");
    auto& b = t.connect("member-b");
    const auto topic = t.topic("work"), marker_topic = t.topic("marker");
    a.subscribe(shared_filter(t, "g", "work"), 1);
    b.subscribe(shared_filter(t, "g", "work"), 1);
    subscribe_to_markers({&a, &b}, marker_topic);
    auto& pub = t.connect("pub");
    constexpr int count = 6;
    publish_numbered(pub, topic, count);
    // Wait until every message reached one member: the members are acknowledged as they go.
    std::multiset<std::string> got;
    const auto until = clock::now() + t.timeout();
    while (static_cast<int>(got.size()) < count && clock::now() < until) {
        for (auto* c : {&a, &b}) {
            auto e = c->next_event(clock::now() + std::chrono::milliseconds(20));
            if (e.kind == event_kind::packet && e.packet->type() == codec::packet_type::publish) {
                got.insert(e.packet->as_json.value("payload", ""));
                c->acknowledge(*e.packet);
            } else if (e.kind == event_kind::closed || e.kind == event_kind::malformed) {
                c->expect_well_formed();
                t.fail("a group member's connection closed", "open connections", e.detail);
            }
        }
    }
    // Late duplicates would show up before the markers.
    for (const auto& p : collect_numbered(pub, {&a, &b}, topic, marker_topic)) got.insert(p);
    std::string seen;
    for (const auto& p : got) seen += p + " ";
    for (int i = 0; i < count; ++i) {
        const auto n = got.count("m" + std::to_string(i));
        t.check(n == 1, "message m" + std::to_string(i) + " reached the group " + std::to_string(n) + " times",
                "each of m0..m5 exactly once across the group", seen);
    }
}

MQTTSPEC_CASE(groups_and_plain_each_get_copy, {
    .id = "v5/shared/separate-groups-and-non-shared-each-get-a-copy",
    .title = "A message is sent once to each Shared Subscription group and once to each non-shared subscriber",
    .statements = {"MQTTSPEC-5-4.8.2-one-copy-per-group", "MQTT-4.5.0-1"},
    .needs = {requirement::shared_subscriptions, requirement::qos1},
}) {
    auto& g1 = t.connect("group-1");
    auto& g2 = t.connect("group-2");
    auto& plain = t.connect("plain");
    const auto topic = t.topic("news"), marker_topic = t.topic("marker");
    g1.subscribe(shared_filter(t, "g1", "news"), 1);
    g2.subscribe(shared_filter(t, "g2", "news"), 1);
    plain.subscribe(topic, 1);
    subscribe_to_markers({&g1, &g2}, marker_topic);
    auto& pub = t.connect("pub");
    publish_numbered(pub, topic, 1);
    for (auto* c : {&g1, &g2, &plain}) {
        const auto m = c->expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "m0"}});
        c->acknowledge(m);
    }
    // One copy each, no more: for the non-shared subscriber an ordered marker (same topic, QoS and
    // publisher); for the group members the unordered one.
    expect_no_delivery(pub, plain, topic, 1, {{"type", "PUBLISH"}, {"topic", topic}, {"payload", "m0"}});
    marker_round(pub, {&g1, &g2}, marker_topic);
    for (auto* c : {&g1, &g2}) {
        t.check(c->take_all({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "m0"}}).empty(),
                "a Shared Subscription group received a second copy", "one copy per group", c->name());
    }
}

MQTTSPEC_CASE(shared_granted_qos, {
    .id = "v5/shared/granted-qos-honoured",
    .title = "A message sent through a Shared Subscription is delivered at no more than the QoS granted to that subscriber",
    .statements = {"MQTT-4.8.2-3"},
    .needs = {requirement::shared_subscriptions, requirement::qos1},
}) {
    auto& member = t.connect("member");
    const auto topic = t.topic("t");
    const auto suback = member.subscribe(shared_filter(t, "g", "t"), 0);
    t.check(suback.as<codec::suback_packet>().reason_codes == std::vector<std::uint8_t>{0},
            "the QoS 0 shared subscription was not granted at QoS 0", "SUBACK [0]", suback.as_json.dump());
    auto& pub = t.connect("pub");
    publish_numbered(pub, topic, 1);
    member.expect({{"type", "PUBLISH"}, {"topic", topic}, {"qos", 0}, {"payload", "m0"}});
}

// Invalid shared filters: the server refuses them (SUBACK >= 0x80, e.g. 0x8F Topic Filter invalid) or
// treats the SUBSCRIBE as malformed / a Protocol Error and closes. Granting one fails.
void refuse_filter(case_context& t, const std::string& filter, const std::string& statement) {
    auto& sub = t.connect("sub");
    const auto id = send_subscribe(sub, {subscription(filter, 0)});
    expect_subscribe_refused(sub, id, statement);
}

MQTTSPEC_CASE(shared_empty_share_name, {
    .id = "v5/shared/empty-share-name-refused",
    .title = "A shared filter with an empty ShareName ($share//t) is refused",
    .statements = {"MQTT-4.8.2-1"},
    .needs = {requirement::shared_subscriptions},
}) {
    refuse_filter(t, "$share//" + t.topic("t"), "MQTT-4.8.2-1");
}

MQTTSPEC_CASE(shared_wildcard_share_name, {
    .id = "v5/shared/wildcard-in-share-name-refused",
    .title = "A shared filter whose ShareName contains '+' is refused",
    .statements = {"MQTT-4.8.2-2"},
    .needs = {requirement::shared_subscriptions},
}) {
    refuse_filter(t, "$share/g+x/" + t.topic("t"), "MQTT-4.8.2-2");
}

MQTTSPEC_CASE(shared_hash_share_name, {
    .id = "v5/shared/hash-in-share-name-refused",
    .title = "A shared filter whose ShareName contains '#' is refused",
    .statements = {"MQTT-4.8.2-2"},
    .needs = {requirement::shared_subscriptions},
}) {
    refuse_filter(t, "$share/g#/" + t.topic("t"), "MQTT-4.8.2-2");
}

MQTTSPEC_CASE(shared_missing_filter, {
    .id = "v5/shared/missing-topic-filter-refused",
    .title = "A shared filter with no Topic Filter after the ShareName ($share/g) is refused",
    .statements = {"MQTT-4.8.2-2"},
    .needs = {requirement::shared_subscriptions},
}) {
    refuse_filter(t, "$share/" + t.client_id("g"), "MQTT-4.8.2-2");
}

MQTTSPEC_CASE(shared_refused_not_reoffered, {
    .id = "v5/shared/refused-message-not-reoffered",
    .title = "A shared message the chosen subscriber refuses with PUBACK >= 0x80 is discarded, not sent to another member",
    .statements = {"MQTT-4.8.2-6"},
    .needs = {requirement::shared_subscriptions, requirement::qos1},
}) {
    auto& a = t.connect("member-a");
    auto& b = t.connect("member-b");
    const auto topic = t.topic("t"), marker_topic = t.topic("marker");
    a.subscribe(shared_filter(t, "g", "t"), 1);
    b.subscribe(shared_filter(t, "g", "t"), 1);
    subscribe_to_markers({&a, &b}, marker_topic);
    auto& pub = t.connect("pub");
    publish_numbered(pub, topic, 1);
    // Whichever member got it refuses it.
    client* chosen = nullptr;
    std::optional<received_packet> m;
    const auto until = clock::now() + t.timeout();
    while (!chosen && clock::now() < until) {
        for (auto* c : {&a, &b}) {
            auto e = c->next_event(clock::now() + std::chrono::milliseconds(20));
            if (e.kind == event_kind::packet && e.packet->type() == codec::packet_type::publish) {
                chosen = c;
                m = e.packet;
                break;
            }
            if (e.kind == event_kind::closed || e.kind == event_kind::malformed) {
                c->expect_well_formed();
                t.fail("a group member's connection closed", "open connections", e.detail);
            }
        }
    }
    t.check(chosen != nullptr, "no member of the group received the message", "one PUBLISH at a or b", "nothing");
    codec::puback_packet refuse;
    refuse.packet_id = m->as<codec::publish_packet>().packet_id;
    refuse.reason_code = 0x80;  // Unspecified error
    chosen->send(refuse);
    chosen->barrier();  // the broker has processed the refusal
    marker_round(pub, {&a, &b}, marker_topic);
    for (auto* c : {&a, &b}) {
        const auto again = c->take_all({{"type", "PUBLISH"}, {"topic", topic}});
        t.check(again.empty(), "the refused message was offered again", "no further PUBLISH on " + topic,
                again.empty() ? "" : again.front().as_json.dump());
    }
}

MQTTSPEC_CASE(shared_qos2_completed_after_reconnect, {
    .id = "v5/shared/qos2-delivery-completed-on-reconnect",
    .title = "A QoS 2 shared delivery interrupted by a lost connection is completed to the same client when it reconnects",
    .statements = {"MQTT-4.8.2-4"},
    .needs = {requirement::shared_subscriptions, requirement::qos2},
}) {
    connect_options persistent;
    persistent.client_id = t.client_id("member");
    persistent.session_expiry = 300;
    auto& member = t.connect("member", persistent);
    const auto topic = t.topic("t");
    member.subscribe(shared_filter(t, "g", "t"), 2);
    auto& pub = t.connect("pub");
    const auto id = pub.publish(topic, "q2", 2);
    pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
    codec::pubrel_packet rel;
    rel.packet_id = id;
    pub.send(rel);
    pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
    const auto first = member.expect({{"type", "PUBLISH"}, {"topic", topic}, {"qos", 2}});
    member.close();  // the connection breaks before PUBREC

    // A second member joins while the first is away: the started delivery must not move to it.
    auto& newcomer = t.connect("newcomer");
    newcomer.subscribe(shared_filter(t, "g", "t"), 2);
    const auto marker_topic = t.topic("marker");
    subscribe_to_markers({&newcomer}, marker_topic);

    persistent.clean_start = false;
    auto& back = t.connect("member-again", persistent);
    const auto again = back.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "q2"}});
    t.check(again.as<codec::publish_packet>().packet_id == first.as<codec::publish_packet>().packet_id,
            "the resent PUBLISH does not keep its packet identifier", first.as_json.dump(), again.as_json.dump(),
            "MQTT-4.8.2-4");
    back.acknowledge(again);
    marker_round(pub, {&newcomer}, marker_topic);
    const auto moved = newcomer.take_all({{"type", "PUBLISH"}, {"topic", topic}});
    t.check(moved.empty(), "the started delivery went to another member of the group", "no PUBLISH at the newcomer",
            moved.empty() ? "" : moved.front().as_json.dump(), "MQTT-4.8.2-4");
}

}  // namespace
}  // namespace mqttspec::conformance
