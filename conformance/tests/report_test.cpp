// Reports: JSON fields, JUnit structure, HTML/XML escaping, the console's last line.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <set>

#include "mqttspec/conformance/report.hpp"

namespace mqttspec::conformance {
namespace {

run_summary sample() {
    run_summary s;
    s.tool_version = "0.1.0";
    s.target_url = "mqtt://h:1883";
    s.profile_name = "p";
    s.versions = {codec::protocol_version::v5};
    auto add = [&](const std::string& id, verdict v, std::string message) {
        case_result r;
        r.info.id = id;
        r.info.title = "title of " + id;
        r.info.statements = {"MQTT-3.3.4-1"};
        r.info.version = codec::protocol_version::v5;
        r.section = "3.3 PUBLISH";
        r.result = v;
        r.underlying = v;
        r.message = std::move(message);
        r.expected = "<expected & \"quoted\">";
        r.actual = "<script>alert(1)</script>";
        r.transcript = json::array({{{"t_ms", 1.5}, {"client", "c"}, {"dir", "sent"}, {"packet", {{"type", "PUBLISH"}}}}});
        r.transcript_text = "    +1.5ms c -> {\"type\":\"PUBLISH\",\"topic\":\"<b>\"}\n";
        s.results.push_back(r);
    };
    add("v5/publish/a", verdict::passed, "");
    add("v5/publish/b", verdict::failed, "no <PUBACK>");
    add("v5/publish/c", verdict::skipped, "needs qos2");
    add("v5/publish/d", verdict::non_strict, "should");
    add("v5/publish/e", verdict::waived, "known");
    add("v5/publish/f", verdict::error, "unreachable");
    waiver w;
    w.case_id = "v5/publish/e";
    w.statement = "MQTT-3.3.4-1";
    w.observed = "known";
    w.reason = "known";
    w.evidence = "sent X";
    s.results[4].applied_waiver = w;
    return s;
}

TEST(Report, JsonHasEveryField) {
    const auto j = to_json_report(sample());
    EXPECT_EQ(j["tool"], "mqttspec");
    EXPECT_EQ(j["tool_version"], "0.1.0");
    EXPECT_EQ(j["target"], "mqtt://h:1883");
    EXPECT_EQ(j["summary"]["total"], 6);
    EXPECT_EQ(j["summary"]["failed"], 1);
    EXPECT_EQ(j["summary"]["non-strict"], 1);
    ASSERT_EQ(j["cases"].size(), 6u);
    for (const auto& c : j["cases"]) {
        for (const char* key : {"id", "title", "versions", "statements", "level", "result", "message", "duration_ms"}) {
            EXPECT_TRUE(c.contains(key)) << key;
        }
    }
    EXPECT_FALSE(j["cases"][0].contains("transcript"));  // passed: no transcript
    EXPECT_TRUE(j["cases"][1].contains("transcript"));   // failed: transcript
    EXPECT_EQ(j["cases"][1]["result"], "failed");
    EXPECT_EQ(j["cases"][3]["result"], "non-strict");
    EXPECT_EQ(j["cases"][4]["waiver"]["evidence"], "sent X");
    EXPECT_EQ(j["cases"][4]["waiver"]["intermittent"], false);  // ci/stability tells a broker's race by it
}

TEST(Report, JunitStructureAndEscaping) {
    const auto x = to_junit(sample());
    EXPECT_NE(x.find("<testsuites name=\"mqttspec\" tests=\"6\" failures=\"1\" errors=\"1\" skipped=\"2\""), std::string::npos) << x;
    EXPECT_NE(x.find("<testsuite name=\"MQTT 5 / 3.3 PUBLISH\""), std::string::npos);
    EXPECT_NE(x.find("<failure message=\"no &lt;PUBACK&gt;\""), std::string::npos);
    EXPECT_NE(x.find("<error message=\"unreachable\""), std::string::npos);
    EXPECT_NE(x.find("<skipped message=\"waived: known\"/>"), std::string::npos);
    EXPECT_EQ(x.find("<script>"), std::string::npos);
    EXPECT_EQ(x.find("<b>"), std::string::npos);
}

TEST(Report, HtmlEscapesEverything) {
    const auto h = to_html(sample());
    EXPECT_EQ(h.rfind("<!DOCTYPE html>", 0), 0u);
    EXPECT_EQ(h.find("<script>alert"), std::string::npos);  // the page's own script is the only one
    EXPECT_NE(h.find("&lt;script&gt;alert(1)&lt;/script&gt;"), std::string::npos);
    EXPECT_NE(h.find("&lt;expected &amp; &quot;quoted&quot;&gt;"), std::string::npos);
    EXPECT_EQ(h.find("<b>"), std::string::npos);
    EXPECT_EQ(xml_escape("a\x01<'"), "a?&lt;&#39;");
}

TEST(Report, ConsoleEndsWithTheSummaryLine) {
    char* buffer = nullptr;
    std::size_t size = 0;
    std::FILE* out = open_memstream(&buffer, &size);
    write_console(out, sample(), {});
    std::fclose(out);
    std::string text(buffer, size);
    std::free(buffer);
    const auto last = text.substr(text.rfind('\n', text.size() - 2) + 1);
    EXPECT_EQ(last, "1 passed, 1 failed, 1 skipped, 1 non-strict, 1 waived, 1 errors, 0 unstable, 0 not run\n");
    EXPECT_NE(text.find("[FAIL] v5/publish/b"), std::string::npos);
    EXPECT_NE(text.find("expected: <expected"), std::string::npos);
    EXPECT_EQ(text.find("\033["), std::string::npos);  // no colour unless asked
}

std::string console_text(const run_summary& s, const console_options& o) {
    char* buffer = nullptr;
    std::size_t size = 0;
    std::FILE* out = open_memstream(&buffer, &size);
    write_console(out, s, o);
    std::fclose(out);
    std::string text(buffer, size);
    std::free(buffer);
    return text;
}

run_summary over(const std::string& scheme) {
    auto s = sample();
    s.target_url = scheme + "://h";
    s.transports = {scheme};
    for (auto& r : s.results) r.transport = scheme;
    return s;
}

TEST(Report, RecapListsEveryNonPassingCaseAndQuietHidesPasses) {
    const auto full = console_text(sample(), {});
    const auto recap = full.substr(full.find("not passing (3)"));
    for (const char* id : {"v5/publish/b", "v5/publish/d", "v5/publish/f"}) EXPECT_NE(recap.find(id), std::string::npos) << id;
    EXPECT_EQ(recap.find("v5/publish/a "), std::string::npos);
    EXPECT_NE(full.find("results per section"), std::string::npos);
    EXPECT_NE(full.find("[PASS] v5/publish/a"), std::string::npos);
    const auto quiet = console_text(sample(), {.quiet = true});
    EXPECT_EQ(quiet.find("[PASS] v5/publish/a"), std::string::npos);
    EXPECT_NE(quiet.find("[FAIL] v5/publish/b"), std::string::npos);
    EXPECT_EQ(quiet.find("results per section"), std::string::npos);
    EXPECT_EQ(quiet.substr(quiet.rfind('\n', quiet.size() - 2) + 1),
              "1 passed, 1 failed, 1 skipped, 1 non-strict, 1 waived, 1 errors, 0 unstable, 0 not run\n");
}

TEST(Report, SeveralTransportsMakeOneReportWithEachCasesTransport) {
    std::vector<run_summary> runs;
    runs.push_back(over("mqtt"));
    runs.push_back(over("ws"));
    const auto merged = merge_runs(std::move(runs));
    ASSERT_EQ(merged.results.size(), 12u);
    EXPECT_EQ(merged.transports, (std::vector<std::string>{"mqtt", "ws"}));
    EXPECT_EQ(merged.count(verdict::failed), 2u);
    const auto j = to_json_report(merged);
    EXPECT_EQ(j["transports"], json::array({"mqtt", "ws"}));
    std::set<std::pair<std::string, std::string>> identities;
    for (const auto& c : j["cases"]) identities.emplace(c["transport"].get<std::string>(), c["id"].get<std::string>());
    EXPECT_EQ(identities.size(), 12u);
    const auto junit = to_junit(merged);
    EXPECT_NE(junit.find("classname=\"ws.v5.publish\""), std::string::npos);
    EXPECT_NE(junit.find("classname=\"mqtt.v5.publish\""), std::string::npos);
    EXPECT_NE(junit.find("MQTT 5 over ws / 3.3 PUBLISH"), std::string::npos);
    const auto text = console_text(merged, {});
    EXPECT_NE(text.find("MQTT 5 over mqtt"), std::string::npos);
    EXPECT_NE(text.find("v5/publish/b over ws"), std::string::npos);
    EXPECT_NE(text.find("2 passed, 2 failed, 2 skipped"), std::string::npos);
}

TEST(Report, InterruptedRunsSayItEverywhereAndExit130) {
    auto s = sample();
    s.interrupted = true;
    s.results[0].result = verdict::not_run;
    EXPECT_EQ(s.exit_code(), 130);
    EXPECT_TRUE(to_json_report(s)["interrupted"].get<bool>());
    EXPECT_NE(to_junit(s).find("mqttspec (interrupted)"), std::string::npos);
    EXPECT_NE(console_text(s, {}).find("INTERRUPTED"), std::string::npos);
}

}  // namespace
}  // namespace mqttspec::conformance
