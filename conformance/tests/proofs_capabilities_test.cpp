// Proofs for the 5.0 cases about what the server announces in CONNACK (Maximum QoS, Retain / Wildcard /
// Shared / Subscription Identifier Available, Receive Maximum, Maximum Packet Size, Topic Alias
// Maximum) and about Will Delay: each case passes against the honest mini broker (mini_broker.hpp)
// announcing the restriction the case needs, and fails (or is non-strict, for the SHOULD-level
// reason-code twins) against the same broker with one fault that breaks the case's rule. The case
// learns the restriction from the broker's CONNACK, as in a real run (run_case_probed).
#include <gtest/gtest.h>

#include "mini_broker.hpp"

namespace mqttspec::conformance {
namespace {

using namespace testing;

struct announced_rule_proof {
    std::string id;
    broker_faults fault;
    broker_capabilities announced;
    std::string variant = {};  // tells apart two proofs of one case in the test name
};

// 4.13.1 lets the broker name a Protocol Error with 0x82; the sections below name a more specific
// code that it SHOULD send instead.
const broker_faults generic_protocol_error = {.detected_error_reason = std::uint8_t{codec::reason::protocol_error}};

// A Reason String on every acknowledgement, whatever Maximum Packet Size the client announced
// (MQTT-3.1.2-24: the server must leave optional properties out of a packet that would not fit).
broker_faults reason_string_everywhere() {
    static constexpr std::string_view text = "a reason string long enough to push an acknowledgement past 32 bytes";
    const auto add = [](codec::property_list& props) { props.push_back({property_id::reason_string, 0, text, {}}); };
    return {.before_send = [add](codec::packet& p, codec::protocol_version) {
        if (auto* x = std::get_if<codec::suback_packet>(&p)) add(x->properties);
        if (auto* x = std::get_if<codec::unsuback_packet>(&p)) add(x->properties);
        if (auto* x = std::get_if<codec::puback_packet>(&p)) add(x->properties);
        return true;
    }};
}

std::vector<announced_rule_proof> proofs() {
    const broker_capabilities qos1_only{.maximum_qos = 1};
    const broker_capabilities no_retain{.retain_available = false};
    const broker_capabilities small_receive_maximum{.receive_maximum = 3};
    const broker_capabilities small_packets{.maximum_packet_size = 512};
    const broker_capabilities aliases{};  // Topic Alias Maximum 10
    return {
        // Maximum QoS (3.2.2.3.4)
        {"v5/capabilities/publish-above-maximum-qos-rejected", {.ignores_maximum_qos = true}, qos1_only},
        {"v5/capabilities/publish-above-maximum-qos-reason-code", generic_protocol_error, qos1_only},
        {"v5/capabilities/subscribe-above-maximum-qos-granted-lower", {.ignores_maximum_qos = true}, qos1_only},
        {"v5/capabilities/subscribe-above-maximum-qos-granted-lower", {.ignores_maximum_qos = true}, {.maximum_qos = 0}, "qos0_only"},
        {"v5/capabilities/will-above-maximum-qos-rejected", {.ignores_maximum_qos = true}, qos1_only},
        // Retain Available 0 (3.2.2.3.5)
        {"v5/capabilities/retained-publish-when-unavailable-rejected", {.ignores_retain_unavailable = true}, no_retain},
        {"v5/capabilities/retained-publish-when-unavailable-reason-code", generic_protocol_error, no_retain},
        {"v5/capabilities/retained-will-when-unavailable-rejected", {.ignores_retain_unavailable = true}, no_retain},
        // Wildcard / Shared / Subscription Identifier Available 0 (3.2.2.3.11-13)
        {"v5/capabilities/wildcard-subscription-when-unavailable-refused", {.ignores_wildcard_unavailable = true},
         {.wildcard_subscription_available = false}},
        {"v5/capabilities/shared-subscription-when-unavailable-refused", {.ignores_shared_unavailable = true},
         {.shared_subscription_available = false}},
        {"v5/subscription-identifier/unsupported-rejected", {.ignores_subscription_identifier_unavailable = true},
         {.subscription_identifier_available = false}},
        // The server's Receive Maximum (3.3.4) and Maximum Packet Size (3.2.2.3.6)
        {"v5/flow-control/server-receive-maximum-exceeded", {.ignores_own_receive_maximum = true}, small_receive_maximum},
        {"v5/flow-control/server-receive-maximum-exceeded-reason-code", generic_protocol_error, small_receive_maximum},
        {"v5/maximum-packet-size/server-limit-enforced", {.ignores_own_maximum_packet_size = true}, small_packets},
        {"v5/maximum-packet-size/server-limit-enforced-reason-code", generic_protocol_error, small_packets},
        // The client's Maximum Packet Size binds every packet the server sends (3.1.2.11.4)
        {"v5/maximum-packet-size/limit-applies-to-every-packet", reason_string_everywhere(), {}},
        // Topic Aliases from the client (3.3.2.3.4)
        {"v5/topic-alias/client-alias-accepted", {.topic_alias_not_stored = true}, aliases},
        {"v5/topic-alias/maximum-value-accepted", {.topic_alias_maximum_exclusive = true}, aliases},
        {"v5/topic-alias/remapped-by-new-topic-name", {.topic_alias_keeps_first_mapping = true}, aliases},
        {"v5/topic-alias/above-maximum-rejected", {.topic_alias_maximum_ignored = true}, aliases},
        {"v5/topic-alias/above-maximum-rejected-reason-code", generic_protocol_error, aliases},
        {"v5/topic-alias/not-announced-rejected", {.topic_alias_maximum_ignored = true}, {.topic_alias_maximum = 0}},
        {"v5/topic-alias/unmapped-alias-empty-topic-rejected", {.topic_alias_unmapped_ignored = true}, aliases},
        // 3.3.4 names 0x82 here: a broker that answers 0x94 (Topic Alias invalid) names another error.
        {"v5/topic-alias/unmapped-alias-empty-topic-reason-code", {.detected_error_reason = std::uint8_t{codec::reason::topic_alias_invalid}}, aliases},
        // Alias 0 and an empty Topic Name without alias are refused by the codec: the faults sit there.
        {"v5/topic-alias/zero-rejected-reason-code", {.undecodable_disconnect_reason = std::uint8_t{codec::reason::protocol_error}}, aliases},
        {"v5/topic-alias/empty-topic-without-alias-rejected", {.tolerate_undecodable = true}, aliases},
        {"v5/topic-alias/not-carried-across-connections", {.topic_aliases_kept_across_connections = true}, aliases},
        {"v5/topic-alias/publisher-alias-not-forwarded", {.forwards_topic_alias = true}, aliases},
        // Will Delay Interval and will publication (3.1.2.5, 3.1.3.2, 3.14.2.1)
        {"v5/will-delay/publication-deferred", {.delayed_will_published_at_once = true}, {}},
        {"v5/will-delay/cancelled-by-reconnect", {.delayed_will_published_on_reconnect = true}, {}},
        {"v5/will-delay/normal-disconnect-discards-delayed-will", {.will_on_normal_disconnect = true}, {}},
        {"v5/will-delay/disconnect-with-will-message", {.disconnect_with_will_discards_will = true}, {}},
        {"v5/will-delay/will-properties-forwarded", {.will_properties_dropped = true}, {}},
    };
}

class CaughtAsAnnounced : public ::testing::TestWithParam<announced_rule_proof> {};

TEST_P(CaughtAsAnnounced, FailsUnderItsFault) { expect_caught(GetParam().id, GetParam().fault, GetParam().announced); }

std::string test_name(const ::testing::TestParamInfo<announced_rule_proof>& info) {
    std::string name = info.param.id + (info.param.variant.empty() ? "" : "_" + info.param.variant);
    for (auto& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(CapabilityProofs, CaughtAsAnnounced, ::testing::ValuesIn(proofs()), test_name);

// The cases that need a restriction are skipped, with the reason, against a broker that announces none.
TEST(CapabilityProofsBaseline, UnrestrictedBrokerSkipsTheRestrictionCases) {
    for (const char* id : {"v5/capabilities/publish-above-maximum-qos-rejected", "v5/capabilities/retained-publish-when-unavailable-rejected",
                           "v5/capabilities/wildcard-subscription-when-unavailable-refused",
                           "v5/capabilities/shared-subscription-when-unavailable-refused", "v5/subscription-identifier/unsupported-rejected",
                           "v5/maximum-packet-size/server-limit-enforced", "v5/topic-alias/not-announced-rejected"}) {
        mini_broker honest;
        const auto r = run_case_probed(honest, id);
        EXPECT_EQ(r.result, verdict::skipped) << id << ": " << r.message;
    }
}

}  // namespace
}  // namespace mqttspec::conformance
