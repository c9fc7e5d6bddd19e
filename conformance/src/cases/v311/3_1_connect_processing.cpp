// 3.1.1 section 3.1 CONNECT: what the server does with a CONNECT once it has read it (3.1.2.5 Will
// Flag, 3.1.3.1 Client Identifier, 3.1.4 Response).
#include <cctype>
#include <string>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "invalid_connect_support.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(no_will_without_will_flag, {
    .id = "v311/will/not-published-without-will-flag",
    .title = "A connection whose CONNECT has Will Flag 0 publishes no Will Message when it ends abnormally, "
             "not even the Will of an earlier connection of the same session",
    .statements = {"MQTT-3.1.2-12"},
}) {
    const auto topic = t.topic("will");
    const auto id = t.client_id("x");
    t.session_kept(id);
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 0);
    // The session's first connection carries a Will and ends without DISCONNECT: its Will is published
    // (3.1.2-8), and its arrival shows the broker is done with that connection.
    codec::will_message will;
    will.topic = topic;
    will.payload = "first-connection-will";
    auto& first = t.connect("first", {.client_id = id, .clean_start = false, .will = will});
    first.close();
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "first-connection-will"}});
    // The second connection resumes the session with Will Flag 0 and also ends without DISCONNECT.
    auto& second = t.connect("second", {.client_id = id, .clean_start = false});
    second.close();
    // A third connection with the Client Identifier completes only once the broker has finished with
    // the second (noticed its end, or taken it over): a Will published for it is queued for `sub`
    // before this CONNACK, hence before the marker.
    t.connect("third", {.client_id = id});
    expect_no_delivery_unordered_marker(sub, sub, topic, 0, pattern(json{{"type", "PUBLISH"}, {"topic", topic}}));
}

// The Client Identifier with every letter's case inverted: another identifier (3.1.3.1 compares
// UTF-8 strings, not case-folded names) made of the same characters.
std::string case_inverted(std::string id) {
    for (auto& ch : id) {
        const auto u = static_cast<unsigned char>(ch);
        if (std::islower(u)) ch = static_cast<char>(std::toupper(u));
        else if (std::isupper(u)) ch = static_cast<char>(std::tolower(u));
    }
    return id;
}

