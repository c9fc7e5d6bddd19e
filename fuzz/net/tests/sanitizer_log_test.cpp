// The sanitizer oracle's report parser and file follower (mqttspec fuzz --target-log), on report
// texts as gcc's and clang's sanitizer runtimes print them.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include "mqttspec/netfuzz/sanitizer_log.hpp"

namespace {

using mqttspec::netfuzz::sanitizer_log;
using mqttspec::netfuzz::sanitizer_report;
using mqttspec::netfuzz::sanitizer_report_parser;

// gcc 12, ASan in recover mode: the report, then the shadow map after SUMMARY.
const std::string gcc_asan = R"(buggy-broker: listening on 127.0.0.1:4000 with bug none
=================================================================
==7213==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000014 at pc 0x563cdefb83a9 bp 0x7ffcf5170bc0 sp 0x7ffcf5170bb8
WRITE of size 1 at 0x602000000014 thread T0
    #0 0x7fa4e80b89cf in __interceptor_memcpy ../../../../src/libsanitizer/sanitizer_common/sanitizer_common_interceptors.inc:827
    #1 0x563cdefb83a8 in copy_topic_name(unsigned char const*, unsigned long) /src/buggy_broker.cpp:88
    #2 0x563cdefb8531 in main /src/buggy_broker.cpp:451

0x602000000014 is located 0 bytes to the right of 4-byte region [0x602000000010,0x602000000014)
allocated by thread T0 here:
    #0 0x7fa4e80b89cf in operator new[](unsigned long) ../../../../src/libsanitizer/asan/asan_new_delete.cpp:98
    #1 0x563cdefb822b in copy_topic_name(unsigned char const*, unsigned long) /src/buggy_broker.cpp:86

SUMMARY: AddressSanitizer: heap-buffer-overflow /src/buggy_broker.cpp:88 in copy_topic_name(unsigned char const*, unsigned long)
Shadow bytes around the buggy address:
=>0x0c047fff8000: fa fa[04]fa fa fa fa fa fa fa fa fa fa fa fa fa
Shadow byte legend (one shadow byte represents 8 application bytes):
  Addressable:           00
)";

// gcc 12, UBSan with print_stacktrace=1: no SUMMARY, a blank line after the stack.
const std::string gcc_ubsan = R"(/src/buggy_broker.cpp:98:41: runtime error: shift exponent 48 is too large for 32-bit type 'int'
    #0 0x560df00998a8 in inflight_weight /src/buggy_broker.cpp:98
    #1 0x560df00a6347 in handle /src/buggy_broker.cpp:205
    #2 0x7f98bf045249 in __libc_start_call_main ../sysdeps/nptl/libc_start_call_main.h:58

buggy-broker: BUG ubsan-publish-qos3
)";

// clang 14, UBSan with a SUMMARY line.
const std::string clang_ubsan = R"(lib/packet.c:120:17: runtime error: signed integer overflow: 2147483647 + 1 cannot be represented in type 'int'
    #0 0x4c5a10 in packet__read_varint lib/packet.c:120:17
    #1 0x4c6b20 in handle__publish src/handle_publish.c:64:3
SUMMARY: UndefinedBehaviorSanitizer: undefined-behavior lib/packet.c:120:17 in
)";

const std::string leak = R"(
=================================================================
==31==ERROR: LeakSanitizer: detected memory leaks

Direct leak of 33 byte(s) in 1 object(s) allocated from:
    #0 0x7f1 in __interceptor_malloc ../../../../src/libsanitizer/asan/asan_malloc_linux.cpp:69
    #1 0x55d in mosquitto__malloc src/memory_mosq.c:76
    #2 0x55e in sub__add src/subs.c:600

SUMMARY: AddressSanitizer: 33 byte(s) leaked in 1 allocation(s).
)";

std::vector<sanitizer_report> parse(const std::string& text, bool quiet = false, bool flush = false) {
    sanitizer_report_parser p;
    p.feed(text);
    return p.take(quiet, flush);
}

TEST(SanitizerLog, AsanReportEndsAtSummaryAndSkipsRuntimeFrames) {
    const auto r = parse(gcc_asan);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].kind, "asan");
    EXPECT_EQ(r[0].headline, "heap-buffer-overflow on address 0x602000000014");
    EXPECT_EQ(r[0].top_frame, "copy_topic_name(unsigned char const*, unsigned long)");
    EXPECT_EQ(r[0].top_location, "/src/buggy_broker.cpp:88");
    EXPECT_NE(r[0].text.find("allocated by thread T0 here:"), std::string::npos);
    EXPECT_EQ(r[0].text.find("listening"), std::string::npos) << "the broker's own lines are not part of the report";
    EXPECT_EQ(r[0].text.find("Shadow byte legend"), std::string::npos);
}

TEST(SanitizerLog, GccUbsanEndsAfterItsStack) {
    const auto r = parse(gcc_ubsan);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].kind, "ubsan");
    EXPECT_EQ(r[0].headline, "shift exponent 48 is too large for 32-bit type 'int'");
    EXPECT_EQ(r[0].top_frame, "inflight_weight");
    EXPECT_EQ(r[0].top_location, "/src/buggy_broker.cpp:98");
    EXPECT_EQ(r[0].text.find("BUG"), std::string::npos);
}

