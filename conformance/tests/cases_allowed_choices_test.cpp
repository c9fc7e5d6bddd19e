// Cases where the standard lets the broker choose (issue 7, "False failures"): a lower QoS grant,
// not routing client publishes on '$'-topics, refusing zero-length Client Identifiers, answering an
// unknown protocol level in the 5.0 layout, the order of retained messages. Each is shown to pass (or
// skip with the reason) for what the standard allows, and to fail when the rule is broken.
#include <gtest/gtest.h>

#include <set>

#include <array>

#include <fstream>

#include "fake_broker.hpp"
#include "mqttspec/conformance/fixtures.hpp"

namespace mqttspec::conformance {
namespace {

using testing::fake_broker;
using testing::fake_session;
using testing::run_case_against;
using testing::find_case;
using testing::log_case_run;
constexpr auto v311 = codec::protocol_version::v3_1_1;
constexpr auto v5 = codec::protocol_version::v5;

std::string hex_id(std::uint16_t id) {
    return codec::to_hex(std::vector<std::uint8_t>{static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id & 0xFF)});
}

// Reads a SUBSCRIBE and answers a SUBACK with `codes` (hex, one byte per filter); returns its JSON.
codec::ordered_json answer_subscribe(fake_session& s, const std::string& codes) {
    const auto sub = s.read_json(s.version());
    const auto id = sub.at("packet_id").get<std::uint16_t>();
    const auto body = codec::from_hex(codes);
    const bool is_v5 = s.version() == v5;
    const auto length = 2 + (is_v5 ? 1 : 0) + body.size();
    s.send_hex("90 " + codec::to_hex(std::vector<std::uint8_t>{static_cast<std::uint8_t>(length)}) + " " + hex_id(id) +
               (is_v5 ? " 00 " : " ") + codes);
    return sub;
}

// Decodes a packet the client sent (already read) as JSON.
codec::ordered_json client_packet(fake_session& s, const std::vector<std::uint8_t>& bytes) {
    const auto r = codec::decode(bytes, s.version(), {.sender = codec::sender::client});
    if (!r.ok()) throw std::runtime_error("fake broker: client packet does not decode: " + r.error.message);
    return codec::to_json(r, s.version());
}

void send_publish(fake_session& s, const std::string& topic, const std::string& payload, std::uint8_t qos,
                  bool retain = false, std::uint16_t packet_id = 1) {
    codec::publish_packet p;
    p.qos = qos;
    p.retain = retain;
    p.packet_id = qos > 0 ? packet_id : 0;
    p.topic = topic;
    p.payload = payload;
    s.send_packet(p);
}

// Answers every QoS 1 PUBLISH with PUBACK `reason` (5.0; "" = success) and every PINGREQ, until the
// client closes.
void acknowledge_everything(fake_session& s, const std::string& reason = "") {
    try {
        for (;;) {
            const auto bytes = s.read_packet();
            const auto type = bytes.at(0) >> 4;
            if (type == 12) s.send_hex("d0 00");
            if (type == 5) s.send_hex("62 02 " + codec::to_hex(std::vector<std::uint8_t>{bytes.at(2), bytes.at(3)}));
            if (type == 3 && (bytes[0] & 0x06) == 0x02) {
                const auto j = client_packet(s, bytes);
                const auto id = j.at("packet_id").get<std::uint16_t>();
                s.send_hex(reason.empty() ? "40 02 " + hex_id(id) : "40 03 " + hex_id(id) + " " + reason);
            }
        }
    } catch (const std::exception&) {
    }
}

// ---- QoS grants (3.9.3: a lower grant is allowed) ----------------------------------------------

TEST(QosGrant, Qos1DeliverySkipsWhenQos0IsGranted) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        if (s.index() == 0) answer_subscribe(s, "00");
        s.wait_for_close();
    });
    const auto r = run_case_against(broker, "v5/publish/qos1-delivery");
    EXPECT_EQ(r.result, verdict::skipped) << r.message;
    EXPECT_NE(r.message.find("granted QoS 0"), std::string::npos) << r.message;
}

