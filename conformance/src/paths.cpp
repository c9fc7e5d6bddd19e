#include "mqttspec/conformance/paths.hpp"

#include <cstdlib>
#include <string>
#include <system_error>

namespace mqttspec::conformance {

namespace {

// A fixtures folder is one that holds the statement inventory: an empty or unrelated directory is not.
bool looks_like_fixtures(const std::filesystem::path& dir) {
    std::error_code ec;
    return std::filesystem::is_directory(dir / "statements", ec);
}

}  // namespace

std::filesystem::path fixtures_dir() {
    if (const char* env = std::getenv("MQTTSPEC_FIXTURES"); env != nullptr && *env != '\0') {
        if (!looks_like_fixtures(env)) {
            throw fixtures_missing(std::string("MQTTSPEC_FIXTURES=") + env + " is not a fixtures directory (no statements/ in it)");
        }
        return env;
    }
    std::string looked;
    std::error_code ec;
    const auto self = std::filesystem::read_symlink("/proc/self/exe", ec);
    if (!ec) {
        const auto installed = self.parent_path().parent_path() / "share" / "mqttspec" / "fixtures";
        if (looks_like_fixtures(installed)) return installed;
        looked += installed.string() + ", ";
    }
    const auto source = std::filesystem::path(MQTTSPEC_SOURCE_DIR) / "fixtures";
    if (looks_like_fixtures(source)) return source;
    looked += source.string();
    throw fixtures_missing("cannot find the fixtures (looked in " + looked +
                           "); install them with `cmake --install` or point MQTTSPEC_FIXTURES at a copy of fixtures/");
}

}  // namespace mqttspec::conformance
