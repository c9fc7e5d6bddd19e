// SanitizerCoverage callbacks for an instrumented broker: every edge the broker reaches sets one byte
// of a bitmap in POSIX shared memory named by $MQTTSPEC_COVERAGE_SHM, which `mqttspec fuzz
// --coverage-shm NAME` reads after each sequence (layout: coverage_shm.h).
//
// Build the broker with clang's -fsanitize-coverage=trace-pc-guard (one guard per edge) or GCC's
// -fsanitize-coverage=trace-pc (each call site's PC hashed into a 64 Ki map), and link this file
// compiled WITHOUT coverage flags. It uses only libc (no C++ runtime), so it links into C programs.
// Without the variable the map is private memory: the broker runs as usual.
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "coverage_shm.h"

namespace {

mqttspec_coverage_header* header = nullptr;
uint8_t* edges = nullptr;
uint32_t next_guard = 1;  // guard value 0 means "not ours"; index 0 of the map stays unused

void* map_shared_or_private() {
    const char* name = getenv(MQTTSPEC_COVERAGE_ENV);
    if (name != nullptr && *name != '\0') {
        // The fuzzer may already hold the object (a restarted broker): reuse it, its contents stay valid
        // because guard numbering depends only on the binary.
        const int fd = shm_open(name, O_RDWR | O_CREAT, 0600);
        if (fd >= 0) {
            if (ftruncate(fd, static_cast<off_t>(MQTTSPEC_COVERAGE_SHM_SIZE)) == 0) {
                void* p = mmap(nullptr, MQTTSPEC_COVERAGE_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
                close(fd);
                if (p != MAP_FAILED) return p;
            } else {
                close(fd);
            }
        }
        static const char complaint[] = "mqttspec coverage shim: cannot map $" MQTTSPEC_COVERAGE_ENV "; coverage stays private\n";
        (void)!write(2, complaint, sizeof complaint - 1);
    }
    void* p = mmap(nullptr, MQTTSPEC_COVERAGE_SHM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    return p == MAP_FAILED ? nullptr : p;
}

bool ensure_map() {
    if (header != nullptr) return true;
    void* p = map_shared_or_private();
    if (p == nullptr) return false;
    header = static_cast<mqttspec_coverage_header*>(p);
    edges = static_cast<uint8_t*>(p) + sizeof(mqttspec_coverage_header);
    header->capacity = MQTTSPEC_COVERAGE_CAPACITY;
    __atomic_store_n(&header->magic, MQTTSPEC_COVERAGE_MAGIC, __ATOMIC_RELEASE);
    return true;
}

void publish_used(uint32_t used) {
    if (used > MQTTSPEC_COVERAGE_CAPACITY) used = MQTTSPEC_COVERAGE_CAPACITY;
    if (used > header->used) __atomic_store_n(&header->used, used, __ATOMIC_RELEASE);
}

}  // namespace

extern "C" {

// clang: called once per instrumented module before its code runs; numbers its guards.
void __sanitizer_cov_trace_pc_guard_init(uint32_t* start, uint32_t* stop) {
    if (start == stop || *start != 0 || !ensure_map()) return;  // already numbered (called twice)
    for (uint32_t* g = start; g < stop; ++g) {
        *g = next_guard;
        next_guard = next_guard + 1 < MQTTSPEC_COVERAGE_CAPACITY ? next_guard + 1 : 1;
        publish_used(*g + 1);
    }
}

void __sanitizer_cov_trace_pc_guard(uint32_t* guard) {
    if (*guard != 0) edges[*guard] = 1;
}

// GCC: one call per basic block, no guards; the caller's address hashed into a fixed map.
void __sanitizer_cov_trace_pc(void) {
    if (header == nullptr) {
        if (!ensure_map()) return;
        publish_used(MQTTSPEC_COVERAGE_HASHED);
    }
    uintptr_t pc = reinterpret_cast<uintptr_t>(__builtin_return_address(0));
    pc ^= pc >> 17;
    pc *= 0x9E3779B97F4A7C15ull;
    edges[1 + (pc >> 40) % (MQTTSPEC_COVERAGE_HASHED - 1)] = 1;
}

}  // extern "C"
