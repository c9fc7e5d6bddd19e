// MQTT 3.1.1, section 3.1 CONNECT: keep alive.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "keepalive_timing.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

// ---- Keep Alive: short keep-alives, run first and concurrently (slow) ----------------------------
// What the timing bounds judge, and why load cannot flip them: keepalive_timing.hpp.

MQTTSPEC_CASE(keepalive_expiry, {
    .id = "v311/keepalive/silent-client-disconnected",
    .title = "A client silent for one and a half times its Keep Alive (1 s) is disconnected by the server, not before one Keep Alive",
    .statements = {"MQTT-3.1.2-24"},
    .slow = true,
}) {
    const auto k = keepalive::connect_timed(t, "c", {.keep_alive = 1});
    keepalive::expect_keepalive_close(t, k, {}, "MQTT-3.1.2-24");
}

MQTTSPEC_CASE(keepalive_expiry_will, {
    .id = "v311/keepalive/expiry-publishes-will",
    .title = "A client dropped for exceeding its Keep Alive has its Will Message published",
    .statements = {"MQTT-3.1.2-8", "MQTT-3.1.2-24"},
    .slow = true,
}) {
    const auto topic = t.topic("will");
    auto& sub = t.connect("sub");
    sub.subscribe(topic, 0);
    codec::will_message will;
    will.topic = topic;
    will.payload = "timed-out";
    const auto k = keepalive::connect_timed(t, "silent", {.keep_alive = 1, .will = will});
    // The punctuality of the close is v311/keepalive/silent-client-disconnected's business; this case
    // judges the Will, so it only needs the close within the same generous bound.
    keepalive::expect_keepalive_close(t, k, {}, "MQTT-3.1.2-24", false);
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", "timed-out"}});
}

MQTTSPEC_CASE(keepalive_reset_by_pingreq, {
    .id = "v311/keepalive/pingreq-keeps-connection",
    .title = "A client that sends PINGREQ within its Keep Alive (1 s) keeps its connection beyond one and a half times the Keep Alive",
    .statements = {"MQTT-3.1.2-24", "MQTT-3.12.4-1"},
    .slow = true,
}) {
    const auto k = keepalive::connect_timed(t, "c", {.keep_alive = 1});
    // Six PINGREQs half a Keep Alive apart carry the connection over three Keep Alives, twice the
    // 1.5 x after which a broker that ignored them would close it.
    keepalive::keep_alive_with_pings(t, k, 6, "MQTT-3.1.2-24");
}

}  // namespace
}  // namespace mqttspec::conformance
