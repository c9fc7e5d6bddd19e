// Subcommands of the mqttspec executable register themselves here, one file each (cmd_*.cpp), so
// adding a command never touches main.cpp.
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace mqttspec::app {

// Exit codes shared by every subcommand.
inline constexpr int exit_ok = 0;
inline constexpr int exit_failures = 1;  // invalid packet, failed case, finding
inline constexpr int exit_usage = 2;     // bad flags, unreadable input, unreachable broker

struct command {
    std::string_view name;
    std::string_view summary;  // one line for `mqttspec --help`
    // args[0] is the subcommand name; the command prints its own --help.
    int (*run)(std::span<char*> args);
};

std::vector<command>& command_registry();

struct register_command {
    explicit register_command(command c) { command_registry().push_back(c); }
};

}  // namespace mqttspec::app
