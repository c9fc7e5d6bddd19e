// mqttspec: one binary, several subcommands (see command.hpp).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>

#include "command.hpp"
#include "mqttspec/version.hpp"

namespace mqttspec::app {

std::vector<command>& command_registry() {
    static std::vector<command> commands;
    return commands;
}

namespace {

void print_help(std::FILE* out) {
    auto commands = command_registry();
    std::sort(commands.begin(), commands.end(),
              [](const command& a, const command& b) { return a.name < b.name; });
    std::fprintf(out,
                 "mqttspec %s - MQTT 3.1.1 / 5.0 conformance suite, packet inspector and fuzzer\n\n"
                 "usage: mqttspec <command> [options]\n"
                 "       mqttspec <command> --help\n\ncommands:\n",
                 std::string(version_string).c_str());
    for (const auto& c : commands) {
        std::fprintf(out, "  %-10s %s\n", std::string(c.name).c_str(), std::string(c.summary).c_str());
    }
    std::fprintf(out, "\nexit status: 0 ok, 1 failures/findings/invalid packets, 2 usage or connection errors\n");
}

}  // namespace
}  // namespace mqttspec::app

int main(int argc, char** argv) {
    using namespace mqttspec::app;
    if (argc < 2) {
        print_help(stderr);
        return exit_usage;
    }
    std::string_view name = argv[1];
    if (name == "--help" || name == "-h" || name == "help") {
        print_help(stdout);
        return exit_ok;
    }
    if (name == "--version") {
        std::printf("mqttspec %s\n", std::string(mqttspec::version_string).c_str());
        return exit_ok;
    }
    for (const auto& c : command_registry()) {
        if (c.name == name) {
            try {
                return c.run(std::span<char*>(argv + 1, static_cast<std::size_t>(argc - 1)));
            } catch (const std::exception& e) {
                std::fprintf(stderr, "mqttspec %s: error: %s\n", argv[1], e.what());
                return exit_usage;
            }
        }
    }
    std::fprintf(stderr, "mqttspec: unknown command '%s' (see mqttspec --help)\n", argv[1]);
    return exit_usage;
}
