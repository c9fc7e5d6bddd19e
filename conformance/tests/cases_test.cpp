// Cases, verifiers and the client against scripted fake brokers: each rule is shown to fail when a
// peer breaks it and to pass for every outcome the spec permits.
#include <deque>
#include <gtest/gtest.h>

#include "fake_broker.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

using testing::fake_broker;
using testing::fake_session;
using testing::run_case_against;
using namespace std::chrono_literals;

// ---- v5/publish/qos1-puback -------------------------------------------------------------------

TEST(Qos1Puback, PassesWithPubackOfSameIdAndSuccessOrNoSubscribers) {
    for (const char* reason : {"00", "10"}) {
        fake_broker broker([reason](fake_session& s) {
            s.accept_connect();
            const auto publish = s.read_json(codec::protocol_version::v5);
            const auto id = publish.at("packet_id").get<std::uint16_t>();
            const std::vector<std::uint8_t> id_bytes{static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id & 0xFF)};
            s.send_hex("40 03 " + codec::to_hex(id_bytes) + " " + reason);
            s.wait_for_close();
        });
        const auto r = run_case_against(broker, "v5/publish/qos1-puback");
        EXPECT_EQ(r.result, verdict::passed) << reason << ": " << r.message << "\n" << r.transcript_text;
    }
}

TEST(Qos1Puback, FailsWithoutPuback) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        s.read_packet();  // swallow the PUBLISH
        s.wait_for_close();
    });
    const auto start = clock::now();
    const auto r = run_case_against(broker, "v5/publish/qos1-puback");
    EXPECT_EQ(r.result, verdict::failed);
    EXPECT_NE(r.message.find("did not arrive"), std::string::npos) << r.message;
    EXPECT_NE(r.expected.find("PUBACK"), std::string::npos);
    EXPECT_LT(clock::now() - start, 5s);  // bounded by the case timeout, not a hang
}

TEST(Qos1Puback, FailsWithWrongPacketIdOrErrorReason) {
    for (const char* ack : {"40 03 00 09 00", "40 03 00 01 80"}) {
        fake_broker broker([ack](fake_session& s) {
            s.accept_connect();
            s.read_packet();
            s.send_hex(ack);
            s.wait_for_close();
        });
        const auto r = run_case_against(broker, "v5/publish/qos1-puback");
        EXPECT_EQ(r.result, verdict::failed) << ack;
        EXPECT_NE(r.actual.find("PUBACK"), std::string::npos) << r.actual;
    }
}

TEST(Qos1Puback, MalformedBrokerPacketFailsWithCodecError) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        s.read_packet();
        s.send_hex("42 03 00 01 00");  // PUBACK with reserved flags 0010
        s.wait_for_close();
    });
    const auto r = run_case_against(broker, "v5/publish/qos1-puback");
    EXPECT_EQ(r.result, verdict::failed);
    EXPECT_NE(r.message.find("malformed"), std::string::npos) << r.message;
    EXPECT_NE(r.message.find("invalid_fixed_header_flags"), std::string::npos) << r.message;
    EXPECT_FALSE(r.statement.empty());
}

TEST(Qos1Puback, SkippedWhenQos1IsUnavailable) {
    fake_broker broker([](fake_session& s) { s.wait_for_close(); });
    auto env = testing::fake_environment(broker);
    env.caps[codec::protocol_version::v5].maximum_qos = 0;
    env.caps[codec::protocol_version::v5].from_connack = true;
    const auto r = run_case(testing::find_case("v5/publish/qos1-puback"), env, 0);
    EXPECT_EQ(r.result, verdict::skipped);
    EXPECT_EQ(r.message, "the broker announced Maximum QoS 0");
}

// ---- v5/connect/basic-accept -------------------------------------------------------------------

TEST(ConnectBasicAccept, FailsOnSessionPresentOrSecondConnack) {
    for (const char* connack : {"20 03 01 00 00", "20 03 00 00 00 20 03 00 00 00"}) {
        fake_broker broker([connack](fake_session& s) {
            s.expect_connect();
            s.send_hex(connack);
            s.read_packet();  // PINGREQ of the barrier
            s.send_hex("d0 00");
            s.wait_for_close();
        });
        const auto r = run_case_against(broker, "v5/connect/basic-accept");
        EXPECT_EQ(r.result, verdict::failed) << connack << " " << r.transcript_text;
    }
}

TEST(ConnectBasicAccept, PassesOnPlainConnack) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        s.read_packet();
        s.send_hex("d0 00");
        s.wait_for_close();
    });
    const auto r = run_case_against(broker, "v5/connect/basic-accept");
    EXPECT_EQ(r.result, verdict::passed) << r.message << r.transcript_text;
}

