// Proofs for the 3.1.1 cases that cover the statements listed by issue 8 (3.1.2-12, 3.1.3-2, 3.1.3-9,
// 3.1.4-3, 3.2.2-6, 3.8.3-2, 3.10.4-3, 4.1.0-2, 4.6.0-4, 4.6.0-5, 4.7.3-3): each case passes against
// the honest mini broker and fails against one that breaks its rule; scripted peers show the outcomes
// the standard leaves open.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "mini_broker.hpp"

namespace mqttspec::conformance {
namespace {

using namespace testing;

struct coverage_proof {
    std::string id;
    std::string fault_name;  // tells two proofs of one case apart in the test name
    broker_faults fault;
};

// 4.7.3: a broker that cuts delivered Topic Names at 32767 bytes (a signed 16-bit length).
const broker_faults topics_cut_at_32767 = {.before_send = faults::edit<codec::publish_packet>([](codec::publish_packet& p) {
    if (p.topic.size() > 32767) p.topic = p.topic.substr(0, 32767);
})};
// 3.8.3: wildcard filters granted, then matched as plain strings.
const broker_faults wildcards_granted_not_matched = {.matches = [](std::string_view filter, std::string_view topic) { return filter == topic; }};

std::vector<coverage_proof> proofs() {
    return {
        {"v311/will/not-published-without-will-flag", "will-kept-with-session", {.will_kept_with_session = true}},
        {"v311/session/keyed-by-exact-client-id", "client-ids-case-folded", {.client_ids_case_folded = true}},
        {"v311/connect/clean-session-after-validation", "invalid-connect-takes-over", {.invalid_connect_takes_over = true}},
        {"v311/connect/clean-session-after-validation", "clean-start-keeps-session", {.clean_start_keeps_session = true}},
        {"v311/connack/no-applicable-code-no-connack", "tolerate-undecodable", {.tolerate_undecodable = true}},
        {"v311/subscribe/wildcard-refused-or-honoured", "wildcards-granted-not-matched", wildcards_granted_not_matched},
        {"v311/unsubscribe/started-qos2-delivery-completed", "unsubscribe-abandons-inflight", {.unsubscribe_abandons_inflight = true}},
        {"v311/unsubscribe/started-qos1-delivery-completed", "unsubscribe-abandons-inflight", {.unsubscribe_abandons_inflight = true}},
        {"v311/session/lasts-while-connected", "invalid-connect-takes-over", {.invalid_connect_takes_over = true}},
        {"v311/ordering/pubrel-in-pubrec-order", "releases-swapped", {.releases_swapped = true}},
        {"v311/ordering/every-topic-ordered-by-default", "deliveries-swapped", {.deliveries_swapped = true}},
        {"v311/topic/longest-topic-name-intact", "topics-cut-at-32767", topics_cut_at_32767},
    };
}

class Coverage311Proofs : public ::testing::TestWithParam<coverage_proof> {};

TEST_P(Coverage311Proofs, FailsUnderItsFault) { expect_caught(GetParam().id, GetParam().fault); }

// gtest names allow only letters, digits and '_': the case ID and the fault, with the rest turned into '_'.
std::string proof_name(const ::testing::TestParamInfo<coverage_proof>& info) {
    std::string name = info.param.id + "__" + info.param.fault_name;
    for (auto& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Proofs, Coverage311Proofs, ::testing::ValuesIn(proofs()), proof_name);

// ---- outcomes the standard leaves open, and the ones it forbids, with scripted peers -----------------

// 3.1.3-9: each CONNECT of the case answered by `answer(client_id)`: "" accepts, else the CONNACK bytes
// sent before closing; "close" closes without a CONNACK.
verdict client_id_case_against(std::string (*answer)(const std::string&)) {
    fake_broker broker([answer](fake_session& s) {
        const auto connect = s.read_json(codec::protocol_version::v3_1_1);
        const auto reply = answer(connect.value("client_id", std::string()));
        if (reply.empty()) {
            s.send_hex("20 02 00 00");
            s.wait_for_close();
        } else if (reply == "close") {
            s.close();
        } else {
            s.send_hex(reply);
            s.close();
        }
    });
    return run_case_against(broker, "v311/connect/client-id-rejected-with-code-2").result;
}

TEST(Coverage311ClientIdRejected, AcceptedOrCode2Passes) {
    EXPECT_EQ(client_id_case_against([](const std::string&) { return std::string(); }), verdict::passed);
    EXPECT_EQ(client_id_case_against([](const std::string&) { return std::string("20 02 00 02"); }), verdict::passed);
    EXPECT_EQ(client_id_case_against([](const std::string& id) { return std::string(id.size() > 23 ? "20 02 00 02" : ""); }),
              verdict::passed);
}

TEST(Coverage311ClientIdRejected, OtherCodeOrNoConnackFails_v311_connect_client_id_rejected_with_code_2) {
    // Return code 1 for a long identifier; a close without CONNACK for an empty one.
    EXPECT_EQ(client_id_case_against([](const std::string& id) { return std::string(id.size() > 100 ? "20 02 00 01" : ""); }),
              verdict::failed);
    EXPECT_EQ(client_id_case_against([](const std::string& id) { return std::string(id.empty() ? "close" : ""); }), verdict::failed);
    // Return code 2 without the close that must follow it.
    fake_broker lingering([](fake_session& s) {
        s.expect_connect();
        s.send_hex("20 02 00 02");
        s.wait_for_close();
    });
    EXPECT_EQ(run_case_against(lingering, "v311/connect/client-id-rejected-with-code-2").result, verdict::failed);
}

TEST(Coverage311NoApplicableCode, RefusingConnackFails_v311_connack_no_applicable_code_no_connack) {
    const auto run = [](bool connack_first) {
        fake_broker broker([connack_first](fake_session& s) {
            s.read_packet();
            if (connack_first) s.send_hex("20 02 00 02");
            s.close();
        });
        return run_case_against(broker, "v311/connack/no-applicable-code-no-connack").result;
    };
    EXPECT_EQ(run(false), verdict::passed);
    EXPECT_EQ(run(true), verdict::failed);
}

TEST(Coverage311Wildcards, RefusedWildcardFiltersPass) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        if (s.index() == 0) {
            const auto subscribe = s.read_json(codec::protocol_version::v3_1_1);
            codec::suback_packet ack;
            ack.packet_id = subscribe.at("packet_id").get<std::uint16_t>();
            ack.reason_codes = {0x80, 0x80};
            s.send_packet(ack);
        }
        s.wait_for_close();
    });
    const auto r = run_case_against(broker, "v311/subscribe/wildcard-refused-or-honoured");
    EXPECT_EQ(r.result, verdict::passed) << r.message << "\n" << r.transcript_text;
}

}  // namespace
}  // namespace mqttspec::conformance
