// Proofs for the cases of issue 8 that cover MQTT over WebSocket (section 6, both versions) and 5.0
// enhanced authentication (4.12): each case fails against a peer that breaks its rule and passes
// against one that keeps it.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <optional>
#include <thread>
#include <utility>  // before Asio: Boost 1.74 needs std::exchange
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include "fake_broker.hpp"
#include "mini_broker.hpp"
#include "mqttspec/conformance/enhanced_auth.hpp"
#include "mqttspec/conformance/profile.hpp"

namespace mqttspec::conformance {
namespace {

using testing::fake_broker;
using testing::fake_session;
using testing::run_case_against;
namespace asio = boost::asio;
namespace websocket = boost::beast::websocket;
using tcp = asio::ip::tcp;

// ---- a WebSocket MQTT peer whose framing faults are switchable --------------------------------------

struct ws_faults {
    bool no_subprotocol = false;      // the handshake response names no subprotocol (MQTT-6.0.0-4)
    bool sends_text = false;          // answers in text frames (MQTT-6.0.0-1)
    bool accepts_text = false;        // processes text frames instead of closing (MQTT-6.0.0-1)
    bool message_is_one_packet = false;  // drops the rest of a message after its first packet, and a partial packet (MQTT-6.0.0-2)
    bool answers_message_in_reverse = false;  // allowed: answers the packets of one message last first
    bool malformed_suback = false;            // a SUBACK whose packet identifier is 0 (MQTT-2.3.1-1 / 2.2.1-5)
};

// Answers CONNECT, SUBSCRIBE (granting QoS 0), PUBLISH QoS 0 (echoed to the sender, which is the only
// subscriber in these cases) and PINGREQ; closes on a text frame unless told otherwise.
class ws_peer {
public:
    explicit ws_peer(ws_faults f) : faults_(f), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { serve(); });
    }
    ~ws_peer() {
        stopping_ = true;
        boost::system::error_code ignored;
        tcp::socket poke(io_);
        poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ignored);
        thread_.join();
        for (auto& t : sessions_) t.join();
    }

    case_result run(const std::string& id) {
        run_environment env;
        env.where.kind = transport_kind::ws;
        env.where.host = "127.0.0.1";
        env.where.port = port_;
        env.nonce = "test";
        env.timeout = std::chrono::milliseconds(700);
        for (auto v : {codec::protocol_version::v3_1_1, codec::protocol_version::v5}) env.caps[v] = capabilities::from_profile(v, env.prof);
        auto r = run_case(testing::find_case(id), env, 0);
        testing::log_case_run(id, r.result);
        return r;
    }

private:
    void serve() {
        for (;;) {
            tcp::socket socket(io_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            if (ec || stopping_) return;
            sessions_.emplace_back([this, s = std::move(socket)]() mutable {
                try {
                    session(std::move(s));
                } catch (const std::exception&) {
                    // the client closed; nothing to report
                }
            });
        }
    }

    static std::optional<std::vector<std::uint8_t>> take_packet(std::vector<std::uint8_t>& buffer) {
        std::size_t length = 0, shift = 0, at = 1;
        for (;; ++at) {
            if (at >= buffer.size()) return std::nullopt;
            length |= static_cast<std::size_t>(buffer[at] & 0x7F) << shift;
            shift += 7;
            if ((buffer[at] & 0x80) == 0) break;
        }
        const std::size_t total = at + 1 + length;
        if (buffer.size() < total) return std::nullopt;
        std::vector<std::uint8_t> packet(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(total));
        buffer.erase(buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(total));
        return packet;
    }

    void session(tcp::socket socket) {
        timeval tv{5, 0};
        ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        websocket::stream<tcp::socket> ws(std::move(socket));
        const bool no_subprotocol = faults_.no_subprotocol;
        ws.set_option(websocket::stream_base::decorator([no_subprotocol](websocket::response_type& res) {
            if (!no_subprotocol) res.set(boost::beast::http::field::sec_websocket_protocol, "mqtt");
        }));
        ws.accept();
        codec::protocol_version version = codec::protocol_version::v5;
        std::vector<std::uint8_t> stream;
        std::vector<std::vector<std::uint8_t>> held;  // answers to the current message, when reversed
        auto write = [&](const std::vector<std::uint8_t>& bytes) {
            if (faults_.answers_message_in_reverse) return held.push_back(bytes);
            ws.text(faults_.sends_text);
            ws.binary(!faults_.sends_text);
            ws.write(asio::buffer(bytes));
        };
        auto send = [&](std::string_view hex) { write(codec::from_hex(hex)); };
        for (;;) {
            boost::beast::flat_buffer b;
            ws.read(b);
            if (ws.got_text() && !faults_.accepts_text) return;  // closes the connection (MQTT-6.0.0-1)
            const auto* p = static_cast<const std::uint8_t*>(b.data().data());
            stream.insert(stream.end(), p, p + b.size());
            while (auto packet = take_packet(stream)) {
                const auto& bytes = *packet;
                switch (bytes[0] >> 4) {
                    case 1:
                        version = static_cast<codec::protocol_version>(bytes.at(8));
                        send(version == codec::protocol_version::v5 ? "20 03 00 00 00" : "20 02 00 00");
                        break;
                    case 8: {
                        char id[8];
                        std::snprintf(id, sizeof id, "%02x %02x", bytes.at(2), bytes.at(3));
                        if (faults_.malformed_suback) std::snprintf(id, sizeof id, "00 00");
                        send(std::string(version == codec::protocol_version::v5 ? "90 04 " : "90 03 ") + id +
                             (version == codec::protocol_version::v5 ? " 00 00" : " 00"));
                        break;
                    }
                    case 3:  // QoS 0 echo
                        write(bytes);
                        break;
                    case 12: send("d0 00"); break;
                    case 14: return;
                    default: break;
                }
                if (faults_.message_is_one_packet) break;
            }
            if (faults_.message_is_one_packet) stream.clear();
            for (auto it = held.rbegin(); it != held.rend(); ++it) {
                ws.binary(true);
                ws.write(asio::buffer(*it));
            }
            held.clear();
        }
    }

    ws_faults faults_;
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    std::vector<std::thread> sessions_;
};

