#include "mqttspec/netfuzz/sanitizer_log.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace mqttspec::netfuzz {

namespace {

std::string_view trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// "#12 " at the start of a trimmed line.
bool is_frame(std::string_view t) {
    if (t.size() < 3 || t[0] != '#' || !std::isdigit(static_cast<unsigned char>(t[1]))) return false;
    std::size_t i = 1;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    return i < t.size() && t[i] == ' ';
}

// A frame's trailing token is a location when it is "file:line[:col]" or "(module+0xoffset)".
bool is_location(std::string_view tok) {
    if (tok.size() > 2 && tok.front() == '(' && tok.back() == ')') return tok.find("+0x") != std::string_view::npos;
    const auto colon = tok.find(':');
    return colon != std::string_view::npos && colon + 1 < tok.size() && std::isdigit(static_cast<unsigned char>(tok[colon + 1]));
}

// Frames of the sanitizer runtime and of the allocator say where the report was raised, not where the
// bug is: the top frame is the first one after them.
bool is_runtime_frame(std::string_view function, std::string_view location) {
    static constexpr std::array<std::string_view, 9> prefixes = {"__interceptor_", "___interceptor_", "__asan", "__ubsan", "__lsan",
                                                                 "__sanitizer", "__wrap_", "__libc_", "__GI_"};
    for (auto p : prefixes) if (starts_with(function, p)) return true;
    static constexpr std::array<std::string_view, 10> allocators = {"malloc", "calloc", "realloc", "free", "operator new",
                                                                    "operator delete", "aligned_alloc", "posix_memalign",
                                                                    "strdup", "memalign"};
    for (auto a : allocators) {
        if (function == a || (starts_with(function, a) && (function[a.size()] == '(' || function[a.size()] == '['))) return true;
    }
    static constexpr std::array<std::string_view, 5> runtimes = {"libsanitizer/", "compiler-rt/", "libasan", "libubsan", "libclang_rt"};
    for (auto r : runtimes) if (location.find(r) != std::string_view::npos) return true;
    return false;
}

}  // namespace

void sanitizer_report_parser::feed(std::string_view text) {
    partial_.append(text);
    std::size_t start = 0;
    for (std::size_t nl; (nl = partial_.find('\n', start)) != std::string::npos; start = nl + 1) {
        line(std::string_view(partial_).substr(start, nl - start));
    }
    partial_.erase(0, start);
    // A line longer than any report is not one: keep its tail only.
    if (partial_.size() > max_report_bytes) partial_.erase(0, partial_.size() - max_report_bytes);
}

void sanitizer_report_parser::close_report(bool seen_whole) {
    if (!open_) return;
    // Only a report seen whole (its SUMMARY, or the next report, came after it) proves that this log's
    // UBSan reports come without stacks: one cut off by a flush or a quiet poll may be a stack still
    // being symbolized.
    if (seen_whole && current_.kind == "ubsan" && !frames_seen_) ubsan_stackless_ = true;
    if (current_.top_frame.empty()) current_.top_frame = current_.top_location;  // UBSan without a stack: where it fired
    done_.push_back(std::move(current_));
    current_ = {};
    open_ = false;
    frames_seen_ = false;
    truncated_ = false;
}