// Grants `codes` to the three filters of v5/publish/delivered-qos-is-minimum and delivers each message
// at min(published, granted) + `excess` on filter g<excess_filter>.
case_result delivered_minimum(const std::string& codes, std::array<int, 3> granted, int excess_filter) {
    fake_broker broker([codes, granted, excess_filter](fake_session& s) {
        s.accept_connect();
        if (s.index() == 0) {
            const auto sub = answer_subscribe(s, codes);
            std::vector<std::string> filters;
            for (const auto& f : sub.at("subscriptions")) filters.push_back(f.at("filter").get<std::string>());
            // The case's rows: (published, filter index).
            const std::pair<int, int> rows[] = {{1, 0}, {2, 0}, {2, 1}, {0, 2}, {1, 2}, {2, 2}};
            std::uint16_t id = 1;
            int n = 0;
            for (const auto& [published, filter] : rows) {
                int qos = std::min(published, granted[static_cast<std::size_t>(filter)]);
                if (filter == excess_filter && qos < published) ++qos;
                send_publish(s, filters[static_cast<std::size_t>(filter)], "m" + std::to_string(n++),
                             static_cast<std::uint8_t>(qos), false, id++);
            }
            acknowledge_everything(s);
        } else {
            // The publisher: PUBACK, or PUBREC then PUBCOMP after the PUBREL.
            try {
                for (;;) {
                    const auto bytes = s.read_packet();
                    const auto type = bytes.at(0) >> 4;
                    if (type == 3) {
                        const auto j = client_packet(s, bytes);
                        const auto qos = j.at("qos").get<int>();
                        if (qos == 1) s.send_hex("40 02 " + hex_id(j.at("packet_id").get<std::uint16_t>()));
                        if (qos == 2) s.send_hex("50 02 " + hex_id(j.at("packet_id").get<std::uint16_t>()));
                    }
                    if (type == 6) s.send_hex("70 02 " + codec::to_hex(std::vector<std::uint8_t>{bytes.at(2), bytes.at(3)}));
                    if (type == 12) s.send_hex("d0 00");
                }
            } catch (const std::exception&) {
            }
        }
    });
    return run_case_against(broker, "v5/publish/delivered-qos-is-minimum");
}

TEST(QosGrant, DeliveredQosFollowsTheGrant) {
    EXPECT_EQ(delivered_minimum("00 01 02", {0, 1, 2}, -1).result, verdict::passed);
    // A broker granting QoS 0 everywhere delivers everything at QoS 0.
    const auto low = delivered_minimum("00 00 00", {0, 0, 0}, -1);
    EXPECT_EQ(low.result, verdict::passed) << low.message;
    // Delivered above the grant on g1 (granted 0): fails.
    const auto above = delivered_minimum("00 00 00", {0, 0, 0}, 1);
    EXPECT_EQ(above.result, verdict::failed) << above.message;
    EXPECT_EQ(above.statement, "MQTT-3.8.4-8");
    // Granted more than requested: fails on MQTT-3.8.4-7.
    const auto more = delivered_minimum("01 01 02", {1, 1, 2}, -1);
    EXPECT_EQ(more.result, verdict::failed) << more.message;
    EXPECT_EQ(more.statement, "MQTT-3.8.4-7");
}

TEST(QosGrant, FlowSkipsOnALowerGrant) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        if (s.index() == 0) answer_subscribe(s, "00");
        s.wait_for_close();
    });
    const auto r = run_case_against(broker, "v311/publish/qos1-flow");
    EXPECT_EQ(r.result, verdict::skipped) << r.message;
}

TEST(QosGrant, FlowSkipsOnARefusedSubscription) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        if (s.index() == 0) answer_subscribe(s, "80");
        s.wait_for_close();
    });
    const auto r = run_case_against(broker, "v5/properties/content-type-forwarded");
    EXPECT_EQ(r.result, verdict::skipped) << r.message;
}