TEST(SanitizerLog, ClangUbsanEndsAtSummary) {
    const auto r = parse(clang_ubsan);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].top_frame, "packet__read_varint");
    EXPECT_EQ(r[0].top_location, "lib/packet.c:120:17");
}

TEST(SanitizerLog, UbsanHeadlineWaitsForItsStackAcrossQuietPolls) {
    // The broker prints the headline, then symbolizes its stack: polls in between find nothing new.
    sanitizer_report_parser p;
    const std::string headline = gcc_ubsan.substr(0, gcc_ubsan.find("    #0"));
    p.feed(headline);
    EXPECT_TRUE(p.take(false, false).empty());
    EXPECT_TRUE(p.take(true, false).empty()) << "the stack may still come";
    EXPECT_TRUE(p.report_open());
    p.feed(gcc_ubsan.substr(headline.size()));
    const auto r = p.take(true, false);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].top_frame, "inflight_weight");
}

TEST(SanitizerLog, UbsanWithoutStacksIsCompleteAtAQuietPollOnceStacklessReportsWereSeen) {
    sanitizer_report_parser p;
    p.feed("src/a.c:7:3: runtime error: load of misaligned address 0x01 for type 'int'\n");
    EXPECT_TRUE(p.take(true, false).empty()) << "a stack may follow the first one";
    p.feed("src/a.c:9:1: runtime error: division by zero\n");
    auto r = p.take(false, false);
    ASSERT_EQ(r.size(), 1u) << "the next report ends the first";
    EXPECT_EQ(r[0].top_frame, "src/a.c:7:3") << "without a stack the location stands for the top frame";
    r = p.take(true, false);
    ASSERT_EQ(r.size(), 1u) << "stacks are off in this log: a quiet poll ends the second";
    EXPECT_EQ(r[0].top_frame, "src/a.c:9:1");
    EXPECT_FALSE(p.report_open());
}

TEST(SanitizerLog, AUbsanHeadlineCutByAFlushDoesNotTurnStacksOff) {
    // The fuzzer flushes mid-run when a report stays open too long: that report was cut, not seen
    // whole, and says nothing about whether this log's UBSan reports carry stacks.
    sanitizer_report_parser p;
    const std::string headline = gcc_ubsan.substr(0, gcc_ubsan.find("    #0"));
    p.feed(headline);
    ASSERT_EQ(p.take(false, true).size(), 1u);
    p.feed(headline);
    EXPECT_TRUE(p.take(true, false).empty()) << "the next report's stack may still come";
    p.feed(gcc_ubsan.substr(headline.size()));
    const auto r = p.take(true, false);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].top_frame, "inflight_weight");
}

TEST(SanitizerLog, LeakTopFrameSkipsTheAllocator) {
    const auto r = parse(leak);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].kind, "leak");
    EXPECT_EQ(r[0].headline, "detected memory leaks");
    EXPECT_EQ(r[0].top_frame, "mosquitto__malloc");
}

TEST(SanitizerLog, ReportsSplitAcrossReadsAndBackToBack) {
    const std::string all = "src/a.c:7:3: runtime error: division by zero\n" + gcc_asan + clang_ubsan + leak;
    for (std::size_t step : {1u, 7u, 64u, 4096u}) {
        sanitizer_report_parser p;
        std::vector<sanitizer_report> got;
        for (std::size_t at = 0; at < all.size(); at += step) {
            p.feed(all.substr(at, step));
            for (auto& r : p.take(false, false)) got.push_back(r);
        }
        for (auto& r : p.take(false, true)) got.push_back(r);
        ASSERT_EQ(got.size(), 4u) << "step " << step;
        EXPECT_EQ(got[0].kind, "ubsan");
        EXPECT_EQ(got[0].top_frame, "src/a.c:7:3") << "the next report's start ends a report without a stack";
        EXPECT_EQ(got[1].kind, "asan");
        EXPECT_EQ(got[2].kind, "ubsan");
        EXPECT_EQ(got[3].kind, "leak");
    }
}

TEST(SanitizerLog, AReportCutShortIsClosedByFlush) {
    sanitizer_report_parser p;
    p.feed(gcc_asan.substr(0, gcc_asan.find("SUMMARY")));
    EXPECT_TRUE(p.take(true, false).empty()) << "an ASan report is only complete at its SUMMARY";
    const auto r = p.take(false, true);
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].top_frame, "copy_topic_name(unsigned char const*, unsigned long)");
}

TEST(SanitizerLog, FollowsAFileFromItsEndAndAfterTruncation) {
    const auto path = std::filesystem::temp_directory_path() / ("mqttspec-sanitizer-log-" + std::to_string(::getpid()));
    { std::ofstream(path) << gcc_asan; }  // before the run: not this run's
    sanitizer_log log(path.string());
    EXPECT_TRUE(log.poll().empty());
    { std::ofstream(path, std::ios::app) << "broker says hello\n" << clang_ubsan; }
    auto r = log.poll();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].kind, "ubsan");
    { std::ofstream(path, std::ios::trunc) << leak; }  // the broker started again with `2>FILE`
    r = log.poll();
    ASSERT_EQ(r.size(), 1u);
    EXPECT_EQ(r[0].kind, "leak");
    std::filesystem::remove(path);
    EXPECT_THROW(sanitizer_log("/nonexistent/mqttspec/log"), std::runtime_error);
}

}  // namespace
