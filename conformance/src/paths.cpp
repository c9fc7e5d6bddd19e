#include "mqttspec/conformance/paths.hpp"

#include <cstdlib>

namespace mqttspec::conformance {

std::filesystem::path fixtures_dir() {
    if (const char* env = std::getenv("MQTTSPEC_FIXTURES"); env != nullptr && *env != '\0') {
        return env;
    }
    return std::filesystem::path(MQTTSPEC_SOURCE_DIR) / "fixtures";
}

}  // namespace mqttspec::conformance
