// MQTT 3.1.1, section 3.1 CONNECT: connect.
#include <cctype>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "empty_client_id.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(protocol_level_unsupported, {
    .id = "v311/connect/protocol-level-unsupported",
    .title = "A CONNECT with an unsupported protocol level is refused: CONNACK return code 1 (a 5.0 broker: reason 0x84, or nothing), then the connection is closed",
    .statements = {"MQTT-3.1.2-2", "MQTT-3.2.2-4", "MQTT-3.2.2-5"},
}) {
    auto connect = t.make_connect("c", {});
    connect.protocol_level = 0x07;  // no MQTT version uses level 7
    // Read raw: a broker that also speaks 5.0 may answer in the 5.0 layout, which the strict 3.1.1
    // decoder would reject before the close could be seen.
    const auto reply = helpers::raw_exchange(t, "c", codec::encode(connect, codec::protocol_version::v3_1_1));
    const std::string expected = "CONNACK return code 0x01 (3.1.1 layout) or reason 0x84 (5.0 layout), Session Present 0, "
                                 "then close; or close without CONNACK (the 5.0 forms only from a broker that implements 5.0)";
    const std::string actual = (reply.bytes.empty() ? std::string("nothing") : codec::to_hex(reply.bytes)) +
                               (reply.closed ? ", then closed" : ", connection still open");
    // 3.1.1 MQTT-3.1.2-2: CONNACK 0x01 then disconnect. Level 7 is not 3.1.1, and a broker that also
    // implements 5.0 may apply 5.0 MQTT-3.1.2-2 to it: CONNACK 0x84 is a MAY there, the close a MUST.
    const auto as311 = codec::decode(reply.bytes, codec::protocol_version::v3_1_1, {.sender = codec::sender::server});
    const auto as5 = codec::decode(reply.bytes, codec::protocol_version::v5, {.sender = codec::sender::server});
    const auto refusal = [&](const codec::decode_result& d, std::uint8_t code) {
        if (!d.ok() || d.consumed != reply.bytes.size()) return false;
        const auto* connack = std::get_if<codec::connack_packet>(&d.pkt);
        return connack != nullptr && connack->reason_code == code && !connack->session_present;
    };
    // Only a broker that implements 5.0 may follow 5.0's rule (close, CONNACK optional); a 3.1.1-only
    // broker must send return code 0x01. Without probe data (unit tests) both are allowed.
    const auto& spoken = t.accepted_versions();
    const bool speaks_v5 = spoken.empty() || spoken.count(codec::protocol_version::v5) > 0;
    t.check(reply.bytes.empty() ? speaks_v5 : (refusal(as311, 0x01) || (speaks_v5 && refusal(as5, 0x84))),
            "the broker did not answer the unsupported protocol level with a refusal", expected, actual, "MQTT-3.1.2-2");
    t.check(reply.closed, "the broker did not close the connection after refusing the protocol level", expected, actual,
            reply.bytes.empty() ? "MQTT-3.1.2-2" : "MQTT-3.2.2-5");
}

MQTTSPEC_CASE(protocol_name_wrong, {
    .id = "v311/connect/protocol-name-wrong",
    .title = "A CONNECT whose protocol name is not \"MQTT\" is not accepted as MQTT 3.1.1: the server closes the connection",
    .statements = {"MQTT-3.1.2-1"},
}) {
    auto& c = t.open("c");
    auto connect = t.make_connect("c", {});
    connect.protocol_name = "MQTX";
    c.send(connect);
    // 3.1.2.1: the server MAY disconnect, or continue under some other specification but not this
    // one; a CONNACK accepting the connection would be carrying on as 3.1.1. A refusing CONNACK
    // (any non-zero code) before the close is tolerated.
    expect_connect_rejected(c, {.return_codes = {}, .close_without_connack_allowed = true, .statement = "MQTT-3.1.2-1"});
}

MQTTSPEC_CASE(empty_client_id_persistent_rejected, {
    .id = "v311/connect/empty-client-id-persistent-session-rejected",
    .title = "A zero-length Client Identifier with Clean Session 0 is refused with CONNACK return code 2, then the connection is closed",
    .statements = {"MQTT-3.1.3-8", "MQTT-3.2.2-4", "MQTT-3.2.2-5"},
}) {
    auto& c = t.open("c");
    c.send(t.make_connect("c", {.client_id = "", .clean_start = false}));
    expect_connect_rejected(c, {.return_codes = {0x02}, .close_without_connack_allowed = false,
                                .statement = "MQTT-3.1.3-8"});
}