const char* const versions[] = {"v311", "v5"};

TEST(CoverageWebSocketProofs, SkippedOverTcp) {
    fake_broker broker([](fake_session& s) { s.wait_for_close(); });
    for (const char* v : versions) {
        const auto r = run_case_against(broker, std::string(v) + "/websocket/packets-share-frame");
        EXPECT_EQ(r.result, verdict::skipped) << r.message;
        EXPECT_NE(r.message.find("ws://"), std::string::npos) << r.message;
    }
}

void expect_websocket_case(const std::string& name, ws_faults fault) {
    for (const char* v : versions) {
        const std::string id = std::string(v) + "/websocket/" + name;
        {
            ws_peer honest({});
            const auto r = honest.run(id);
            EXPECT_EQ(r.result, verdict::passed) << id << ": " << r.message << "\n" << r.transcript_text;
        }
        ws_peer faulty(fault);
        const auto r = faulty.run(id);
        EXPECT_EQ(r.result, verdict::failed) << id << ": " << r.message << "\n" << r.transcript_text;
    }
}

TEST(CoverageWebSocketProofs, MqttSubprotocolMissing) {
    expect_websocket_case("mqtt-subprotocol", {.no_subprotocol = true});
}

TEST(CoverageWebSocketProofs, BrokerSendsBinaryFramesSeesText) {
    expect_websocket_case("broker-sends-binary-frames", {.sends_text = true});
}

TEST(CoverageWebSocketProofs, TextFrameClosesConnectionIgnored) {
    expect_websocket_case("text-frame-closes-connection", {.accepts_text = true});
}

TEST(CoverageWebSocketProofs, PacketSpansFramesNotReassembled) {
    expect_websocket_case("packet-spans-frames", {.message_is_one_packet = true});
}

TEST(CoverageWebSocketProofs, PacketsShareFrameOnlyFirstProcessed) {
    expect_websocket_case("packets-share-frame", {.message_is_one_packet = true});
}

// A malformed packet from the broker fails the case (it is not an error of the case, although the
// statement it breaks is not among the case's own).
TEST(CoverageWebSocketProofs, MalformedPacketFromTheBrokerFails) {
    for (const char* v : versions) {
        ws_peer broken({.malformed_suback = true});
        const auto r = broken.run(std::string(v) + "/websocket/packets-share-frame");
        EXPECT_EQ(r.result, verdict::failed) << v << ": " << r.message << "\n" << r.transcript_text;
        EXPECT_NE(r.message.find("malformed"), std::string::npos) << r.message;
    }
}

