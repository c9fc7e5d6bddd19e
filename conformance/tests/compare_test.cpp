// `mqttspec compare`: reading reports (errors name the file and the field), the matrix, the
// per-section totals and what changed between two runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "mqttspec/conformance/compare.hpp"

namespace mqttspec::conformance {
namespace {

using ordered_json = nlohmann::ordered_json;

ordered_json report(const std::string& target, const std::vector<std::tuple<std::string, std::string, std::string>>& cases,
                    const std::string& transport = "mqtt") {
    ordered_json j = {{"tool", "mqttspec"}, {"tool_version", "1.0"}, {"target", target}, {"profile", "p"},
                      {"transports", {transport}}, {"interrupted", false}};
    j["cases"] = ordered_json::array();
    for (const auto& [id, result, message] : cases) {
        j["cases"].push_back({{"id", id}, {"transport", transport}, {"title", "title of " + id}, {"versions", {"5"}},
                              {"section", id.find("connect") != std::string::npos ? "3.1 CONNECT" : "3.3 PUBLISH"},
                              {"statements", {"MQTT-3.3.1-1"}}, {"result", result}, {"message", message}});
    }
    return j;
}

std::string error_of(const ordered_json& j) {
    try {
        read_report(j, "r.json");
    } catch (const compare_error& e) {
        return e.what();
    }
    return "no error";
}

TEST(Compare, BadReportsNameTheFileAndTheField) {
    EXPECT_NE(error_of(ordered_json::array()).find("r.json: not a mqttspec report"), std::string::npos);
    EXPECT_NE(error_of({{"tool", "other"}, {"cases", ordered_json::array()}}).find("r.json: tool: not a mqttspec report"), std::string::npos);
    EXPECT_EQ(error_of({{"tool", "mqttspec"}}), "r.json: cases: missing");
    auto j = report("t", {{"v5/publish/a", "passed", ""}, {"v5/publish/b", "maybe", ""}});
    EXPECT_NE(error_of(j).find("r.json: cases[1].result: expected one of passed, failed"), std::string::npos) << error_of(j);
    j = report("t", {{"v5/publish/a", "passed", ""}});
    j["cases"][0].erase("section");
    EXPECT_EQ(error_of(j), "r.json: cases[0].section: missing");
    j = report("t", {{"v5/publish/a", "passed", ""}});
    j["cases"][0]["id"] = 7;
    EXPECT_EQ(error_of(j), "r.json: cases[0].id: expected a string, got 7");
    j = report("t", {{"v5/publish/a", "passed", ""}, {"v5/publish/a", "failed", ""}});
    EXPECT_THROW(compare_reports({read_report(j, "r.json"), read_report(j, "s.json")}, {}), compare_error);
}

TEST(Compare, UnreadableOrInvalidFileIsAnError) {
    EXPECT_THROW(load_report("/nonexistent/report.json"), compare_error);
    const auto file = std::filesystem::temp_directory_path() / "mqttspec-compare-test-invalid.json";
    std::ofstream(file) << "{ not json";
    try {
        load_report(file);
        ADD_FAILURE() << "no error";
    } catch (const compare_error& e) {
        EXPECT_NE(std::string(e.what()).find(file.string() + ": not JSON"), std::string::npos) << e.what();
    }
    std::filesystem::remove(file);
}

TEST(Compare, MatrixPutsDifferencesFirstAndSaysWhatChanged) {
    const auto before = report("mqtt://old:1883", {{"v5/publish/same", "passed", ""},
                                                   {"v5/publish/breaks", "passed", ""},
                                                   {"v5/publish/heals", "failed", "no PUBACK"},
                                                   {"v5/connect/waived", "failed", "bad CONNACK"},
                                                   {"v5/connect/gone", "skipped", "no TLS"}});
    const auto after = report("mqtt://new:1883", {{"v5/publish/same", "passed", ""},
                                                  {"v5/publish/breaks", "failed", "lost the message"},
                                                  {"v5/publish/heals", "passed", ""},
                                                  {"v5/connect/waived", "waived", "known"},
                                                  {"v5/connect/added", "error", "refused"}});
    const auto c = compare_reports({read_report(before, "a.json"), read_report(after, "b.json")}, {});
    ASSERT_EQ(c.names.size(), 2u);
    EXPECT_EQ(c.names[0], "mqtt://old:1883 (p)");
    EXPECT_FALSE(c.by_transport);
    ASSERT_EQ(c.rows.size(), 6u);
    EXPECT_EQ(c.differing(), 5u);
    EXPECT_EQ(c.rows.back().id, "v5/publish/same");  // the only identical row comes last
    EXPECT_FALSE(c.rows.back().differs);
    EXPECT_TRUE(c.rows.front().differs);
    EXPECT_EQ(c.rows.front().section, "3.1 CONNECT");  // then by section
    ASSERT_TRUE(c.changes);
    ASSERT_EQ(c.changes->new_failures.size(), 1u);
    EXPECT_EQ(c.rows[c.changes->new_failures[0].row].id, "v5/publish/breaks");
    ASSERT_EQ(c.changes->fixed.size(), 1u);
    EXPECT_EQ(c.rows[c.changes->fixed[0].row].id, "v5/publish/heals");
    ASSERT_EQ(c.changes->newly_waived.size(), 1u);
    EXPECT_EQ(c.rows[c.changes->newly_waived[0].row].id, "v5/connect/waived");
    EXPECT_EQ(c.changes->other.size(), 2u);  // added (absent -> error) and gone (skipped -> absent)

    const auto totals = c.section_totals.at({"5", "3.3 PUBLISH"});
    EXPECT_EQ(totals[0].at("passed"), 2u);
    EXPECT_EQ(totals[0].at("failed"), 1u);
    EXPECT_EQ(totals[1].at("failed"), 1u);

    const auto text = comparison_text(c, false);
    EXPECT_NE(text.find("v5/publish/breaks"), std::string::npos) << text;
    EXPECT_EQ(text.find("v5/publish/same "), std::string::npos) << text;  // identical rows only with --all
    EXPECT_NE(text.find("1 rows with the same verdict everywhere not shown"), std::string::npos) << text;
    EXPECT_NE(text.find("new failures (1):\n    v5/publish/breaks: passed -> failed  (lost the message)"), std::string::npos) << text;
    EXPECT_NE(text.find("fixed (1):"), std::string::npos);
    EXPECT_NE(text.find("newly waived (1):"), std::string::npos);
    EXPECT_NE(text.find("v5/connect/added: absent -> error"), std::string::npos) << text;
    EXPECT_NE(text.find("MQTT 5 / 3.3 PUBLISH"), std::string::npos) << text;
    EXPECT_NE(comparison_text(c, true).find("v5/publish/same "), std::string::npos);

    const auto page = comparison_html(c);
    EXPECT_EQ(page.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_NE(page.find("name=\"viewport\""), std::string::npos);
    EXPECT_NE(page.find("id=\"differences-only\""), std::string::npos);
    EXPECT_NE(page.find("data-differs=\"0\""), std::string::npos);  // every row is in the page
    EXPECT_EQ(page.find("http://"), std::string::npos);             // nothing loaded from elsewhere
    EXPECT_EQ(page.find("https://"), std::string::npos);
}

TEST(Compare, NamesAreGivenOrDeduplicated) {
    const auto a = report("mqtt://h:1883", {{"v5/publish/a", "passed", ""}});
    auto c = compare_reports({read_report(a, "a.json"), read_report(a, "b.json")}, {});
    EXPECT_EQ(c.names[0], "mqtt://h:1883 (p) [a.json]");
    EXPECT_EQ(c.names[1], "mqtt://h:1883 (p) [b.json]");
    EXPECT_EQ(c.differing(), 0u);
    EXPECT_NE(comparison_text(c, false).find("no differences"), std::string::npos);
    c = compare_reports({read_report(a, "a.json"), read_report(a, "b.json")}, {"mosquitto", "aedes"});
    EXPECT_EQ(c.names[1], "aedes");
    EXPECT_THROW(compare_reports({read_report(a, "a.json"), read_report(a, "b.json")}, {"one"}), std::invalid_argument);
}

TEST(Compare, ReportsOfOneTransportEachLineUpByCaseId) {
    const auto tcp = report("mqtt://h:1883", {{"v5/publish/a", "passed", ""}}, "mqtt");
    const auto ws = report("ws://h:8080/mqtt", {{"v5/publish/a", "failed", "closed"}}, "ws");
    const auto c = compare_reports({read_report(tcp, "tcp.json"), read_report(ws, "ws.json")}, {});
    EXPECT_FALSE(c.by_transport);
    ASSERT_EQ(c.rows.size(), 1u);
    EXPECT_TRUE(c.rows[0].differs);

    // A report over several transports: rows are (transport, ID), and a one-transport report lines
    // up with its transport's rows.
    auto both = report("mqtt://h:1883, ws://h:8080/mqtt", {{"v5/publish/a", "passed", ""}}, "mqtt");
    both["transports"] = {"mqtt", "ws"};
    auto ws_case = both["cases"][0];
    ws_case["transport"] = "ws";
    both["cases"].push_back(ws_case);
    const auto d = compare_reports({read_report(both, "both.json"), read_report(tcp, "tcp.json")}, {});
    EXPECT_TRUE(d.by_transport);
    ASSERT_EQ(d.rows.size(), 2u);
    EXPECT_EQ(d.differing(), 1u);  // ws is absent from tcp.json
    EXPECT_EQ(d.rows[0].transport, "ws");
}

}  // namespace
}  // namespace mqttspec::conformance
