// The 3.1.1 cases and the malformed-packet table against scripted fake brokers: each case shown to
// fail when a peer breaks its rule, and to pass for the outcomes the spec permits.
#include <gtest/gtest.h>

#include <fstream>

#include "fake_broker.hpp"
#include "mqttspec/conformance/fixtures.hpp"

namespace mqttspec::conformance {
namespace {

using testing::fake_broker;
using testing::fake_session;
using testing::run_case_against;
constexpr auto v311 = codec::protocol_version::v3_1_1;
constexpr auto v5 = codec::protocol_version::v5;

std::string hex_id(std::uint16_t id) {
    return codec::to_hex(std::vector<std::uint8_t>{static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id & 0xFF)});
}

// ---- the table itself --------------------------------------------------------------------------

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / ("mqttspec-v311-test-" + name + ".json");
    std::ofstream(path) << text;
    return path;
}

std::string table(const std::string& row) {
    return R"({"kind": "malformed-packets", "rows": [)" + row + "]}";
}

TEST(MalformedTable, GeneratesCasesForBothVersions) {
    const auto cases = load_matrix_file(fixtures_dir() / "matrices" / "malformed.json");
    std::size_t v311_count = 0, v5_count = 0;
    for (const auto& c : cases) {
        if (c.info.id.rfind("v311/malformed/", 0) == 0) ++v311_count;
        if (c.info.id.rfind("v5/malformed/", 0) == 0) ++v5_count;
        EXPECT_FALSE(c.info.statements.empty()) << c.info.id;
    }
    EXPECT_GE(v311_count, 50u);
    EXPECT_GE(v5_count, 50u);
    EXPECT_EQ(v311_count + v5_count, cases.size());
}

TEST(MalformedTable, AValidPacketIsAFixtureError) {
    // A PINGREQ after CONNECT is perfectly valid: the table must not claim otherwise.
    const auto file = write_temp("valid", table(R"({"name": "ok", "title": "t", "hex": "c0 00", "statements": {"3.1.1": ["MQTT-4.8.0-1"]}})"));
    try {
        load_matrix_file(file);
        FAIL() << "a valid packet was accepted as a malformed row";
    } catch (const fixture_error& e) {
        EXPECT_EQ(e.where, "/rows/0/hex");
        EXPECT_NE(std::string(e.what()).find("not a malformed packet"), std::string::npos) << e.what();
    }
}

TEST(MalformedTable, AnIncompletePacketIsAFixtureError) {
    const auto file = write_temp("short", table(R"({"name": "short", "title": "t", "hex": "30 0a 00", "statements": {"5": ["MQTT-4.13.1-1"]}})"));
    EXPECT_THROW(load_matrix_file(file), fixture_error);
}

TEST(MalformedTable, BadTemplateAndUnknownKeysNameTheRow) {
    for (const char* row : {R"({"name": "x", "title": "t", "hex": "30 {bogus}", "statements": {"3.1.1": ["MQTT-4.8.0-1"]}})",
                            R"({"name": "x", "title": "t", "hex": "36 00", "statments": {}})",
                            R"({"name": "x", "title": "t", "hex": "36 00", "statements": {"4": ["MQTT-1"]}})"}) {
        const auto file = write_temp("bad", table(row));
        try {
            load_matrix_file(file);
            ADD_FAILURE() << "accepted: " << row;
        } catch (const fixture_error& e) {
            EXPECT_EQ(e.where.rfind("/rows/0", 0), 0u) << e.what();
        }
    }
}

TEST(MalformedTable, UnknownKindIsAFixtureError) {
    const auto file = write_temp("kind", R"({"kind": "no-such-table", "rows": []})");
    EXPECT_THROW(load_matrix_file(file), fixture_error);
}

// ---- malformed rows against fake brokers --------------------------------------------------------

// After CONNECT the broker reads the malformed packet and then does `reaction`.
verdict row_verdict(const std::string& id, std::function<void(fake_session&)> reaction) {
    fake_broker broker([reaction](fake_session& s) {
        s.accept_connect();
        s.read_packet();
        reaction(s);
    });
    const auto r = run_case_against(broker, id);
    return r.result;
}

