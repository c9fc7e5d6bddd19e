// The governor behind `-j auto`: the limit follows the broker's answers, and waiters follow the limit.
#include <gtest/gtest.h>

#include <future>

#include "mqttspec/conformance/concurrency.hpp"

using mqttspec::conformance::concurrency_governor;
using namespace std::chrono_literals;

namespace {
concurrency_governor adaptive(unsigned initial, unsigned minimum, unsigned maximum) {
    return concurrency_governor(concurrency_governor::settings{initial, minimum, maximum, 100us});
}
}  // namespace

TEST(Concurrency, FixedIgnoresTheBrokersAnswers) {
    auto g = concurrency_governor::fixed(8);
    EXPECT_FALSE(g.adaptive());
    for (int i = 0; i < 10; ++i) g.observe(1us);
    g.observe(1h);
    g.observe(1h);
    EXPECT_EQ(g.limit(), 8u);
    EXPECT_EQ(g.describe(), "8");
}

TEST(Concurrency, FastAnswersRaiseTheLimitUpToTheMaximum) {
    auto g = adaptive(8, 4, 20);
    EXPECT_EQ(g.slow_threshold(), 5200us);  // 2 x 100 us + 5 ms
    g.observe(5200us);                      // at the threshold still counts as fast
    EXPECT_EQ(g.limit(), 10u);
    for (int i = 0; i < 10; ++i) g.observe(150us);
    EXPECT_EQ(g.limit(), 20u);
    EXPECT_EQ(g.peak(), 20u);
    EXPECT_EQ(g.describe(), "auto, 8 at start, up to 20");
}

TEST(Concurrency, TwoSlowAnswersInARowCutAQuarterOneDoesNot) {
    auto g = adaptive(16, 4, 64);
    g.observe(6ms);
    EXPECT_EQ(g.limit(), 16u) << "one slow answer may be the scheduler";
    g.observe(100us);  // a fast one in between resets the count
    EXPECT_EQ(g.limit(), 18u);
    g.observe(6ms);
    g.observe(6ms);
    EXPECT_EQ(g.limit(), 14u);  // 18 - 18/4
    EXPECT_EQ(g.cuts(), 1u);
    EXPECT_EQ(g.lowest(), 14u);
    for (int i = 0; i < 20; ++i) g.observe(1h);
    EXPECT_EQ(g.limit(), 4u) << "never below the minimum";
    EXPECT_EQ(g.describe(), "auto, 16 at start, up to 18, cut 7 times, lowest 4");
}

TEST(Concurrency, AcquireWaitsForAFreeSlot) {
    auto g = concurrency_governor::fixed(1);
    ASSERT_TRUE(g.acquire());
    auto second = std::async(std::launch::async, [&] { return g.acquire(); });
    // It cannot return true while the slot is held; close() makes the wait end with false.
    g.close();
    EXPECT_FALSE(second.get());
    g.release();
    EXPECT_FALSE(g.acquire()) << "closed stays closed";
}

TEST(Concurrency, ARaisedLimitWakesAWaiter) {
    auto g = adaptive(4, 4, 8);
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(g.acquire());
    auto fifth = std::async(std::launch::async, [&] { return g.acquire(); });
    g.observe(100us);  // limit 6: the fifth gets a slot without anyone releasing
    EXPECT_TRUE(fifth.get());
}

TEST(Concurrency, AReleaseWakesAWaiter) {
    auto g = concurrency_governor::fixed(2);
    ASSERT_TRUE(g.acquire());
    ASSERT_TRUE(g.acquire());
    auto third = std::async(std::launch::async, [&] { return g.acquire(); });
    g.release();
    EXPECT_TRUE(third.get());
}