// ---- malformed packet -> close: the outcome sets of 3.1.1 and 5.0 -----------------------------

case_result subscribe_flags_case(codec::protocol_version v, const std::string& reaction) {
    fake_broker broker([reaction](fake_session& s) {
        s.accept_connect();
        s.read_packet();  // the malformed SUBSCRIBE
        if (reaction == "close") {
            s.close();
        } else if (reaction == "silent") {
            s.wait_for_close();
        } else {
            s.send_hex(reaction);
            s.close();
        }
    });
    return run_case_against(broker, v == codec::protocol_version::v5 ? "v5/subscribe/reserved-flags-malformed"
                                                                     : "v311/subscribe/reserved-flags-malformed");
}

TEST(MalformedCloses, V311OnlyClosingIsPermitted) {
    EXPECT_EQ(subscribe_flags_case(codec::protocol_version::v3_1_1, "close").result, verdict::passed);
    EXPECT_EQ(subscribe_flags_case(codec::protocol_version::v3_1_1, "90 03 00 01 00").result, verdict::failed);  // SUBACK
    EXPECT_EQ(subscribe_flags_case(codec::protocol_version::v3_1_1, "silent").result, verdict::failed);
}

TEST(MalformedCloses, V5CloseOrDisconnect0x81ThenClose) {
    EXPECT_EQ(subscribe_flags_case(codec::protocol_version::v5, "close").result, verdict::passed);
    EXPECT_EQ(subscribe_flags_case(codec::protocol_version::v5, "e0 02 81 00").result, verdict::passed);
    EXPECT_EQ(subscribe_flags_case(codec::protocol_version::v5, "e0 02 82 00").result, verdict::failed);  // not 0x81
    EXPECT_EQ(subscribe_flags_case(codec::protocol_version::v5, "e0 00").result, verdict::failed);        // 0x00 is no error
    EXPECT_EQ(subscribe_flags_case(codec::protocol_version::v5, "90 04 00 01 00 00").result, verdict::failed);
    EXPECT_EQ(subscribe_flags_case(codec::protocol_version::v5, "silent").result, verdict::failed);
}

TEST(MalformedCloses, DisconnectWithoutCloseFails) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        s.read_packet();
        s.send_hex("e0 02 81 00");
        s.wait_for_close();  // but never closes itself
    });
    const auto r = run_case_against(broker, "v5/subscribe/reserved-flags-malformed");
    EXPECT_EQ(r.result, verdict::failed);
    EXPECT_NE(r.message.find("still open"), std::string::npos) << r.message;
    EXPECT_EQ(r.statement, "MQTT-3.8.1-1");
}

// ---- verifiers used directly ------------------------------------------------------------------

struct direct {
    boost::asio::io_context io;
    transcript log;
    std::unique_ptr<client> c;
    direct(const fake_broker& broker, codec::protocol_version v) {
        client_options o;
        o.version = v;
        o.timeout = 700ms;
        c = std::make_unique<client>(io, broker.where(), o, &log);
        c->open();
    }
};

verdict rejection(codec::protocol_version v, const std::string& answer, connect_rejection rule) {
    fake_broker broker([answer](fake_session& s) {
        s.expect_connect();
        if (!answer.empty()) s.send_hex(answer);
        s.close();
    });
    direct d(broker, v);
    codec::connect_packet p;
    p.protocol_level = static_cast<std::uint8_t>(v);
    p.client_id = "x";
    d.c->send(p);
    try {
        expect_connect_rejected(*d.c, rule);
        return verdict::passed;
    } catch (const case_failure&) {
        return verdict::failed;
    }
}

TEST(Verifiers, ConnectRejected) {
    using V = codec::protocol_version;
    EXPECT_EQ(rejection(V::v3_1_1, "20 02 00 05", {.return_codes = {5}}), verdict::passed);
    EXPECT_EQ(rejection(V::v3_1_1, "20 02 00 04", {.return_codes = {5}}), verdict::failed);
    EXPECT_EQ(rejection(V::v3_1_1, "20 02 01 05", {.return_codes = {5}}), verdict::failed);  // session present with an error
    EXPECT_EQ(rejection(V::v3_1_1, "20 02 00 00", {}), verdict::failed);                     // accepted
    EXPECT_EQ(rejection(V::v3_1_1, "", {}), verdict::passed);
    EXPECT_EQ(rejection(V::v3_1_1, "", {.close_without_connack_allowed = false}), verdict::failed);
    EXPECT_EQ(rejection(V::v5, "20 03 00 87 00", {}), verdict::passed);
    EXPECT_EQ(rejection(V::v5, "20 03 00 87 00", {.reasons = {0x86}}), verdict::failed);
    EXPECT_EQ(rejection(V::v5, "20 03 00 00 00", {}), verdict::failed);
}