// The standard orders none of SUBACK, the PUBLISH and PINGRESP against the others (aedes answers the
// PINGREQ of a shared message before the SUBSCRIBE): every order passes.
TEST(CoverageWebSocketProofs, PacketsShareFrameAnsweredInAnyOrder) {
    for (const char* v : versions) {
        ws_peer reversed({.answers_message_in_reverse = true});
        const auto r = reversed.run(std::string(v) + "/websocket/packets-share-frame");
        EXPECT_EQ(r.result, verdict::passed) << v << ": " << r.message << "\n" << r.transcript_text;
    }
}

// ---- enhanced authentication (4.12) -------------------------------------------------------------------

// A profile naming method X-TEST, parsed as a file would be (the auth object is kept by the file name).
profile auth_profile(bool with_rejected = true) {
    json j = {{"auth", {{"method", "X-TEST"}, {"data", "client-first"}, {"responses", json::array({"client-final"})}}}};
    if (with_rejected) j["auth"]["rejected_data"] = "wrong";
    return parse_profile(j, with_rejected ? "coverage-auth.json" : "coverage-auth-no-rejected.json");
}

codec::property method_property(std::string_view m) { return {codec::property_id::authentication_method, 0, m, {}}; }

// Authentication Data is binary: the codec's JSON shows it in hex.
std::string data_hex(std::string_view text) {
    return codec::to_hex(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// The server's side: CONNECT with method X-TEST, AUTH 0x18 challenge, the client's AUTH 0x18, CONNACK.
struct auth_script {
    std::uint8_t challenge_reason = 0x18;
    std::string_view challenge_method = "X-TEST";
    bool connack_has_method = true;
};

void serve_exchange(fake_session& s, const auth_script& how) {
    const auto connect = s.read_json(codec::protocol_version::v5);
    if (connect.at("properties").at("authentication_method") != "X-TEST") throw testing::fake_error("no method in CONNECT");
    codec::auth_packet challenge;
    challenge.reason_code = how.challenge_reason;
    challenge.properties = {method_property(how.challenge_method)};
    s.send_packet(challenge);
    const auto answer = s.read_json(codec::protocol_version::v5);
    if (answer.at("type") != "AUTH" || answer.at("reason_code") != 0x18 ||
        answer.at("properties").at("authentication_data") != data_hex("client-final")) {
        throw testing::fake_error("unexpected answer " + answer.dump());
    }
    codec::connack_packet ok;
    if (how.connack_has_method) ok.properties = {method_property("X-TEST")};
    s.send_packet(ok);
}

TEST(CoverageEnhancedAuthProofs, SkippedWithoutProfileAuth) {
    fake_broker broker([](fake_session& s) { s.wait_for_close(); });
    for (const char* id : {"v5/auth/enhanced-exchange", "v5/auth/enhanced-rejected-closes", "v5/auth/reauthentication-failure-closes"}) {
        const auto r = run_case_against(broker, id);
        EXPECT_EQ(r.result, verdict::skipped) << id;
        EXPECT_NE(r.message.find("auth.method"), std::string::npos) << r.message;
    }
    const auto r = run_case_against(broker, "v5/auth/enhanced-rejected-closes", auth_profile(false));
    EXPECT_EQ(r.result, verdict::skipped);
    EXPECT_NE(r.message.find("auth.rejected_data"), std::string::npos) << r.message;
}

case_result run_exchange_case(auth_script how) {
    fake_broker broker([how](fake_session& s) {
        serve_exchange(s, how);
        for (;;) {
            const auto p = s.read_packet();
            if ((p[0] >> 4) == 12) s.send_hex("d0 00");
            if ((p[0] >> 4) == 14) return;
        }
    });
    return run_case_against(broker, "v5/auth/enhanced-exchange", auth_profile());
}

TEST(CoverageEnhancedAuthProofs, EnhancedExchangeFullExchangePasses) {
    const auto r = run_exchange_case({});
    EXPECT_EQ(r.result, verdict::passed) << r.message << "\n" << r.transcript_text;
}

TEST(CoverageEnhancedAuthProofs, EnhancedExchangeChallengeWithoutContinueReason) {
    const auto r = run_exchange_case({.challenge_reason = 0x00});
    EXPECT_EQ(r.result, verdict::failed) << r.message;
    EXPECT_EQ(r.statement, "MQTT-4.12.0-2");
}

// MQTT-3.15.2-1: an AUTH reason code outside 0x00/0x18/0x19 (here 0x87) is malformed; the client's
// strict decoder judges it, citing that statement.
TEST(CoverageEnhancedAuthProofs, EnhancedExchangeChallengeWithUndefinedReasonCode) {
    const auto r = run_exchange_case({.challenge_reason = 0x87});
    EXPECT_EQ(r.result, verdict::failed) << r.message;
    EXPECT_EQ(r.statement, "MQTT-3.15.2-1");
}

TEST(CoverageEnhancedAuthProofs, EnhancedExchangeChallengeWithOtherMethod) {
    const auto r = run_exchange_case({.challenge_method = "X-OTHER"});
    EXPECT_EQ(r.result, verdict::failed) << r.message;
    EXPECT_EQ(r.statement, "MQTT-4.12.0-5");
}

TEST(CoverageEnhancedAuthProofs, EnhancedExchangeConnackWithoutMethod) {
    const auto r = run_exchange_case({.connack_has_method = false});
    EXPECT_EQ(r.result, verdict::failed) << r.message;
    EXPECT_EQ(r.statement, "MQTT-4.12.0-5");
}

// Rejection: CONNACK 0x87 (or a plain close), then the connection must close.
case_result run_rejection_case(bool send_connack, bool close_after) {
    fake_broker broker([=](fake_session& s) {
        const auto connect = s.read_json(codec::protocol_version::v5);
        if (connect.at("properties").at("authentication_data") != data_hex("wrong")) throw testing::fake_error("not the rejected data");
        if (send_connack) s.send_hex("20 03 00 87 00");
        if (close_after) return s.close();
        s.wait_for_close();
    });
    return run_case_against(broker, "v5/auth/enhanced-rejected-closes", auth_profile());
}

TEST(CoverageEnhancedAuthProofs, EnhancedRejectedClosesPassesWithConnackOrClose) {
    EXPECT_EQ(run_rejection_case(true, true).result, verdict::passed);
    EXPECT_EQ(run_rejection_case(false, true).result, verdict::passed);
}

TEST(CoverageEnhancedAuthProofs, EnhancedRejectedClosesConnectionLeftOpen) {
    const auto r = run_rejection_case(true, false);
    EXPECT_EQ(r.result, verdict::failed) << r.message;
}

// Re-authentication with the rejected data: DISCONNECT 0x87 and close, a plain close, or (the fault)
// the connection left open.
enum class reauth_end { disconnect_and_close, close, stay_open, disconnect_success };
case_result run_reauth_case(reauth_end how) {
    fake_broker broker([how](fake_session& s) {
        serve_exchange(s, {});
        const auto reauth = s.read_json(codec::protocol_version::v5);
        if (reauth.at("type") != "AUTH" || reauth.at("reason_code") != 0x19) throw testing::fake_error("expected AUTH 0x19");
        switch (how) {
            case reauth_end::disconnect_and_close: s.send_hex("e0 02 87 00"); return s.close();
            case reauth_end::close: return s.close();
            case reauth_end::disconnect_success: s.send_hex("e0 02 00 00"); return s.close();
            case reauth_end::stay_open: return s.wait_for_close();
        }
    });
    return run_case_against(broker, "v5/auth/reauthentication-failure-closes", auth_profile());
}

TEST(CoverageEnhancedAuthProofs, ReauthenticationFailureClosesPassesWhenClosed) {
    EXPECT_EQ(run_reauth_case(reauth_end::disconnect_and_close).result, verdict::passed);
    EXPECT_EQ(run_reauth_case(reauth_end::close).result, verdict::passed);
}

TEST(CoverageEnhancedAuthProofs, ReauthenticationFailureClosesConnectionLeftOpen) {
    const auto r = run_reauth_case(reauth_end::stay_open);
    EXPECT_EQ(r.result, verdict::failed) << r.message;
}

TEST(CoverageEnhancedAuthProofs, ReauthenticationFailureClosesNormalDisconnect) {
    const auto r = run_reauth_case(reauth_end::disconnect_success);
    EXPECT_EQ(r.result, verdict::failed) << r.message;
}

// ---- the profile's "auth" object ------------------------------------------------------------------------

TEST(CoverageEnhancedAuthProfile, ParsesAndNamesBadFields) {
    const auto p = parse_profile(json::parse(R"({"auth": {"method": "SCRAM", "data": "a", "responses": ["b", "c"], "rejected_data": "x"}})"), "p.json");
    const auto a = enhanced_auth_of(p);
    ASSERT_TRUE(a.has_value());
    EXPECT_EQ(a->method, "SCRAM");
    EXPECT_EQ(a->data, std::optional<std::string>("a"));
    EXPECT_EQ(a->responses, (std::vector<std::string>{"b", "c"}));
    EXPECT_EQ(a->rejected_data, std::optional<std::string>("x"));
    EXPECT_FALSE(enhanced_auth_of(parse_profile(json::parse("{}"), "no-auth.json")).has_value());
    const auto field_of = [](const char* text) {
        try {
            parse_profile(json::parse(text), "bad.json");
        } catch (const profile_error& e) {
            EXPECT_NE(std::string(e.what()).find("bad.json"), std::string::npos) << e.what();
            return e.field;
        }
        return std::string("(accepted)");
    };
    EXPECT_EQ(field_of(R"({"auth": "SCRAM"})"), "auth");
    EXPECT_EQ(field_of(R"({"auth": {"data": "a"}})"), "auth.method");
    EXPECT_EQ(field_of(R"({"auth": {"method": ""}})"), "auth.method");
    EXPECT_EQ(field_of(R"({"auth": {"method": "M", "data": 3}})"), "auth.data");
    EXPECT_EQ(field_of(R"({"auth": {"method": "M", "responses": ["a", 2]}})"), "auth.responses[1]");
    EXPECT_EQ(field_of(R"({"auth": {"method": "M", "response": []}})"), "auth.response");
}

}  // namespace
}  // namespace mqttspec::conformance

