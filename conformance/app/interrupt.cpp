#include "interrupt.hpp"

#include <signal.h>
#include <unistd.h>

#include <string>

namespace mqttspec::app {
namespace {

std::atomic<bool> requested{false};
std::string notice;  // written from the handler: built before the handler is installed

extern "C" void on_interrupt(int) {
    if (requested.exchange(true)) _exit(exit_interrupted);
    [[maybe_unused]] const auto ignored = ::write(STDERR_FILENO, notice.data(), notice.size());
}

}  // namespace

const std::atomic<bool>& install_interrupt_handlers(std::string_view command) {
    notice = "\nmqttspec " + std::string(command) + ": interrupted; finishing what is running (Ctrl-C again to quit at once)\n";
    struct sigaction sa {};
    sa.sa_handler = on_interrupt;
    sigemptyset(&sa.sa_mask);
    ::sigaction(SIGINT, &sa, nullptr);
    ::sigaction(SIGTERM, &sa, nullptr);
    return requested;
}

}  // namespace mqttspec::app
