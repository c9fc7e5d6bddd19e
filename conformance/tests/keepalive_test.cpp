// Keep-alive cases (3.1.1 and 5.0) against scripted fake brokers: a broker that closes too early, or
// never, fails; one that closes late but within the grace (the 2.5 x Keep Alive that used to flip
// between runs) passes; PINGREQs must keep the connection and each gets a PINGRESP; the keep-alive
// Will cases fail when no Will follows the close.
#include <gtest/gtest.h>

#include <condition_variable>

#include "fake_broker.hpp"

namespace mqttspec::conformance {
namespace {

using namespace std::chrono_literals;
using testing::fake_broker;
using testing::fake_session;
using testing::run_case_against;
constexpr auto v311 = codec::protocol_version::v3_1_1;
constexpr auto v5 = codec::protocol_version::v5;

// Keeps the connection open, reading and dropping whatever comes, until the client closes it (each
// read is bounded by the fake session's 5 s socket timeout; four of them outlast the grace).
void hold_open(fake_session& s) {
    for (int i = 0; i < 4; ++i) s.wait_for_close();
}

// Answers PINGREQs until the client closes, or closes after `pings_to_answer` of them.
void answer_pings(fake_session& s, int pings_to_answer = 1000) {
    try {
        for (int i = 0; i < pings_to_answer; ++i) {
            const auto p = s.read_packet();
            if (p.at(0) == 0xC0) s.send_hex("d0 00");
        }
    } catch (const std::exception&) {
        return;  // the client closed
    }
    s.close();
}

// A one-shot signal between two fake sessions (threads).
struct one_shot {
    std::mutex m;
    std::condition_variable cv;
    bool raised = false;
    void raise() {
        std::lock_guard lock(m);
        raised = true;
        cv.notify_all();
    }
    bool wait(std::chrono::milliseconds limit) {
        std::unique_lock lock(m);
        return cv.wait_for(lock, limit, [&] { return raised; });
    }
};

case_result run(const fake_broker& broker, const std::string& id) { return run_case_against(broker, id); }

// ---- idle connection closed --------------------------------------------------------------------

TEST(KeepAlive, ClosingAtTwoAndAHalfKeepAlivesPasses) {
    for (const auto* id : {"v5/keepalive/idle-connection-closed", "v311/keepalive/silent-client-disconnected"}) {
        fake_broker broker([](fake_session& s) {
            s.accept_connect();
            testing::broker_delay(2500ms);
            s.close();
        });
        const auto r = run(broker, id);
        EXPECT_EQ(r.result, verdict::passed) << id << ": " << r.message;
    }
}

TEST(KeepAlive, DisconnectKeepAliveTimeoutBeforeTheClosePasses) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        testing::broker_delay(1500ms);
        s.send_hex("e0 02 8d 00");
        s.close();
    });
    const auto r = run(broker, "v5/keepalive/idle-connection-closed");
    EXPECT_EQ(r.result, verdict::passed) << r.message;
}

TEST(KeepAlive, ANeverClosedConnectionFails) {
    for (const auto* id : {"v5/keepalive/idle-connection-closed", "v311/keepalive/silent-client-disconnected"}) {
        fake_broker broker([](fake_session& s) {
            s.accept_connect();
            hold_open(s);
        });
        const auto r = run(broker, id);
        EXPECT_EQ(r.result, verdict::failed) << id;
        EXPECT_EQ(r.statement, std::string(id).rfind("v5/", 0) == 0 ? "MQTT-3.1.2-22" : "MQTT-3.1.2-24") << r.message;
        EXPECT_NE(r.message.find("did not close"), std::string::npos) << r.message;
    }
}

TEST(KeepAlive, ClosingBeforeOneKeepAliveFails) {
    for (const auto* id : {"v5/keepalive/idle-connection-closed", "v311/keepalive/silent-client-disconnected"}) {
        fake_broker broker([](fake_session& s) {
            s.accept_connect();
            testing::broker_delay(400ms);
            s.close();
        });
        const auto r = run(broker, id);
        EXPECT_EQ(r.result, verdict::failed) << id;
        EXPECT_NE(r.message.find("before one Keep Alive"), std::string::npos) << r.message;
    }
}

TEST(KeepAlive, TheServerKeepAliveDecidesTheBounds) {
    // Server Keep Alive 3 s: closing 1.6 s after CONNACK is before one Keep Alive.
    fake_broker broker([](fake_session& s) {
        s.expect_connect();
        s.send_hex("20 06 00 00 03 13 00 03");
        testing::broker_delay(1600ms);
        s.close();
    });
    const auto r = run(broker, "v5/keepalive/idle-connection-closed");
    EXPECT_EQ(r.result, verdict::failed) << r.message;
}