// ---- the server as QoS sender (4.3) and acknowledgement order (4.6), against the mini broker -------------

namespace mqttspec::conformance {
namespace {

using testing::expect_caught;
namespace faults = testing::faults;

TEST(CoverageQosSenderProofs, Qos1NewMessageGetsUnusedPacketIdReused) {
    expect_caught("v5/qos1/new-message-gets-unused-packet-id",
                  {.before_send = faults::edit<codec::publish_packet>([](codec::publish_packet& p) {
                       if (p.qos == 1) p.packet_id = 1;
                   })});
}

TEST(CoverageQosSenderProofs, Qos2NewMessageGetsUnusedPacketIdReusedAwaitingPubcomp) {
    // Every QoS 2 PUBLISH goes out as packet identifier 1: the second reuses the first one's, which awaits PUBCOMP.
    expect_caught("v5/qos2/new-message-gets-unused-packet-id",
                  {.before_send = faults::edit<codec::publish_packet>([](codec::publish_packet& p) {
                       if (p.qos == 2) p.packet_id = 1;
                   })});
}

TEST(CoverageQosSenderProofs, Qos1UnacknowledgedUntilPubackNotResent) {
    expect_caught("v5/qos1/unacknowledged-until-puback", {.no_resend_on_reconnect = true});
}

TEST(CoverageQosSenderProofs, Qos2SenderHoldsEachStepUntilAcknowledgedNotResent) {
    expect_caught("v5/qos2/sender-holds-each-step-until-acknowledged", {.no_resend_on_reconnect = true});
}

TEST(CoverageQosSenderProofs, Qos2PubrecOrderSwapped) {
    expect_caught("v5/qos2/pubrec-order", {.acknowledgements_swapped = true});
}


}  // namespace
}  // namespace mqttspec::conformance

