// Absence and copy-count proofs (verifiers.hpp: ordered markers), overlapping subscriptions, and the
// cases whose checks the strict decoder judges: each shown to fail against a fake peer that breaks the
// rule, and to pass against one that keeps it.
#include <gtest/gtest.h>

#include <atomic>

#include "fake_broker.hpp"
#include "fake_router.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

using testing::fake_broker;
using testing::fake_router;
using testing::fake_session;
using testing::router_faults;
using testing::run_case_against;

struct routed {
    fake_router router;
    fake_broker broker;
    explicit routed(router_faults faults = {})
        : router(std::move(faults)), broker([this](fake_session& s) { router.serve(s); }) {}
};

case_result run_routed(const std::string& id, router_faults faults = {}, const profile& prof = {}) {
    routed r(std::move(faults));
    return run_case_against(r.broker, id, prof);
}

// ---- the verifiers themselves --------------------------------------------------------------------

struct two_clients {
    boost::asio::io_context io;
    std::unique_ptr<client> pub, sub;
    explicit two_clients(const fake_broker& broker) {
        for (auto* c : {&pub, &sub}) {
            *c = std::make_unique<client>(io, broker.where(), client_options{.name = c == &pub ? "pub" : "sub",
                                                                              .timeout = std::chrono::milliseconds(700)},
                                          nullptr);
            (*c)->open();
            (*c)->handshake(codec::connect_packet{.protocol_level = 5, .client_id = c == &pub ? "pub" : "sub"});
        }
    }
};

TEST(OrderedMarker, NoDeliveryCatchesACopyArrivingAfterTheMarker) {
    routed r({.duplicate_late = "once"});
    two_clients c(r.broker);
    c.sub->subscribe("t", 1);
    const auto id = c.pub->publish("t", "once", 1);
    c.pub->expect({{"type", "PUBACK"}, {"packet_id", id}});
    c.sub->acknowledge(c.sub->expect({{"type", "PUBLISH"}, {"payload", "once"}}));
    // The duplicate comes only after the next message: the marker. A PINGREQ round trip alone would miss it.
    EXPECT_THROW(expect_no_delivery(*c.pub, *c.sub, "t", 1, pattern({{"type", "PUBLISH"}, {"payload", "once"}})),
                 case_failure);
}

TEST(OrderedMarker, NoDeliveryPassesAndConsumesTheMarker) {
    routed r;
    two_clients c(r.broker);
    c.sub->subscribe("t", 2);
    EXPECT_NO_THROW(expect_no_delivery(*c.pub, *c.sub, "t", 2, pattern({{"type", "PUBLISH"}, {"payload", "never"}})));
    // The marker went on the same topic at the same QoS, and was taken and acknowledged.
    EXPECT_TRUE(c.sub->take_all({{"type", "PUBLISH"}}).empty());
}

TEST(OrderedMarker, CopiesCountsALateDuplicate) {
    routed r({.duplicate_late = "m"});
    two_clients c(r.broker);
    c.sub->subscribe("t", 1);
    c.pub->publish("t", "m", 1);
    EXPECT_THROW(expect_copies(*c.pub, *c.sub, "t", 1, pattern({{"type", "PUBLISH"}, {"payload", "m"}}), 1, 1),
                 case_failure);
}

TEST(OrderedMarker, CopiesWaitsForOneMarkerPerCopy) {
    // Two overlapping subscriptions: the router sends one copy (at the higher QoS); one marker suffices.
    routed r;
    two_clients c(r.broker);
    c.sub->subscribe("a/+", 0);
    c.sub->subscribe("a/b", 1);
    c.pub->publish("a/b", "m", 1);
    EXPECT_EQ(expect_copies(*c.pub, *c.sub, "a/b", 1, pattern({{"type", "PUBLISH"}, {"payload", "m"}}), 1, 2).size(), 1u);
}

TEST(UnorderedMarker, CatchesALateDeliveryOnAnotherTopic) {
    routed r({.deliver_late_everywhere = "gone"});
    two_clients c(r.broker);
    c.sub->subscribe("kept", 0);
    c.pub->publish("gone", "gone", 0);
    EXPECT_THROW(expect_no_delivery_unordered_marker(*c.pub, *c.sub, "kept", 0, pattern({{"payload", "gone"}})),
                 case_failure);
}

