// MQTT 5.0, section 3.2 CONNACK: connack capabilities.
// Each case runs only against a broker that announces the limit and is skipped, with the reason, otherwise.
#include <algorithm>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

std::uint8_t limited_maximum_qos(case_context& t) {
    const auto q = t.caps().maximum_qos;
    if (q >= 2) t.skip("the broker announced no Maximum QoS below 2");
    return q;
}

void require_retain_unavailable(case_context& t) {
    if (t.caps().retain_available) t.skip("the broker announced Retain Available 1");
}

MQTTSPEC_CASE(publish_above_maximum_qos, {
    .id = "v5/capabilities/publish-above-maximum-qos-rejected",
    .title = "A PUBLISH above the server's Maximum QoS is a Protocol Error: the server closes the connection",
    .statements = {"MQTTSPEC-5-3.2.2.3.4-publish-above-maximum-qos", "MQTT-4.13.1-1"},
}) {
    const auto q = limited_maximum_qos(t);
    auto& pub = t.connect("pub");
    pub.publish(t.topic("t"), "x", static_cast<std::uint8_t>(q + 1));
    // 3.2.2.3.4: the server "uses DISCONNECT with Reason Code 0x9B (QoS not supported)".
    expect_connection_closed_or_disconnect(pub, {}, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(publish_above_maximum_qos_reason, {
    .id = "v5/capabilities/publish-above-maximum-qos-reason-code",
    .title = "On a PUBLISH above its Maximum QoS the server sends DISCONNECT 0x9B (QoS not supported) before closing",
    .statements = {"MQTTSPEC-5-3.2.2.3.4-publish-above-maximum-qos", "MQTT-4.13.1-1"},
    .lvl = level::should,
}) {
    const auto q = limited_maximum_qos(t);
    auto& pub = t.connect("pub");
    pub.publish(t.topic("t"), "x", static_cast<std::uint8_t>(q + 1));
    expect_disconnect_reason_then_close(t, pub, 0x9B, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(subscribe_above_maximum_qos, {
    .id = "v5/capabilities/subscribe-above-maximum-qos-granted-lower",
    .title = "A server with a Maximum QoS below 2 still accepts a QoS 2 SUBSCRIBE, granting at most its Maximum QoS",
    .statements = {"MQTT-3.2.2-10", "MQTT-3.8.4-7"},
}) {
    const auto q = limited_maximum_qos(t);
    auto& sub = t.connect("sub");
    const auto suback = sub.subscribe(t.topic("t"), 2);
    const auto& codes = suback.as<codec::suback_packet>().reason_codes;
    t.check(codes.size() == 1 && codes[0] <= q, "the SUBACK does not grant the subscription at or below Maximum QoS",
            "reason code 0.." + std::to_string(q), suback.as_json.dump());
}

MQTTSPEC_CASE(will_above_maximum_qos, {
    .id = "v5/capabilities/will-above-maximum-qos-rejected",
    .title = "A CONNECT whose Will QoS exceeds the server's Maximum QoS is refused (CONNACK >= 0x80 optional, 0x9B suggested) and closed",
    .statements = {"MQTT-3.2.2-12"},
}) {
    const auto q = limited_maximum_qos(t);
    codec::will_message will;
    const auto topic = t.topic("will");
    will.topic = topic;
    will.payload = "w";
    will.qos = static_cast<std::uint8_t>(q + 1);
    connect_options o;
    o.will = will;
    auto& c = t.open("c");
    c.send(t.make_connect("c", o));
    expect_connect_rejected(c, {.reasons = {}, .close_without_connack_allowed = true, .statement = "MQTT-3.2.2-12"});
}

MQTTSPEC_CASE(retained_publish_unavailable, {
    .id = "v5/capabilities/retained-publish-when-unavailable-rejected",
    .title = "A retained PUBLISH to a server that announced Retain Available 0 is a Protocol Error: the server closes the connection",
    .statements = {"MQTTSPEC-5-3.2.2.3.5-retain-unavailable", "MQTT-4.13.1-1"},
}) {
    require_retain_unavailable(t);
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    t.retained_on(topic);  // in case the broker stores it after all
    pub.publish(topic, "x", 0, true);
    // 3.2.2.3.5: the server "uses DISCONNECT with Reason Code of 0x9A (Retain not supported)".
    expect_connection_closed_or_disconnect(pub, {}, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(retained_publish_unavailable_reason, {
    .id = "v5/capabilities/retained-publish-when-unavailable-reason-code",
    .title = "On a retained PUBLISH while Retain Available is 0 the server sends DISCONNECT 0x9A (Retain not supported) before closing",
    .statements = {"MQTTSPEC-5-3.2.2.3.5-retain-unavailable", "MQTT-4.13.1-1"},
    .lvl = level::should,
}) {
    require_retain_unavailable(t);
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    t.retained_on(topic);
    pub.publish(topic, "x", 0, true);
    expect_disconnect_reason_then_close(t, pub, 0x9A, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(retained_will_unavailable, {
    .id = "v5/capabilities/retained-will-when-unavailable-rejected",
    .title = "A CONNECT with Will Retain 1 to a server without retain support is refused (CONNACK >= 0x80 optional, 0x9A suggested) and closed",
    .statements = {"MQTT-3.2.2-13"},
}) {
    require_retain_unavailable(t);
    codec::will_message will;
    const auto topic = t.topic("will");
    will.topic = topic;
    will.payload = "w";
    will.retain = true;
    connect_options o;
    o.will = will;
    t.retained_on(topic);
    auto& c = t.open("c");
    c.send(t.make_connect("c", o));
    expect_connect_rejected(c, {.reasons = {}, .close_without_connack_allowed = true, .statement = "MQTT-3.2.2-13"});
}

MQTTSPEC_CASE(wildcard_unavailable, {
    .id = "v5/capabilities/wildcard-subscription-when-unavailable-refused",
    .title = "A wildcard SUBSCRIBE to a server that announced Wildcard Subscription Available 0 is refused (SUBACK 0xA2, or DISCONNECT 0xA2 and close)",
    .statements = {"MQTTSPEC-5-3.2.2.3.11-wildcard-unavailable", "MQTT-3.8.4-7", "MQTT-4.13.1-1"},
}) {
    if (t.caps().wildcard_subscriptions) t.skip("the broker supports wildcard subscriptions");
    auto& sub = t.connect("sub");
    const auto id = send_subscribe(sub, {subscription(t.topic("+"), 0)});
    expect_subscribe_refused(sub, id, "MQTT-3.8.4-7");
}

MQTTSPEC_CASE(shared_unavailable, {
    .id = "v5/capabilities/shared-subscription-when-unavailable-refused",
    .title = "A shared SUBSCRIBE to a server that announced Shared Subscription Available 0 is refused (SUBACK 0x9E, or DISCONNECT 0x9E and close)",
    .statements = {"MQTTSPEC-5-3.2.2.3.13-shared-unavailable", "MQTT-3.8.4-7", "MQTT-4.13.1-1"},
}) {
    if (t.caps().shared_subscriptions) t.skip("the broker supports shared subscriptions");
    auto& sub = t.connect("sub");
    const auto id = send_subscribe(sub, {subscription("$share/g/" + t.topic("t"), 0)});
    expect_subscribe_refused(sub, id, "MQTT-3.8.4-7");
}

MQTTSPEC_CASE(server_limit_enforced, {
    .id = "v5/maximum-packet-size/server-limit-enforced",
    .title = "A packet larger than the Maximum Packet Size the server announced is a Protocol Error: the server closes the connection",
    .statements = {"MQTTSPEC-5-3.2.2.3.6-packet-too-large", "MQTT-4.13.1-1"},
}) {
    // 3.2.2.3.6: a packet above the announced Maximum Packet Size is a Protocol Error; MQTT-3.2.2-15
    // binds the client that sends it, the server's duty is to close (4.13). This case deliberately
    // breaks the announced limit, as the malformed-packet cases break the format.
    const auto announced = t.caps().maximum_packet_size;
    if (!announced) t.skip("the broker announced no Maximum Packet Size");
    if (*announced > 16 * 1024 * 1024) t.skip("the broker's Maximum Packet Size is too large to exceed cheaply");
    auto& pub = t.connect("pub");
    pub.publish(t.topic("t"), std::string(*announced + 16, 'x'), 0);
    // 3.2.2.3.6: the server "uses DISCONNECT with Reason Code 0x95 (Packet too large)".
    expect_connection_closed_or_disconnect(pub, {}, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(server_limit_reason, {
    .id = "v5/maximum-packet-size/server-limit-enforced-reason-code",
    .title = "On a packet above its Maximum Packet Size the server sends DISCONNECT 0x95 (Packet too large) before closing",
    .statements = {"MQTTSPEC-5-3.2.2.3.6-packet-too-large", "MQTT-4.13.1-1"},
    .lvl = level::should,
}) {
    const auto announced = t.caps().maximum_packet_size;
    if (!announced) t.skip("the broker announced no Maximum Packet Size");
    if (*announced > 16 * 1024 * 1024) t.skip("the broker's Maximum Packet Size is too large to exceed cheaply");
    auto& pub = t.connect("pub");
    pub.publish(t.topic("t"), std::string(*announced + 16, 'x'), 0);
    expect_disconnect_reason_then_close(t, pub, 0x95, "MQTT-4.13.1-1");
}

MQTTSPEC_CASE(identifier_unsupported_rejected, {
    .id = "v5/subscription-identifier/unsupported-rejected",
    .title = "A server that announced Subscription Identifier Available 0 treats a SUBSCRIBE with one as a Protocol Error",
    .statements = {"MQTTSPEC-5-3.2.2.3.12-identifier-unavailable", "MQTT-4.13.1-1"},
}) {
    if (t.caps().subscription_identifiers) t.skip("the broker supports Subscription Identifiers");
    auto& sub = t.connect("sub");
    // 3.2.2.3.12: such a server "uses DISCONNECT with Reason Code of 0xA1".
    send_subscribe(sub, {subscription(t.topic("t"), 0)}, with_identifier(1));
    expect_connection_closed_or_disconnect(sub, {}, "MQTT-4.13.1-1");
}

}  // namespace
}  // namespace mqttspec::conformance
