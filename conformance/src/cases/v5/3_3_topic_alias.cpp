// MQTT 5.0, section 3.3 PUBLISH: topic alias.
#include <map>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

// Publishes `payload` with Topic Alias `alias`: with the topic when `topic` is non-empty (setting the
// mapping), else with a zero-length Topic Name (using it). QoS 1 so the PUBACK shows acceptance.
void publish_with_alias(client& pub, std::string_view topic, std::string_view payload, std::uint32_t alias) {
    const auto id = pub.publish(topic, payload, 1, false, {number_property(property_id::topic_alias, alias)});
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}, {"reason_code", {{"at_most", 0x7f}}}});
}

MQTTSPEC_CASE(alias_accepted, {
    .id = "v5/topic-alias/client-alias-accepted",
    .title = "The server accepts a Topic Alias set with a Topic Name and then used with a zero-length Topic Name",
    .statements = {"MQTT-3.3.2-12"},
    .needs = {requirement::topic_alias, requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("aliased");
    sub.subscribe(topic, 1);
    publish_with_alias(pub, topic, "set", 1);
    publish_with_alias(pub, "", "used", 1);
    for (const char* payload : {"set", "used"}) {
        const auto m = sub.expect({{"type", "PUBLISH"}, {"payload", payload}});
        t.check(m.as_json["topic"] == topic, "the message was delivered under another Topic Name", topic,
                m.as_json.dump());
        sub.acknowledge(m);
    }
}

MQTTSPEC_CASE(alias_maximum_accepted, {
    .id = "v5/topic-alias/maximum-value-accepted",
    .title = "The server accepts the Topic Alias equal to the Topic Alias Maximum it announced",
    .statements = {"MQTT-3.3.2-12"},
    .needs = {requirement::topic_alias, requirement::qos1},
}) {
    const std::uint32_t maximum = t.caps().topic_alias_maximum;
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("aliased");
    sub.subscribe(topic, 1);
    publish_with_alias(pub, topic, "set", maximum);
    publish_with_alias(pub, "", "used", maximum);
    for (const char* payload : {"set", "used"}) {
        const auto m = sub.expect({{"type", "PUBLISH"}, {"payload", payload}});
        t.check(m.as_json["topic"] == topic, "the message was delivered under another Topic Name", topic,
                m.as_json.dump());
        sub.acknowledge(m);
    }
}

MQTTSPEC_CASE(alias_remapped, {
    .id = "v5/topic-alias/remapped-by-new-topic-name",
    .title = "A PUBLISH carrying a known Topic Alias and a Topic Name replaces the alias's mapping",
    .statements = {"MQTT-3.3.2-12"},
    .needs = {requirement::topic_alias, requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto first = t.topic("first"), second = t.topic("second");
    sub.subscribe(first, 1);
    sub.subscribe(second, 1);
    publish_with_alias(pub, first, "m1", 1);
    publish_with_alias(pub, second, "m2", 1);  // alias 1 now stands for `second`
    publish_with_alias(pub, "", "m3", 1);
    const std::map<std::string, std::string> expected{{"m1", first}, {"m2", second}, {"m3", second}};
    for (const auto& [payload, topic] : expected) {
        const auto m = sub.expect({{"type", "PUBLISH"}, {"payload", payload}});
        t.check(m.as_json["topic"] == topic, "message " + payload + " was delivered under the wrong Topic Name",
                topic, m.as_json.dump());
        sub.acknowledge(m);
    }
}

// The server MUST close on these Protocol Errors (4.13.1); the DISCONNECT with the reason code 3.3.4
// names first is a SHOULD, judged by the "-reason-code" companions.
void send_alias_zero(case_context& t, client& pub) {
    pub.publish(t.topic("a"), "x", 0, false, {number_property(property_id::topic_alias, 0)});
}

void send_alias_above_maximum(case_context& t, client& pub) {
    const std::uint32_t maximum = t.caps().topic_alias_maximum;
    if (maximum == 65535) t.skip("the broker announced Topic Alias Maximum 65535: no alias value lies above it");
    pub.publish(t.topic("a"), "x", 0, false, {number_property(property_id::topic_alias, maximum + 1)});
}

void send_alias_unmapped(case_context&, client& pub) {
    pub.publish("", "x", 0, false, {number_property(property_id::topic_alias, 1)});
}

MQTTSPEC_CASE(alias_zero_rejected, {
    .id = "v5/topic-alias/zero-rejected",
    .title = "A PUBLISH with Topic Alias 0 is a Protocol Error: the server closes the connection (DISCONNECT >= 0x80 first allowed)",
    .statements = {"MQTTSPEC-5-3.3.2.3.4-alias-zero", "MQTT-4.13.1-1"},
}) {
    auto& pub = t.connect("pub");
    send_alias_zero(t, pub);
    expect_connection_closed_or_disconnect(pub, {}, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(alias_zero_reason, {
    .id = "v5/topic-alias/zero-rejected-reason-code",
    .title = "On a Topic Alias of 0 the server sends DISCONNECT 0x94 (Topic Alias invalid) before closing",
    .statements = {"MQTTSPEC-5-3.3.2.3.4-alias-zero", "MQTT-4.13.1-1"},
    .lvl = level::should,
}) {
    auto& pub = t.connect("pub");
    send_alias_zero(t, pub);
    expect_disconnect_reason_then_close(t, pub, 0x94, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(alias_above_maximum_rejected, {
    .id = "v5/topic-alias/above-maximum-rejected",
    .title = "A Topic Alias above the server's Topic Alias Maximum is a Protocol Error: the server closes the connection",
    .statements = {"MQTTSPEC-5-3.3.2.3.4-alias-above-maximum", "MQTT-4.13.1-1"},
    .needs = {requirement::topic_alias},
}) {
    auto& pub = t.connect("pub");
    send_alias_above_maximum(t, pub);
    expect_connection_closed_or_disconnect(pub, {}, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(alias_above_maximum_reason, {
    .id = "v5/topic-alias/above-maximum-rejected-reason-code",
    .title = "On a Topic Alias above its Topic Alias Maximum the server sends DISCONNECT 0x94 (Topic Alias invalid) before closing",
    .statements = {"MQTTSPEC-5-3.3.2.3.4-alias-above-maximum", "MQTT-4.13.1-1"},
    .lvl = level::should,
    .needs = {requirement::topic_alias},
}) {
    auto& pub = t.connect("pub");
    send_alias_above_maximum(t, pub);
    expect_disconnect_reason_then_close(t, pub, 0x94, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(alias_none_announced_rejected, {
    .id = "v5/topic-alias/not-announced-rejected",
    .title = "When the server announced no Topic Alias Maximum, any Topic Alias is a Protocol Error: the server closes the connection",
    .statements = {"MQTTSPEC-5-3.3.2.3.4-alias-above-maximum", "MQTT-4.13.1-1"},
}) {
    if (t.caps().topic_alias_maximum != 0) {
        t.skip("the broker announced Topic Alias Maximum " + std::to_string(t.caps().topic_alias_maximum) +
               " (see v5/topic-alias/above-maximum-rejected)");
    }
    auto& pub = t.connect("pub");
    pub.publish(t.topic("a"), "x", 0, false, {number_property(property_id::topic_alias, 1)});
    expect_connection_closed_or_disconnect(pub, {}, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(alias_unknown_with_empty_topic, {
    .id = "v5/topic-alias/unmapped-alias-empty-topic-rejected",
    .title = "A zero-length Topic Name with a Topic Alias that has no mapping is a Protocol Error: the server closes the connection",
    .statements = {"MQTTSPEC-5-3.3.2.3.4-alias-unmapped", "MQTT-4.13.1-1"},
    .needs = {requirement::topic_alias},
}) {
    auto& pub = t.connect("pub");
    send_alias_unmapped(t, pub);
    expect_connection_closed_or_disconnect(pub, {}, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(alias_unknown_with_empty_topic_reason, {
    .id = "v5/topic-alias/unmapped-alias-empty-topic-reason-code",
    .title = "On an unmapped Topic Alias with a zero-length Topic Name the server sends DISCONNECT 0x82 (Protocol Error) before closing",
    .statements = {"MQTTSPEC-5-3.3.2.3.4-alias-unmapped", "MQTT-4.13.1-1"},
    .lvl = level::should,
    .needs = {requirement::topic_alias},
}) {
    auto& pub = t.connect("pub");
    // 3.3.4: no mapping for the alias and a zero-length Topic Name: "the receiver uses DISCONNECT
    // with Reason Code of 0x82 (Protocol Error)".
    send_alias_unmapped(t, pub);
    expect_disconnect_reason_then_close(t, pub, 0x82, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(empty_topic_without_alias, {
    .id = "v5/topic-alias/empty-topic-without-alias-rejected",
    .title = "A zero-length Topic Name without a Topic Alias is a Protocol Error: DISCONNECT 0x82 and close, or close",
    .statements = {"MQTTSPEC-5-3.3.2.1-empty-topic-without-alias", "MQTT-4.7.3-1", "MQTT-4.13.1-1"},
}) {
    auto& pub = t.connect("pub");
    // 3.3.2.1: "It is a Protocol Error if the Topic Name is zero length and there is no Topic Alias."
    pub.publish("", "x", 0, false);
    expect_connection_closed_or_disconnect(pub, {}, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(alias_not_carried_across_connections, {
    .id = "v5/topic-alias/not-carried-across-connections",
    .title = "A Topic Alias set on one network connection is unknown on the next one of the same client",
    .statements = {"MQTT-3.3.2-7", "MQTT-4.13.1-1"},
    .needs = {requirement::topic_alias, requirement::qos1},
}) {
    const auto id = t.client_id("pub");
    connect_options same_client;
    same_client.client_id = id;
    auto& first = t.connect("pub", same_client);
    publish_with_alias(first, t.topic("a"), "set", 1);
    first.disconnect();
    auto& second = t.connect("pub-again", same_client);
    // The mapping died with the first connection: this is an unmapped alias with an empty Topic Name.
    second.publish("", "x", 0, false, {number_property(property_id::topic_alias, 1)});
    expect_connection_closed_or_disconnect(second, {}, "MQTT-3.3.2-7");
}

MQTTSPEC_CASE(alias_not_forwarded, {
    .id = "v5/topic-alias/publisher-alias-not-forwarded",
    .title = "A publisher's Topic Alias is not forwarded: a subscriber without Topic Alias Maximum gets the full Topic Name and no alias",
    .statements = {"MQTT-3.3.2-7", "MQTT-3.1.2-27"},
    .needs = {requirement::topic_alias, requirement::qos1},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("aliased");
    sub.subscribe(topic, 1);
    publish_with_alias(pub, topic, "set", 1);
    publish_with_alias(pub, "", "used", 1);
    for (const char* payload : {"set", "used"}) {
        const auto m = sub.expect({{"type", "PUBLISH"}, {"payload", payload}});
        t.check(m.as_json["topic"] == topic, "the subscriber did not get the full Topic Name", topic,
                m.as_json.dump(), "MQTT-3.3.2-7");
        t.check(codec::find(m.as<codec::publish_packet>().properties, property_id::topic_alias) == nullptr,
                "the broker sent a Topic Alias to a client that announced no Topic Alias Maximum",
                "no topic_alias property", m.as_json.dump(), "MQTT-3.1.2-27");
        sub.acknowledge(m);
    }
}

MQTTSPEC_CASE(server_alias_within_client_maximum, {
    .id = "v5/topic-alias/server-alias-within-client-maximum",
    .title = "Topic Aliases the server sends are between 1 and the client's Topic Alias Maximum and resolve to the right Topic Name",
    .statements = {"MQTT-3.1.2-26", "MQTT-3.3.2-11", "MQTT-3.3.2-8"},
    .needs = {requirement::qos1},
}) {
    constexpr std::uint32_t client_maximum = 2;
    connect_options small;
    small.properties = {number_property(property_id::topic_alias_maximum, client_maximum)};
    auto& sub = t.connect("sub", small);
    auto& pub = t.connect("pub");
    // More topics than aliases, each used twice, so a broker that aliases must also reuse slots.
    std::vector<std::string> topics;
    for (int i = 0; i < 4; ++i) {
        topics.push_back(t.topic("topic-" + std::to_string(i)));
        sub.subscribe(topics.back(), 1);
    }
    std::vector<std::pair<std::string, std::string>> sent;  // payload, topic
    for (int round = 0; round < 2; ++round) {
        for (std::size_t i = 0; i < topics.size(); ++i) {
            const auto payload = "r" + std::to_string(round) + "-t" + std::to_string(i);
            const auto id = pub.publish(topics[i], payload, 1);
            pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
            sent.emplace_back(payload, topics[i]);
        }
    }
    std::map<std::uint32_t, std::string> mapping;  // the client side of the server's aliases
    for (const auto& [payload, topic] : sent) {
        const auto m = sub.expect({{"type", "PUBLISH"}, {"payload", payload}});
        const auto& p = m.as<codec::publish_packet>();
        std::string resolved(p.topic);
        if (const auto* alias = codec::find(p.properties, property_id::topic_alias)) {
            t.check(alias->integer != 0, "the broker sent Topic Alias 0", "an alias from 1", m.as_json.dump(),
                    "MQTT-3.3.2-8");
            t.check(alias->integer <= client_maximum, "the broker sent a Topic Alias above the client's maximum",
                    "alias <= " + std::to_string(client_maximum), m.as_json.dump(), "MQTT-3.1.2-26");
            if (resolved.empty()) {
                const auto it = mapping.find(alias->integer);
                t.check(it != mapping.end(), "the broker used a Topic Alias it never mapped on this connection",
                        "a Topic Name with the alias first", m.as_json.dump(), "MQTT-3.3.2-11");
                resolved = it->second;
            } else {
                mapping[alias->integer] = resolved;
            }
        }
        t.check(resolved == topic, "message " + payload + " resolves to the wrong Topic Name", topic,
                m.as_json.dump(), "MQTT-3.3.2-11");
        sub.acknowledge(m);
    }
}

}  // namespace
}  // namespace mqttspec::conformance
