// 5.0 section 3.2 CONNACK: ordering, flags, Session Present.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "v5_core_support.hpp"

namespace mqttspec::conformance {
namespace {

using namespace v5core;

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
    t.connect("c");
    const auto& connack = t.connack("c");
    // The client's strict decoder already rejects a CONNACK breaking these rules; checking the byte
    // here makes the verdict name the statement even if that changes. Layout: 20 | RL | flags | ...
    const auto& bytes = *connack.bytes;
    std::size_t header = 1;
    while ((bytes.at(header) & 0x80) != 0) ++header;
    const std::uint8_t flags = bytes.at(header + 1);
    t.check((flags & 0xFE) == 0, "CONNACK reserved acknowledge flags are not 0", "flags & 0xFE == 0",
            codec::to_hex(bytes), "MQTT-3.2.2-1");
    // MQTT-2.2.2-1: the Property Length is present even when there are no properties.
    t.check(bytes.size() >= header + 4, "CONNACK has no Property Length", "flags, reason code, property length",
            codec::to_hex(bytes), "MQTT-2.2.2-1");
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

}  // namespace
}  // namespace mqttspec::conformance
