// Proofs for the 5.0 packet-format cases of conformance/src/cases/v5 (1.5 UTF-8 string pairs, 3.1
// CONNECT refusals, 3.2 Maximum QoS, 3.4-3.7 / 3.11 / 3.14 optional properties within the client's
// Maximum Packet Size, 3.10 UNSUBSCRIBE, 3.15 AUTH flags): each case fails against a peer that breaks
// its rule and passes against an honest one.
#include <gtest/gtest.h>

#include <atomic>
#include <cctype>
#include <memory>
#include <type_traits>

#include "mini_broker.hpp"

namespace mqttspec::conformance {
namespace {

using namespace testing;

// A broker that decorates every acknowledgement and DISCONNECT with a Reason String, or a User
// Property, too long for any small Maximum Packet Size: it never leaves them out.
template <bool user_property>
broker_faults decorates_acknowledgements() {
    return {.before_send = [](codec::packet& p, codec::protocol_version) {
        static const std::string text(120, 'r');
        std::visit([](auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, codec::puback_packet> || std::is_same_v<T, codec::pubrec_packet> ||
                          std::is_same_v<T, codec::pubrel_packet> || std::is_same_v<T, codec::pubcomp_packet> ||
                          std::is_same_v<T, codec::unsuback_packet> || std::is_same_v<T, codec::disconnect_packet>) {
                if (user_property) {
                    x.properties.push_back({.id = property_id::user_property, .data = "why", .value = text});
                } else {
                    x.properties.push_back({.id = property_id::reason_string, .data = text});
                }
            }
        }, p);
        return true;
    }};
}

struct statement_proof {
    std::string id;
    broker_faults fault;
    std::string statement;  // the rule the failure must name
    broker_capabilities announced = {};
};

// The case passes against the honest broker and fails, naming `statement`, against the faulty one.
// (expect_caught of mini_broker.hpp, with the statement checked too.)
void expect_caught_naming(const statement_proof& proof) {
    {
        mini_broker honest({}, proof.announced);
        const auto r = run_case_probed(honest, proof.id);
        EXPECT_EQ(r.result, verdict::passed) << proof.id << " against the honest broker: " << r.message << "\n" << r.transcript_text;
    }
    mini_broker broken(proof.fault, proof.announced);
    const auto r = run_case_probed(broken, proof.id);
    EXPECT_EQ(r.result, verdict::failed) << proof.id << " against the broken broker: " << r.message << "\n" << r.transcript_text;
    // An empty statement names the case's own, which is unambiguous only when it has one.
    const bool sole = find_case(proof.id).info.statements.size() == 1;
    EXPECT_TRUE(r.statement == proof.statement || (sole && r.statement.empty())) << r.statement << ": " << r.message;
}

// MQTT-3.10.4-3: once the client has unsubscribed, the broker abandons the deliveries it had started:
// no PUBREL for a message the client has PUBREC'd, no resent PUBLISH on reconnection.
broker_faults abandons_started_deliveries_on_unsubscribe() {
    auto unsubscribed = std::make_shared<std::atomic<bool>>(false);
    return {.before_send = [unsubscribed](codec::packet& p, codec::protocol_version) {
                if (!*unsubscribed) return true;
                if (std::holds_alternative<codec::pubrel_packet>(p)) return false;
                const auto* publish = std::get_if<codec::publish_packet>(&p);
                return publish == nullptr || !publish->dup;
            },
            .on_receive = [unsubscribed](const codec::packet& p) {
                if (std::holds_alternative<codec::unsubscribe_packet>(p)) *unsubscribed = true;
                return true;
            }};
}

// MQTT-3.2.2-9: the broker takes only QoS 0 and 1 but leaves Maximum QoS out of its CONNACK.
const broker_faults maximum_qos_unannounced = {.before_send = faults::edit<codec::connack_packet>([](codec::connack_packet& c) {
    std::erase_if(c.properties, [](const codec::property& p) { return p.id == property_id::maximum_qos; });
})};

std::vector<statement_proof> proofs() {
    const auto reason_strings = decorates_acknowledgements<false>();
    const auto user_properties = decorates_acknowledgements<true>();
    return {
        {"v5/puback/optional-properties-within-client-maximum-packet-size", reason_strings, "MQTT-3.4.2-2"},
        {"v5/puback/optional-properties-within-client-maximum-packet-size", user_properties, "MQTT-3.4.2-3"},
        {"v5/pubrec/optional-properties-within-client-maximum-packet-size", reason_strings, "MQTT-3.5.2-2"},
        {"v5/pubrec/optional-properties-within-client-maximum-packet-size", user_properties, "MQTT-3.5.2-3"},
        {"v5/pubrel/optional-properties-within-client-maximum-packet-size", reason_strings, "MQTT-3.6.2-2"},
        {"v5/pubrel/optional-properties-within-client-maximum-packet-size", user_properties, "MQTT-3.6.2-3"},
        {"v5/pubcomp/optional-properties-within-client-maximum-packet-size", reason_strings, "MQTT-3.7.2-2"},
        {"v5/pubcomp/optional-properties-within-client-maximum-packet-size", user_properties, "MQTT-3.7.2-3"},
        {"v5/unsuback/optional-properties-within-client-maximum-packet-size", reason_strings, "MQTT-3.11.2-1"},
        {"v5/unsuback/optional-properties-within-client-maximum-packet-size", user_properties, "MQTT-3.11.2-2"},
        {"v5/disconnect/optional-properties-within-client-maximum-packet-size", reason_strings, "MQTT-3.14.2-3"},
        {"v5/disconnect/optional-properties-within-client-maximum-packet-size", user_properties, "MQTT-3.14.2-4"},
        {"v5/unsubscribe/started-deliveries-completed", abandons_started_deliveries_on_unsubscribe(), "MQTT-3.10.4-3"},
        {"v5/connack/maximum-qos-covers-unsupported-qos", maximum_qos_unannounced, "MQTT-3.2.2-9", {.maximum_qos = 1}},
        {"v5/utf8/string-pair-name-ill-formed-refused", {.tolerate_undecodable = true}, "MQTT-1.5.7-1"},
        {"v5/utf8/string-pair-value-ill-formed-refused", {.tolerate_undecodable = true}, "MQTT-1.5.7-1"},
        {"v5/auth/reserved-flags-refused", {.tolerate_undecodable = true}, "MQTT-3.15.1-1"},
    };
}

class CoverageV5PacketProofs : public ::testing::TestWithParam<statement_proof> {};

TEST_P(CoverageV5PacketProofs, FailsUnderItsFault) { expect_caught_naming(GetParam()); }

std::string test_name(const ::testing::TestParamInfo<statement_proof>& info) {
    std::string name = info.param.id + "_" + info.param.statement;
    for (auto& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Proofs, CoverageV5PacketProofs, ::testing::ValuesIn(proofs()), test_name);

// The honest broker announcing Maximum QoS 0: nothing above QoS 0 is tried, the case passes.
TEST(CoverageV5PacketCases, MaximumQosZeroAnnouncedPasses) {
    mini_broker qos0({}, {.maximum_qos = 0});
    const auto r = run_case_probed(qos0, "v5/connack/maximum-qos-covers-unsupported-qos");
    EXPECT_EQ(r.result, verdict::passed) << r.message << "\n" << r.transcript_text;
}

// v5/connect/rejected-client-id-closed: the mini broker accepts every Client Identifier, so scripted
// peers refuse them (every CONNECT alike).
case_result rejected_client_id_against(std::function<void(fake_session&)> script) {
    fake_broker broker(std::move(script));
    return run_case_against(broker, "v5/connect/rejected-client-id-closed");
}

TEST(CoverageV5PacketCases, RejectedClientIdRefusedAndClosedPasses) {
    const auto r = rejected_client_id_against([](fake_session& s) {
        s.expect_connect();
        s.send_hex("20 03 00 85 00");  // CONNACK 0x85 Client Identifier not valid
        s.close();
    });
    EXPECT_EQ(r.result, verdict::passed) << r.message << "\n" << r.transcript_text;
}

TEST(CoverageV5PacketCases, RejectedClientIdClosedWithoutConnackPasses) {
    const auto r = rejected_client_id_against([](fake_session& s) {
        s.expect_connect();
        s.close();
    });
    EXPECT_EQ(r.result, verdict::passed) << r.message << "\n" << r.transcript_text;
}

TEST(CoverageV5PacketCases, RejectedClientIdLeftOpenFails) {
    const auto r = rejected_client_id_against([](fake_session& s) {
        s.expect_connect();
        s.send_hex("20 03 00 85 00");
        s.wait_for_close();
    });
    EXPECT_EQ(r.result, verdict::failed) << r.message << "\n" << r.transcript_text;
    EXPECT_TRUE(r.statement.empty() || r.statement == "MQTT-3.1.3-8") << r.statement;  // empty: the case's only one
}

TEST(CoverageV5PacketCases, EveryClientIdAcceptedSkips) {
    mini_broker honest;
    const auto r = run_case_against(honest, "v5/connect/rejected-client-id-closed");
    EXPECT_EQ(r.result, verdict::skipped) << r.message << "\n" << r.transcript_text;
}

// The long Client Identifier refused, the zero-length one accepted: the refusal is judged.
TEST(CoverageV5PacketCases, LongClientIdRefusedByMiniBrokerPasses) {
    mini_broker short_ids({.longest_client_id = 64});
    const auto r = run_case_against(short_ids, "v5/connect/rejected-client-id-closed");
    EXPECT_EQ(r.result, verdict::passed) << r.message << "\n" << r.transcript_text;
}

// v5/connect/bad-credentials-refused: scripted peers, as the mini broker checks no credentials.
case_result credentials_against(std::function<void(fake_session&)> script) {
    profile p;
    p.rejected_username = "nobody";
    p.rejected_password = "wrong";
    fake_broker broker(std::move(script));
    return run_case_against(broker, "v5/connect/bad-credentials-refused", p);
}

TEST(CoverageV5PacketCases, BadCredentialsRefusedAndClosedPasses) {
    const auto r = credentials_against([](fake_session& s) {
        s.expect_connect();
        s.send_hex("20 03 00 86 00");  // CONNACK 0x86 Bad User Name or Password
        s.close();
    });
    EXPECT_EQ(r.result, verdict::passed) << r.message << "\n" << r.transcript_text;
}

TEST(CoverageV5PacketCases, BadCredentialsClosedWithoutConnackPasses) {
    const auto r = credentials_against([](fake_session& s) {
        s.expect_connect();
        s.close();
    });
    EXPECT_EQ(r.result, verdict::passed) << r.message << "\n" << r.transcript_text;
}

TEST(CoverageV5PacketCases, BadCredentialsRefusedButLeftOpenFails) {
    const auto r = credentials_against([](fake_session& s) {
        s.expect_connect();
        s.send_hex("20 03 00 86 00");
        s.wait_for_close();
    });
    EXPECT_EQ(r.result, verdict::failed) << r.message << "\n" << r.transcript_text;
}

TEST(CoverageV5PacketCases, BadCredentialsAcceptedFails) {
    const auto r = credentials_against([](fake_session& s) {
        s.accept_connect();
        s.wait_for_close();
    });
    EXPECT_EQ(r.result, verdict::failed) << r.message << "\n" << r.transcript_text;
}

}  // namespace
}  // namespace mqttspec::conformance