TEST(QosGrant, RequireGrantStepNeedsAKeptSubackAndAQos) {
    const auto path = std::filesystem::temp_directory_path() / "mqttspec-require-grant-test.json";
    const std::string head = R"({"cases": [{"id": "v5/x/y", "title": "t", "statements": ["MQTT-3.8.4-7"], "steps": [
        {"connect": "sub"},
        {"send": "sub", "packet": {"type": "SUBSCRIBE", "packet_id": 1, "subscriptions": [{"filter": "{prefix}/t", "qos": 1}]}},
        {"expect": "sub", "packet": {"type": "SUBACK", "packet_id": 1}, "as": "grant"},
        )";
    for (const auto& [step, where] : std::vector<std::pair<std::string, std::string>>{
             {R"({"require_grant": "sub", "suback": "grnt", "qos": 1})", "/cases/0/steps/3/suback"},
             {R"({"require_grant": "sub", "suback": "grant", "qos": 3})", "/cases/0/steps/3/qos"},
             {R"({"require_grant": "sub", "suback": "grant"})", "/cases/0/steps/3/qos"}}) {
        std::ofstream(path) << head << step << "]}]}";
        try {
            load_flow_file(path);
            ADD_FAILURE() << "accepted: " << step;
        } catch (const fixture_error& e) {
            EXPECT_EQ(e.where, where) << e.what();
        }
    }
    std::ofstream(path) << head << R"({"require_grant": "sub", "suback": "grant", "qos": 1})" << "]}]}";
    EXPECT_EQ(load_flow_file(path).size(), 1u);
}

// v5/properties/content-type-forwarded with a QoS `granted` subscription; the forwarded message
// carries `content_type`.
case_result content_type_flow(const std::string& granted, const std::string& content_type) {
    fake_broker broker([granted, content_type](fake_session& s) {
        s.accept_connect();
        if (s.index() == 0) {
            const auto sub = answer_subscribe(s, granted);
            const auto topic = sub.at("subscriptions").at(0).at("filter").get<std::string>();
            codec::publish_packet p;
            p.qos = 0;
            p.topic = topic;
            p.payload = "{}";
            p.properties.push_back({codec::property_id::content_type, 0, content_type, {}});
            s.send_packet(p);
            acknowledge_everything(s);
        } else {
            acknowledge_everything(s);
        }
    });
    return run_case_against(broker, "v5/properties/content-type-forwarded");
}

TEST(QosGrant, PropertyFlowJudgesAQos0Delivery) {
    const auto r = content_type_flow("00", "application/vnd.mqttspec+json; charset=utf-8");
    EXPECT_EQ(r.result, verdict::passed) << r.message << "\n" << r.transcript_text;
    EXPECT_EQ(content_type_flow("00", "text/plain").result, verdict::failed);
}

// ---- '$'-topics: routing client publishes is the broker's choice ---------------------------------

// Connections: 0 exact subscriber, 1 wildcard subscriber, 2 publisher. `exact_gets` / `wildcard_gets`:
// payloads each subscriber receives, in order; `puback`: the 5.0 PUBACK reason ("" = success).
case_result dollar_case(codec::protocol_version version, std::vector<std::string> exact_gets,
                        std::vector<std::string> wildcard_gets, const std::string& puback = "") {
    fake_broker broker([=](fake_session& s) {
        s.accept_connect();
        if (s.index() == 2) {
            acknowledge_everything(s, puback);
            return;
        }
        const auto sub = answer_subscribe(s, "01");
        const auto filter = sub.at("subscriptions").at(0).at("filter").get<std::string>();
        const auto topic = filter.substr(0, filter.rfind('/')) + "/t";
        std::uint16_t id = 1;
        for (const auto& payload : s.index() == 0 ? exact_gets : wildcard_gets) send_publish(s, topic, payload, 1, false, id++);
        acknowledge_everything(s);
    });
    return run_case_against(broker, version == v5 ? "v5/topic/dollar-topic-matched-by-explicit-filter"
                                                  : "v311/topic/dollar-topic-matched-by-explicit-filter");
}

TEST(DollarTopics, PassesWhenBothFiltersMatch) {
    const auto r = dollar_case(v311, {"dollar-explicit", "dollar-marker"}, {"dollar-explicit", "dollar-marker"});
    EXPECT_EQ(r.result, verdict::passed) << r.message << "\n" << r.transcript_text;
}