TEST(Verifiers, CopiesAndNoDeliveryUseTheSentinel) {
    // One connection plays both publisher and subscriber: the fake echoes every PUBLISH it gets,
    // twice for topic "dup", and answers PINGREQ.
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        for (;;) {
            auto bytes = s.read_packet();
            const auto type = bytes[0] >> 4;
            if (type == 12) {
                s.send_hex("d0 00");
            } else if (type == 3) {
                const auto j = codec::to_json(codec::decode(bytes, codec::protocol_version::v5), codec::protocol_version::v5);
                s.send(bytes);
                if (j["topic"] == "dup") s.send(bytes);
            } else if (type == 14) {
                return;
            }
        }
    });
    direct d(broker, codec::protocol_version::v5);
    d.c->handshake(codec::connect_packet{.protocol_level = 5, .client_id = "x"});
    d.c->publish("dup", "m", 0);
    EXPECT_EQ(expect_copies(*d.c, *d.c, "dup", 0, pattern({{"topic", "dup"}}), 1, 2).size(), 2u);
    d.c->publish("dup", "m", 0);
    EXPECT_THROW(expect_copies(*d.c, *d.c, "dup", 0, pattern({{"topic", "dup"}}), 1, 1), case_failure);
    d.c->publish("once", "m", 0);
    EXPECT_THROW(expect_no_delivery(*d.c, *d.c, "sentinel", 0, pattern({{"topic", "once"}})), case_failure);
    EXPECT_NO_THROW(expect_no_delivery(*d.c, *d.c, "sentinel", 0, pattern({{"topic", "never"}})));
    d.c->disconnect();
}

// A broker may keep one QoS 1 message in flight per client and hold the next back until the first is
// acknowledged (3.1.1 4.6, 5.0 4.9): the marker then queues behind the unacknowledged message. The
// verifiers acknowledge what arrives while they wait for the marker; before, they waited in vain.
TEST(Verifiers, MarkerArrivesFromABrokerThatKeepsOneMessageInFlight) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        std::deque<std::pair<std::string, std::string>> queued;  // topic, payload
        bool in_flight = false;
        std::uint16_t next_id = 100;
        const auto send_next = [&] {
            if (in_flight || queued.empty()) return;
            s.send_packet(codec::publish_packet{.qos = 1, .topic = queued.front().first, .packet_id = next_id++,
                                                .payload = queued.front().second});
            queued.pop_front();
            in_flight = true;
        };
        for (;;) {
            const auto bytes = s.read_packet();
            const auto r = codec::decode(bytes, codec::protocol_version::v5);
            if (const auto* p = std::get_if<codec::publish_packet>(&r.pkt)) {
                s.send_packet(codec::puback_packet{.packet_id = p->packet_id});
                queued.emplace_back(std::string(p->topic), std::string(p->payload));
                send_next();
            } else if (std::holds_alternative<codec::puback_packet>(r.pkt)) {
                in_flight = false;
                send_next();
            } else if (std::holds_alternative<codec::pingreq_packet>(r.pkt)) {
                s.send_hex("d0 00");
            } else {
                return;
            }
        }
    });
    direct d(broker, codec::protocol_version::v5);
    d.c->handshake(codec::connect_packet{.protocol_level = 5, .client_id = "x"});
    const auto id = d.c->publish("t", "held", 1);
    d.c->expect({{"type", "PUBACK"}, {"packet_id", id}});
    const auto copies = expect_copies(*d.c, *d.c, "t", 1, pattern({{"topic", "t"}, {"payload", "held"}}), 1, 1);
    ASSERT_EQ(copies.size(), 1u);
    d.c->acknowledge(copies[0]);  // already acknowledged while waiting: not sent twice
    EXPECT_NO_THROW(expect_no_delivery(*d.c, *d.c, "t", 1, pattern({{"topic", "t"}, {"payload", "never"}})));
    EXPECT_EQ(broker.script_errors(), std::vector<std::string>{});
    d.c->disconnect();
}

// ---- transport: deadlines and reassembly --------------------------------------------------------

TEST(Transport, SilentPeerGivesTimeoutNotHang) {
    fake_broker broker([](fake_session& s) { s.wait_for_close(); });  // accepts TCP, says nothing
    direct d(broker, codec::protocol_version::v5);
    d.c->set_timeout(300ms);
    const auto start = clock::now();
    EXPECT_THROW(d.c->handshake(codec::connect_packet{.protocol_level = 5, .client_id = "x"}), case_failure);
    EXPECT_LT(clock::now() - start, 2s);
    d.c->close();
}

