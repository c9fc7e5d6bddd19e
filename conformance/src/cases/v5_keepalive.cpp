// 5.0 section 3.1.2.10 Keep Alive, enforced by the server (3.2.2.3.14 Server Keep Alive decides which
// value applies). Timing cases: short keep-alives, run first and concurrently by the runner.
#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "v5_core_support.hpp"

namespace mqttspec::conformance {
namespace {

using namespace v5core;

// The Keep Alive the server applies: its Server Keep Alive when it sent one, else the client's.
std::chrono::milliseconds keep_alive_in_force(case_context& t, std::string_view name, std::uint16_t requested) {
    const auto& connack = t.connack(name);
    const auto seconds = connack.as_json.at("properties").value("server_keep_alive", requested);
    if (seconds == 0) t.skip("the broker's Server Keep Alive of 0 switches keep-alive enforcement off");
    return std::chrono::milliseconds(1000 * seconds);
}

MQTTSPEC_CASE(idle_closed, {
    .id = "v5/keepalive/idle-connection-closed",
    .title = "A connection silent for 1.5 times its Keep Alive is closed by the server (DISCONNECT 0x8D allowed first)",
    .statements = {"MQTT-3.1.2-22", "MQTT-3.2.2-22"},
    .slow = true,
}) {
    connect_options o;
    o.keep_alive = 1;
    auto& c = t.connect("c", o);
    const auto period = keep_alive_in_force(t, "c", o.keep_alive);
    const auto start = clock::now();
    c.set_timeout(period * 3 / 2 + t.timeout());
    expect_close_maybe_disconnect(c, {codec::reason::keep_alive_timeout}, "MQTT-3.1.2-22");
    const auto after = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
    t.note("closed after " + std::to_string(after.count()) + " ms of silence (Keep Alive " +
           std::to_string(period.count()) + " ms)");
    // The client may stay silent for a whole Keep Alive period; closing before that is not enforcement.
    t.check(after >= period, "the server closed the connection before one Keep Alive period had passed",
            "closed after at least " + std::to_string(period.count()) + " ms", std::to_string(after.count()) + " ms",
            "MQTT-3.1.2-22");
}

MQTTSPEC_CASE(pingreq_keeps_open, {
    .id = "v5/keepalive/pingreq-keeps-connection-open",
    .title = "A client that sends PINGREQ within every Keep Alive period stays connected and gets a PINGRESP each time",
    .statements = {"MQTT-3.1.2-22", "MQTT-3.12.4-1"},
    .slow = true,
}) {
    connect_options o;
    o.keep_alive = 1;
    auto& c = t.connect("c", o);
    const auto period = keep_alive_in_force(t, "c", o.keep_alive);
    // Three periods, each split in two: half a period of silence, then PINGREQ/PINGRESP.
    for (int i = 0; i < 6; ++i) {
        expect_quiet_until(c, clock::now() + period / 2, "MQTT-3.1.2-22");
        c.barrier();
    }
}

}  // namespace
}  // namespace mqttspec::conformance
