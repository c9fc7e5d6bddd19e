// MQTT 5.0, section 3.2 CONNACK: connack.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(connack_first, {
    .id = "v5/connack/sent-before-other-packets",
    .title = "Packets the client sends right after CONNECT are answered only after the CONNACK, and there is one CONNACK",
    .statements = {"MQTT-3.2.0-1", "MQTT-3.2.0-2", "MQTT-3.8.4-1"},
}) {
    auto& c = t.open("c");
    // 3.1.4: clients may send packets before the CONNACK arrives; the server answers them after it.
    c.send(t.make_connect("c", {}));
    const auto topic = t.topic("a");
    codec::subscribe_packet s;
    s.packet_id = 1;
    s.subscriptions.push_back({.filter = topic});
    c.send(s);
    c.send(codec::pingreq_packet{});
    c.expect_next({{"type", "CONNACK"}, {"reason_code", 0}});
    c.expect({{"type", "SUBACK"}, {"packet_id", 1}});
    c.expect({{"type", "PINGRESP"}});
    c.expect_none({{"type", "CONNACK"}});
}

MQTTSPEC_CASE(connack_flags, {
    .id = "v5/connack/acknowledge-flags-reserved-zero",
    .title = "CONNACK bits 7-1 of the Connect Acknowledge Flags are 0 and the reason code is a defined Connect Reason Code",
    .statements = {"MQTT-3.2.2-1", "MQTT-3.2.2-8", "MQTT-2.2.2-1"},
}) {
    // The codec judges: the client decodes every CONNACK strictly, so t.connect fails the case with
    // the codec's error and statement - MQTT-3.2.2-1 (reserved flags set), MQTT-3.2.2-8 (a reason code
    // that is no Connect Reason Code), MQTT-2.2.2-1 (no Property Length) - before any check here could
    // run. This case lists those statements so the failure is attributed to them.
    t.connect("c");
}

MQTTSPEC_CASE(session_present_new, {
    .id = "v5/connack/session-present-0-without-session",
    .title = "Clean Start 0 with no existing session is accepted with Session Present 0 (a new session is created)",
    .statements = {"MQTT-3.2.2-3", "MQTT-3.1.2-6"},
}) {
    connect_options o;
    o.clean_start = false;
    o.session_expiry = 60;
    t.connect("c", o);
    t.check(!t.connack("c").as<codec::connack_packet>().session_present,
            "Session Present is 1 although the broker has no session for this new Client Identifier",
            "session_present false", t.connack("c").as_json.dump(), "MQTT-3.2.2-3");
}

MQTTSPEC_CASE(session_present_resumed, {
    .id = "v5/connack/session-present-1-with-session",
    .title = "Clean Start 0 for a Client Identifier whose session was kept is accepted with Session Present 1",
    .statements = {"MQTT-3.2.2-3", "MQTT-3.1.2-5", "MQTT-3.1.2-23"},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& first = t.connect("first", o);
    first.subscribe(t.topic("a"), 1);  // session state worth keeping
    disconnect_and_await_close(t, first);
    o.clean_start = false;
    o.client_id = t.client_id("first");
    t.connect("again", o);
    t.check(t.connack("again").as<codec::connack_packet>().session_present,
            "Session Present is 0 although the session (Session Expiry Interval 60) was kept",
            "session_present true", t.connack("again").as_json.dump(), "MQTT-3.2.2-3");
}

MQTTSPEC_CASE(session_present_zero_on_refusal, {
    .id = "v5/connack/session-present-0-on-refusal",
    .title = "A CONNACK refusing a Clean Start 0 connection to an existing session has Session Present 0",
    .statements = {"MQTT-3.2.2-6"},
}) {
    connect_options o;
    o.session_expiry = 60;
    auto& first = t.connect("first", o);
    t.session_kept(t.client_id("first"));
    first.subscribe(t.topic("a"), 1);  // session state worth keeping
    disconnect_and_await_close(t, first);
    // The same session, resumed with an Authentication Method the broker does not know: 4.12 lets it
    // refuse (0x8C Bad authentication method, or another code >= 0x80) or close without CONNACK.
    o.clean_start = false;
    o.client_id = t.client_id("first");
    o.properties.push_back({codec::property_id::authentication_method, 0, "mqttspec-no-such-method", {}});
    auto& again = t.open("again");
    again.send(t.make_connect("again", o));
    const auto first_event = again.next_event(again.default_deadline());
    if (first_event.kind == event_kind::packet && first_event.packet->type() == codec::packet_type::connack &&
        first_event.packet->as<codec::connack_packet>().reason_code == 0) {
        t.skip("the broker accepted the unknown Authentication Method, so no refusal could be provoked");
    }
    // The codec judges Session Present: a refusal with Session Present 1 does not decode (MQTT-3.2.2-6),
    // and the case fails with that statement.
    if (first_event.kind == event_kind::malformed) again.expect_well_formed();
    if (first_event.kind == event_kind::timeout) {
        t.fail("the broker neither answered nor closed the connection", "CONNACK >= 0x80 then close, or close", "nothing");
    }
    if (first_event.kind == event_kind::packet) {
        const pattern refusal({{"type", "CONNACK"}, {"session_present", false}, {"reason_code", {{"at_least", 0x80}}}});
        t.check(refusal.matches(first_event.packet->as_json), "the broker answered the refused CONNECT wrongly",
                refusal.str(), first_event.packet->as_json.dump(), "MQTT-3.2.2-6");
    }
}

}  // namespace
}  // namespace mqttspec::conformance
