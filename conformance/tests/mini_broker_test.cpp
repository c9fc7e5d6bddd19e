// The honest mini broker (mini_broker.hpp) itself: the faults it offers change what they say and
// nothing else, and a survey of every case against it (run by hand) shows where it falls short.
#include <gtest/gtest.h>

#include <cstdio>

#include "mini_broker.hpp"

namespace mqttspec::conformance {
namespace {

using namespace testing;

TEST(MiniBrokerMatching, HonestMatchingIsTheCodecs) {
    const faults::matching honest;
    for (const auto& [f, t] : std::vector<std::pair<std::string, std::string>>{
             {"a/+", "a/b"}, {"a/+", "a/"}, {"a/+", "a/b/c"}, {"a/#", "a"}, {"a/#", "a/b/c"}, {"+", "$SYS"}, {"#", "$SYS/x"},
             {"$SYS/#", "$SYS/x"}, {"+/+", "/a"}, {"a/b", "a/b/"}, {"A", "a"}, {"$share/g/a/+", "a/b"}}) {
        EXPECT_EQ(honest(f, t), codec::topic_matches(f, t)) << f << " vs " << t;
    }
}

TEST(MiniBrokerMatching, EachDeviationChangesItsRule) {
    EXPECT_TRUE((faults::matching{.plus_spans_levels = true})("a/+", "a/b/c"));
    EXPECT_FALSE((faults::matching{.plus_skips_empty_level = true})("a/+", "a/"));
    EXPECT_FALSE((faults::matching{.hash_needs_a_level = true})("a/#", "a"));
    EXPECT_TRUE((faults::matching{.wildcards_match_dollar = true})("+/x", "$a/x"));
    EXPECT_TRUE((faults::matching{.case_insensitive = true})("A/b", "a/B"));
    EXPECT_TRUE((faults::matching{.prefix_matches = true})("a/b", "a/b/c"));
    EXPECT_FALSE((faults::matching{.dollar_never_matched_by_wildcards = true})("$a/+", "$a/b"));
    EXPECT_TRUE((faults::matching{.normalises_unicode = true})("caf\xC3\xA9", "cafe\xCC\x81"));
    EXPECT_TRUE((faults::matching{.drops_byte_order_mark = true})("\xEF\xBB\xBFz", "z"));
    EXPECT_FALSE((faults::matching{.plus_needs_ascii_level = true})("+", "\xE6\x97\xA5"));
}

// Every case against the honest broker; prints the verdicts. By hand:
//   conformance-tests --gtest_also_run_disabled_tests --gtest_filter='MiniBrokerSurvey.*'
TEST(MiniBrokerSurvey, DISABLED_EveryCase) {
    static const std::vector<case_def> cases = all_cases(fixtures_dir());
    const char* only = std::getenv("MQTTSPEC_SURVEY_FILTER");
    for (const auto& c : cases) {
        if (only && !glob_match(only, c.info.id)) continue;
        mini_broker honest;
        const auto r = run_case(c, fake_environment(honest.server()), 0);
        std::printf("SURVEY %-10s %s %s\n", std::string(to_string(r.result)).c_str(), c.info.id.c_str(), r.message.substr(0, 160).c_str());
    }
}

}  // namespace
}  // namespace mqttspec::conformance
