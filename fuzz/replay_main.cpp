// Runs files through a fuzz target's LLVMFuzzerTestOneInput without libFuzzer, so any compiler can
// replay the corpora (and crash reproducers) as regression tests.
//   replay_<target> PATH...   PATH = a file, or a directory searched recursively
// Exit 0 when every input ran, 1 when no input was found, 2 on a usage or I/O error. A violated
// invariant aborts; the handler names the input that did it.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

// Written before each input so the abort handler can name it (a fixed buffer: signal-safe).
char current_input[4096];

extern "C" void name_failing_input(int signal_number) {
    static constexpr char prefix[] = "\nreplay: failing input: ";
    [[maybe_unused]] auto a = write(STDERR_FILENO, prefix, sizeof prefix - 1);
    [[maybe_unused]] auto b = write(STDERR_FILENO, current_input, std::strlen(current_input));
    [[maybe_unused]] auto c = write(STDERR_FILENO, "\n", 1);
    std::signal(signal_number, SIG_DFL);
    std::raise(signal_number);
}

}  // namespace

int main(int argc, char** argv) {
    namespace fs = std::filesystem;
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s FILE_OR_DIR...\n  runs every file through the fuzz target once\n", argv[0]);
        return 2;
    }
    std::vector<fs::path> inputs;
    for (int i = 1; i < argc; ++i) {
        const fs::path path = argv[i];
        std::error_code ec;
        if (fs::is_directory(path, ec)) {
            for (const auto& entry : fs::recursive_directory_iterator(path, ec))
                if (entry.is_regular_file()) inputs.push_back(entry.path());
        } else if (fs::is_regular_file(path, ec)) {
            inputs.push_back(path);
        } else {
            std::fprintf(stderr, "replay: %s: no such file or directory\n", path.c_str());
            return 2;
        }
        if (ec) {
            std::fprintf(stderr, "replay: %s: %s\n", path.c_str(), ec.message().c_str());
            return 2;
        }
    }
    if (inputs.empty()) {
        std::fprintf(stderr, "replay: no input files found (a replay test over nothing proves nothing)\n");
        return 1;
    }
    std::sort(inputs.begin(), inputs.end());
    std::signal(SIGABRT, name_failing_input);
    std::signal(SIGSEGV, name_failing_input);
    std::size_t total_bytes = 0;
    for (const auto& path : inputs) {
        std::snprintf(current_input, sizeof current_input, "%s", path.c_str());
        std::ifstream in(path, std::ios::binary);
        if (!in) {
            std::fprintf(stderr, "replay: %s: cannot open\n", path.c_str());
            return 2;
        }
        const std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        total_bytes += data.size();
        // Copy into an exactly-sized buffer so ASan catches reads past the end, as under libFuzzer.
        std::unique_ptr<std::uint8_t[]> exact(new std::uint8_t[data.size() ? data.size() : 1]);
        std::copy(data.begin(), data.end(), exact.get());
        LLVMFuzzerTestOneInput(exact.get(), data.size());
    }
    std::printf("replay: %zu inputs (%zu bytes) ran without a violation\n", inputs.size(), total_bytes);
    return 0;
}