TEST(MalformedRows, V311PassesOnlyWhenTheBrokerCloses) {
    EXPECT_EQ(row_verdict("v311/malformed/publish-qos3", [](fake_session& s) { s.close(); }), verdict::passed);
    EXPECT_EQ(row_verdict("v311/malformed/publish-qos3", [](fake_session& s) { s.wait_for_close(); }), verdict::failed);
    // 3.1.1 has no server DISCONNECT: sending anything before closing is a failure.
    EXPECT_EQ(row_verdict("v311/malformed/publish-qos3", [](fake_session& s) { s.send_hex("d0 00"); s.close(); }), verdict::failed);
}

TEST(MalformedRows, V5AcceptsDisconnectWithErrorReasonThenClose) {
    EXPECT_EQ(row_verdict("v5/malformed/publish-qos3", [](fake_session& s) { s.send_hex("e0 01 81"); s.close(); }), verdict::passed);
    EXPECT_EQ(row_verdict("v5/malformed/publish-qos3", [](fake_session& s) { s.send_hex("e0 01 82"); s.close(); }), verdict::passed);
    EXPECT_EQ(row_verdict("v5/malformed/publish-qos3", [](fake_session& s) { s.close(); }), verdict::passed);
    // A success reason, or a DISCONNECT without the close, is not enough.
    EXPECT_EQ(row_verdict("v5/malformed/publish-qos3", [](fake_session& s) { s.send_hex("e0 01 00"); s.close(); }), verdict::failed);
    EXPECT_EQ(row_verdict("v5/malformed/publish-qos3", [](fake_session& s) { s.send_hex("e0 01 81"); s.wait_for_close(); }), verdict::failed);
    // Any error code is allowed at MUST level (4.13.1: "a more specific Reason Code"); the row's own
    // reasons are judged by the SHOULD-level .../reason-code case (cases_malformed_test.cpp).
    EXPECT_EQ(row_verdict("v5/malformed/disconnect-flags-0001", [](fake_session& s) { s.send_hex("e0 01 82"); s.close(); }), verdict::passed);
}

TEST(MalformedRows, OrReplyIsAPermittedOutcome) {
    const auto id = "v311/malformed/subscribe-filter-multi-level-not-last";
    EXPECT_EQ(row_verdict(id, [](fake_session& s) { s.send_hex("90 03 00 01 80"); s.wait_for_close(); }), verdict::passed);
    EXPECT_EQ(row_verdict(id, [](fake_session& s) { s.send_hex("90 03 00 01 00"); s.wait_for_close(); }), verdict::failed);
}

TEST(MalformedRows, FirstPacketRowsForbidConnackIn311) {
    auto run = [](std::function<void(fake_session&)> reaction) {
        fake_broker broker([reaction](fake_session& s) {
            s.read_packet();  // the malformed CONNECT
            reaction(s);
        });
        return run_case_against(broker, "v311/malformed/connect-reserved-flag").result;
    };
    EXPECT_EQ(run([](fake_session& s) { s.close(); }), verdict::passed);
    EXPECT_EQ(run([](fake_session& s) { s.send_hex("20 02 00 00"); s.wait_for_close(); }), verdict::failed);
    // MQTT-3.1.4-1: not even a refusing CONNACK.
    EXPECT_EQ(run([](fake_session& s) { s.send_hex("20 02 00 02"); s.close(); }), verdict::failed);
}

// ---- C++ cases ----------------------------------------------------------------------------------

