// Case-sensitive topic matching (4.7.3, MQTT-4.7.3-4 in 3.1.1 and 5.0): each case-sensitivity case
// fails against a mini broker that folds the case of topics, and passes against the honest one.
#include <gtest/gtest.h>

#include "mini_broker.hpp"

namespace mqttspec::conformance {
namespace {

using namespace testing;

const char* const case_sensitivity_cases[] = {
    "v311/topic/case-sensitive-matching", "v311/topic/case-sensitive-wildcard-matching",
    "v5/topic/case-sensitive-matching",   "v5/topic/case-sensitive-wildcard-matching",
};

// Matching that ignores case: the upper-case filter takes the lower-case message too (3.1.1: one copy
// at the higher QoS; 5.0: a copy per subscription, one at QoS 1).
TEST(CaseSensitivityProofs, CaseInsensitiveMatchingFails) {
    for (const char* id : case_sensitivity_cases) {
        expect_caught(id, {.matches = faults::matching{.case_insensitive = true}});
        mini_broker broken({.matches = faults::matching{.case_insensitive = true}});
        const auto r = run_case_against(broken, id);
        EXPECT_EQ(r.statement, "MQTT-4.7.3-4") << id << ": " << r.message;
    }
}

// A broker that stores topics in lower case: it matches regardless of case and delivers lower case.
TEST(CaseSensitivityProofs, CaseFoldingBrokerFails) {
    for (const char* id : case_sensitivity_cases) expect_caught(id, faults::folds_topic_case());
}

// Matching stays exact, but the delivered Topic Name loses its case.
TEST(CaseSensitivityProofs, LowerCasedDeliveredTopicFails) {
    for (const char* id : case_sensitivity_cases) {
        expect_caught(id, {.before_send = faults::lowercases_delivered_topics()});
    }
}

}  // namespace
}  // namespace mqttspec::conformance
