// Invariant checks for the fuzz targets. A violated invariant aborts: libFuzzer records the input
// as a crash and the replay build fails its ctest test.
#pragma once

#include <string>

namespace mqttspec::fuzz {

[[noreturn]] void fail(const char* file, int line, const char* condition, const std::string& detail);

}  // namespace mqttspec::fuzz

// `detail` is only evaluated when the check fails, so it may be expensive to build.
#define FUZZ_CHECK(condition, detail)                                                   \
    do {                                                                                \
        if (!(condition)) ::mqttspec::fuzz::fail(__FILE__, __LINE__, #condition, (detail)); \
    } while (false)