// ---- cases proving absence with a marker ------------------------------------------------------------

TEST(AbsenceCases, Qos2SubscriberFlowFailsOnALateSecondCopy) {
    EXPECT_EQ(run_routed("v5/qos2/subscriber-flow").result, verdict::passed);
    const auto r = run_routed("v5/qos2/subscriber-flow", {.duplicate_late = "exactly-once"});
    EXPECT_EQ(r.result, verdict::failed) << r.message;
}

TEST(AbsenceCases, Qos2DuplicateBeforePubrelFailsOnALateSecondCopy) {
    EXPECT_EQ(run_routed("v5/qos2/duplicate-before-pubrel-delivered-once").result, verdict::passed);
    EXPECT_EQ(run_routed("v5/qos2/duplicate-before-pubrel-delivered-once", {.duplicate_late = "once"}).result,
              verdict::failed);
    EXPECT_EQ(run_routed("v311/qos2/duplicate-before-pubrel-delivered-once").result, verdict::passed);
    EXPECT_EQ(run_routed("v311/qos2/duplicate-before-pubrel-delivered-once", {.duplicate_late = "once"}).result,
              verdict::failed);
}

TEST(AbsenceCases, UnsubscribeFailsOnALateDelivery) {
    EXPECT_EQ(run_routed("v5/unsubscribe/delivery-stops").result, verdict::passed);
    EXPECT_EQ(run_routed("v5/unsubscribe/delivery-stops", {.deliver_late_everywhere = "after-unsubscribe"}).result,
              verdict::failed);
    EXPECT_EQ(run_routed("v311/unsubscribe/stops-delivery").result, verdict::passed);
    EXPECT_EQ(run_routed("v311/unsubscribe/stops-delivery", {.deliver_late_everywhere = "after"}).result,
              verdict::failed);
}

TEST(AbsenceCases, IdenticalFilterReplacesFailsOnALateDuplicate) {
    EXPECT_EQ(run_routed("v5/subscribe/identical-filter-replaces").result, verdict::passed);
    EXPECT_EQ(run_routed("v5/subscribe/identical-filter-replaces", {.duplicate_late = "after-replace"}).result,
              verdict::failed);
}

TEST(AbsenceCases, NoLocalFailsOnALateOwnMessage) {
    EXPECT_EQ(run_routed("v5/subscription-options/no-local").result, verdict::failed);  // the router ignores No Local
}

// ---- v311/publish/unauthorised ----------------------------------------------------------------------

TEST(Unauthorised, ChecksNonDelivery) {
    profile prof;
    prof.denied_topic = "denied/topic";
    // The router forwards the PUBLISH it acknowledged: delivered although unauthorised.
    const auto delivered = run_routed("v311/publish/unauthorised", {}, prof);
    EXPECT_EQ(delivered.result, verdict::failed) << delivered.message;
    // An ACL that acknowledges and drops it passes.
    const auto dropped = run_routed("v311/publish/unauthorised", {.denied_topic = "denied/topic"}, prof);
    EXPECT_EQ(dropped.result, verdict::passed) << dropped.message;
    // Without a denied topic in the profile the case is skipped.
    EXPECT_EQ(run_routed("v311/publish/unauthorised").result, verdict::skipped);
}

// ---- overlapping subscriptions ----------------------------------------------------------------------

TEST(Overlapping, EveryRowPassesOnAConformingBroker) {
    for (const char* id : {"v311/publish/overlapping-subscriptions-max-qos",
                           "v311/publish/overlapping-subscriptions-max-qos/plus-higher-exact-lower",
                           "v5/publish/overlapping-subscriptions-max-qos/exact-higher-plus-lower",
                           "v5/publish/overlapping-subscriptions-max-qos/hash-higher-plus-lower"}) {
        const auto r = run_routed(id);
        EXPECT_EQ(r.result, verdict::passed) << id << ": " << r.message;
    }
}

