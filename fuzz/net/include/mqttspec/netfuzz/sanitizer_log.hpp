// The sanitizer oracle (`mqttspec fuzz --target-log FILE`): follows the file a sanitizer-built broker
// writes its reports to (its stderr redirected, or ASAN_OPTIONS=log_path) and turns each
// AddressSanitizer, UndefinedBehaviorSanitizer and LeakSanitizer report into one record.
//
// A report starts at "ERROR: AddressSanitizer:", "ERROR: LeakSanitizer:" or "runtime error:" and
// ends at its "SUMMARY:" line. UBSan built by gcc prints no SUMMARY, so an open UBSan report also
// ends at a blank line after its stack frames, at the start of the next report, at flush(), or at a
// poll that finds nothing new once its top frame is in (a sanitizer writes a whole report before the
// program goes on, but the stack comes after a pause to symbolize it). Without stack traces
// (UBSAN_OPTIONS print_stacktrace=0) the first UBSan report waits for the next report or flush();
// once one has come without frames, a quiet poll ends the later ones.
// Everything else in the file (the broker's own messages, ASan's shadow-byte map) is skipped.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace mqttspec::netfuzz {

struct sanitizer_report {
    std::string kind;          // "asan", "ubsan" or "leak"
    std::string headline;      // "heap-buffer-overflow on address ...", "shift exponent 48 is too large ..."
    std::string top_frame;     // the first frame outside the sanitizer runtime and the allocator (a
                               // function name), or for UBSan without a stack trace its file:line:col
    std::string top_location;  // that frame's file:line (or module+offset), when printed
    std::string text;          // the report as printed (capped at max_report_bytes)
};

// Splits a growing text into reports; independent of files, for tests.
class sanitizer_report_parser {
public:
    static constexpr std::size_t max_report_bytes = 64 * 1024;

    void feed(std::string_view text);
    // Reports completed so far. `quiet`: nothing arrived since the last call (see above for when that
    // ends a UBSan report). `flush`: the producer is gone or the run is over, so any open report is complete.
    std::vector<sanitizer_report> take(bool quiet, bool flush);
    bool report_open() const noexcept { return open_; }

private:
    void line(std::string_view l);
    void close_report(bool seen_whole);

    std::string partial_;  // an unterminated last line
    bool open_ = false;
    bool frames_seen_ = false;
    bool ubsan_stackless_ = false;  // a UBSan report seen whole had no frames: stacks are off
    bool truncated_ = false;
    sanitizer_report current_;
    std::vector<sanitizer_report> done_;
};

// Follows a file from its size at construction (reports written before are not this run's).
// Reads at most max_read bytes per poll; a file that shrinks (truncated, or the broker restarted
// with `>`) is read again from its start.
class sanitizer_log {
public:
    static constexpr std::size_t max_read = 1 << 20;

    // Throws std::runtime_error naming the file when it cannot be opened.
    explicit sanitizer_log(std::string path);
    ~sanitizer_log();
    sanitizer_log(const sanitizer_log&) = delete;
    sanitizer_log& operator=(const sanitizer_log&) = delete;

    // Reads what was appended since the last call; returns the reports it completed.
    std::vector<sanitizer_report> poll();
    // poll(), then closes a report still open (the broker is gone, or the run is over).
    std::vector<sanitizer_report> flush();
    bool report_open() const noexcept { return parser_.report_open(); }
    const std::string& path() const noexcept { return path_; }

private:
    std::size_t read_new();

    std::string path_;
    int fd_ = -1;
    std::uint64_t offset_ = 0;
    sanitizer_report_parser parser_;
};

}  // namespace mqttspec::netfuzz
