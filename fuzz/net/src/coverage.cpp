#include "mqttspec/netfuzz/coverage.hpp"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "coverage_shm.h"

namespace mqttspec::netfuzz {

namespace {

const mqttspec_coverage_header& header_of(const void* base) { return *static_cast<const mqttspec_coverage_header*>(base); }

const std::uint8_t* map_of(const void* base) {
    return static_cast<const std::uint8_t*>(base) + sizeof(mqttspec_coverage_header);
}

}  // namespace

std::unique_ptr<coverage_map> coverage_map::open(const std::string& name, std::string& error) {
    const std::string shm_name = name.empty() || name[0] == '/' ? name : "/" + name;
    const int fd = ::shm_open(shm_name.c_str(), O_RDONLY, 0);
    if (fd < 0) {
        error = "cannot open shared memory " + shm_name + ": " + std::strerror(errno) +
                " (is the broker running with " MQTTSPEC_COVERAGE_ENV "=" + name + " and linked with the coverage shim?)";
        return nullptr;
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || static_cast<std::size_t>(st.st_size) < MQTTSPEC_COVERAGE_SHM_SIZE) {
        ::close(fd);
        error = "shared memory " + shm_name + " is too small for a coverage map";
        return nullptr;
    }
    void* p = ::mmap(nullptr, MQTTSPEC_COVERAGE_SHM_SIZE, PROT_READ, MAP_SHARED, fd, 0);
    ::close(fd);
    if (p == MAP_FAILED) {
        error = "cannot map shared memory " + shm_name + ": " + std::strerror(errno);
        return nullptr;
    }
    if (__atomic_load_n(&header_of(p).magic, __ATOMIC_ACQUIRE) != MQTTSPEC_COVERAGE_MAGIC) {
        ::munmap(p, MQTTSPEC_COVERAGE_SHM_SIZE);
        error = "shared memory " + shm_name + " holds no coverage map (no instrumented module has started)";
        return nullptr;
    }
    auto map = std::unique_ptr<coverage_map>(new coverage_map(p, MQTTSPEC_COVERAGE_SHM_SIZE));
    map->collect_new();  // what start-up reached counts as reached, not as anything's discovery
    return map;
}

coverage_map::coverage_map(const void* base, std::size_t size) : base_(base), size_(size), seen_(MQTTSPEC_COVERAGE_CAPACITY, 0) {}

coverage_map::~coverage_map() { ::munmap(const_cast<void*>(base_), size_); }

std::size_t coverage_map::used() const {
    const std::size_t n = __atomic_load_n(&header_of(base_).used, __ATOMIC_ACQUIRE);
    return n < MQTTSPEC_COVERAGE_CAPACITY ? n : MQTTSPEC_COVERAGE_CAPACITY;
}

std::size_t coverage_map::collect_new() {
    const std::uint8_t* live = map_of(base_);
    const std::size_t n = used();
    std::lock_guard lock(mutex_);
    std::size_t found = 0;
    // Word-wise first: almost every word is unchanged since the last look.
    constexpr std::size_t word = sizeof(std::uint64_t);
    std::size_t i = 0;
    for (; i + word <= n; i += word) {
        std::uint64_t now = 0, before = 0;
        std::memcpy(&now, live + i, word);
        std::memcpy(&before, seen_.data() + i, word);
        if (now == before) continue;
        for (std::size_t j = i; j < i + word; ++j) {
            if (live[j] != 0 && seen_[j] == 0) {
                seen_[j] = 1;
                ++found;
            }
        }
    }
    for (; i < n; ++i) {
        if (live[i] != 0 && seen_[i] == 0) {
            seen_[i] = 1;
            ++found;
        }
    }
    edges_ += found;
    return found;
}

std::size_t coverage_map::edges() const {
    std::lock_guard lock(mutex_);
    return edges_;
}

}  // namespace mqttspec::netfuzz
