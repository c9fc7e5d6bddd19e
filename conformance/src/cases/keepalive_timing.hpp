// Keep-alive timing shared by the 3.1.1 and 5.0 cases (3.1.2.10 in both; MQTT-3.1.2-24 in 3.1.1,
// MQTT-3.1.2-22 in 5.0): "If the Keep Alive value is non-zero and the Server does not receive a
// Control Packet from the Client within one and a half times the Keep Alive time period, it MUST
// disconnect/close the Network Connection". The standard sets the instant (1.5 x Keep Alive of
// silence) but no tolerance after it, so what these cases judge is:
//
//   too early  the broker closed before one whole Keep Alive had passed since the CONNECT left this
//              client. The client was still within its own rule. Measured from the CONNECT send:
//              the broker cannot have started its clock before then, so load on this machine can
//              only make the close look later, never earlier.
//   too late   the connection was still open at 1.5 x Keep Alive after the CONNACK arrived (the broker
//              received the CONNECT before it sent the CONNACK, so its 1.5 x instant is no later)
//              plus a grace: 1 s for whole-second clocks, one Keep Alive for a sweep that runs once
//              per period, 10 s (or three base timeouts, if longer) for event loops that look at
//              their timers only when they wake (mosquitto 2.0.11 when idle closed 1.3-6.6 s after
//              the CONNACK with Keep Alive 1 s, over TCP and WebSocket alike), and four
//              CONNECT/CONNACK round trips. This fails a broker that does not enforce the Keep
//              Alive, or does so only long after; how punctual it was is noted in the transcript,
//              not judged.
//
// Every bound is taken on the side that favours the broker, so machine load cannot flip a verdict.
#pragma once

#include <algorithm>
#include <string>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/pattern.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance::keepalive {

using std::chrono::milliseconds;

inline long long ms(clock::duration d) { return std::chrono::duration_cast<milliseconds>(d).count(); }

// A connection opened for a keep-alive measurement, with the instants the bounds derive from.
struct timed_connection {
    client* c = nullptr;
    received_packet connack;
    clock::time_point connect_sent;      // just before the CONNECT was written
    clock::time_point connack_received;  // just after the CONNACK was read
    milliseconds keep_alive{0};          // the Keep Alive in force (5.0: Server Keep Alive if sent)

    clock::duration round_trip() const { return connack_received - connect_sent; }
    clock::time_point earliest_close() const { return connect_sent + keep_alive; }
    milliseconds grace(milliseconds base_timeout) const {
        return milliseconds(1000) + keep_alive + std::max(milliseconds(10000), 3 * base_timeout) +
               std::chrono::duration_cast<milliseconds>(4 * round_trip());
    }
    clock::time_point latest_close(milliseconds base_timeout) const {
        return connack_received + keep_alive * 3 / 2 + grace(base_timeout);
    }
};

// Opens `name`, sends the CONNECT built from `options` (its Keep Alive must be non-zero) and reads the
// CONNACK, which must accept the connection. Skips when a 5.0 broker switches keep-alive off with a
// Server Keep Alive of 0.
inline timed_connection connect_timed(case_context& t, const std::string& name, const connect_options& options) {
    timed_connection out;
    const auto packet = t.make_connect(name, options);
    out.c = &t.open(name);
    out.connect_sent = clock::now();
    out.connack = out.c->handshake(packet);
    // The arrival time the client stamped on the CONNACK, not when this thread got to look at it.
    out.connack_received = out.connack.at == clock::time_point{} ? clock::now() : out.connack.at;
    const auto code = out.connack.as<codec::connack_packet>().reason_code;
    if (code != 0) {
        check_setup(false, "the broker did not accept the connection", "CONNACK reason code 0", out.connack.as_json.dump(),
                    t.v5() ? "MQTT-3.2.2-2" : "MQTT-3.2.2-1");
    }
    std::uint16_t seconds = options.keep_alive;
    if (t.v5()) {
        if (const auto props = out.connack.as_json.find("properties"); props != out.connack.as_json.end()) {
            seconds = props->value("server_keep_alive", seconds);
        }
        if (seconds == 0) t.skip("the broker's Server Keep Alive of 0 switches keep-alive enforcement off");
    }
    out.keep_alive = milliseconds(1000LL * seconds);
    out.c->set_timeout(std::chrono::duration_cast<milliseconds>(out.latest_close(t.timeout()) - clock::now()));
    t.note("Keep Alive " + std::to_string(out.keep_alive.count()) + " ms; CONNECT/CONNACK round trip " +
           std::to_string(ms(out.round_trip())) + " ms; a close is expected from " +
           std::to_string(ms(out.earliest_close() - out.connack_received)) + " ms to " +
           std::to_string(ms(out.latest_close(t.timeout()) - out.connack_received)) + " ms after the CONNACK");
    return out;
}

// Checks when the broker closed a silent connection (at `closed_at`) against the bounds above.
inline void judge_close_time(case_context& t, const timed_connection& k, clock::time_point closed_at,
                             const std::string& statement) {
    t.note("closed " + std::to_string(ms(closed_at - k.connack_received)) + " ms after the CONNACK (1.5 x Keep Alive = " +
           std::to_string((k.keep_alive * 3 / 2).count()) + " ms)");
    t.check(closed_at >= k.earliest_close(), "the broker closed the connection before one Keep Alive had passed",
            "closed no earlier than " + std::to_string(k.keep_alive.count()) + " ms after the CONNECT was sent",
            "closed " + std::to_string(ms(closed_at - k.connect_sent)) + " ms after it", statement);
}