TEST(Transport, TlsHandshakeWithSilentPeerTimesOut) {
    fake_broker broker([](fake_session& s) { s.wait_for_close(); });
    boost::asio::io_context io;
    auto where = broker.where();
    where.kind = transport_kind::tls;
    auto t = make_transport(io, where);
    const auto start = clock::now();
    try {
        t->connect(clock::now() + 300ms);
        FAIL() << "TLS handshake with a silent peer succeeded";
    } catch (const transport_error& e) {
        EXPECT_EQ(e.code, transport_errc::timeout) << e.what();
    }
    EXPECT_LT(clock::now() - start, 2s);
}

TEST(Transport, RefusedConnectIsATransportError) {
    std::uint16_t port = 0;
    {
        fake_broker broker([](fake_session&) {});
        port = broker.port();
    }  // closed again
    boost::asio::io_context io;
    target where;
    where.host = "127.0.0.1";
    where.port = port;
    auto t = make_transport(io, where);
    try {
        t->connect(clock::now() + 1s);
        FAIL() << "connected to a closed port";
    } catch (const transport_error& e) {
        EXPECT_EQ(e.code, transport_errc::connect) << e.what();
    }
}

TEST(Transport, PacketsSplitAcrossReadsAreReassembled) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        // SUBACK then PUBLISH, one byte per write.
        for (auto b : codec::from_hex("90 04 00 01 00 01 30 09 00 01 74 00 68 65 6c 6c 6f")) {
            s.send(std::vector<std::uint8_t>{b});
        }
        s.wait_for_close();
    });
    direct d(broker, codec::protocol_version::v5);
    d.c->handshake(codec::connect_packet{.protocol_level = 5, .client_id = "x"});
    EXPECT_NO_THROW(d.c->expect({{"type", "SUBACK"}, {"reason_codes", {1}}}));
    EXPECT_NO_THROW(d.c->expect({{"type", "PUBLISH"}, {"topic", "t"}, {"payload", "hello"}}));
    d.c->close();
}

// The half-close the network fuzzer ends its sequences with: the peer reads every byte up to the FIN,
// and the answer it sends after that still arrives.
TEST(Transport, TcpHalfCloseDeliversEveryByteAndKeepsReading) {
    fake_broker broker([](fake_session& s) {
        if (s.read_packet() != codec::from_hex("c0 00")) return;
        s.wait_for_close();   // ends at the client's FIN
        s.send_hex("d0 00");  // sent after it
        s.close();
    });
    boost::asio::io_context io;
    auto t = make_transport(io, broker.where());
    t->connect(clock::now() + 2s);
    t->write(codec::from_hex("c0 00"), clock::now() + 2s);
    ASSERT_TRUE(t->shutdown_send());
    std::vector<std::uint8_t> got;
    for (auto until = clock::now() + 2s;;) {
        const auto r = t->read(got, until);
        if (r.status != read_status::data) {
            EXPECT_EQ(r.status, read_status::closed);
            break;
        }
    }
    EXPECT_EQ(got, codec::from_hex("d0 00"));
}

TEST(Transport, WebSocketHasNoHalfClose) {
    fake_broker broker([](fake_session& s) { s.wait_for_close(); }, /*websocket=*/true);
    boost::asio::io_context io;
    auto t = make_transport(io, broker.where());
    t->connect(clock::now() + 2s);
    EXPECT_FALSE(t->shutdown_send());
    EXPECT_TRUE(t->is_open());
    t->close();
}

TEST(Transport, WebSocketPacketsSplitAcrossFramesAreReassembled) {
    fake_broker broker(
        [](fake_session& s) {
            s.accept_connect();
            // One PUBLISH in three binary messages, then a PINGRESP and the next PUBLISH in one.
            s.send_hex("30 09 00");
            s.send_hex("01 74 00 68");
            s.send_hex("65 6c 6c 6f d0 00 30 04 00 01 75 00");
            s.wait_for_close();
        },
        /*websocket=*/true);
    direct d(broker, codec::protocol_version::v5);
    d.c->handshake(codec::connect_packet{.protocol_level = 5, .client_id = "x"});
    EXPECT_NO_THROW(d.c->expect_next({{"type", "PUBLISH"}, {"topic", "t"}, {"payload", "hello"}}));
    EXPECT_NO_THROW(d.c->expect_next({{"type", "PINGRESP"}}));
    EXPECT_NO_THROW(d.c->expect_next({{"type", "PUBLISH"}, {"topic", "u"}}));
    d.c->close();
}

