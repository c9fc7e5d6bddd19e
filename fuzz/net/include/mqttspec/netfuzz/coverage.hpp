// Edge coverage of an instrumented broker (`mqttspec fuzz --coverage-shm NAME`): the broker, linked
// with fuzz/net/shim/coverage_shim.cpp, sets one byte per edge it reaches in POSIX shared memory;
// the fuzzer maps it read-only and, after each sequence, asks which edges are new since it last looked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace mqttspec::netfuzz {

class coverage_map {
public:
    // Maps shared memory object `name` (as given to shm_open; a leading '/' is optional).
    // Returns nullptr and sets `error` when it does not exist or is not a coverage map.
    static std::unique_ptr<coverage_map> open(const std::string& name, std::string& error);
    ~coverage_map();
    coverage_map(const coverage_map&) = delete;
    coverage_map& operator=(const coverage_map&) = delete;

    // Edges reached since the previous call (by any caller; thread-safe): they count once, for the
    // first caller that sees them.
    std::size_t collect_new();
    // Distinct edges the broker has reached so far (as of the last collect_new()).
    std::size_t edges() const;
    // Map bytes the broker's instrumentation uses (its number of guards + 1).
    std::size_t used() const;

private:
    coverage_map(const void* base, std::size_t size);
    const void* base_;
    std::size_t size_;
    mutable std::mutex mutex_;
    std::vector<std::uint8_t> seen_;
    std::size_t edges_ = 0;
};

}  // namespace mqttspec::netfuzz