TEST(V311Connect, UnsupportedLevelNeedsConnackReturnCode1ThenClose) {
    auto run = [](const char* answer) {
        fake_broker broker([answer](fake_session& s) {
            s.read_packet();
            if (*answer) s.send_hex(answer);
            s.close();
        });
        return run_case_against(broker, "v311/connect/protocol-level-unsupported").result;
    };
    EXPECT_EQ(run("20 02 00 01"), verdict::passed);
    // Level 7 is not 3.1.1: a broker that also implements 5.0 may follow 5.0 MQTT-3.1.2-2 (CONNACK a
    // MAY), so a bare close passes (more outcomes: cases_allowed_choices_test.cpp).
    EXPECT_EQ(run(""), verdict::passed);
    EXPECT_EQ(run("20 02 00 02"), verdict::failed);  // wrong return code
    EXPECT_EQ(run("20 02 01 01"), verdict::failed);  // Session Present with an error (3.2.2-4)
}

TEST(V311Connect, TakeoverMustCloseTheFirstConnection) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        s.wait_for_close();  // never closes the older connection
    });
    const auto r = run_case_against(broker, "v311/connect/takeover-closes-existing");
    EXPECT_EQ(r.result, verdict::failed) << r.message;
}

TEST(V311Connect, EmptyClientIdWithPersistentSessionMustBeRefused) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();  // accepts what it must refuse
        s.wait_for_close();
    });
    EXPECT_EQ(run_case_against(broker, "v311/connect/empty-client-id-persistent-session-rejected").result, verdict::failed);
}

// A broker that grants QoS `granted` to the subscriber and delivers the message at `delivered`.
verdict delivered_qos_verdict(int granted, int delivered) {
    fake_broker broker([granted, delivered](fake_session& s) {
        s.accept_connect();
        if (s.index() == 0) {  // "sub" connects first
            const auto sub = s.read_json(v311);
            const auto id = sub.at("packet_id").get<std::uint16_t>();
            const auto topic = sub.at("subscriptions").at(0).at("filter").get<std::string>();
            s.send_hex("90 03 " + hex_id(id) + " 0" + std::to_string(granted));
            codec::publish_packet p;
            p.qos = static_cast<std::uint8_t>(delivered);
            p.packet_id = delivered > 0 ? 1 : 0;
            p.topic = topic;
            p.payload = "qos-check";
            s.send_packet(p);
        } else {
            const auto pub = s.read_json(v311);
            s.send_hex("40 02 " + hex_id(pub.at("packet_id").get<std::uint16_t>()));
        }
        s.wait_for_close();
    });
    return run_case_against(broker, "v311/publish/delivered-qos-1-to-0").result;
}

TEST(V311Publish, DeliveredQosIsTheMinimum) {
    EXPECT_EQ(delivered_qos_verdict(0, 0), verdict::passed);
    EXPECT_EQ(delivered_qos_verdict(0, 1), verdict::failed);  // not downgraded
    EXPECT_EQ(delivered_qos_verdict(1, 0), verdict::failed);  // granted more than requested
}

TEST(V311Unsubscribe, MissingUnsubackFails) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        s.read_packet();  // UNSUBSCRIBE: no UNSUBACK
        s.wait_for_close();
    });
    EXPECT_EQ(run_case_against(broker, "v311/unsubscribe/unknown-filter-acknowledged").result, verdict::failed);
}

TEST(V311KeepAlive, ClosingBeforeTheKeepAliveFails) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        s.close();  // far too early for Keep Alive 1 s
    });
    const auto r = run_case_against(broker, "v311/keepalive/silent-client-disconnected");
    EXPECT_EQ(r.result, verdict::failed) << r.message;
}

TEST(V311Subscribe, SubackForEachFilterInOrder) {
    // Return codes reversed (1, 0, 2 for requests 2, 0, 1): the last filter is granted more than asked.
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        if (s.index() == 0) {
            const auto sub = s.read_json(v311);
            s.send_hex("90 05 " + hex_id(sub.at("packet_id").get<std::uint16_t>()) + " 01 00 02");
        }
        s.wait_for_close();
    });
    const auto r = run_case_against(broker, "v311/subscribe/multiple-filters-one-suback-in-order");
    EXPECT_EQ(r.result, verdict::failed);
    EXPECT_EQ(r.statement, "MQTT-3.9.3-1") << r.message;
}

}  // namespace
}  // namespace mqttspec::conformance