// ---- message expiry and QoS 2 exchanges under way (4.3.3), against a scripted peer -------------------------

namespace mqttspec::conformance {
namespace {

// A 5.0 peer answering by packet type: CONNECT -> CONNACK (session present from the second CONNECT
// of a client ID on), SUBSCRIBE -> SUBACK granting QoS 2 and, when `deliver_on_subscribe`, a QoS 2
// PUBLISH "short-lived" on that topic (id 7); PUBLISH QoS 2 -> PUBREC; PUBREL -> PUBCOMP with
// `pubcomp_reason`; PINGREQ -> PINGRESP; DISCONNECT ends the connection. `on_resume(session)` runs
// after the CONNACK of a resumed session.
struct qos2_peer_script {
    bool deliver_on_subscribe = false;
    std::uint8_t pubcomp_reason = 0;
    std::function<void(fake_session&, const std::string& topic)> on_resume;
};

void run_qos2_peer(fake_session& s, const qos2_peer_script& how, std::shared_ptr<std::string> topic, std::shared_ptr<std::mutex> m) {
    for (;;) {
        const auto p = s.read_json(codec::protocol_version::v5);
        const auto type = p.at("type").get<std::string>();
        if (type == "CONNECT") {
            const bool resumed = p.value("clean_start", true) == false;
            s.send_hex(resumed ? "20 03 01 00 00" : "20 03 00 00 00");
            if (resumed && how.on_resume) {
                std::lock_guard lock(*m);
                how.on_resume(s, *topic);
            }
        } else if (type == "SUBSCRIBE") {
            codec::suback_packet ack;
            ack.packet_id = p.at("packet_id").get<std::uint16_t>();
            ack.reason_codes = {2};
            std::lock_guard lock(*m);
            // Subscribed before the SUBACK goes out: the client may publish as soon as it reads it.
            *topic = p.at("subscriptions").at(0).at("filter").get<std::string>();
            s.send_packet(ack);
            if (how.deliver_on_subscribe) {
                codec::publish_packet pub;
                pub.qos = 2;
                pub.packet_id = 7;
                pub.topic = *topic;
                pub.payload = "short-lived";
                s.send_packet(pub);
            }
        } else if (type == "PUBLISH") {
            if (p.value("qos", 0) == 2) s.send_packet(codec::pubrec_packet{.packet_id = p.at("packet_id").get<std::uint16_t>()});
        } else if (type == "PUBREL") {
            s.send_packet(codec::pubcomp_packet{.packet_id = p.at("packet_id").get<std::uint16_t>(), .reason_code = how.pubcomp_reason});
        } else if (type == "PUBREC") {
            s.send_packet(codec::pubrel_packet{.packet_id = p.at("packet_id").get<std::uint16_t>()});
        } else if (type == "PINGREQ") {
            s.send_hex("d0 00");
        } else if (type == "DISCONNECT") {
            return;
        }
    }
}

case_result run_against_qos2_peer(const std::string& id, qos2_peer_script how) {
    auto topic = std::make_shared<std::string>();
    auto m = std::make_shared<std::mutex>();
    fake_broker broker([=](fake_session& s) { run_qos2_peer(s, how, topic, m); });
    return run_case_against(broker, id);
}

TEST(CoverageQos2ExpiryProofs, ExpiredMessageExchangeCompletedPubcompError) {
    EXPECT_EQ(run_against_qos2_peer("v5/qos2/expired-message-exchange-completed", {}).result, verdict::passed);
    const auto r = run_against_qos2_peer("v5/qos2/expired-message-exchange-completed", {.pubcomp_reason = 0x92});
    EXPECT_EQ(r.result, verdict::failed) << r.message;
}

TEST(CoverageQos2ExpiryProofs, SentPublishNotExpiredDropped) {
    const auto resend = [](fake_session& s, const std::string& topic) {
        codec::publish_packet pub;
        pub.dup = true;
        pub.qos = 2;
        pub.packet_id = 7;
        pub.topic = topic;
        pub.payload = "short-lived";
        s.send_packet(pub);
    };
    const auto passed = run_against_qos2_peer("v5/qos2/sent-publish-not-expired", {.deliver_on_subscribe = true, .on_resume = resend});
    EXPECT_EQ(passed.result, verdict::passed) << passed.message << "\n" << passed.transcript_text;
    const auto r = run_against_qos2_peer("v5/qos2/sent-publish-not-expired", {.deliver_on_subscribe = true});
    EXPECT_EQ(r.result, verdict::failed) << r.message;
}


TEST(CoverageFlowControlProofs, InitialSendQuotaOnResumedSessionIgnored) {
    testing::expect_caught("v5/flow-control/initial-send-quota-on-resumed-session", {.ignores_receive_maximum = true});
}

}  // namespace
}  // namespace mqttspec::conformance

