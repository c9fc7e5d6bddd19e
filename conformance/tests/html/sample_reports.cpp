// Writes the pages the headless-browser test (html-report-test, harness.html) drives, from runs with
// known content, so that the test needs no broker:
//   DIR/report.html   one interrupted run over two transports (mqtt, ws) and two versions, with passed,
//                     failed, skipped, waived and not-run cases and a transcript with a 3000-character
//                     line that must wrap;
//   DIR/a.json, DIR/b.json   two JSON reports of such runs whose verdicts differ in 4 of 12 rows;
//   DIR/compare.html  `mqttspec compare` of the two.
// usage: html-report-sample DIR
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "mqttspec/conformance/compare.hpp"
#include "mqttspec/conformance/report.hpp"

namespace cf = mqttspec::conformance;
using mqttspec::codec::protocol_version;

namespace {

struct sample_case {
    const char* id;
    protocol_version version;
    const char* section;
    const char* statement;
    cf::verdict result;
    const char* message;
};

cf::run_summary sample_run(bool second) {
    cf::run_summary s;
    s.tool_version = "0.0.0-sample";
    s.started_at = "2026-12-06T10:00:00Z";
    s.options = "profile fixtures/profiles/sample.json; versions all the broker accepts; filter (none); jobs 8";
    s.target_url = "mqtt://127.0.0.1:1883, ws://127.0.0.1:8080/mqtt";
    s.transports = {"mqtt", "ws"};
    s.profile_name = "sample";
    s.versions = {protocol_version::v3_1_1, protocol_version::v5};
    s.nonce = "0123abcd";
    s.wall_ms = 1234;
    s.interrupted = !second;
    const sample_case cases[] = {
        {"v5/publish/qos1-puback", protocol_version::v5, "3.3 PUBLISH", "MQTT-3.3.4-1", cf::verdict::passed, ""},
        {"v5/publish/retain-delivered", protocol_version::v5, "3.3 PUBLISH", "MQTT-3.3.1-6",
         second ? cf::verdict::passed : cf::verdict::failed, second ? "" : "no retained PUBLISH before the deadline"},
        {"v5/subscribe/shared-round-robin", protocol_version::v5, "4.8 Shared Subscriptions", "MQTT-4.8.2-1", cf::verdict::skipped,
         "the broker does not support shared subscriptions"},
        {"v311/connect/clean-session", protocol_version::v3_1_1, "3.1 CONNECT", "MQTT-3.1.2-6",
         second ? cf::verdict::failed : cf::verdict::passed, second ? "the session survived a clean start" : ""},
        {"v311/connect/will-qos", protocol_version::v3_1_1, "3.1 CONNECT", "MQTT-3.1.2-14", cf::verdict::waived,
         "known deviation of the sample broker"},
        {"v311/pingreq/pingresp", protocol_version::v3_1_1, "3.12 PINGREQ", "MQTT-3.12.4-1",
         second ? cf::verdict::passed : cf::verdict::not_run, second ? "" : "not run: the run was interrupted"},
    };
    for (const auto& transport : s.transports) {
        for (const auto& c : cases) {
            cf::case_result r;
            r.info.id = c.id;
            r.info.title = std::string("title of ") + c.id;
            r.info.version = c.version;
            r.info.statements = {c.statement};
            r.transport = transport;
            r.section = c.section;
            r.result = c.result;
            r.underlying = c.result;
            r.message = c.message;
            if (c.result == cf::verdict::failed) {
                r.expected = "a PUBLISH with RETAIN 1 on topic mqttspec/0123abcd/" + std::string(200, 'r');
                r.actual = "nothing before the deadline";
                r.transcript_text = "    +0.1ms c1 -> {\"type\":\"CONNECT\"}\n    +0.4ms c1 <- " + std::string(3000, 'f') + "\n";
            }
            if (c.result == cf::verdict::waived) {
                cf::waiver w;
                w.case_id = c.id;
                w.statement = c.statement;
                w.reason = "known deviation";
                w.evidence = "sent QoS 0";
                r.applied_waiver = w;
                r.underlying = cf::verdict::failed;
                r.transcript_text = "    +0.1ms c1 -> {\"type\":\"CONNECT\"}\n";
            }
            s.results.push_back(std::move(r));
        }
    }
    return s;
}

void write(const std::filesystem::path& file, const std::string& content) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: html-report-sample DIR\n");
        return 2;
    }
    try {
        const std::filesystem::path dir = argv[1];
        const auto first = sample_run(false), second = sample_run(true);
        write(dir / "report.html", cf::to_html(first));
        const auto a = cf::to_json_report(first), b = cf::to_json_report(second);
        write(dir / "a.json", a.dump(2));
        write(dir / "b.json", b.dump(2));
        const auto comparison = cf::compare_reports({cf::read_report(a, "a.json"), cf::read_report(b, "b.json")}, {"before", "after"});
        write(dir / "compare.html", cf::comparison_html(comparison));
    } catch (const std::exception& e) {
        std::fprintf(stderr, "html-report-sample: %s\n", e.what());
        return 1;
    }
    return 0;
}