MQTTSPEC_CASE(empty_client_id_assigned_unique, {
    .id = "v311/connect/empty-client-id-assigned-unique",
    .title = "Zero-length Client Identifiers with Clean Session 1 are accepted and each connection gets its own identifier",
    .statements = {"MQTT-3.1.3-6"},
    .lvl = level::must,
    .needs = {requirement::empty_client_id},
}) {
    auto& a = empty_client_id::connect(t, "a", {}, "MQTT-3.1.3-6");
    auto& b = empty_client_id::connect(t, "b", {}, "MQTT-3.1.3-6");
    // Had the broker given both the same identifier, b would have taken a's place and a would be
    // closed (3.1.4-2). Both must still answer PINGREQ.
    a.barrier();
    b.barrier();
    // And they are independent clients: a message reaches each subscriber once.
    const auto topic = t.topic("t");
    a.subscribe(topic, 0);
    b.subscribe(topic, 0);
    b.publish(topic, "to-both", 0);
    a.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "to-both"}});
    b.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "to-both"}});
}

MQTTSPEC_CASE(client_id_23_alphanumeric, {
    .id = "v311/connect/client-id-23-alphanumeric",
    .title = "A Client Identifier of 23 ASCII letters and digits is accepted with return code 0",
    .statements = {"MQTT-3.1.3-5", "MQTT-3.1.4-4"},
}) {
    // Unique per run and case: the alphanumeric characters of the usual identifier, most
    // distinguishing (the end) first, padded with letters to exactly 23.
    std::string id;
    for (char ch : t.client_id("c")) {
        if (std::isalnum(static_cast<unsigned char>(ch))) id += ch;
    }
    if (id.size() > 23) id = id.substr(id.size() - 23);
    while (id.size() < 23) id.insert(id.begin(), 'Z');
    auto& c = t.connect("c", {.client_id = id});
    c.barrier();
}

MQTTSPEC_CASE(takeover_closes_existing, {
    .id = "v311/connect/takeover-closes-existing",
    .title = "A second client connecting with the same Client Identifier makes the server close the first connection",
    .statements = {"MQTT-3.1.4-2"},
}) {
    auto& first = t.connect("first");
    auto& second = t.connect("second", {.client_id = t.client_id("first")});
    first.expect_closed();
    second.barrier();  // the new connection is the one that lives on
}

MQTTSPEC_CASE(takeover_resumes_session, {
    .id = "v311/connect/takeover-resumes-session",
    .title = "Taking over a connected Clean Session 0 client resumes its session: Session Present 1 and its subscriptions",
    .statements = {"MQTT-3.1.4-2", "MQTT-3.2.2-2", "MQTT-3.1.2-4"},
}) {
    const auto id = t.client_id("first");
    auto& first = t.connect("first", {.clean_start = false});
    const auto topic = t.topic("t");
    first.subscribe(topic, 1);
    auto [second, connack] = helpers::connect_connack_first(t, "second", {.client_id = id, .clean_start = false});
    first.expect_closed();
    t.check(helpers::session_present(connack), "the resumed session was not reported", "session_present true",
            connack.as_json.dump(), "MQTT-3.2.2-2");
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, topic, "after-takeover");
    const auto msg = helpers::expect_publish(second, topic, "after-takeover", {{"qos", 1}});
    second.acknowledge(msg);
}

MQTTSPEC_CASE(rejected_connect_rest_ignored, {
    .id = "v311/connect/rejected-connect-rest-ignored",
    .title = "After refusing a CONNECT the server processes nothing else the client sent: a PUBLISH behind it is not stored",
    .statements = {"MQTT-3.1.4-5", "MQTT-3.2.2-5", "MQTT-3.1.3-8"},
    .needs = {requirement::retain},
}) {
    const auto topic = t.topic("t");
    t.retained_on(topic);
    auto& bad = t.open("bad");
    // CONNECT the broker must refuse (empty Client Identifier with Clean Session 0) and, in the same
    // write, a retained PUBLISH: if the broker processed it, it would store the message.
    auto bytes = codec::encode(t.make_connect("bad", {.client_id = "", .clean_start = false}), codec::protocol_version::v3_1_1);
    codec::publish_packet publish;
    publish.retain = true;
    publish.topic = topic;
    publish.payload = "must-not-be-stored";
    codec::encode(publish, codec::protocol_version::v3_1_1, bytes);
    bad.send_raw(bytes);
    expect_connect_rejected(bad, {.return_codes = {0x02}, .close_without_connack_allowed = false,
                                  .statement = "MQTT-3.1.3-8"});
    // A new subscriber to the topic: no retained message, proved by a live sentinel on the same topic.
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    sub.subscribe(topic, 1);
    expect_no_delivery_unordered_marker(pub, sub, topic, 0, pattern(json{{"type", "PUBLISH"}, {"payload", "must-not-be-stored"}}));
}

}  // namespace
}  // namespace mqttspec::conformance
