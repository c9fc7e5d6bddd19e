// One proof per case: the case fails against the mini broker (mini_broker.hpp) with one fault that
// breaks the rule the case checks, and passes against the honest broker. The faults break rules of
// the standard, not details of a case's code, so the proofs hold when a case is rewritten.
#include <gtest/gtest.h>

#include <algorithm>

#include "mini_broker.hpp"

namespace mqttspec::conformance {
namespace {

using namespace testing;

struct rule_proof {
    std::string id;
    broker_faults fault;
};

// Faults on what the broker sends.
broker_faults edit_publish(std::function<void(codec::publish_packet&)> change) {
    return {.before_send = faults::edit<codec::publish_packet>(std::move(change))};
}
broker_faults strip_property(property_id id) {
    return edit_publish([id](codec::publish_packet& p) { std::erase_if(p.properties, [id](const codec::property& x) { return x.id == id; }); });
}
std::uint16_t other_id(std::uint16_t id) { return id == 65535 ? 1 : static_cast<std::uint16_t>(id + 1); }

const broker_faults dup_on_first_delivery = edit_publish([](codec::publish_packet& p) {
    if (p.qos > 0) p.dup = true;
    else p.qos = 1, p.packet_id = 1;  // a QoS 0 message turned into QoS 1: DUP alone is not allowed at QoS 0
});
const broker_faults delivered_at_qos0 = edit_publish([](codec::publish_packet& p) {
    p.qos = 0;
    p.dup = false;
    p.packet_id = 0;
});
const broker_faults delivered_at_qos1 = edit_publish([](codec::publish_packet& p) {
    if (p.qos == 0) p.qos = 1, p.packet_id = 1;
});
const broker_faults wrong_publication_topic = edit_publish([](codec::publish_packet& p) {
    static thread_local std::string changed;
    changed = std::string(p.topic) + "/x";
    p.topic = changed;
});
const broker_faults session_present_always = {.before_send = faults::edit<codec::connack_packet>([](codec::connack_packet& c) { c.session_present = true; })};
const broker_faults session_present_never = {.before_send = faults::edit<codec::connack_packet>([](codec::connack_packet& c) { c.session_present = false; })};
const broker_faults tolerant = {.tolerate_undecodable = true};

std::vector<rule_proof> proofs() {
    std::vector<rule_proof> p = {
        // Delivery QoS (3.3.5 / 4.3 of 3.1.1, 3.8.4 / 4.3 of 5.0)
        {"v5/publish/delivered-qos-is-minimum", {.delivers_at_subscription_qos = true}},
        {"v311/publish/overlapping-subscriptions-max-qos", {.first_matching_subscription_only = true}},
        {"v311/retain/stored-qos-applies", {.delivers_at_subscription_qos = true}},
        {"v5/retain/sent-at-minimum-qos", {.delivers_at_message_qos = true}},
        {"v5/shared/granted-qos-honoured", {.delivers_at_message_qos = true}},
        // Flows and packet identifiers
        {"v311/publish/qos1-puback-echoes-packet-id", {.before_send = faults::edit<codec::puback_packet>([](codec::puback_packet& a) { a.packet_id = other_id(a.packet_id); })}},
        {"v5/publish/qos1-puback", {.before_send = faults::edit<codec::puback_packet>([](codec::puback_packet& a) { a.packet_id = other_id(a.packet_id); })}},
        {"v311/publish/qos1-flow", {.before_send = faults::drop(packet_type::puback)}},
        {"v311/publish/qos2-flow", {.before_send = faults::drop(packet_type::pubcomp)}},
        {"v5/qos2/publisher-flow", {.before_send = faults::drop(packet_type::pubcomp)}},
        {"v5/qos2/subscriber-flow", {.before_send = faults::edit<codec::pubrel_packet>([](codec::pubrel_packet& r) { r.packet_id = other_id(r.packet_id); })}},
        {"v311/qos2/duplicate-before-pubrel-delivered-once", {.qos2_duplicates_delivered = true}},
        {"v5/qos2/duplicate-before-pubrel-delivered-once", {.qos2_duplicates_delivered = true}},
        {"v311/qos1/packet-id-reuse-after-puback", {.qos1_reused_packet_id_dropped = true}},
        {"v5/qos1/packet-id-reuse-after-puback", {.qos1_reused_packet_id_dropped = true}},
        {"v311/qos2/packet-id-reuse-after-pubcomp", {.qos2_packet_id_never_released = true}},
        {"v5/qos2/packet-id-reuse-after-pubcomp", {.qos2_packet_id_never_released = true}},
        {"v5/qos2/pubrel-unknown-packet-id", {.before_send = faults::drop(packet_type::pubcomp)}},
        {"v311/publish/server-packet-ids-unused", edit_publish([](codec::publish_packet& x) { if (x.qos > 0) x.packet_id = 1; })},
        {"v5/qos1/outgoing-packet-ids-distinct", edit_publish([](codec::publish_packet& x) { if (x.qos > 0) x.packet_id = 1; })},
        {"v311/publish/qos0-delivery", dup_on_first_delivery},
        {"v5/publish/qos0-delivery", dup_on_first_delivery},
        {"v5/publish/qos1-delivery", dup_on_first_delivery},
        {"v311/publish/incoming-dup-not-propagated", dup_on_first_delivery},
        {"v5/publish/incoming-dup-not-propagated", dup_on_first_delivery},
        {"v311/publish/every-matching-subscriber", {.first_subscriber_only = true}},
        {"v5/publish/every-matching-subscriber", {.first_subscriber_only = true}},
        {"v311/publish/topic-name-is-publication-topic", wrong_publication_topic},
        {"v5/publish/topic-name-of-message-not-filter", wrong_publication_topic},
        {"v311/pingreq/pingresp", {.before_send = faults::drop(packet_type::pingresp)}},
        // Retained messages
        {"v311/retain/delivered-to-new-subscriber", {.retained_never_stored = true}},
        {"v5/retain/sent-to-new-subscriber", {.retained_never_stored = true}},
        {"v311/retain/replaced-by-newer", {.retained_keeps_first = true}},
        {"v5/retain/replaced-by-newer", {.retained_keeps_first = true}},
        {"v311/retain/qos0-replaces-stored", {.retained_keeps_first = true}},
        {"v311/retain/cleared-by-empty-payload", {.retained_never_cleared = true}},
        {"v5/retain/empty-payload-clears", {.retained_never_cleared = true}},
        {"v311/retain/empty-payload-forwarded-live", {.live_keeps_retain_flag = true}},
        {"v311/retain/live-forward-retain-0", {.live_keeps_retain_flag = true}},
        {"v311/retain/non-retained-leaves-stored", {.non_retained_clears_stored = true}},
        {"v5/retain/non-retained-leaves-stored", {.non_retained_clears_stored = true}},
        {"v311/retain/every-matching-topic", {.retained_first_match_only = true}},
        {"v5/retain/wildcard-subscription-gets-each", {.retained_first_match_only = true}},
        {"v311/subscribe/resubscribe-resends-retained", {.retained_only_for_new_subscription = true}},
        // Subscription options (5.0 3.8.3.1)
        {"v5/subscription-options/no-local", {.ignores_no_local = true}},
        {"v5/subscription-options/no-local-0-delivers-own-messages", {.no_local_always = true}},
        {"v5/subscription-options/retain-as-published-0", {.live_keeps_retain_flag = true}},
        {"v5/subscription-options/retain-as-published-1", {.ignores_retain_as_published = true}},
        {"v5/subscription-options/retain-handling-0", {.retained_only_for_new_subscription = true}},
        {"v5/subscription-options/retain-handling-1-new-subscription", {.retained_never_stored = true}},
        {"v5/subscription-options/retain-handling-1-existing-subscription", {.ignores_retain_handling = true}},
        {"v5/subscription-options/retain-handling-2", {.ignores_retain_handling = true}},
        // Subscribe and unsubscribe
        {"v311/subscribe/suback-echoes-packet-id", {.before_send = faults::edit<codec::suback_packet>([](codec::suback_packet& a) { a.packet_id = other_id(a.packet_id); })}},
        {"v5/subscribe/suback-packet-identifier", {.before_send = faults::edit<codec::suback_packet>([](codec::suback_packet& a) { a.packet_id = other_id(a.packet_id); })}},
        {"v311/subscribe/multiple-filters-one-suback-in-order", {.before_send = faults::edit<codec::suback_packet>([](codec::suback_packet& a) { a.reason_codes.pop_back(); })}},
        {"v5/subscribe/reason-code-per-filter-in-order", {.before_send = faults::edit<codec::suback_packet>([](codec::suback_packet& a) { a.reason_codes.pop_back(); })}},
        {"v311/subscribe/identical-filter-replaces", {.resubscribe_keeps_old_options = true}},
        {"v5/subscribe/identical-filter-replaces", {.resubscribe_keeps_old_options = true}},
        {"v311/unsubscribe/unsuback-echoes-packet-id", {.before_send = faults::edit<codec::unsuback_packet>([](codec::unsuback_packet& a) { a.packet_id = other_id(a.packet_id); })}},
        {"v5/unsubscribe/unsuback-success", {.before_send = faults::edit<codec::unsuback_packet>([](codec::unsuback_packet& a) { a.packet_id = other_id(a.packet_id); })}},
        {"v311/unsubscribe/unknown-filter-acknowledged", {.before_send = faults::drop(packet_type::unsuback)}},
        // MUST: a defined UNSUBACK code (0x07 is not one); SHOULD: 0x11 when nothing was subscribed.
        {"v5/unsubscribe/no-subscription-existed", {.before_send = faults::edit<codec::unsuback_packet>([](codec::unsuback_packet& a) { std::fill(a.reason_codes.begin(), a.reason_codes.end(), std::uint8_t{0x07}); })}},
        {"v5/unsubscribe/no-subscription-existed-reason-code", {.before_send = faults::edit<codec::unsuback_packet>([](codec::unsuback_packet& a) { std::fill(a.reason_codes.begin(), a.reason_codes.end(), std::uint8_t{0}); })}},
        {"v5/unsubscribe/reason-codes-in-order", {.before_send = faults::edit<codec::unsuback_packet>([](codec::unsuback_packet& a) { std::reverse(a.reason_codes.begin(), a.reason_codes.end()); })}},
        {"v311/unsubscribe/stops-delivery", {.unsubscribe_ignored = true}},
        {"v5/unsubscribe/delivery-stops", {.unsubscribe_ignored = true}},
        {"v311/unsubscribe/multiple-filters-one-unsuback", {.unsubscribe_ignored = true}},
        {"v311/unsubscribe/filter-compared-literally", {.unsubscribe_by_matching = true}},
        {"v5/unsubscribe/filter-compared-exactly", {.unsubscribe_by_matching = true}},
        // Connect, sessions, takeover
        {"v311/connect/basic-accept", session_present_always},
        {"v5/connect/basic-accept", session_present_always},
        {"v5/connack/session-present-0-without-session", session_present_always},
        {"v5/connack/session-present-1-with-session", {.session_never_kept = true}},
        {"v311/session/session-present", {.session_never_kept = true}},
        {"v311/connect/takeover-closes-existing", {.keep_taken_over_connection = true}},
        {"v311/connect/takeover-resumes-session", session_present_never},
        {"v311/connect/empty-client-id-assigned-unique", {.assigns_same_client_id = true}},
        {"v5/assigned-client-id/unique", {.assigns_same_client_id = true}},
        {"v5/assigned-client-id/returned-for-empty-id", {.before_send = faults::edit<codec::connack_packet>([](codec::connack_packet& c) {
             std::erase_if(c.properties, [](const codec::property& x) { return x.id == property_id::assigned_client_identifier; });
         })}},
        {"v311/session/subscriptions-survive-reconnect", {.session_never_kept = true}},
        {"v311/session/queued-qos1-while-offline", {.session_never_kept = true}},
        {"v311/session/queued-qos2-while-offline", {.session_never_kept = true}},
        {"v5/session/resumed-session-keeps-subscription", {.session_never_kept = true}},
        {"v5/session-expiry/positive-keeps-session", {.session_never_kept = true}},
        {"v5/assigned-client-id/identifies-the-session", {.session_never_kept = true}},
        {"v311/session/clean-session-discards-state", {.clean_start_keeps_session = true}},
        {"v5/session/clean-start-discards-session", {.clean_start_keeps_session = true}},
        {"v5/session-expiry/zero-ends-at-disconnect", {.session_always_kept = true}},
        {"v5/session-expiry/disconnect-sets-zero", {.session_always_kept = true}},
        {"v5/session-expiry/ends-after-interval", {.session_never_expires = true}},
        {"v311/session/qos1-resent-on-reconnect", {.no_resend_on_reconnect = true}},
        {"v311/session/qos2-publish-resent-on-reconnect", {.no_resend_on_reconnect = true}},
        {"v311/session/qos2-pubrel-resent-on-reconnect", {.no_resend_on_reconnect = true}},
        {"v311/session/resent-in-original-order", {.resends_in_reverse = true}},
        {"v5/qos1/unacknowledged-resent-on-reconnect", {.no_resend_on_reconnect = true}},
        {"v5/qos2/pubrel-resent-on-reconnect", {.no_resend_on_reconnect = true}},
        {"v5/qos2/unacknowledged-resent-on-reconnect", {.no_resend_on_reconnect = true}},
        {"v5/session-expiry/not-in-server-disconnect", {.before_send = faults::edit<codec::disconnect_packet>([](codec::disconnect_packet& d) {
             d.properties.push_back({.id = property_id::session_expiry_interval, .integer = 10});
         })}},
        // Wills
        {"v311/will/published-on-abnormal-close", {.will_never_published = true}},
        {"v311/will/published-at-will-qos", {.will_never_published = true}},
        {"v311/will/published-on-protocol-error", {.will_never_published = true}},
        {"v311/will/retain-flag", {.retained_never_stored = true}},
        {"v311/will/not-published-after-disconnect", {.will_on_normal_disconnect = true}},
        {"v5/will/published-on-network-loss", {.will_never_published = true}},
        {"v5/will/not-published-on-normal-disconnect", {.will_on_normal_disconnect = true}},
        {"v5/will/published-after-error-disconnect", {.will_never_published = true}},
        {"v5/will/published-on-protocol-error", {.will_never_published = true}},
        {"v5/will/retained", {.retained_never_stored = true}},
        // Message expiry, flow control, packet size
        {"v5/message-expiry/forwarded-with-interval", edit_publish([](codec::publish_packet& x) {
             for (auto& prop : x.properties) {
                 if (prop.id == property_id::message_expiry_interval) prop.integer += 1000;
             }
         })},
        {"v5/message-expiry/expired-while-queued-not-delivered", {.ignores_message_expiry = true}},
        {"v5/message-expiry/reduced-by-time-queued", {.ignores_message_expiry = true}},
        {"v5/message-expiry/expired-retained-not-sent", {.ignores_message_expiry = true}},
        {"v5/message-expiry/retained-interval-reduced", {.ignores_message_expiry = true}},
        {"v5/flow-control/receive-maximum-qos1", {.ignores_receive_maximum = true}},
        {"v5/flow-control/receive-maximum-qos2-until-pubcomp", {.frees_quota_at_pubrec = true}},
        // Shared subscriptions
        {"v5/shared/one-copy-per-group", {.shared_to_every_member = true}},
        {"v5/shared/no-retained-on-subscribe", {.retained_to_shared = true}},
        // Properties forwarded unaltered (fixtures/flows/v5feat-properties.json)
        {"v5/properties/payload-format-indicator-forwarded", strip_property(property_id::payload_format_indicator)},
        // Leaving an explicit 0 out is allowed (0 is the same as none); turning it into 1 is not.
        {"v5/properties/payload-format-indicator-zero-forwarded", edit_publish([](codec::publish_packet& publish) {
             for (auto& x : publish.properties) {
                 if (x.id == property_id::payload_format_indicator) x.integer = 1;
             }
         })},
        {"v5/properties/content-type-forwarded", strip_property(property_id::content_type)},
        {"v5/properties/response-topic-forwarded", strip_property(property_id::response_topic)},
        {"v5/properties/correlation-data-forwarded", strip_property(property_id::correlation_data)},
        {"v5/properties/user-properties-forwarded-in-order", edit_publish([](codec::publish_packet& x) {
             std::stable_partition(x.properties.begin(), x.properties.end(), [](const codec::property& prop) { return prop.id != property_id::user_property; });
             std::reverse(std::find_if(x.properties.begin(), x.properties.end(), [](const codec::property& prop) { return prop.id == property_id::user_property; }),
                          x.properties.end());
         })},
        {"v5/properties/all-forwarded-at-qos2", strip_property(property_id::content_type)},
        {"v5/properties/retained-message-keeps-properties", strip_property(property_id::content_type)},
        {"v5/request-response/round-trip", strip_property(property_id::correlation_data)},
        // Packets a broker must refuse (it tolerates them instead)
        {"v5/publish/topic-name-wildcard-rejected", tolerant},
        {"v311/pingreq/reserved-flags-malformed", tolerant},
        {"v5/pingreq/reserved-flags-malformed", tolerant},
        {"v5/properties/response-topic-wildcard-rejected", tolerant},
        {"v5/properties/subscription-identifier-from-client-rejected", tolerant},
        {"v5/subscription-options/no-local-on-shared-rejected", tolerant},
        {"v5/shared/empty-share-name-refused", tolerant},
        {"v5/shared/wildcard-in-share-name-refused", tolerant},
        {"v5/shared/hash-in-share-name-refused", tolerant},
        {"v5/shared/missing-topic-filter-refused", tolerant},
        {"v5/topic-alias/zero-rejected", tolerant},
        {"v5/flow-control/receive-maximum-zero-rejected", tolerant},
        {"v5/maximum-packet-size/zero-rejected", tolerant},
        {"v5/problem-information/value-2-rejected", tolerant},
        {"v5/response-information/value-2-rejected", tolerant},
        {"v311/connect/protocol-name-wrong", tolerant},
        {"v5/connect/bad-protocol-name", tolerant},
    };
    // The delivered-qos matrix (fixtures/matrices/delivered-qos.json), both versions: where the published
    // and requested QoS differ, delivering at the other one; where they are equal, at another QoS.
    const broker_faults message_qos{.delivers_at_message_qos = true}, subscription_qos{.delivers_at_subscription_qos = true};
    for (const std::string prefix : {"v311/", "v5/"}) {
        const std::pair<const char*, broker_faults> rows[] = {
            {"0-to-0", delivered_at_qos1}, {"0-to-1", subscription_qos}, {"0-to-2", subscription_qos},
            {"1-to-0", message_qos},       {"1-to-1", delivered_at_qos0}, {"1-to-2", subscription_qos},
            {"2-to-0", message_qos},       {"2-to-1", message_qos},       {"2-to-2", delivered_at_qos0}};
        for (const auto& [name, fault] : rows) p.push_back({prefix + "publish/delivered-qos-" + name, fault});
    }
    // The malformed-packet matrix: a broker that ignores what it cannot decode keeps the connection
    // open. Not the rows about framing or the first packet, which a tolerant decoder does not reach.
    for (const auto& c : all_cases(fixtures_dir())) {
        const auto& id = c.info.id;
        if (id.find("/malformed/") == std::string::npos) continue;
        if (id.find("first-packet") != std::string::npos || id.find("second-connect") != std::string::npos ||
            id.find("remaining-length-five-bytes") != std::string::npos) {
            continue;
        }
        // The SHOULD-level reason-code twin of a row: the broker refuses, but with 0x80 (Unspecified
        // error) rather than the specific code 4.13 suggests.
        const bool reason_code_row = id.size() > 12 && id.compare(id.size() - 12, 12, "/reason-code") == 0;
        if (reason_code_row && (id.find("/connect-") != std::string::npos)) continue;  // refused before CONNACK
        p.push_back({id, reason_code_row ? broker_faults{.undecodable_disconnect_reason = std::uint8_t{0x80}} : tolerant});
    }
    return p;
}

class Caught : public ::testing::TestWithParam<rule_proof> {};

TEST_P(Caught, FailsUnderItsFault) { expect_caught(GetParam().id, GetParam().fault); }

std::string test_name(const ::testing::TestParamInfo<rule_proof>& info) {
    std::string name = info.param.id;
    for (auto& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    }
    return name;
}

INSTANTIATE_TEST_SUITE_P(RuleProofs, Caught, ::testing::ValuesIn(proofs()), test_name);

}  // namespace
}  // namespace mqttspec::conformance
