// mqttspec: one binary, several subcommands (see command.hpp).
#include <algorithm>
#include <cstdio>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

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
                 "       mqttspec <command> --help   (or: mqttspec help <command>)\n"
                 "       mqttspec --version\n\ncommands:\n",
                 std::string(version_string).c_str());
    for (const auto& c : commands) {
        std::fprintf(out, "  %-10s %s\n", std::string(c.name).c_str(), std::string(c.summary).c_str());
    }
    std::fprintf(out, "\noptions take their value as \"--opt value\" or \"--opt=value\"; -V, --protocol-version takes 3.1, 3.1.1,\n"
                      "5 or mosquitto's 31, 311, mqttv31, mqttv311, mqttv5 (and all where a command runs several).\n"
                      "exit status: 0 ok, 1 failures/findings/invalid packets, 2 usage or connection errors,\n"
                      "130 interrupted (SIGINT/SIGTERM)\n");
}

// GNU and mosquitto habits, once for every subcommand: "--opt=value" is "--opt value", the long
// spellings of the version option are one option (-V), -I is --id-prefix. Arguments after a bare
// "--" are left as they are.
std::vector<std::string> normalise_arguments(int argc, char** argv) {
    std::vector<std::string> out;
    bool options_ended = false;
    for (int i = 0; i < argc; ++i) {
        std::string a = argv[i];
        if (options_ended || i < 2) {
            out.push_back(std::move(a));
            continue;
        }
        if (a == "--") {
            options_ended = true;
            out.push_back(std::move(a));
            continue;
        }
        std::string value;
        bool has_value = false;
        if (a.rfind("--", 0) == 0) {
            if (const auto eq = a.find('='); eq != std::string::npos) {
                value = a.substr(eq + 1);
                a.resize(eq);
                has_value = true;
            }
        }
        if (a == "--protocol" || a == "--protocol-version") a = "-V";
        if (a == "-I") a = "--id-prefix";
        out.push_back(std::move(a));
        if (has_value) out.push_back(std::move(value));
    }
    return out;
}

}  // namespace
}  // namespace mqttspec::app

namespace {

int dispatch(int argc, char** argv) {
    using namespace mqttspec::app;
    if (argc < 2) {
        print_help(stderr);
        return exit_usage;
    }
    std::string_view name = argv[1];
    if (name == "help" && argc >= 3) {  // "mqttspec help run" is "mqttspec run --help"
        static char help_flag[] = "--help";
        char* again[] = {argv[0], argv[2], help_flag, nullptr};
        return dispatch(3, again);
    }
    if (name == "--help" || name == "-h" || name == "help") {
        print_help(stdout);
        return exit_ok;
    }
    if (name == "--version") {
        std::printf("mqttspec %s\n", std::string(mqttspec::version_string).c_str());
        return exit_ok;
    }
    std::vector<std::string> normalised = normalise_arguments(argc, argv);
    std::vector<char*> args;
    for (auto& a : normalised) args.push_back(a.data());
    for (const auto& c : command_registry()) {
        if (c.name == name) {
            try {
                return c.run(std::span<char*>(args.data() + 1, args.size() - 1));
            } catch (const std::exception& e) {
                std::fprintf(stderr, "mqttspec %s: error: %s\n", argv[1], e.what());
                return exit_usage;
            }
        }
    }
    std::fprintf(stderr, "mqttspec: unknown command '%s' (see mqttspec --help)\n", argv[1]);
    return exit_usage;
}

}  // namespace

int main(int argc, char** argv) { return dispatch(argc, argv); }