TEST(KeepAlive, AServerKeepAliveOfZeroSkips) {
    fake_broker broker([](fake_session& s) {
        s.expect_connect();
        s.send_hex("20 06 00 00 03 13 00 00");
        s.wait_for_close();
    });
    EXPECT_EQ(run(broker, "v5/keepalive/idle-connection-closed").result, verdict::skipped);
}

TEST(KeepAlive, APacketToASilentClientFails) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        s.send_hex("d0 00");  // PINGRESP nobody asked for
        s.wait_for_close();
    });
    EXPECT_EQ(run(broker, "v311/keepalive/silent-client-disconnected").result, verdict::failed);
}

// ---- PINGREQ keeps the connection --------------------------------------------------------------

TEST(KeepAlive, AnsweredPingsPass) {
    for (const auto* id : {"v5/keepalive/pingreq-keeps-connection-open", "v311/keepalive/pingreq-keeps-connection"}) {
        fake_broker broker([](fake_session& s) {
            s.accept_connect();
            answer_pings(s);
        });
        const auto r = run(broker, id);
        EXPECT_EQ(r.result, verdict::passed) << id << ": " << r.message;
    }
}

TEST(KeepAlive, ClosingDespitePingsFails) {
    for (const auto* id : {"v5/keepalive/pingreq-keeps-connection-open", "v311/keepalive/pingreq-keeps-connection"}) {
        fake_broker broker([](fake_session& s) {
            s.accept_connect();
            answer_pings(s, 2);  // then closes, as if the PINGREQs did not count
        });
        const auto r = run(broker, id);
        EXPECT_EQ(r.result, verdict::failed) << id;
        EXPECT_NE(r.message.find("PINGREQ every half Keep Alive"), std::string::npos) << r.message;
    }
}

TEST(KeepAlive, AnUnansweredPingFails) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        s.read_packet();  // PINGREQ, never answered
        s.wait_for_close();
    });
    const auto r = run(broker, "v311/keepalive/pingreq-keeps-connection");
    EXPECT_EQ(r.result, verdict::failed);
    EXPECT_EQ(r.statement, "MQTT-3.12.4-1") << r.message;
}

// ---- the Will after a keep-alive close ---------------------------------------------------------

// The Will seen in connection 1's CONNECT, handed to connection 0 once connection 1 is closed.
struct will_relay {
    one_shot closed;
    std::string topic, payload;
};

// Connection 0 subscribes and, when `publish_will`, gets the Will once connection 1 (Keep Alive 1 s,
// silent) has been closed 1.6 s after its CONNACK. Later connections (cleanup) are accepted.
void will_after_keepalive(fake_session& s, codec::protocol_version version, will_relay& relay, bool publish_will) {
    if (s.index() == 0) {
        s.accept_connect();
        const auto sub = s.read_json(version);
        codec::suback_packet ack;
        ack.packet_id = sub.at("packet_id").get<std::uint16_t>();
        ack.reason_codes = {0};
        s.send_packet(ack);
        if (relay.closed.wait(10s) && publish_will) {
            codec::publish_packet p;
            p.topic = relay.topic;
            p.payload = relay.payload;
            s.send_packet(p);
        }
        s.wait_for_close();
    } else if (s.index() == 1) {
        const auto connect = s.read_json(version);
        relay.topic = connect.at("will").at("topic").get<std::string>();
        relay.payload = connect.at("will").at("payload").get<std::string>();
        s.send_hex(version == v5 ? "20 03 00 00 00" : "20 02 00 00");
        testing::broker_delay(1600ms);
        s.close();
        relay.closed.raise();
    } else {
        s.accept_connect();
        s.wait_for_close();
    }
}

TEST(KeepAlive, TheWillFollowsTheKeepAliveClose) {
    for (const bool publish_will : {true, false}) {
        for (const auto& [id, version] : {std::pair{"v5/will/published-on-keep-alive-timeout", v5},
                                          std::pair{"v311/keepalive/expiry-publishes-will", v311}}) {
            will_relay relay;
            fake_broker broker([&, version = version](fake_session& s) { will_after_keepalive(s, version, relay, publish_will); });
            const auto r = run(broker, id);
            EXPECT_EQ(r.result, publish_will ? verdict::passed : verdict::failed) << id << ": " << r.message;
        }
    }
}

}  // namespace
}  // namespace mqttspec::conformance
