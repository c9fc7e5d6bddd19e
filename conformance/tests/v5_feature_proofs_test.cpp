// 5.0 authentication, takeover and Subscription Identifier cases, and the v5-core flows: each fails
// against a mini broker with one fault that breaks its rule, and passes against the honest one.
#include <gtest/gtest.h>

#include <algorithm>

#include "mini_broker.hpp"

namespace mqttspec::conformance {
namespace {

using namespace testing;

bool is_identifier(const codec::property& p) { return p.id == property_id::subscription_identifier; }

// ---- v5/auth ------------------------------------------------------------------------------------

TEST(V5AuthProofs, UnsupportedMethodAccepted) {
    expect_caught("v5/auth/unsupported-method-rejected", {.ignore_authentication_method = true});
}

TEST(V5AuthProofs, MethodInConnackUnasked) {
    expect_caught("v5/auth/no-method-in-connack-without-client-method",
                  {.before_send = faults::edit<codec::connack_packet>([](codec::connack_packet& c) {
                       c.properties.push_back({.id = property_id::authentication_method, .data = "SCRAM-SHA-1"});
                   })});
}

TEST(V5AuthProofs, AuthWithoutMethodIgnored) {
    expect_caught("v5/auth/auth-without-method-rejected",
                  {.on_receive = [](const codec::packet& p) { return codec::type_of(p) != packet_type::auth; }});
}

TEST(V5AuthProofs, DataWithoutMethodAccepted) {
    expect_caught("v5/auth/data-without-method-rejected", {.tolerate_undecodable = true});
}

// ---- v5/takeover --------------------------------------------------------------------------------

TEST(V5TakeoverProofs, ExistingConnectionLeftOpen) {
    expect_caught("v5/takeover/existing-connection-closed", {.keep_taken_over_connection = true});
}

TEST(V5TakeoverProofs, SessionPresentZeroOnTakeover) {
    expect_caught("v5/takeover/session-continues", {.before_send = faults::edit<codec::connack_packet>([](codec::connack_packet& c) {
                                                        c.session_present = false;
                                                    })});
}

// ---- v5/subscription-identifier -----------------------------------------------------------------

const broker_faults drops_identifiers{.before_send = faults::edit<codec::publish_packet>([](codec::publish_packet& p) {
    std::erase_if(p.properties, is_identifier);
})};

TEST(V5SubscriptionIdentifierProofs, IdentifiersDropped) {
    for (const char* id : {"v5/subscription-identifier/delivered-with-message", "v5/subscription-identifier/overlapping-subscriptions",
                           "v5/subscription-identifier/overlapping-one-without-identifier",
                           "v5/subscription-identifier/retained-message-carries-identifier"}) {
        expect_caught(id, drops_identifiers);
    }
}

TEST(V5SubscriptionIdentifierProofs, IdentifierInvented) {
    expect_caught("v5/subscription-identifier/absent-without-identifier",
                  {.before_send = faults::edit<codec::publish_packet>([](codec::publish_packet& p) {
                       if (std::none_of(p.properties.begin(), p.properties.end(), is_identifier)) {
                           p.properties.push_back({.id = property_id::subscription_identifier, .integer = 1});
                       }
                   })});
}

TEST(V5SubscriptionIdentifierProofs, OnlyFirstIdentifierOfOverlappingSubscriptions) {
    expect_caught("v5/subscription-identifier/overlapping-subscriptions",
                  {.before_send = faults::edit<codec::publish_packet>([](codec::publish_packet& p) {
                       bool first = true;
                       std::erase_if(p.properties, [&first](const codec::property& x) {
                           if (!is_identifier(x)) return false;
                           return !std::exchange(first, false);
                       });
                   })});
}

TEST(V5SubscriptionIdentifierProofs, ResubscribeKeepsOldIdentifier) {
    for (const char* id : {"v5/subscription-identifier/replaced-by-resubscribe", "v5/subscription-identifier/removed-by-resubscribe-without"}) {
        expect_caught(id, {.resubscribe_keeps_old_options = true});
    }
}

TEST(V5SubscriptionIdentifierProofs, IdentifierZeroAccepted) {
    expect_caught("v5/subscription-identifier/zero-rejected", {.tolerate_undecodable = true});
}

// ---- fixtures/flows/v5-core.json ----------------------------------------------------------------

TEST(V5CoreFlowProofs, PingreqUnanswered) {
    for (const char* id : {"v5/pingreq/pingresp", "v5/pingreq/answered-between-publishes"}) {
        expect_caught(id, {.before_send = faults::drop(packet_type::pingresp)});
    }
}

TEST(V5CoreFlowProofs, UnsubackShortOfAReasonCode) {
    expect_caught("v5/unsubscribe/unsuback-when-nothing-removed-multiple",
                  {.before_send = faults::edit<codec::unsuback_packet>([](codec::unsuback_packet& u) {
                       u.reason_codes.resize(1);  // one code for two filters (0x00 instead of 0x11 is allowed)
                   })});
}

TEST(V5CoreFlowProofs, Qos0MessageNotDelivered) {
    expect_caught("v5/publish/qos0-to-qos0-subscriber-not-acknowledged",
                  {.matches = [](std::string_view, std::string_view) { return false; }});
}

}  // namespace
}  // namespace mqttspec::conformance
