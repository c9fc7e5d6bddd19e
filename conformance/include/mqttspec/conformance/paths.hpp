#pragma once
#include <filesystem>

namespace mqttspec::conformance {

// The fixtures/ folder: $MQTTSPEC_FIXTURES if set, else the source tree this binary was built from.
std::filesystem::path fixtures_dir();

}  // namespace mqttspec::conformance