TEST(DollarTopics, SkipsWhenTheBrokerDoesNotRoute) {
    const auto r = dollar_case(v311, {}, {});
    EXPECT_EQ(r.result, verdict::skipped) << r.message;
    EXPECT_NE(r.message.find("does not route"), std::string::npos) << r.message;
}

TEST(DollarTopics, SkipsWhenThePublishIsRefused) {
    const auto r = dollar_case(v5, {}, {}, "80");
    EXPECT_EQ(r.result, verdict::skipped) << r.message;
}

TEST(DollarTopics, FailsWhenOnlyOneFilterMatches) {
    const auto no_wildcard = dollar_case(v311, {"dollar-explicit", "dollar-marker"}, {});
    EXPECT_EQ(no_wildcard.result, verdict::failed) << no_wildcard.message;
    EXPECT_EQ(no_wildcard.statement, "MQTT-4.7.1-3");
    const auto no_exact = dollar_case(v5, {}, {"dollar-explicit", "dollar-marker"});
    EXPECT_EQ(no_exact.result, verdict::failed) << no_exact.message;
    EXPECT_EQ(no_exact.statement, "MQTT-4.7.3-4");
    // The marker without the message before it: a lost message, not "not routed".
    const auto lost = dollar_case(v311, {"dollar-marker"}, {"dollar-marker"});
    EXPECT_EQ(lost.result, verdict::failed) << lost.message;
}

// ---- zero-length Client Identifiers (a server MAY refuse them) -----------------------------------

case_result empty_id_case(const std::string& id, const std::string& connack, std::optional<bool> profile_accepts) {
    fake_broker broker([connack](fake_session& s) {
        s.expect_connect();
        s.send_hex(connack);
        s.wait_for_close();
    });
    profile prof;
    prof.accepts_empty_client_id = profile_accepts;
    return run_case_against(broker, id, prof);
}

TEST(EmptyClientId, RefusalSkipsUnlessTheProfileSaysAccepted) {
    EXPECT_EQ(empty_id_case("v311/connect/empty-client-id-assigned-unique", "20 02 00 02", std::nullopt).result,
              verdict::skipped);
    EXPECT_EQ(empty_id_case("v5/assigned-client-id/returned-for-empty-id", "20 03 00 85 00", std::nullopt).result,
              verdict::skipped);
    const auto r = empty_id_case("v5/assigned-client-id/unique", "20 03 00 85 00", true);
    EXPECT_EQ(r.result, verdict::failed) << r.message;
    EXPECT_EQ(r.statement, "MQTT-3.1.3-6");
    EXPECT_EQ(empty_id_case("v311/connect/empty-client-id-assigned-unique", "20 02 00 02", true).result, verdict::failed);
    // The profile says the broker refuses them: skipped before connecting.
    EXPECT_EQ(empty_id_case("v311/connect/empty-client-id-assigned-unique", "20 02 00 00", false).result,
              verdict::skipped);
}

TEST(EmptyClientId, AnotherRefusalCodeFails) {
    // 0x04 (bad user name or password) is not how a broker refuses an identifier.
    EXPECT_EQ(empty_id_case("v311/connect/empty-client-id-assigned-unique", "20 02 00 04", std::nullopt).result,
              verdict::failed);
    // 5.0: a success code other than 0 is no answer to a CONNECT.
    EXPECT_EQ(empty_id_case("v5/assigned-client-id/returned-for-empty-id", "20 03 00 01 00", std::nullopt).result,
              verdict::failed);
}

// 5.0 3.1.3.1 makes 0x85 a MAY and 3.2.2.2 lets the server pick the refusal code: mosquitto 2.0.11
// with allow_zero_length_clientid false answers 0x80 (Unspecified error).
TEST(EmptyClientId, V5AnyRefusalCodeSkips) {
    for (const char* id : {"v5/assigned-client-id/returned-for-empty-id", "v5/assigned-client-id/unique",
                           "v5/assigned-client-id/identifies-the-session"}) {
        const auto r = empty_id_case(id, "20 03 00 80 00", std::nullopt);
        EXPECT_EQ(r.result, verdict::skipped) << id << ": " << r.message;
    }
    EXPECT_EQ(empty_id_case("v5/assigned-client-id/unique", "20 03 00 80 00", true).result, verdict::failed);
}

