/* The layout of the edge bitmap that an instrumented broker (linked with coverage_shim.cpp) shares
 * with `mqttspec fuzz --coverage-shm NAME` through POSIX shared memory (shm_open(NAME)).
 * Plain C so that the shim builds into C targets too. One byte per edge, 0 = never reached. */
#ifndef MQTTSPEC_COVERAGE_SHM_H
#define MQTTSPEC_COVERAGE_SHM_H

#include <stdint.h>

#define MQTTSPEC_COVERAGE_ENV "MQTTSPEC_COVERAGE_SHM"   /* names the shared memory object */
#define MQTTSPEC_COVERAGE_MAGIC 0x766f632d7371746dULL   /* "mtqs-cov" in memory order */
#define MQTTSPEC_COVERAGE_CAPACITY (1u << 20)           /* edges; guard indices wrap beyond it */
#define MQTTSPEC_COVERAGE_HASHED 65536u                 /* map size for GCC's trace-pc (hashed PCs) */

struct mqttspec_coverage_header {
    uint64_t magic;
    uint32_t capacity; /* bytes of the map that follows the header */
    uint32_t used;     /* map bytes the instrumentation can touch: only these are scanned */
    uint64_t reserved[6];
};

#define MQTTSPEC_COVERAGE_SHM_SIZE (sizeof(struct mqttspec_coverage_header) + MQTTSPEC_COVERAGE_CAPACITY)

#endif
