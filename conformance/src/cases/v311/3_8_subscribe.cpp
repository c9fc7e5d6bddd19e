// MQTT 3.1.1, section 3.8 SUBSCRIBE: subscribe.
#include "delivery_rules.hpp"
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(reserved_flags_close, {
    .id = "v311/subscribe/reserved-flags-malformed",
    .title = "A SUBSCRIBE whose fixed-header flags are not 0010 is malformed: the server closes the connection",
    .statements = {"MQTT-3.8.1-1", "MQTT-2.2.2-2"},
}) {
    auto& c = t.connect("c");
    // SUBSCRIBE with flags 0000 (first byte 0x80 instead of 0x82):
    //   packet id 1 | topic filter | requested QoS 0
    const auto bytes = codec::raw_builder().u16(1).str(t.topic("a")).byte(0).packet(0x80);
    c.send_raw(bytes);
    expect_connection_closed_or_disconnect(c, {}, "MQTT-3.8.1-1");
}

MQTTSPEC_CASE(suback_packet_id, {
    .id = "v311/subscribe/suback-echoes-packet-id",
    .title = "Every SUBSCRIBE is answered with a SUBACK carrying its Packet Identifier (1, 0x1234 and 65535)",
    .statements = {"MQTT-3.8.4-1", "MQTT-3.8.4-2", "MQTT-2.3.1-7"},
}) {
    auto& c = t.connect("c");
    const auto topic = t.topic("t");
    for (std::uint16_t id : {std::uint16_t{1}, std::uint16_t{0x1234}, std::uint16_t{0xFFFF}}) {
        codec::subscribe_packet s;
        s.packet_id = id;
        codec::subscription one;
        one.filter = topic;
        s.subscriptions.push_back(one);
        c.send(s);
        c.expect_next({{"type", "SUBACK"}, {"packet_id", id}, {"reason_codes", {{{"any_of", {0, 0x80}}}}}});
    }
}

MQTTSPEC_CASE(multiple_filters_in_order, {
    .id = "v311/subscribe/multiple-filters-one-suback-in-order",
    .title = "A SUBSCRIBE with several filters gets one SUBACK with a return code per filter, in order, each at most the requested QoS, and each granted QoS applies",
    .statements = {"MQTT-3.8.4-4", "MQTT-3.8.4-5", "MQTT-3.9.3-1", "MQTT-3.9.3-2", "MQTT-3.8.4-6"},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    // Requested QoS 2, 0, 1: a SUBACK in another order would grant some filter more than it asked.
    const std::vector<std::uint8_t> requested{2, 0, 1};
    const std::vector<std::string> topics{t.topic("q2"), t.topic("q0"), t.topic("q1")};
    std::vector<codec::subscription> subs;
    for (std::size_t i = 0; i < topics.size(); ++i) {
        codec::subscription s;
        s.filter = topics[i];
        s.qos = requested[i];
        subs.push_back(s);
    }
    const auto suback = sub.subscribe(subs);
    const auto& codes = suback.as<codec::suback_packet>().reason_codes;
    t.check(codes.size() == 3, "the SUBACK does not have one return code per filter", "3 return codes",
            suback.as_json.dump(), "MQTT-3.8.4-5");
    for (std::size_t i = 0; i < 3; ++i) {
        // The codec already rejects return codes other than 0, 1, 2 and 0x80 (MQTT-3.9.3-2).
        t.check(codes[i] == 0x80 || codes[i] <= requested[i], "a return code grants more than its filter requested",
                "return code " + std::to_string(i) + " <= " + std::to_string(requested[i]) + " or 0x80",
                suback.as_json.dump(), "MQTT-3.9.3-1");
    }
    sub.expect_none({{"type", "SUBACK"}});  // one SUBACK, not one per filter
    // Each subscription delivers at min(published 2, granted): the codes belong to these filters.
    for (std::size_t i = 0; i < 3; ++i) {
        if (codes[i] == 0x80) continue;
        if (t.caps().maximum_qos >= 2) {
            helpers::publish_qos2_completed(pub, topics[i], "p" + std::to_string(i));
        } else {
            pub.publish(topics[i], "p" + std::to_string(i), 0);
        }
        const auto msg = helpers::expect_publish(sub, topics[i], "p" + std::to_string(i));
        const std::uint8_t want = t.caps().maximum_qos >= 2 ? codes[i] : 0;
        t.check(msg.as<codec::publish_packet>().qos == want, "a message was delivered at another QoS than its filter was granted",
                "qos " + std::to_string(want), msg.as_json.dump(), "MQTT-3.8.4-6");
        sub.acknowledge(msg);
    }
}

MQTTSPEC_CASE(resubscribe_replaces, {
    .id = "v311/subscribe/identical-filter-replaces",
    .title = "Subscribing again to an identical Topic Filter replaces the subscription: one copy per message, at the new QoS",
    .statements = {"MQTT-3.8.4-3"},
    .needs = {requirement::qos1},
}) {
    delivery_rules::identical_filter_replaces(t, "MQTT-3.8.4-3");
}

MQTTSPEC_CASE(resubscribe_resends_retained, {
    .id = "v311/subscribe/resubscribe-resends-retained",
    .title = "Subscribing again to an identical Topic Filter re-sends the matching retained message",
    .statements = {"MQTT-3.8.4-3", "MQTT-3.3.1-8"},
    .needs = {requirement::retain},
}) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("t");
    t.retained_on(topic);
    helpers::publish_qos1_acked(pub, topic, "kept", true);
    sub.subscribe(topic, 0);
    helpers::expect_publish(sub, topic, "kept", {{"retain", true}});
    sub.subscribe(topic, 0);
    helpers::expect_publish(sub, topic, "kept", {{"retain", true}});
}

}  // namespace
}  // namespace mqttspec::conformance