// ---- protocol level 7: a 3.1.1 or a 5.0 refusal ---------------------------------------------------

// `spoken`: the versions the probe saw accepted (empty: unknown, as without a probe).
verdict protocol_level_case(const std::string& answer, bool close, std::set<codec::protocol_version> spoken = {}) {
    fake_broker broker([answer, close](fake_session& s) {
        s.read_packet();
        if (!answer.empty()) s.send_hex(answer);
        if (close) {
            s.close();
        } else {
            s.wait_for_close();
        }
    });
    const std::string id = "v311/connect/protocol-level-unsupported";
    auto env = testing::fake_environment(broker);
    env.accepted_versions = std::move(spoken);
    const auto r = run_case(testing::find_case(id), env, 0);
    testing::log_case_run(id, r.result);
    return r.result;
}

// 3.1.1 MQTT-3.1.2-2 wants CONNACK 0x01 from a broker that speaks only 3.1.1; the 5.0 forms (0x84 in
// the 5.0 layout, or closing without a CONNACK) are for brokers that implement 5.0.
TEST(ProtocolLevel, A311OnlyBrokerMustAnswerReturnCode1) {
    const std::set<codec::protocol_version> only311{codec::protocol_version::v3_1_1};
    const std::set<codec::protocol_version> both{codec::protocol_version::v3_1_1, codec::protocol_version::v5};
    EXPECT_EQ(protocol_level_case("20 02 00 01", true, only311), verdict::passed);
    EXPECT_EQ(protocol_level_case("", true, only311), verdict::failed);
    EXPECT_EQ(protocol_level_case("20 03 00 84 00", true, only311), verdict::failed);
    EXPECT_EQ(protocol_level_case("", true, both), verdict::passed);
    EXPECT_EQ(protocol_level_case("20 03 00 84 00", true, both), verdict::passed);
}

TEST(ProtocolLevel, AcceptsEveryRefusalEitherVersionAllows) {
    EXPECT_EQ(protocol_level_case("20 02 00 01", true), verdict::passed);     // 3.1.1
    EXPECT_EQ(protocol_level_case("20 03 00 84 00", true), verdict::passed);  // 5.0 layout, 0x84
    EXPECT_EQ(protocol_level_case("", true), verdict::passed);                // 5.0: the CONNACK is a MAY
}

TEST(ProtocolLevel, FailsOnAcceptanceWrongCodeOrNoClose) {
    EXPECT_EQ(protocol_level_case("20 02 00 00", true), verdict::failed);
    EXPECT_EQ(protocol_level_case("20 02 00 02", true), verdict::failed);
    EXPECT_EQ(protocol_level_case("20 03 00 80 00", true), verdict::failed);
    EXPECT_EQ(protocol_level_case("20 02 01 01", true), verdict::failed);  // Session Present 1
    EXPECT_EQ(protocol_level_case("20 02 00 01", false), verdict::failed);
}

// ---- retained messages are not ordered against a second SUBSCRIBE or live traffic -----------------

// Connections: 0 publisher, 1 subscriber. The subscriber gets `retained` (payload, retain flag) after
// the SUBACK.
case_result retained_case(const std::string& id, std::vector<std::pair<std::string, bool>> retained, int qos = 1) {
    fake_broker broker([=](fake_session& s) {
        s.accept_connect();
        if (s.index() == 0) {
            acknowledge_everything(s);
            return;
        }
        const auto sub = answer_subscribe(s, qos == 0 ? "00" : "01");
        const auto topic = sub.at("subscriptions").at(0).at("filter").get<std::string>();
        std::uint16_t n = 1;
        for (const auto& [payload, flag] : retained) send_publish(s, topic, payload, static_cast<std::uint8_t>(qos), flag, n++);
        acknowledge_everything(s);
    });
    return run_case_against(broker, id);
}

