// The malformed-packet table's 5.0 verdicts against scripted fake brokers: at MUST level the broker
// closes (after at most one error packet with any code >= 0x80); the specific reason code is a
// separate SHOULD-level case, v5/malformed/<row>/reason-code.
#include <gtest/gtest.h>

#include "fake_broker.hpp"
#include "mqttspec/conformance/fixtures.hpp"

namespace mqttspec::conformance {
namespace {

using testing::fake_broker;
using testing::fake_session;
using testing::run_case_against;

// After CONNECT the broker reads the malformed packet and then does `reaction`.
case_result after_connect(const std::string& id, std::function<void(fake_session&)> reaction) {
    fake_broker broker([reaction](fake_session& s) {
        s.accept_connect();
        s.read_packet();
        reaction(s);
    });
    return run_case_against(broker, id);
}

// The malformed CONNECT is the first packet; the broker then does `reaction`.
case_result as_first_packet(const std::string& id, std::function<void(fake_session&)> reaction) {
    fake_broker broker([reaction](fake_session& s) {
        s.read_packet();
        reaction(s);
    });
    return run_case_against(broker, id);
}

TEST(MalformedTable, EveryV5RowHasAShouldLevelReasonCodeCase) {
    const auto cases = load_matrix_file(fixtures_dir() / "matrices" / "malformed.json");
    std::set<std::string> ids;
    for (const auto& c : cases) ids.insert(c.info.id);
    std::size_t rows = 0;
    for (const auto& c : cases) {
        const auto& id = c.info.id;
        if (id.rfind("v5/malformed/", 0) != 0) continue;
        if (id.size() > 12 && id.substr(id.size() - 12) == "/reason-code") {
            EXPECT_EQ(c.info.lvl, level::should) << id;
            continue;
        }
        ++rows;
        EXPECT_EQ(c.info.lvl, level::must) << id;
        EXPECT_TRUE(ids.count(id + "/reason-code")) << id;
    }
    EXPECT_GE(rows, 50u);
}

TEST(MalformedMust, AnyErrorCodeBeforeTheCloseIsAllowed) {
    // 0x81, 0x82 and a more specific code (0x9B QoS not supported) all precede a permitted close.
    for (const char* disconnect : {"e0 01 81", "e0 01 82", "e0 01 9b", "e0 01 80"}) {
        const auto r = after_connect("v5/malformed/publish-qos3", [disconnect](fake_session& s) {
            s.send_hex(disconnect);
            s.close();
        });
        EXPECT_EQ(r.result, verdict::passed) << disconnect << ": " << r.message;
    }
}

TEST(MalformedMust, FailsWhenTheConnectionStaysOpenOrTheCodeIsASuccess) {
    EXPECT_EQ(after_connect("v5/malformed/publish-qos3", [](fake_session& s) { s.wait_for_close(); }).result,
              verdict::failed);
    EXPECT_EQ(after_connect("v5/malformed/publish-qos3", [](fake_session& s) { s.send_hex("e0 01 00"); s.close(); }).result,
              verdict::failed);
    EXPECT_EQ(after_connect("v5/malformed/publish-qos3", [](fake_session& s) { s.send_hex("e0 01 81"); s.wait_for_close(); }).result,
              verdict::failed);
}

TEST(MalformedMust, BadConnectAllowsAnyRefusingConnackThenClose) {
    const auto id = "v5/malformed/connect-reserved-flag";
    // CONNACK: flags 00, reason, property length 0.
    for (const char* connack : {"20 03 00 81 00", "20 03 00 82 00", "20 03 00 80 00"}) {
        const auto r = as_first_packet(id, [connack](fake_session& s) {
            s.send_hex(connack);
            s.close();
        });
        EXPECT_EQ(r.result, verdict::passed) << connack << ": " << r.message;
    }
    EXPECT_EQ(as_first_packet(id, [](fake_session& s) { s.close(); }).result, verdict::passed);
    EXPECT_EQ(as_first_packet(id, [](fake_session& s) { s.send_hex("20 03 00 00 00"); s.wait_for_close(); }).result,
              verdict::failed);
    // MQTT-3.14.0-1: no DISCONNECT before a successful CONNACK.
    EXPECT_EQ(as_first_packet(id, [](fake_session& s) { s.send_hex("e0 01 81"); s.close(); }).result, verdict::failed);
}

TEST(MalformedReasonCode, PassesWithTheSuggestedCode) {
    for (const char* disconnect : {"e0 01 81", "e0 01 82"}) {
        const auto r = after_connect("v5/malformed/publish-qos3/reason-code", [disconnect](fake_session& s) {
            s.send_hex(disconnect);
            s.close();
        });
        EXPECT_EQ(r.result, verdict::passed) << disconnect << ": " << r.message;
    }
}

TEST(MalformedReasonCode, NonStrictWithAnotherCodeOrNoDisconnect) {
    const auto other = after_connect("v5/malformed/publish-qos3/reason-code", [](fake_session& s) {
        s.send_hex("e0 01 80");
        s.close();
    });
    EXPECT_EQ(other.result, verdict::non_strict) << other.message;
    const auto silent = after_connect("v5/malformed/publish-qos3/reason-code", [](fake_session& s) { s.close(); });
    EXPECT_EQ(silent.result, verdict::non_strict) << silent.message;
    // Row-specific reasons: DISCONNECT flags are a Malformed Packet (0x81), not 0x82.
    const auto row = after_connect("v5/malformed/disconnect-flags-0001/reason-code", [](fake_session& s) {
        s.send_hex("e0 01 82");
        s.close();
    });
    EXPECT_EQ(row.result, verdict::non_strict) << row.message;
}

TEST(MalformedReasonCode, SkipsWhenTheBrokerDidNotRefuse) {
    const auto r = after_connect("v5/malformed/publish-qos3/reason-code", [](fake_session& s) { s.wait_for_close(); });
    EXPECT_EQ(r.result, verdict::skipped) << r.message;
    EXPECT_NE(r.message.find("v5/malformed/publish-qos3"), std::string::npos) << r.message;
}

TEST(MalformedReasonCode, BadConnectJudgesTheConnackCodeOnlyWhenOneIsSent) {
    const auto id = "v5/malformed/connect-reserved-flag/reason-code";
    EXPECT_EQ(as_first_packet(id, [](fake_session& s) { s.close(); }).result, verdict::passed);
    EXPECT_EQ(as_first_packet(id, [](fake_session& s) { s.send_hex("20 03 00 81 00"); s.close(); }).result, verdict::passed);
    EXPECT_EQ(as_first_packet(id, [](fake_session& s) { s.send_hex("20 03 00 87 00"); s.close(); }).result,
              verdict::non_strict);
}

// v5/disconnect/server-sends-nothing-after-disconnect: any error code may precede the close.
TEST(MalformedElsewhere, ServerDisconnectAcceptsAnyErrorCodeButNothingAfterIt) {
    auto run = [](const char* reply) {
        fake_broker broker([reply](fake_session& s) {
            s.accept_connect();
            s.read_packet();  // the QoS 3 PUBLISH (the PINGREQ behind it stays unread)
            s.send_hex(reply);
            s.close();
        });
        return run_case_against(broker, "v5/disconnect/server-sends-nothing-after-disconnect");
    };
    EXPECT_EQ(run("e0 01 82").result, verdict::passed);
    EXPECT_EQ(run("e0 01 81").result, verdict::passed);
    const auto after = run("e0 01 81 d0 00");
    EXPECT_EQ(after.result, verdict::failed) << after.message;
    EXPECT_EQ(after.statement, "MQTT-3.14.4-1");
}

}  // namespace
}  // namespace mqttspec::conformance