TEST(Overlapping, FirstSubscriptionOnlyFailsTheRowsThatSubscribeTheLowerFirst) {
    const router_faults first_only{.first_subscription_only = true};
    for (const char* row : {"exact-higher-plus-lower", "hash-higher-exact-lower", "plus-higher-hash-lower"}) {
        for (const std::string prefix : {"v311/publish/overlapping-subscriptions-max-qos/", "v5/publish/overlapping-subscriptions-max-qos/"}) {
            const auto id = prefix + row;
            if (id == "v311/publish/overlapping-subscriptions-max-qos/exact-higher-plus-lower") continue;  // row 0: the old ID
            const auto r = run_routed(id, first_only);
            EXPECT_EQ(r.result, verdict::failed) << id << ": " << r.message;
        }
    }
    EXPECT_EQ(run_routed("v311/publish/overlapping-subscriptions-max-qos", first_only).result, verdict::failed);
}

// ---- UNSUBACK reason codes (MQTT-3.11.3-2: any defined code; 0x11 at SHOULD level) ---------------

case_result unsuback_with(const std::string& id, const std::string& code_hex) {
    fake_broker broker([code_hex](fake_session& s) {
        s.accept_connect();
        const auto unsubscribe = s.read_packet();
        s.send_hex("b0 04 " + codec::to_hex(std::vector<std::uint8_t>{unsubscribe[2], unsubscribe[3]}) + " 00 " + code_hex);
        s.wait_for_close();
    });
    return run_case_against(broker, id);
}

TEST(UnsubackReason, AnyDefinedCodeIsConformingAndExactlyOx11IsAShould) {
    EXPECT_EQ(unsuback_with("v5/unsubscribe/no-subscription-existed", "11").result, verdict::passed);
    EXPECT_EQ(unsuback_with("v5/unsubscribe/no-subscription-existed", "80").result, verdict::passed);
    EXPECT_EQ(unsuback_with("v5/unsubscribe/no-subscription-existed-reason-code", "80").result, verdict::non_strict);
    EXPECT_EQ(unsuback_with("v5/unsubscribe/no-subscription-existed-reason-code", "11").result, verdict::passed);
}

TEST(UnsubackReason, AnUndefinedCodeFails) {
    // 0x05 is no Unsubscribe Reason Code; the strict decoder judges it (or the case does), either way failed.
    EXPECT_EQ(unsuback_with("v5/unsubscribe/no-subscription-existed", "05").result, verdict::failed);
}

case_result unsuback_order_with(const std::string& codes_hex) {
    fake_broker broker([codes_hex](fake_session& s) {
        s.accept_connect();
        for (int i = 0; i < 2; ++i) {
            const auto subscribe = s.read_packet();
            s.send_hex("90 04 " + codec::to_hex(std::vector<std::uint8_t>{subscribe[2], subscribe[3]}) + " 00 00");
        }
        const auto unsubscribe = s.read_packet();
        s.send_hex("b0 07 " + codec::to_hex(std::vector<std::uint8_t>{unsubscribe[2], unsubscribe[3]}) + " 00 " + codes_hex);
        s.wait_for_close();
    });
    return run_case_against(broker, "v5/unsubscribe/reason-codes-in-order");
}

TEST(UnsubackReason, OrderIsJudgedByTheExistingSubscriptionsPositions) {
    EXPECT_EQ(unsuback_order_with("00 11 00 11").result, verdict::passed);
    EXPECT_EQ(unsuback_order_with("00 80 00 80").result, verdict::passed);   // another defined code for the missing ones
    EXPECT_EQ(unsuback_order_with("11 00 11 00").result, verdict::failed);   // swapped
    EXPECT_EQ(unsuback_order_with("00 00 00 00").result, verdict::skipped);  // order cannot be told
}

TEST(RoutedSanity, ChangedCasesPassOnAConformingRouter) {
    for (const char* id : {"v5/qos1/forwarding-order", "v5/qos1/puback-order", "v5/qos1/outgoing-packet-ids-distinct",
                           "v5/qos2/forwarding-order", "v311/publish/ordering-qos1", "v311/publish/ordering-qos2",
                           "v311/publish/puback-order", "v311/publish/pubrec-order", "v311/publish/server-packet-ids-unused",
                           "v5/unsubscribe/filter-compared-exactly", "v311/unsubscribe/multiple-filters-one-unsuback"}) {
        const auto r = run_routed(id);
        EXPECT_EQ(r.result, verdict::passed) << id << ": " << r.message;
    }
}

// ---- checks the decoder judges --------------------------------------------------------------------