// ---- a refused QoS 2 Packet Identifier reused (MQTT-4.3.3-9), against a scripted peer --------------------

namespace mqttspec::conformance {
namespace {

// Connection 0 is the subscriber, 1 the publisher. The publisher's PUBLISH to "denied/t" gets PUBREC
// 0x87; the next PUBLISH is honoured (PUBREC 0, delivered to the subscriber on PUBREL) unless
// `refused_id_kept`: the peer then takes the reused identifier for the refused message's duplicate
// (PUBREC 0, never delivered).
case_result run_refused_id_case(bool refused_id_kept) {
    struct shared_state {
        std::mutex m;
        fake_session* subscriber = nullptr;
        std::string topic;
    };
    auto state = std::make_shared<shared_state>();
    fake_broker broker([=](fake_session& s) {
        bool refused_seen = false;
        for (;;) {
            const auto p = s.read_json(codec::protocol_version::v5);
            const auto type = p.at("type").get<std::string>();
            if (type == "CONNECT") {
                s.send_hex("20 03 00 00 00");
            } else if (type == "SUBSCRIBE") {
                std::lock_guard lock(state->m);
                state->subscriber = &s;
                state->topic = p.at("subscriptions").at(0).at("filter").get<std::string>();
                s.send_packet(codec::suback_packet{.packet_id = p.at("packet_id").get<std::uint16_t>(), .reason_codes = {2}});
            } else if (type == "PUBLISH") {
                const auto id = p.at("packet_id").get<std::uint16_t>();
                if (p.at("topic") == "denied/t") {
                    refused_seen = true;
                    s.send_packet(codec::pubrec_packet{.packet_id = id, .reason_code = 0x87});
                } else {
                    s.send_packet(codec::pubrec_packet{.packet_id = id});
                }
            } else if (type == "PUBREL") {
                s.send_packet(codec::pubcomp_packet{.packet_id = p.at("packet_id").get<std::uint16_t>()});
                std::lock_guard lock(state->m);
                if (!(refused_id_kept && refused_seen) && state->subscriber) {
                    codec::publish_packet out;
                    out.qos = 2;
                    out.packet_id = 1;
                    out.topic = state->topic;
                    out.payload = "new-message";
                    state->subscriber->send_packet(out);
                }
            } else if (type == "PUBREC") {
                codec::pubrel_packet rel;
                rel.packet_id = p.at("packet_id").get<std::uint16_t>();
                s.send_packet(rel);
            } else if (type == "PINGREQ") {
                s.send_hex("d0 00");
            } else if (type == "DISCONNECT") {
                std::lock_guard lock(state->m);
                if (state->subscriber == &s) state->subscriber = nullptr;
                return;
            }
        }
    });
    profile prof;
    prof.denied_topic = "denied/t";
    return run_case_against(broker, "v5/qos2/packet-id-reuse-after-error-pubrec", prof);
}

TEST(CoverageQos2RefusedIdProofs, PacketIdReuseAfterErrorPubrecTakenForDuplicate) {
    const auto ok = run_refused_id_case(false);
    EXPECT_EQ(ok.result, verdict::passed) << ok.message << "\n" << ok.transcript_text;
    const auto r = run_refused_id_case(true);
    EXPECT_EQ(r.result, verdict::failed) << r.message;
}

}  // namespace
}  // namespace mqttspec::conformance

