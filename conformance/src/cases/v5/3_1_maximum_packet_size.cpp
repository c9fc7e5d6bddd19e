// MQTT 5.0, section 3.1 CONNECT: maximum packet size.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

// The 600-byte payload these cases publish must itself fit in the broker's Maximum Packet Size
// (MQTT-3.2.2-15 binds the client): skip on a broker that announced less.
constexpr std::size_t big_payload = 600;

void require_broker_accepts_big(case_context& t) {
    const auto announced = t.caps().maximum_packet_size;
    if (announced && *announced < big_payload + 100) {
        t.skip("the broker's Maximum Packet Size (" + std::to_string(*announced) + ") is below the " +
               std::to_string(big_payload) + "-byte message this case needs");
    }
}

// Every packet queued at `c` (after a barrier) fits in `limit` bytes.
void check_all_within(case_context& t, client& c, std::size_t limit, const std::string& statement) {
    c.barrier();
    for (const auto& r : c.inbox()) {
        t.check(r.bytes->size() <= limit,
                "the broker sent a " + std::to_string(r.bytes->size()) + "-byte packet to a client whose Maximum Packet Size is " +
                    std::to_string(limit),
                "packets of at most " + std::to_string(limit) + " bytes", r.as_json.dump(), statement);
    }
}

MQTTSPEC_CASE(oversized_not_sent, {
    .id = "v5/maximum-packet-size/oversized-message-not-sent",
    .title = "The server does not send a PUBLISH larger than the client's Maximum Packet Size; it drops it and goes on",
    .statements = {"MQTT-3.1.2-24", "MQTT-3.1.2-25"},
    .needs = {requirement::qos1},
}) {
    require_broker_accepts_big(t);
    constexpr std::uint32_t limit = 256;
    connect_options small;
    small.properties = {number_property(property_id::maximum_packet_size, limit)};
    auto& sub = t.connect("sub", small);
    const auto topic = t.topic("t");
    sub.subscribe(topic, 1);
    auto& pub = t.connect("pub");
    const std::string big(big_payload, 'x');
    // "small-after" is the ordered marker for the QoS 1 big message (same topic, QoS and publisher, 4.6);
    // expect_no_delivery below adds one at QoS 0 for the QoS 0 big message.
    for (const auto& [payload, qos] : std::vector<std::pair<std::string, std::uint8_t>>{{"small-before", 1}, {big, 1}, {big, 0}, {"small-after", 1}}) {
        const auto id = pub.publish(topic, payload, qos);
        if (qos == 1) pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    }
    for (const char* payload : {"small-before", "small-after"}) {
        // Acknowledging what comes first: a broker that keeps one message in flight and wrongly sent the
        // big one holds "small-after" until that one is acknowledged; check_all_within judges it below.
        const auto m = sub.expect_acknowledging({{"type", "PUBLISH"}, {"topic", topic}, {"payload", payload}});
        t.check(m.bytes->size() <= limit, "a packet above the limit was sent", "<= 256 bytes",
                std::to_string(m.bytes->size()), "MQTT-3.1.2-24");
        sub.acknowledge(m);
    }
    expect_no_delivery(pub, sub, topic, 0, {{"type", "PUBLISH"}, {"payload", big}});
    check_all_within(t, sub, limit, "MQTT-3.1.2-24");
}

MQTTSPEC_CASE(oversized_treated_as_sent, {
    .id = "v5/maximum-packet-size/oversized-message-treated-as-sent",
    .title = "A QoS 1 message dropped for the client's Maximum Packet Size counts as sent: it is not delivered later in the session",
    .statements = {"MQTT-3.1.2-25"},
    .needs = {requirement::qos1},
}) {
    constexpr std::uint32_t limit = 256;
    connect_options small;
    small.client_id = t.client_id("sub");
    small.session_expiry = 300;
    small.properties = {number_property(property_id::maximum_packet_size, limit)};
    require_broker_accepts_big(t);
    auto& sub = t.connect("sub", small);
    const auto topic = t.topic("t");
    sub.subscribe(topic, 1);
    auto& pub = t.connect("pub");
    const std::string big(big_payload, 'x');
    const auto id = pub.publish(topic, big, 1);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    const auto marker = pub.publish(topic, "marker", 1);
    pub.expect({{"type", "PUBACK"}, {"packet_id", marker}});
    // Acknowledging what comes first (a broker that keeps one message in flight holds the marker behind
    // a big message it wrongly sent), then judging what came.
    const auto m = sub.expect_acknowledging({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "marker"}});
    sub.acknowledge(m);
    // A big message sent instead of discarded breaks MQTT-3.1.2-25 here.
    check_all_within(t, sub, limit, "MQTT-3.1.2-25");
    sub.close();
    // Back without a size limit: a broker that merely postponed the big message would send it now.
    connect_options resume;
    resume.client_id = small.client_id;
    resume.session_expiry = 300;
    resume.clean_start = false;
    auto& again = t.connect("sub-again", resume);
    // A postponed big message, received before this marker from the same publisher on the same topic at
    // the same QoS, would be sent before it (4.6).
    expect_no_delivery(pub, again, topic, 1, {{"type", "PUBLISH"}, {"payload", big}});
}

MQTTSPEC_CASE(small_limit_on_acks, {
    .id = "v5/maximum-packet-size/limit-applies-to-every-packet",
    .title = "With a small Maximum Packet Size every packet the server sends (CONNACK, SUBACK, UNSUBACK, PUBACK) fits in it",
    .statements = {"MQTT-3.1.2-24", "MQTT-3.2.2-19", "MQTT-3.2.2-20", "MQTT-3.9.2-1", "MQTT-3.9.2-2"},
    .needs = {requirement::qos1},
}) {
    // 32 bytes fit every packet here without optional properties (Reason Strings and User Properties
    // must be left out when they would not fit).
    constexpr std::uint32_t limit = 32;
    connect_options tiny;
    tiny.properties = {number_property(property_id::maximum_packet_size, limit)};
    auto& c = t.connect("c", tiny);
    t.check(t.connack("c").bytes->size() <= limit, "the CONNACK is larger than the client's Maximum Packet Size",
            "<= 32 bytes", t.connack("c").as_json.dump(), "MQTT-3.2.2-19");
    c.subscribe(t.topic("t"), 1);
    c.unsubscribe(t.topic("t"));
    c.unsubscribe(t.topic("never-subscribed"));  // 0x11 No subscription existed: a place for a Reason String
    c.publish(t.topic("nobody"), "x", 1);       // 0x10 No matching subscribers: likewise
    check_all_within(t, c, limit, "MQTT-3.1.2-24");
}

MQTTSPEC_CASE(client_limit_zero_rejected, {
    .id = "v5/maximum-packet-size/zero-rejected",
    .title = "A CONNECT with Maximum Packet Size 0 is a Protocol Error: the server refuses it (CONNACK >= 0x80 optional) and closes",
    .statements = {"MQTT-3.1.4-1"},
}) {
    auto& c = t.open("c");
    connect_options bad;
    bad.properties = {number_property(property_id::maximum_packet_size, 0)};
    c.send(t.make_connect("c", bad));
    expect_connect_rejected(c, {.reasons = {}, .close_without_connack_allowed = true, .statement = "MQTT-3.1.4-1"});
}

}  // namespace
}  // namespace mqttspec::conformance