TEST(DecoderJudged, ServerDisconnectWithSessionExpiryFailsWithTheCasesStatement) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        if (s.index() == 0) {
            // DISCONNECT 0x8E (Session taken over) with Session Expiry Interval 60: forbidden to a server.
            s.send_hex("e0 07 8e 05 11 00 00 00 3c");
            s.close();
            return;
        }
        s.wait_for_close();
    });
    const auto r = run_case_against(broker, "v5/session-expiry/not-in-server-disconnect");
    EXPECT_EQ(r.result, verdict::failed) << r.message;
    EXPECT_EQ(r.statement, "MQTT-3.14.2-2");
}

case_result connack_flags_with(const std::string& connack_hex) {
    fake_broker broker([connack_hex](fake_session& s) {
        s.expect_connect();
        s.send_hex(connack_hex);
        s.wait_for_close();
    });
    return run_case_against(broker, "v5/connack/acknowledge-flags-reserved-zero");
}

TEST(DecoderJudged, ConnackFlagsFailWithTheCodecsStatement) {
    EXPECT_EQ(connack_flags_with("20 03 00 00 00").result, verdict::passed);
    const auto reserved = connack_flags_with("20 03 02 00 00");
    EXPECT_EQ(reserved.result, verdict::failed);
    EXPECT_EQ(reserved.statement, "MQTT-3.2.2-1");
    const auto undefined = connack_flags_with("20 03 00 05 00");
    EXPECT_EQ(undefined.result, verdict::failed);
    EXPECT_EQ(undefined.statement, "MQTT-3.2.2-8");
}

case_result refusal_with(const std::string& connack_hex) {
    fake_broker broker([connack_hex](fake_session& s) {
        if (s.index() == 0) {
            s.accept_connect();
            const auto subscribe = s.read_packet();
            s.send_hex("90 04 " + codec::to_hex(std::vector<std::uint8_t>{subscribe[2], subscribe[3]}) + " 00 01");
            s.read_packet();  // DISCONNECT
            s.close();
            return;
        }
        if (s.index() == 1) {
            s.expect_connect();
            s.send_hex(connack_hex);
            s.close();
            return;
        }
        s.accept_connect();  // the cleanup ending the session
        s.wait_for_close();
    });
    return run_case_against(broker, "v5/connack/session-present-0-on-refusal");
}

TEST(DecoderJudged, SessionPresentOnARefusalFailsWithTheCasesStatement) {
    EXPECT_EQ(refusal_with("20 03 00 8c 00").result, verdict::passed);
    const auto r = refusal_with("20 03 01 8c 00");
    EXPECT_EQ(r.result, verdict::failed) << r.message;
    EXPECT_EQ(r.statement, "MQTT-3.2.2-6");
}

// ---- never more than the broker announced ----------------------------------------------------------

// Runs `id` against a peer that never acknowledges the first PUBLISH and records what the client sends
// next: another PUBLISH means two were in flight.
bool second_publish_before_ack(const std::string& id, std::uint16_t receive_maximum) {
    std::atomic<bool> second{false};
    fake_broker broker([&second](fake_session& s) {
        s.accept_connect();
        s.read_packet();  // the first PUBLISH: no PUBACK
        second = (s.read_packet()[0] >> 4) == 3;
        s.wait_for_close();
    });
    auto env = testing::fake_environment(broker);
    env.caps[codec::protocol_version::v5].receive_maximum = receive_maximum;
    run_case(testing::find_case(id), env, 0);
    return second;
}

TEST(Announced, PubackOrderStaysWithinTheBrokersReceiveMaximum) {
    EXPECT_FALSE(second_publish_before_ack("v5/qos1/puback-order", 1));
    EXPECT_TRUE(second_publish_before_ack("v5/qos1/puback-order", 5));  // the probe sees a wider window
}

TEST(Announced, BigMessagesSkipUnderASmallBrokerMaximumPacketSize) {
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        s.wait_for_close();
    });
    auto env = testing::fake_environment(broker);
    env.caps[codec::protocol_version::v5].maximum_packet_size = 300;
    for (const char* id : {"v5/maximum-packet-size/oversized-message-not-sent", "v5/maximum-packet-size/oversized-message-treated-as-sent"}) {
        EXPECT_EQ(run_case(testing::find_case(id), env, 0).result, verdict::skipped) << id;
    }
}

}  // namespace
}  // namespace mqttspec::conformance
