// MQTT 5.0, section 3.1 CONNECT: keep alive.
// Timing cases: short keep-alives, run first and concurrently by the runner. What the timing bounds judge,
// and why load cannot flip them: keepalive_timing.hpp.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "keepalive_timing.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

MQTTSPEC_CASE(idle_closed, {
    .id = "v5/keepalive/idle-connection-closed",
    .title = "A connection silent for 1.5 times its Keep Alive is closed by the server (DISCONNECT 0x8D allowed first), not before one Keep Alive",
    .statements = {"MQTT-3.1.2-22", "MQTT-3.2.2-22"},
    .slow = true,
}) {
    connect_options o;
    o.keep_alive = 1;
    const auto k = keepalive::connect_timed(t, "c", o);
    keepalive::expect_keepalive_close(t, k, {codec::reason::keep_alive_timeout}, "MQTT-3.1.2-22");
}

MQTTSPEC_CASE(pingreq_keeps_open, {
    .id = "v5/keepalive/pingreq-keeps-connection-open",
    .title = "A client that sends PINGREQ within every Keep Alive period stays connected and gets a PINGRESP each time",
    .statements = {"MQTT-3.1.2-22", "MQTT-3.12.4-1"},
    .slow = true,
}) {
    connect_options o;
    o.keep_alive = 1;
    const auto k = keepalive::connect_timed(t, "c", o);
    // Six PINGREQs half a Keep Alive apart carry the connection over three Keep Alives, twice the
    // 1.5 x after which a broker that ignored them would close it.
    keepalive::keep_alive_with_pings(t, k, 6, "MQTT-3.1.2-22");
}

}  // namespace
}  // namespace mqttspec::conformance
