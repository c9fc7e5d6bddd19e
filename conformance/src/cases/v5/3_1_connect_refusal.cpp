// 5.0 CONNECT refused by the server's own checks (3.1.3.1 Client Identifier, 3.1.4 credentials):
// whatever CONNACK it sends first, it closes the connection.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {
namespace {

// Client Identifiers a server may refuse (3.1.3.1 lets it restrict them): zero-length (it MAY
// accept it, then assigns one), longer than the 23 characters every server must take (3.1.3-5), and
// with characters outside 0-9a-zA-Z.
struct candidate {
    std::string why;
    std::string client_id;
};

MQTTSPEC_CASE(rejected_client_id_closed, {
    .id = "v5/connect/rejected-client-id-closed",
    .title = "A CONNECT whose Client Identifier the server rejects gets at most a CONNACK >= 0x80 (0x85 Client Identifier not valid) and the connection is closed",
    .statements = {"MQTT-3.1.3-8"},
}) {
    std::vector<candidate> candidates{{"zero-length", ""},
                                      {"256 characters", t.client_id("long") + std::string(256, 'x')},
                                      {"with '/', '#', '+' and a space", t.client_id("odd") + "/#+ x"}};
    std::string accepted;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
        const auto& [why, client_id] = candidates[i];
        const auto announced = t.caps().maximum_packet_size;
        if (announced && client_id.size() + 64 > *announced) continue;  // never send more than the broker takes
        const auto name = "c" + std::to_string(i);
        auto& c = t.open(name);
        connect_options o;
        o.client_id = client_id;
        c.send(t.make_connect(name, o));
        const auto until = c.default_deadline();
        auto e = c.next_event(until);
        if (e.kind == event_kind::malformed) c.expect_well_formed();
        if (e.kind == event_kind::timeout) {
            t.fail("the broker neither answered the CONNECT nor closed the connection", "CONNACK, or a close",
                   "nothing", "MQTT-3.1.3-8");
        }
        if (e.kind == event_kind::closed) {
            t.note("client identifier " + why + ": refused by closing the connection");
            return;
        }
        const auto& p = *e.packet;
        const auto* ack = std::get_if<codec::connack_packet>(&p.packet);
        if (ack == nullptr) t.fail("the broker answered a CONNECT with another packet", "CONNACK", p.as_json.dump(), "MQTT-3.1.3-8");
        if (ack->reason_code < 0x80) {
            accepted += (accepted.empty() ? "" : ", ") + why;
            c.disconnect();
            continue;
        }
        // 3.1.3.1: "it MAY respond ... with a CONNACK using Reason Code 0x85 ... and then it MUST close
        // the Network Connection"; 3.2.2.2 lets a refusal use another code >= 0x80.
        t.note("client identifier " + why + ": refused with CONNACK " + std::to_string(ack->reason_code));
        c.expect_closed();
        return;
    }
    t.skip("the broker accepted every Client Identifier offered (" + accepted + "), so it rejected none to judge");
}

MQTTSPEC_CASE(rejected_credentials_closed, {
    .id = "v5/connect/bad-credentials-refused",
    .title = "A CONNECT whose credentials the server rejects gets at most a CONNACK >= 0x80 and the connection is closed",
    .statements = {"MQTT-3.1.4-2"},
    .needs = {requirement::rejected_credentials},
}) {
    auto& c = t.open("c");
    c.send(t.make_connect("c", {.username = t.prof().rejected_username, .password = t.prof().rejected_password}));
    // 3.1.4: a failed authentication check means closing; the CONNACK before it (0x86 Bad User Name or
    // Password, 0x87 Not authorized, 0x8C, ...) is optional (3.2.2.2, 4.13).
    expect_connect_rejected(c, {.reasons = {}, .close_without_connack_allowed = true, .statement = "MQTT-3.1.4-2"});
}

}  // namespace
}  // namespace mqttspec::conformance
