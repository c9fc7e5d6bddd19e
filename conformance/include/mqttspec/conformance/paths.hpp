#pragma once
#include <filesystem>
#include <stdexcept>

namespace mqttspec::conformance {

struct fixtures_missing : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// The fixtures/ folder (cases, statements, profiles, flows), first found of:
//   $MQTTSPEC_FIXTURES (must be a directory when set);
//   <directory of the running binary>/../share/mqttspec/fixtures (what `cmake --install` lays out);
//   the source tree this binary was built from (a build directory).
// Throws fixtures_missing naming every place looked at: without its fixtures the suite would run
// only part of its cases and report success.
std::filesystem::path fixtures_dir();

}  // namespace mqttspec::conformance