TEST(Retained, PositiveCasesWaitForTheMessage) {
    EXPECT_EQ(retained_case("v5/retain/sent-to-new-subscriber", {{"stored", true}}).result, verdict::passed);
    EXPECT_EQ(retained_case("v5/retain/sent-to-new-subscriber", {{"stored", false}}).result, verdict::failed);
    EXPECT_EQ(retained_case("v5/retain/replaced-by-newer", {{"new", true}}).result, verdict::passed);
    EXPECT_EQ(retained_case("v5/retain/replaced-by-newer", {{"old", true}, {"new", true}}).result, verdict::failed);
    EXPECT_EQ(retained_case("v5/retain/sent-at-minimum-qos", {{"q1", true}}, 0).result, verdict::passed);
    EXPECT_EQ(retained_case("v5/retain/sent-at-minimum-qos", {{"q1", true}}, 1).result, verdict::failed);
}

// ---- a message published right after a SUBACK may come twice (issue 7: ejabberd) -----------------

// Connections: 0 subscriber, 1 publisher. After the SUBACK the subscriber gets `deliveries` (payload,
// retain flag) at QoS 1, one in flight: each is sent only once the previous one is acknowledged, as a
// broker that keeps one message in flight does.
case_result forwarded_copies_case(const std::string& id, std::vector<std::pair<std::string, bool>> deliveries) {
    fake_broker broker([=](fake_session& s) {
        s.accept_connect();
        if (s.index() == 1) {
            acknowledge_everything(s);
            return;
        }
        const auto sub = answer_subscribe(s, "01");
        const auto topic = sub.at("subscriptions").at(0).at("filter").get<std::string>();
        std::uint16_t n = 1;
        for (const auto& [payload, flag] : deliveries) {
            send_publish(s, topic, payload, 1, flag, n++);
            if (client_packet(s, s.read_packet()).at("type") != "PUBACK") throw std::runtime_error("expected PUBACK");
        }
        acknowledge_everything(s);
    });
    return run_case_against(broker, id);
}

TEST(ForwardedCopies, ARetainedCopyBesidesTheLiveOneIsAllowed) {
    for (const std::string id : {"v311/retain/live-forward-retain-0", "v5/subscription-options/retain-as-published-0"}) {
        SCOPED_TRACE(id);
        EXPECT_EQ(forwarded_copies_case(id, {{"live", false}, {"after", false}}).result, verdict::passed);
        // ejabberd 23.01: the message as retained for the subscription it was still setting up, then live.
        EXPECT_EQ(forwarded_copies_case(id, {{"live", true}, {"live", false}, {"after", false}}).result, verdict::passed);
        EXPECT_EQ(forwarded_copies_case(id, {{"live", false}, {"live", true}, {"after", false}}).result, verdict::passed);
        // No copy with RETAIN 0: the rule is broken. No copy before the later message: it was lost.
        EXPECT_EQ(forwarded_copies_case(id, {{"live", true}, {"after", false}}).result, verdict::failed);
        EXPECT_EQ(forwarded_copies_case(id, {{"after", false}, {"live", false}}).result, verdict::failed);
    }
}

TEST(ForwardedCopies, RetainAsPublishedKeepsTheFlagOfEveryCopy) {
    const std::string id = "v5/subscription-options/retain-as-published-1";
    EXPECT_EQ(forwarded_copies_case(id, {{"retained", true}, {"plain", false}}).result, verdict::passed);
    EXPECT_EQ(forwarded_copies_case(id, {{"retained", true}, {"retained", true}, {"plain", false}}).result, verdict::passed);
    EXPECT_EQ(forwarded_copies_case(id, {{"retained", true}, {"retained", false}, {"plain", false}}).result, verdict::failed);
    EXPECT_EQ(forwarded_copies_case(id, {{"retained", false}, {"plain", false}}).result, verdict::failed);
    EXPECT_EQ(forwarded_copies_case(id, {{"retained", true}, {"plain", true}}).result, verdict::failed);
}

}  // namespace
}  // namespace mqttspec::conformance
