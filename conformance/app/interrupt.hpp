// Ctrl-C for long-running commands (run, fuzz): the first SIGINT/SIGTERM asks the command to stop
// (it finishes what is running, cleans up and writes its reports); the second exits at once (130).
#pragma once

#include <atomic>
#include <string_view>

namespace mqttspec::app {

// Installs the handlers; `command` names the command in the one-line notice printed on the first
// signal. Returns the flag the first signal sets.
const std::atomic<bool>& install_interrupt_handlers(std::string_view command);

inline constexpr int exit_interrupted = 130;  // 128 + SIGINT, as shells report an interrupted command

}  // namespace mqttspec::app
