#include "mqttspec/conformance/concurrency.hpp"

#include <algorithm>

namespace mqttspec::conformance {

concurrency_governor::concurrency_governor(settings s)
    : settings_(s), limit_(std::clamp(s.initial, s.minimum, s.maximum)), peak_(limit_), lowest_(limit_) {}

concurrency_governor::settings concurrency_governor::for_jobs(unsigned jobs, std::chrono::microseconds idle_latency) {
    if (jobs == 0) return settings{8, 4, 64, idle_latency};
    return settings{jobs, jobs, jobs, idle_latency};
}

concurrency_governor concurrency_governor::fixed(unsigned jobs) { return concurrency_governor(for_jobs(std::max(1u, jobs), {})); }

bool concurrency_governor::acquire() {
    std::unique_lock lock(mutex_);
    slot_free_.wait(lock, [&] { return closed_ || active_ < limit_; });
    if (closed_) return false;
    ++active_;
    return true;
}

void concurrency_governor::release() {
    {
        std::lock_guard lock(mutex_);
        if (active_ > 0) --active_;
    }
    slot_free_.notify_one();
}

void concurrency_governor::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    slot_free_.notify_all();
}

std::chrono::microseconds concurrency_governor::slow_threshold() const {
    return settings_.idle_latency * 2 + std::chrono::milliseconds(5);
}

void concurrency_governor::observe(std::chrono::microseconds latency) {
    if (!adaptive()) return;
    bool grew = false;
    {
        std::lock_guard lock(mutex_);
        if (latency > slow_threshold()) {
            // One slow answer may be the machine's scheduler; two in a row, the broker is queueing.
            if (++slow_in_a_row_ < 2) return;
            slow_in_a_row_ = 0;
            const unsigned cut = std::max(settings_.minimum, limit_ - limit_ / 4);
            if (cut == limit_) return;
            limit_ = cut;
            lowest_ = cuts_++ == 0 ? limit_ : std::min(lowest_, limit_);
            return;
        }
        slow_in_a_row_ = 0;
        const unsigned raised = std::min(settings_.maximum, limit_ + 2);
        grew = raised > limit_;
        limit_ = raised;
        peak_ = std::max(peak_, limit_);
    }
    if (grew) slot_free_.notify_all();
}

unsigned concurrency_governor::limit() const {
    std::lock_guard lock(mutex_);
    return limit_;
}

unsigned concurrency_governor::peak() const {
    std::lock_guard lock(mutex_);
    return peak_;
}

unsigned concurrency_governor::cuts() const {
    std::lock_guard lock(mutex_);
    return cuts_;
}

std::string concurrency_governor::describe() const {
    std::lock_guard lock(mutex_);
    if (!adaptive()) return std::to_string(limit_);
    std::string out = "auto, " + std::to_string(std::clamp(settings_.initial, settings_.minimum, settings_.maximum)) + " at start, up to " + std::to_string(peak_);
    if (cuts_ > 0) out += ", cut " + std::to_string(cuts_) + (cuts_ == 1 ? " time" : " times") + ", lowest " + std::to_string(lowest_);
    return out;
}

unsigned concurrency_governor::lowest() const {
    std::lock_guard lock(mutex_);
    return lowest_;
}

}  // namespace mqttspec::conformance
