// Proofs for connection, malformed-packet, ordering, acknowledgement, session-expiry and shared-
// subscription cases: each case fails against the mini broker (mini_broker.hpp) with one fault that
// breaks the rule it checks, and passes against the honest broker. Where the mini broker has no such
// behaviour (rejected credentials), a scripted peer plays both brokers.
#include <gtest/gtest.h>

#include <type_traits>

#include "mini_broker.hpp"

namespace mqttspec::conformance {
namespace {

using namespace testing;

struct core_proof {
    std::string id;
    broker_faults fault;
};

// 4.13.1: a Protocol Error is refused with 0x82; this broker calls it a Malformed Packet (0x81).
const broker_faults protocol_error_called_malformed = {.before_send = faults::edit<codec::disconnect_packet>([](codec::disconnect_packet& d) {
    if (d.reason_code == codec::reason::protocol_error) d.reason_code = codec::reason::malformed_packet;
})};
// MQTT-3.1.2-28: Response Information only when the client asked for it; this broker always sends it.
const broker_faults response_information_unrequested = {.before_send = faults::edit<codec::connack_packet>([](codec::connack_packet& c) {
    c.properties.push_back({.id = property_id::response_information, .data = "mini/response"});
})};
// MQTT-3.1.2-29: no Reason String after Request Problem Information 0; this broker always explains.
const broker_faults reason_string_unrequested = {.before_send = [](codec::packet& p, codec::protocol_version) {
    std::visit([](auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, codec::puback_packet> || std::is_same_v<T, codec::pubrec_packet> ||
                      std::is_same_v<T, codec::pubcomp_packet> || std::is_same_v<T, codec::suback_packet> ||
                      std::is_same_v<T, codec::unsuback_packet>) {
            x.properties.push_back({.id = property_id::reason_string, .data = "explained anyway"});
        }
    }, p);
    return true;
}};
const broker_faults tolerant = {.tolerate_undecodable = true};
const broker_faults bad_first_packet_refused_unspecified = {.bad_first_packet_connack = std::uint8_t{0x80}};

std::vector<core_proof> proofs() {
    return {
        // CONNECT and CONNACK (3.1, 3.2)
        {"v311/connect/client-id-23-alphanumeric", {.longest_client_id = 22}},
        {"v5/connect/client-id-23-alphanumeric", {.longest_client_id = 22}},
        {"v311/connect/rejected-connect-rest-ignored", {.processes_packet_after_refused_connect = true}},
        {"v5/connect/rejected-ignores-following-packets", {.processes_packet_after_refused_connect = true}},
        {"v5/connect/password-flag-without-password", tolerant},
        {"v5/connect/unsupported-protocol-version", {.accepts_unknown_protocol_level = true}},
        {"v5/connack/sent-before-other-packets", {.connack_after_next_answer = true}},
        {"v5/response-information/absent-when-not-requested", response_information_unrequested},
        {"v5/response-information/absent-when-request-is-0", response_information_unrequested},
        {"v5/problem-information/suppressed-when-not-requested", reason_string_unrequested},
        // A first packet that is not CONNECT (MQTT-3.1.0-1)
        {"v311/malformed/first-packet-pingreq", {.serves_before_connect = true}},
        {"v311/malformed/first-packet-publish", {.serves_before_connect = true}},
        {"v311/malformed/first-packet-subscribe", {.serves_before_connect = true}},
        {"v5/malformed/first-packet-pingreq", {.serves_before_connect = true}},
        {"v5/malformed/first-packet-publish", {.serves_before_connect = true}},
        {"v5/malformed/first-packet-subscribe", {.serves_before_connect = true}},
        // The CONNACK a bad first packet may get names 0x80 instead of the error's kind (4.13.1).
        {"v5/malformed/first-packet-pingreq/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/first-packet-publish/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/first-packet-subscribe/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-client-id-invalid-utf8/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-fixed-header-flags-0010/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-truncated/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-username-flag-without-username/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-will-qos-without-will-flag/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-will-qos3/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-will-retain-without-will-flag/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-session-expiry-twice/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-receive-maximum-twice/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-maximum-packet-size-twice/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-topic-alias-maximum-twice/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-request-response-information-twice/reason-code", bad_first_packet_refused_unspecified},
        {"v5/malformed/connect-request-problem-information-twice/reason-code", bad_first_packet_refused_unspecified},
        // Framing and protocol errors after CONNECT
        {"v311/malformed/remaining-length-five-bytes", {.awaits_five_byte_remaining_length = true}},
        {"v5/malformed/remaining-length-five-bytes", {.awaits_five_byte_remaining_length = true}},
        {"v5/malformed/remaining-length-five-bytes/reason-code", {.undecodable_disconnect_reason = std::uint8_t{0x80}}},
        {"v5/malformed/second-connect/reason-code", protocol_error_called_malformed},
        {"v5/disconnect/reserved-flags-not-a-normal-disconnect", {.flagged_disconnect_taken_as_normal = true}},
        {"v5/session-expiry/disconnect-nonzero-after-zero-ignored", {.disconnect_expiry_after_zero_accepted = true}},
        {"v5/session-expiry/disconnect-nonzero-after-zero-reason-code", protocol_error_called_malformed},
        // Ordering (4.6)
        {"v311/publish/ordering-qos0", {.deliveries_swapped = true}},
        {"v311/publish/ordering-qos1", {.deliveries_swapped = true}},
        {"v311/publish/ordering-qos2", {.deliveries_swapped = true}},
        {"v311/publish/puback-order", {.acknowledgements_swapped = true}},
        {"v311/publish/pubrec-order", {.acknowledgements_swapped = true}},
        {"v5/qos1/puback-order", {.acknowledgements_swapped = true}},
        // Overlapping subscriptions: the mini broker visits filters in byte order ("a/#" < "a/+" <
        // "a/b"), so "first match only" and "last match only" between them miss the higher QoS in
        // every row.
        {"v311/publish/overlapping-subscriptions-max-qos/exact-higher-hash-lower", {.first_matching_subscription_only = true}},
        {"v5/publish/overlapping-subscriptions-max-qos/exact-higher-hash-lower", {.first_matching_subscription_only = true}},
        {"v311/publish/overlapping-subscriptions-max-qos/hash-higher-plus-lower", {.last_matching_subscription_only = true}},
        {"v5/publish/overlapping-subscriptions-max-qos/hash-higher-plus-lower", {.last_matching_subscription_only = true}},
        {"v311/publish/overlapping-subscriptions-max-qos/plus-higher-exact-lower", {.last_matching_subscription_only = true}},
        {"v5/publish/overlapping-subscriptions-max-qos/plus-higher-exact-lower", {.last_matching_subscription_only = true}},
        // Acknowledgements and flow control
        {"v5/publish/qos0-not-acknowledged", {.acknowledges_qos0 = true}},
        {"v5/qos1/error-puback-not-resent", {.error_puback_keeps_message = true}},
        {"v5/flow-control/other-packets-answered-at-zero-quota", {.control_packets_held_at_zero_quota = true}},
        // Shared subscriptions (4.8.2)
        {"v5/shared/qos2-delivery-completed-on-reconnect", {.shared_inflight_dropped_on_disconnect = true}},
        {"v5/shared/refused-message-not-reoffered", {.shared_refusal_reoffered = true}},
        {"v5/shared/separate-groups-and-non-shared-each-get-a-copy", {.first_shared_group_only = true}},
    };
}

class CoreProofs : public ::testing::TestWithParam<core_proof> {};

TEST_P(CoreProofs, FailsUnderItsFault) { expect_caught(GetParam().id, GetParam().fault); }

std::string test_name(const ::testing::TestParamInfo<core_proof>& info) {
    std::string name = info.param.id;
    for (auto& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(Proofs, CoreProofs, ::testing::ValuesIn(proofs()), test_name);

// v311/connect/bad-credentials-refused: the mini broker checks no credentials, so a scripted peer
// refuses the profile's rejected pair with return code 5 and closes (the honest outcome), or keeps the
// connection open after the refusal (MQTT-3.2.2-5), or accepts it.
profile with_rejected_credentials() {
    profile p;
    p.rejected_username = "nobody";
    p.rejected_password = "wrong";
    return p;
}

case_result credentials_against(std::function<void(fake_session&)> script) {
    fake_broker broker(std::move(script));
    return run_case_against(broker, "v311/connect/bad-credentials-refused", with_rejected_credentials());
}

TEST(CoreProofsCredentials, RefusedAndClosedPasses) {
    const auto r = credentials_against([](fake_session& s) {
        s.expect_connect();
        s.send_hex("20 02 00 05");
        s.close();
    });
    EXPECT_EQ(r.result, verdict::passed) << r.message << "\n" << r.transcript_text;
}

TEST(CoreProofsCredentials, RefusedButLeftOpenFails) {
    const auto r = credentials_against([](fake_session& s) {
        s.expect_connect();
        s.send_hex("20 02 00 05");
        s.wait_for_close();
    });
    EXPECT_EQ(r.result, verdict::failed) << r.message << "\n" << r.transcript_text;
}

TEST(CoreProofsCredentials, AcceptedFails) {
    const auto r = credentials_against([](fake_session& s) {
        s.accept_connect();
        s.wait_for_close();
    });
    EXPECT_EQ(r.result, verdict::failed) << r.message << "\n" << r.transcript_text;
}

}  // namespace
}  // namespace mqttspec::conformance