MQTTSPEC_CASE(session_keyed_by_client_id, {
    .id = "v311/session/keyed-by-exact-client-id",
    .title = "The server finds a session by its exact Client Identifier: an identifier differing only in letter case "
             "gets no session, the owner resumes its own with the messages queued for it",
    .statements = {"MQTT-3.1.3-2"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("t");
    const auto owner_id = t.client_id("owner");
    const auto other_id = case_inverted(owner_id);
    t.check(other_id != owner_id, "the generated Client Identifier has no letters", "letters", owner_id);
    t.session_kept(owner_id);
    t.session_kept(other_id);
    auto& owner = t.connect("owner", {.client_id = owner_id, .clean_start = false});
    owner.subscribe(topic, 1);
    owner.disconnect();
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, topic, "queued-for-owner");

    const auto other = helpers::connect_connack_first(t, "other", {.client_id = other_id, .clean_start = false});
    t.check(!helpers::session_present(other.connack), "a Client Identifier differing only in letter case was given another client's session",
            "Session Present 0 for " + other_id, other.connack.as_json.dump(), "MQTT-3.1.3-2");
    other.c.barrier();
    other.c.expect_none({{"type", "PUBLISH"}, {"topic", topic}});
    other.c.disconnect();

    const auto back = helpers::connect_connack_first(t, "owner-again", {.client_id = owner_id, .clean_start = false});
    t.check(helpers::session_present(back.connack), "the owner's Client Identifier did not find its session",
            "Session Present 1 for " + owner_id, back.connack.as_json.dump(), "MQTT-3.1.3-2");
    back.c.acknowledge(helpers::expect_publish(back.c, topic, "queued-for-owner", {{"qos", 1}}));
}

// Sends CONNECT with `client_id` on a new connection `name`: the server either accepts it (return
// code 0) or rejects the identifier with return code 2 and closes the connection (MQTT-3.1.3-9).
void accepted_or_rejected_with_2(case_context& t, const std::string& name, const std::string& client_id) {
    auto& c = t.open(name);
    c.send(t.make_connect(name, {.client_id = client_id}));
    const std::string expected = "CONNACK return code 0, or return code 2 then close";
    const auto e = c.next_event(c.default_deadline());
    if (e.kind == event_kind::malformed) c.expect_well_formed();
    if (e.kind == event_kind::closed) t.fail("the broker closed the connection without CONNACK", expected, "closed: " + e.detail, "MQTT-3.1.3-9");
    if (e.kind == event_kind::timeout) t.fail("no CONNACK arrived", expected, "nothing", "MQTT-3.1.3-9");
    const auto& packet = *e.packet;
    t.check(packet.type() == codec::packet_type::connack, "the first packet from the broker is not a CONNACK", expected,
            packet.as_json.dump(), "MQTT-3.1.3-9");
    const auto code = packet.as<codec::connack_packet>().reason_code;
    if (code == 0) {
        t.note(name + ": the broker accepted the identifier");
        c.disconnect();
        return;
    }
    t.check(code == 0x02, "the broker refused a CONNECT whose only unusual field is the Client Identifier with a code other than 2",
            expected, packet.as_json.dump(), "MQTT-3.1.3-9");
    c.expect_closed();
}

MQTTSPEC_CASE(client_id_rejected_with_2, {
    .id = "v311/connect/client-id-rejected-with-code-2",
    .title = "A Client Identifier the server may reject (longer than 23 bytes, characters outside 0-9a-zA-Z, zero-length "
             "with Clean Session 1) is either accepted or refused with CONNACK return code 2, then the connection is closed",
    .statements = {"MQTT-3.1.3-9"},
}) {
    // 3.1.3.1: the server MAY allow each of these (MQTT-3.1.3-6, 3.1.3.1 non-normative); it rejects none
    // of them for any reason but the identifier.
    accepted_or_rejected_with_2(t, "long", t.client_id("long") + "-" + std::string(256, 'k'));
    accepted_or_rejected_with_2(t, "punctuation", t.client_id("punct") + " /+#:é");
    accepted_or_rejected_with_2(t, "empty", "");
}

MQTTSPEC_CASE(clean_session_after_validation, {
    .id = "v311/connect/clean-session-after-validation",
    .title = "Only a CONNECT that passes validation has its Clean Session processed: an invalid one with Clean Session 1 "
             "leaves the stored session intact, a valid one discards it",
    .statements = {"MQTT-3.1.4-3", "MQTT-3.1.2-3"},
    .needs = {requirement::qos1},
}) {
    const auto topic = t.topic("t");
    const auto id = t.client_id("x");
    t.session_kept(id);
    auto& first = t.connect("first", {.client_id = id, .clean_start = false});
    first.subscribe(topic, 1);
    first.disconnect();
    auto& pub = t.connect("pub");
    helpers::publish_qos1_acked(pub, topic, "while-away");

    // Clean Session 1 with the reserved flag set: validation fails (MQTT-3.1.2-3), so 3.1.4 never
    // reaches its CleanSession step.
    auto& invalid = t.open("invalid");
    invalid.send_raw(invalid_connect::encode_with(t.make_connect("invalid", {.client_id = id}), t.version(),
                                                  invalid_connect::flaw::reserved_flag));
    expect_connect_rejected(invalid, {.return_codes = {}, .close_without_connack_allowed = true, .statement = "MQTT-3.1.2-3"});

    const auto resumed = helpers::connect_connack_first(t, "resumed", {.client_id = id, .clean_start = false});
    t.check(helpers::session_present(resumed.connack), "the session was discarded by a CONNECT that failed validation",
            "Session Present 1", resumed.connack.as_json.dump(), "MQTT-3.1.4-3");
    resumed.c.acknowledge(helpers::expect_publish(resumed.c, topic, "while-away", {{"qos", 1}}));
    resumed.c.disconnect();

    // A valid CONNECT with Clean Session 1 discards the session (3.1.2.4), and its own ends with it.
    const auto clean = helpers::connect_connack_first(t, "clean", {.client_id = id});
    t.check(!helpers::session_present(clean.connack), "Clean Session 1 resumed the stored session", "Session Present 0",
            clean.connack.as_json.dump(), "MQTT-3.1.4-3");
    clean.c.disconnect();
    const auto after = helpers::connect_connack_first(t, "after", {.client_id = id, .clean_start = false});
    t.check(!helpers::session_present(after.connack), "a session survived a valid CONNECT with Clean Session 1",
            "Session Present 0", after.connack.as_json.dump(), "MQTT-3.1.4-3");
}

}  // namespace
}  // namespace mqttspec::conformance
