// Topic rules (4.7, 3.1.1 and 5.0): each case fails against a mini broker whose topic matching breaks
// the case's rule, and passes against the honest one.
#include <gtest/gtest.h>

#include <fstream>

#include "mini_broker.hpp"

namespace mqttspec::conformance {
namespace {

using namespace testing;

struct topic_proof {
    const char* rule;  // the case ID after "v311/topic/" and "v5/topic/"
    faults::matching matching;
};

const std::vector<topic_proof> topic_proofs = {
    {"dollar-topic-not-matched-by-leading-wildcard", {.wildcards_match_dollar = true}},
    {"dollar-topic-matched-by-explicit-filter", {.dollar_never_matched_by_wildcards = true}},
    {"no-unicode-normalisation", {.normalises_unicode = true}},
    {"zero-width-no-break-space-kept", {.drops_byte_order_mark = true}},
    {"multibyte-utf8-levels", {.plus_needs_ascii_level = true}},
};

TEST(TopicProofs, V311CasesFailUnderTheirMatchingFault) {
    for (const auto& p : topic_proofs) expect_caught(std::string("v311/topic/") + p.rule, {.matches = p.matching});
}

TEST(TopicProofs, V5CasesFailUnderTheirMatchingFault) {
    for (const auto& p : topic_proofs) expect_caught(std::string("v5/topic/") + p.rule, {.matches = p.matching});
}

// fixtures/matrices/wildcards.json: every row, against a broker that gives the opposite answer for
// exactly that row's filter and topic (the rows sit below the run's prefix: "prefix/" + filter).
TEST(WildcardMatrixProofs, EveryRowFailsUnderTheOppositeAnswer) {
    std::ifstream in(fixtures_dir() / "matrices" / "wildcards.json");
    const auto doc = json::parse(in);
    std::size_t rows = 0;
    for (const auto& row : doc.at("rows")) {
        const auto filter = "/" + row.at("filter").get<std::string>();
        const auto topic = "/" + row.at("topic").get<std::string>();
        const broker_faults opposite{.matches = [filter, topic](std::string_view f, std::string_view t) {
            const bool this_row = f.ends_with(filter) && t.ends_with(topic);
            return codec::topic_matches(f, t) != this_row;
        }};
        for (const char* version : {"v311/", "v5/"}) {
            expect_caught(version + doc.at("id").get<std::string>() + "/" + row.at("name").get<std::string>(), opposite);
            ++rows;
        }
    }
    EXPECT_GT(rows, 0u);
}

}  // namespace
}  // namespace mqttspec::conformance