TEST(Transport, EmptyWebSocketFrameIsNoTimeout) {
    fake_broker broker(
        [](fake_session& s) {
            s.read_packet();                 // CONNECT
            s.send(std::vector<std::uint8_t>{});  // an empty binary message: no bytes, nothing yet
            testing::broker_delay(200ms);
            s.send_hex("20 02 00 00");
            s.wait_for_close();
        },
        /*websocket=*/true);
    boost::asio::io_context io;
    auto t = make_transport(io, broker.where());
    t->connect(clock::now() + 2s);
    t->write(codec::encode(codec::connect_packet{.protocol_level = 4, .client_id = "x"}, codec::protocol_version::v3_1_1),
             clock::now() + 2s);
    // The empty frame is no answer and no timeout: the read goes on until the CONNACK comes.
    std::vector<std::uint8_t> got;
    const auto outcome = t->read(got, clock::now() + 5s);
    EXPECT_EQ(outcome.status, read_status::data);
    EXPECT_EQ(codec::to_hex(got), "20020000");
    t->close();
}

// ---- runner: level, waivers, errors ---------------------------------------------------------------

case_def synthetic(level l, bool fails) {
    case_info info;
    info.id = "v5/test/synthetic";
    info.title = "synthetic";
    info.statements = {"MQTT-3.3.4-1"};
    info.lvl = l;
    return {validated(info, "test"), [fails](case_context& t) {
                if (fails) t.fail("broken on purpose", "x", "y");
            }};
}

TEST(Runner, ShouldLevelFailureIsNonStrict) {
    fake_broker broker([](fake_session&) {});
    const auto env = testing::fake_environment(broker);
    EXPECT_EQ(run_case(synthetic(level::should, true), env, 0).result, verdict::non_strict);
    EXPECT_EQ(run_case(synthetic(level::may, true), env, 0).result, verdict::non_strict);
    EXPECT_EQ(run_case(synthetic(level::must, true), env, 0).result, verdict::failed);
    EXPECT_EQ(run_case(synthetic(level::must, false), env, 0).result, verdict::passed);
}

TEST(Runner, WaivedIsNeverPassedAndSaysWhenItCouldBeDropped) {
    fake_broker broker([](fake_session&) {});
    auto env = testing::fake_environment(broker);
    waiver w;
    w.case_id = "v5/test/synthetic";
    w.statement = "MQTT-3.3.4-1";
    w.observed = "broken on purpose";
    w.reason = "known";
    w.evidence = "evidence";
    env.prof.waivers.push_back(w);
    const auto failing = run_case(synthetic(level::must, true), env, 0);
    EXPECT_EQ(failing.result, verdict::waived);
    EXPECT_EQ(failing.underlying, verdict::failed);
    const auto passing = run_case(synthetic(level::must, false), env, 0);
    EXPECT_EQ(passing.result, verdict::passed);  // a pass is a pass; the waiver is reported stale
    EXPECT_EQ(passing.underlying, verdict::passed);
    EXPECT_TRUE(passing.stale_waiver.has_value());
    EXPECT_NE(passing.message.find("stale"), std::string::npos);
}

TEST(Runner, UnreachableBrokerIsAnErrorNotAFailure) {
    std::uint16_t port = 0;
    {
        fake_broker broker([](fake_session&) {});
        port = broker.port();
    }
    run_environment env;
    env.where.host = "127.0.0.1";
    env.where.port = port;
    env.caps[codec::protocol_version::v5] = capabilities{};
    const auto r = run_case(testing::find_case("v5/publish/qos1-puback"), env, 0);
    EXPECT_EQ(r.result, verdict::error);
    EXPECT_NE(r.message.find("could not reach"), std::string::npos);
}

TEST(Runner, ExitCodes) {
    run_summary s;
    EXPECT_EQ(s.exit_code(), 2);  // nothing ran
    case_result r;
    r.result = verdict::skipped;
    s.results.push_back(r);
    EXPECT_EQ(s.exit_code(), 2);  // nothing was judged
    r.result = verdict::passed;
    s.results.push_back(r);
    r.result = verdict::non_strict;
    s.results.push_back(r);
    r.result = verdict::waived;
    s.results.push_back(r);
    EXPECT_EQ(s.exit_code(), 0);
    r.result = verdict::error;
    s.results.push_back(r);
    EXPECT_EQ(s.exit_code(), 2);
    r.result = verdict::failed;
    s.results.push_back(r);
    EXPECT_EQ(s.exit_code(), 1);
}

}  // namespace
}  // namespace mqttspec::conformance
