// Wills against scripted fake brokers: the cleanup cancels every Will a case left (also when the case
// failed midway), and the 3.1.1 DISCONNECT case waits for the broker's close before it reconnects
// with the same Client Identifier.
#include <gtest/gtest.h>

#include <memory>

#include "fake_broker.hpp"

namespace mqttspec::conformance {
namespace {

using namespace std::chrono_literals;
using testing::fake_broker;
using testing::fake_session;
using testing::run_case_against;
constexpr auto v311 = codec::protocol_version::v3_1_1;
constexpr auto v5 = codec::protocol_version::v5;

// What each connection sent: its CONNECT, then every packet until the client closed it.
struct recorder {
    std::mutex m;
    std::map<std::size_t, std::vector<codec::ordered_json>> packets;  // by connection index
    std::map<std::size_t, clock::time_point> connected, closed_by_broker;

    void add(std::size_t index, codec::ordered_json p) {
        std::lock_guard lock(m);
        packets[index].push_back(std::move(p));
    }
    // Reads and records packets until the client closes (each read bounded by the session's timeout),
    // answering PINGREQ.
    void record_until_close(fake_session& s, codec::protocol_version version) {
        try {
            for (;;) {
                auto p = s.read_json(version);
                if (p.at("type") == "PINGREQ") s.send_hex("d0 00");
                add(s.index(), std::move(p));
            }
        } catch (const std::exception&) {
        }
    }
};

// Stops the fake broker (its destructor joins every session thread) before the test reads the
// recorder: a session may still be reading the client's last DISCONNECT when the case returns.
void stop(std::unique_ptr<fake_broker>& broker) { broker.reset(); }

// Accepts the CONNECT of `version` and records it.
void accept_and_record(fake_session& s, codec::protocol_version version, recorder& rec) {
    auto connect = s.read_json(version);
    {
        std::lock_guard lock(rec.m);
        rec.connected[s.index()] = clock::now();
    }
    rec.add(s.index(), std::move(connect));
    s.send_hex(version == v5 ? "20 03 00 00 00" : "20 02 00 00");
}

void answer_subscribe(fake_session& s, codec::protocol_version version, recorder& rec) {
    const auto sub = s.read_json(version);
    rec.add(s.index(), sub);
    codec::suback_packet ack;
    ack.packet_id = sub.at("packet_id").get<std::uint16_t>();
    ack.reason_codes = {0};
    s.send_packet(ack);
}

TEST(WillCleanup, AFailedCaseHasItsDelayedWillCancelledAndSessionEnded) {
    // The broker never publishes the will: the case fails, and its will (delay 10 s or more) would
    // still be pending. The cleanup must reconnect with the will's Client Identifier, Clean Start 1,
    // Session Expiry 0 and no will, and leave with DISCONNECT 0x00.
    recorder rec;
    auto broker = std::make_unique<fake_broker>([&](fake_session& s) {
        accept_and_record(s, v5, rec);
        if (s.index() == 0) answer_subscribe(s, v5, rec);
        rec.record_until_close(s, v5);
    });
    const auto r = run_case_against(*broker, "v5/will-delay/session-end-publishes-will");
    stop(broker);
    ASSERT_EQ(r.result, verdict::failed) << r.message;

    std::lock_guard lock(rec.m);
    std::string will_owner;
    for (const auto& [index, packets] : rec.packets) {
        if (packets.front().contains("will")) will_owner = packets.front().at("client_id").get<std::string>();
    }
    ASSERT_FALSE(will_owner.empty());
    bool cancelled = false;
    for (const auto& [index, packets] : rec.packets) {
        const auto& connect = packets.front();
        if (connect.at("client_id") != will_owner || connect.contains("will")) continue;
        EXPECT_TRUE(connect.at("clean_start").get<bool>());
        EXPECT_EQ(connect.at("properties").value("session_expiry_interval", 0), 0);
        ASSERT_GE(packets.size(), 2u) << "the cleanup connection sent no DISCONNECT";
        EXPECT_EQ(packets.back().at("type"), "DISCONNECT");
        EXPECT_EQ(packets.back().value("reason_code", 0), 0);
        cancelled = true;
    }
    EXPECT_TRUE(cancelled) << "no connection with the will's Client Identifier after the case";
}

TEST(WillCleanup, AnOpenWillClientIsDisconnectedAndClosedBeforeItsIdIsReused) {
    // v5/will/published-on-takeover against a broker that never closes the taken-over connection: the
    // case fails with the will's owner (connection 1) still open. The cleanup sends it DISCONNECT (the
    // will is discarded) and waits for the broker's close, 300 ms later, before it reconnects with
    // that Client Identifier.
    recorder rec;
    auto broker = std::make_unique<fake_broker>([&](fake_session& s) {
        accept_and_record(s, v5, rec);
        if (s.index() == 1) {
            rec.add(1, s.read_json(v5));  // DISCONNECT, from the cleanup
            testing::broker_delay(300ms);  // the simulated broker's slowness
            {
                std::lock_guard lock(rec.m);
                rec.closed_by_broker[1] = clock::now();
            }
            s.close();
            return;
        }
        if (s.index() == 0) answer_subscribe(s, v5, rec);
        rec.record_until_close(s, v5);
    });
    const auto r = run_case_against(*broker, "v5/will/published-on-takeover");
    stop(broker);
    ASSERT_EQ(r.result, verdict::failed) << r.message;
    std::lock_guard lock(rec.m);
    ASSERT_TRUE(rec.closed_by_broker.count(1)) << "the will's owner got no DISCONNECT";
    EXPECT_EQ(rec.packets.at(1).back().at("type"), "DISCONNECT");
    EXPECT_EQ(rec.packets.at(1).back().value("reason_code", 0), 0);
    const auto owner = rec.packets.at(1).front().at("client_id");
    std::size_t last = 0;
    for (const auto& [index, packets] : rec.packets) {
        if (packets.front().at("client_id") == owner) last = index;
    }
    ASSERT_GT(last, 2u) << "no cleanup connection with the will's Client Identifier";
    EXPECT_GE(rec.connected.at(last), rec.closed_by_broker.at(1)) << "the cleanup reconnected before the broker closed";
}

TEST(WillDisconnect, TheSameIdReconnectsOnlyAfterTheBrokerClosed) {
    // 3.1.1 v311/will/not-published-after-disconnect: the broker closes the DISCONNECTed connection
    // 300 ms late; reconnecting with the same Client Identifier before that would race the DISCONNECT.
    recorder rec;
    auto broker = std::make_unique<fake_broker>([&](fake_session& s) {
        accept_and_record(s, v311, rec);
        if (s.index() == 0) {
            answer_subscribe(s, v311, rec);
        } else if (s.index() == 1) {
            rec.add(1, s.read_json(v311));  // DISCONNECT
            testing::broker_delay(300ms);
            {
                std::lock_guard lock(rec.m);
                rec.closed_by_broker[1] = clock::now();
            }
            s.close();
            return;
        }
        rec.record_until_close(s, v311);
    });
    run_case_against(*broker, "v311/will/not-published-after-disconnect");
    stop(broker);
    std::lock_guard lock(rec.m);
    ASSERT_TRUE(rec.closed_by_broker.count(1));
    ASSERT_TRUE(rec.connected.count(2)) << "no reconnection with the same Client Identifier";
    EXPECT_EQ(rec.packets.at(2).front().at("client_id"), rec.packets.at(1).front().at("client_id"));
    EXPECT_GE(rec.connected.at(2), rec.closed_by_broker.at(1)) << "reconnected before the broker closed";
}

}  // namespace
}  // namespace mqttspec::conformance
