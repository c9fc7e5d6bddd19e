// How many cases run at once. `-j N` fixes it; by default (`-j auto`) it adapts: it grows while the
// broker answers a pacing PINGREQ as fast as when idle, and shrinks when the answers slow down. A
// run waits mostly on timers, so more cases at once cost the broker little and save wall time, but a
// broker (or machine) that slows down would turn timeouts into false verdicts.
#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>

namespace mqttspec::conformance {

class concurrency_governor {
public:
    struct settings {
        unsigned initial = 8;
        unsigned minimum = 4;
        unsigned maximum = 64;
        // The broker's PINGREQ round trip when idle (the probe's median).
        std::chrono::microseconds idle_latency{0};
    };
    explicit concurrency_governor(settings s);
    // What `-j` asks for: 0 (auto) adapts from 8 between 4 and 64; N is fixed at N.
    static settings for_jobs(unsigned jobs, std::chrono::microseconds idle_latency);
    static concurrency_governor fixed(unsigned jobs);

    // Blocks until fewer than limit() cases hold a slot (or close() was called: returns false).
    bool acquire();
    void release();
    // Wakes every waiter; acquire() returns false from then on.
    void close();

    // One PINGREQ round trip measured while cases run. Two slow answers in a row cut the limit by a
    // quarter; each answer as fast as idle raises it by two, up to the maximum.
    void observe(std::chrono::microseconds latency);
    // The round trip above which the broker counts as slowed down: twice idle plus 5 ms (scheduling
    // noise on a loaded machine stays below it; a broker queueing work does not).
    std::chrono::microseconds slow_threshold() const;

    bool adaptive() const { return settings_.minimum != settings_.maximum; }
    unsigned limit() const;
    unsigned peak() const;    // the highest limit reached
    unsigned cuts() const;    // how many times a slowdown cut the limit
    unsigned lowest() const;  // the lowest limit a cut left (the limit at start when none)
    // In words for the run's summary: "8" (fixed) or "auto, 8 at start, up to 40[, cut 2 times, lowest 24]".
    std::string describe() const;
    unsigned maximum() const { return settings_.maximum; }

private:
    settings settings_;
    mutable std::mutex mutex_;
    std::condition_variable slot_free_;
    unsigned limit_, peak_, lowest_, active_ = 0, slow_in_a_row_ = 0, cuts_ = 0;
    bool closed_ = false;
};

}  // namespace mqttspec::conformance