// ---- PUBREL order (MQTT-4.6.0-4) and shared in-flight messages at session end (MQTT-4.8.2-5) ---------------

namespace mqttspec::conformance {
namespace {

// A two-client router for the scripts below: connection 0 subscribes, 1 publishes (the shared case
// adds a second member on connection 2). QoS 1/2 PUBLISHes are acknowledged and forwarded to the first
// subscribed member at the message's QoS.
struct router_state {
    std::mutex m;
    std::vector<fake_session*> members;
    std::string topic;
    std::uint16_t next_id = 1;
    std::optional<std::string> unacked;  // the payload delivered to the first member and not acknowledged
};

void forward(router_state& st, const std::string& payload, std::uint8_t qos) {
    std::lock_guard lock(st.m);
    if (st.members.empty()) return;
    codec::publish_packet out;
    out.qos = qos;
    out.packet_id = st.next_id++;
    out.topic = st.topic;
    out.payload = payload;
    st.members.front()->send_packet(out);
    if (st.members.size() == 1 && !st.unacked) st.unacked = payload;
}

// `on_pubrec(session, id, state)` answers the subscriber's PUBRECs; `on_member_disconnect` runs when a
// member sends DISCONNECT, after it left the group.
struct router_script {
    std::function<void(fake_session&, std::uint16_t)> on_pubrec;
    std::function<void(router_state&)> on_member_disconnect;
};

void run_router(fake_session& s, router_state& st, const router_script& how) {
    for (;;) {
        const auto p = s.read_json(codec::protocol_version::v5);
        const auto type = p.at("type").get<std::string>();
        if (type == "CONNECT") {
            s.send_hex("20 03 00 00 00");
        } else if (type == "SUBSCRIBE") {
            const auto granted = p.at("subscriptions").at(0).at("qos").get<std::uint8_t>();
            // A member before its SUBACK goes out: the client publishes as soon as it reads the SUBACK, and
            // another connection's thread forwards that PUBLISH (registering after the send made this flaky).
            std::lock_guard lock(st.m);
            st.members.push_back(&s);
            const std::string filter = p.at("subscriptions").at(0).at("filter").get<std::string>();
            st.topic = filter.rfind("$share/", 0) == 0 ? filter.substr(filter.find('/', 7) + 1) : filter;
            s.send_packet(codec::suback_packet{.packet_id = p.at("packet_id").get<std::uint16_t>(), .reason_codes = {granted}});
        } else if (type == "PUBLISH") {
            const auto qos = p.at("qos").get<std::uint8_t>();
            const auto payload = p.at("payload").get<std::string>();
            if (qos == 1) {
                forward(st, payload, 1);
                s.send_packet(codec::puback_packet{.packet_id = p.at("packet_id").get<std::uint16_t>()});
            } else if (qos == 2) {
                forward(st, payload, 2);
                s.send_packet(codec::pubrec_packet{.packet_id = p.at("packet_id").get<std::uint16_t>()});
            }
        } else if (type == "PUBREL") {
            s.send_packet(codec::pubcomp_packet{.packet_id = p.at("packet_id").get<std::uint16_t>()});
        } else if (type == "PUBREC") {
            if (how.on_pubrec) how.on_pubrec(s, p.at("packet_id").get<std::uint16_t>());
        } else if (type == "PUBACK") {
            std::lock_guard lock(st.m);
            if (!st.members.empty() && st.members.front() == &s) st.unacked.reset();
        } else if (type == "PINGREQ") {
            s.send_hex("d0 00");
        } else if (type == "DISCONNECT") {
            bool member = false;
            {
                std::lock_guard lock(st.m);
                member = std::erase(st.members, &s) > 0;
            }
            if (member && how.on_member_disconnect) how.on_member_disconnect(st);
            return;
        }
    }
}

case_result run_against_router(const std::string& id, router_script how) {
    auto st = std::make_shared<router_state>();
    fake_broker broker([st, how](fake_session& s) { run_router(s, *st, how); });
    return run_case_against(broker, id);
}

TEST(CoverageQosSenderProofs, Qos2PubrelOrderFollowsPublishes) {
    const router_script honest{.on_pubrec = [](fake_session& s, std::uint16_t id) {
        s.send_packet(codec::pubrel_packet{.packet_id = id});
    }};
    const auto ok = run_against_router("v5/qos2/pubrel-order", honest);
    EXPECT_EQ(ok.result, verdict::passed) << ok.message << "\n" << ok.transcript_text;
    // The fault: PUBRELs in the order of the deliveries (ascending identifiers), not of the PUBRECs.
    auto seen = std::make_shared<std::vector<std::uint16_t>>();
    const router_script faulty{.on_pubrec = [seen](fake_session& s, std::uint16_t id) {
        seen->push_back(id);
        if (seen->size() < 2) return;
        std::sort(seen->begin(), seen->end());
        for (auto x : *seen) s.send_packet(codec::pubrel_packet{.packet_id = x});
    }};
    const auto r = run_against_router("v5/qos2/pubrel-order", faulty);
    EXPECT_TRUE(testing::failing(r.result)) << to_string(r.result) << " " << r.message;
}

TEST(CoverageSharedProofs, InflightNotReofferedWhenSessionEndsReoffered) {
    const auto ok = run_against_router("v5/shared/inflight-not-reoffered-when-session-ends", {});
    EXPECT_EQ(ok.result, verdict::passed) << ok.message << "\n" << ok.transcript_text;
    // The fault: the unacknowledged message goes to the remaining member when the first one's session ends.
    const router_script faulty{.on_member_disconnect = [](router_state& st) {
        std::optional<std::string> payload;
        {
            std::lock_guard lock(st.m);
            payload = st.unacked;
            st.unacked.reset();
        }
        if (payload) forward(st, *payload, 1);
    }};
    const auto r = run_against_router("v5/shared/inflight-not-reoffered-when-session-ends", faulty);
    EXPECT_EQ(r.result, verdict::failed) << r.message;
}

}  // namespace
}  // namespace mqttspec::conformance

namespace mqttspec::conformance {
namespace {

TEST(CoverageOrderingProofs, ResentInOriginalOrderReversed) {
    testing::expect_caught("v5/qos1/resent-in-original-order", {.resends_in_reverse = true});
}

}  // namespace
}  // namespace mqttspec::conformance