void sanitizer_report_parser::line(std::string_view l) {
    const std::string_view t = trim(l);
    if (open_) {
        // A UBSan report has no SUMMARY with gcc: it ends where its stack trace does.
        if (current_.kind == "ubsan" && frames_seen_ && !is_frame(t)) {
            close_report(/*seen_whole=*/true);
            if (t.empty()) return;
        } else if (starts_with(t, "SUMMARY: ")) {
            if (current_.text.size() + l.size() < max_report_bytes) current_.text.append(l).push_back('\n');
            close_report(/*seen_whole=*/true);
            return;
        }
    }
    std::string kind, headline, location;
    if (const auto asan = l.find("ERROR: AddressSanitizer: "); asan != std::string_view::npos) {
        kind = "asan";
        headline = trim(l.substr(asan + 25));
    } else if (const auto leak = l.find("ERROR: LeakSanitizer: "); leak != std::string_view::npos) {
        kind = "leak";
        headline = trim(l.substr(leak + 22));
    } else if (const auto ub = l.find(": runtime error: "); ub != std::string_view::npos) {
        kind = "ubsan";
        headline = trim(l.substr(ub + 17));
        location = trim(l.substr(0, ub));
    }
    if (const auto pc = headline.find(" at pc 0x"); pc != std::string::npos) headline.erase(pc);  // registers: noise
    if (!kind.empty()) {
        close_report(/*seen_whole=*/true);
        open_ = true;
        current_.kind = kind;
        current_.headline = headline;
        current_.top_location = location;
    }
    if (!open_) return;
    if (!truncated_) {
        if (current_.text.size() + l.size() + 1 > max_report_bytes) {
            current_.text += "... (report truncated)\n";
            truncated_ = true;
        } else {
            current_.text.append(l).push_back('\n');
        }
    }
    if (!is_frame(t)) return;
    frames_seen_ = true;
    if (!current_.top_frame.empty()) return;
    // "#0 0x5581 in handle(connection&) /src/broker.cpp:120:7" or "#0 0x7f12 (/lib/libc.so.6+0x2a1c9)"
    std::string_view rest = t.substr(t.find(' ') + 1);
    const auto space = rest.find(' ');
    rest = space == std::string_view::npos ? std::string_view{} : trim(rest.substr(space + 1));
    std::string_view function, where = rest;
    if (starts_with(rest, "in ")) {
        function = rest.substr(3);
        where = {};
        if (const auto last = function.rfind(' '); last != std::string_view::npos && is_location(function.substr(last + 1))) {
            where = function.substr(last + 1);
            function = trim(function.substr(0, last));
        }
    }
    if (is_runtime_frame(function, where)) return;
    current_.top_frame = function.empty() ? std::string(where) : std::string(function);
    if (!where.empty()) current_.top_location = where;
}

std::vector<sanitizer_report> sanitizer_report_parser::take(bool quiet, bool flush) {
    if (flush && !partial_.empty()) {
        line(partial_);
        partial_.clear();
    }
    // A quiet poll proves little by itself: the broker may still be symbolizing the stack it is about
    // to print (a fraction of a second, more under load). So it ends a UBSan report only once the
    // report's top frame is in, or when this log's UBSan reports come without stacks.
    if (flush || (quiet && open_ && current_.kind == "ubsan" && (!current_.top_frame.empty() || ubsan_stackless_))) {
        close_report(/*seen_whole=*/false);
    }
    std::vector<sanitizer_report> out;
    out.swap(done_);
    return out;
}

sanitizer_log::sanitizer_log(std::string path) : path_(std::move(path)) {
    fd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("--target-log " + path_ + ": " + std::strerror(errno));
    struct stat st{};
    if (::fstat(fd_, &st) == 0) offset_ = static_cast<std::uint64_t>(st.st_size);
}

sanitizer_log::~sanitizer_log() {
    if (fd_ >= 0) ::close(fd_);
}

std::size_t sanitizer_log::read_new() {
    struct stat st{};
    if (::fstat(fd_, &st) != 0) return 0;
    if (static_cast<std::uint64_t>(st.st_size) < offset_) offset_ = 0;  // truncated: the broker started over
    std::string chunk;
    std::size_t total = 0;
    while (total < max_read) {
        const std::size_t want = std::min<std::size_t>(64 * 1024, max_read - total);
        chunk.resize(want);
        const ssize_t got = ::pread(fd_, chunk.data(), want, static_cast<off_t>(offset_));
        if (got < 0 && errno == EINTR) continue;
        if (got <= 0) break;
        offset_ += static_cast<std::uint64_t>(got);
        total += static_cast<std::size_t>(got);
        parser_.feed(std::string_view(chunk.data(), static_cast<std::size_t>(got)));
        if (static_cast<std::size_t>(got) < want) break;
    }
    return total;
}

std::vector<sanitizer_report> sanitizer_log::poll() {
    const bool quiet = read_new() == 0;
    return parser_.take(quiet, false);
}

std::vector<sanitizer_report> sanitizer_log::flush() {
    read_new();
    return parser_.take(false, true);
}

}  // namespace mqttspec::netfuzz