// The failure for a connection still open at latest_close().
[[noreturn]] inline void fail_still_open(case_context& t, const timed_connection& k, const std::string& statement) {
    t.fail("the broker did not close a connection silent for 1.5 x its Keep Alive",
           "closed within " + std::to_string(ms(k.latest_close(t.timeout()) - k.connack_received)) +
               " ms of the CONNACK (1.5 x Keep Alive plus grace)",
           "connection open", statement);
}

// Waits for the broker to close a silent connection, allowing one DISCONNECT first whose reason is in
// `disconnect_reasons` (5.0: 0x8D Keep Alive timeout; empty for 3.1.1, where nothing may come), and
// judges the close time (with `judge_early` false only the lateness: for cases that judge the Will,
// leaving punctuality to the keep-alive cases). Returns that DISCONNECT as JSON (null when none).
inline json expect_keepalive_close(case_context& t, const timed_connection& k,
                                   const std::vector<std::uint8_t>& disconnect_reasons, const std::string& statement,
                                   bool judge_early = true) {
    json disconnect;
    const auto until = k.latest_close(t.timeout());
    for (;;) {
        auto e = k.c->next_event(until);
        switch (e.kind) {
            case event_kind::closed:
                if (judge_early) judge_close_time(t, k, clock::now(), statement);
                return disconnect;
            case event_kind::malformed:
                k.c->expect_well_formed();
                break;
            case event_kind::timeout:
                fail_still_open(t, k, statement);
            case event_kind::packet: {
                const auto& p = e.packet->as_json;
                const bool allowed_disconnect =
                    disconnect.is_null() && p.value("type", "") == "DISCONNECT" &&
                    std::find(disconnect_reasons.begin(), disconnect_reasons.end(), p.value("reason_code", 0)) !=
                        disconnect_reasons.end();
                if (!allowed_disconnect) {
                    // After its DISCONNECT the broker must send nothing (MQTT-3.14.4-1): a rule of the
                    // shared close check, not necessarily one the case lists.
                    const std::string broken = disconnect.is_null() ? statement : "MQTT-3.14.4-1";
                    check_setup(false,
                                disconnect.is_null() ? "the broker sent a packet to a client that had sent nothing since CONNECT"
                                                     : "the broker sent a packet after its DISCONNECT",
                                "the connection closed" + std::string(disconnect_reasons.empty() ? "" : ", optionally after DISCONNECT 0x8D"),
                                p.dump(), broken);
                }
                disconnect = p;
                break;
            }
        }
    }
}

// Sends PINGREQ every half Keep Alive (scheduled from the previous send, so a slow PINGRESP does not
// stretch the gap) until `pings` have been answered; the connection must stay open and the broker
// may send only PINGRESPs. When it closes anyway, the case fails only if this client kept its own
// side (no gap between its packets above one Keep Alive); a machine too loaded for that skips.
inline void keep_alive_with_pings(case_context& t, const timed_connection& k, int pings, const std::string& statement) {
    const auto half = k.keep_alive / 2;
    auto last_sent = k.connect_sent;
    clock::duration longest_gap{0};
    int sent = 0, answered = 0;
    auto next_send = last_sent + half;
    for (;;) {
        const bool done_sending = sent == pings;
        if (done_sending && answered == pings) return;
        auto e = k.c->next_event(done_sending ? clock::now() + t.timeout() : next_send);
        switch (e.kind) {
            case event_kind::timeout:
                if (done_sending) {
                    t.fail("no PINGRESP answered a PINGREQ", "PINGRESP", "nothing within " +
                           std::to_string(t.timeout().count()) + " ms", "MQTT-3.12.4-1");
                }
                {
                    const auto now = clock::now();
                    longest_gap = std::max(longest_gap, now - last_sent);
                    k.c->send(codec::pingreq_packet{});
                    last_sent = now;
                    next_send = now + half;
                    ++sent;
                }
                break;
            case event_kind::malformed:
                k.c->expect_well_formed();
                break;
            case event_kind::packet:
                if (e.packet->as_json.value("type", "") != "PINGRESP" || answered == sent) {
                    t.fail("unexpected packet on a connection that sent only PINGREQs", "PINGRESP for each PINGREQ",
                           e.packet->as_json.dump(), "MQTT-3.12.4-1");
                }
                ++answered;
                break;
            case event_kind::closed: {
                const auto now = clock::now();
                longest_gap = std::max(longest_gap, now - last_sent);
                if (longest_gap > k.keep_alive) {
                    t.skip("this machine delayed a PINGREQ by " + std::to_string(ms(longest_gap)) +
                           " ms, beyond the Keep Alive: the broker's close cannot be judged");
                }
                t.fail("the broker closed a connection whose client sent PINGREQ every half Keep Alive",
                       "connection kept open", "closed after " + std::to_string(sent) + " PINGREQ, " +
                           std::to_string(ms(now - last_sent)) + " ms after the last one",
                       statement);
            }
        }
    }
}

}  // namespace mqttspec::conformance::keepalive
