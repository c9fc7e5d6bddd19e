#include "mqttspec/conformance/report.hpp"

#include "html_page.hpp"

#include <algorithm>
#include <cstdio>
#include <map>
#include <sstream>

namespace mqttspec::conformance {

namespace {

std::string version_label(codec::protocol_version v) { return "MQTT " + std::string(codec::to_string(v)); }

// "3.12 PINGREQ" sorts after "3.2 CONNACK": compare the numeric components first.
bool section_less(const std::string& a, const std::string& b) {
    auto numbers = [](const std::string& s) {
        std::vector<int> out;
        std::size_t i = 0;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) {
            int n = 0;
            while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) n = n * 10 + (s[i++] - '0');
            out.push_back(n);
            if (i < s.size() && s[i] == '.') ++i;
            else break;
        }
        return out;
    };
    const auto na = numbers(a), nb = numbers(b);
    if (na != nb) {
        if (na.empty() || nb.empty()) return !na.empty();  // numbered sections before named areas
        return na < nb;
    }
    return a < b;
}

// Results grouped by version then section, in report order.
using grouped = std::vector<std::pair<std::string, std::vector<std::pair<std::string, std::vector<const case_result*>>>>>;

// With several transports in one run, each group also names its transport ("MQTT 5.0 over ws").
grouped group(const run_summary& s) {
    grouped out;
    const bool several = s.transports.size() > 1;
    std::map<std::pair<std::size_t, codec::protocol_version>, std::map<std::string, std::vector<const case_result*>>> by;
    for (const auto& r : s.results) {
        const auto at = std::find(s.transports.begin(), s.transports.end(), r.transport);
        by[{static_cast<std::size_t>(at - s.transports.begin()), r.info.version}][r.section].push_back(&r);
    }
    for (auto& [key, sections] : by) {
        std::vector<std::pair<std::string, std::vector<const case_result*>>> list(sections.begin(), sections.end());
        std::sort(list.begin(), list.end(), [](const auto& a, const auto& b) { return section_less(a.first, b.first); });
        std::string label = version_label(key.second);
        if (several && key.first < s.transports.size()) label += " over " + s.transports[key.first];
        out.emplace_back(std::move(label), std::move(list));
    }
    return out;
}

std::string_view tag(verdict v) {
    switch (v) {
        case verdict::passed: return "[PASS]";
        case verdict::failed: return "[FAIL]";
        case verdict::skipped: return "[SKIP]";
        case verdict::error: return "[ERROR]";
        case verdict::non_strict: return "[NON-STRICT]";
        case verdict::waived: return "[WAIVED]";
        case verdict::unstable: return "[UNSTABLE]";
        case verdict::not_run: return "[NOT RUN]";
    }
    return "[?]";
}

const char* color_of(verdict v) {
    switch (v) {
        case verdict::passed: return "\033[32m";
        case verdict::failed: return "\033[31m";
        case verdict::skipped: return "\033[36m";
        case verdict::error: return "\033[35m";
        case verdict::non_strict: return "\033[33m";
        case verdict::waived: return "\033[34m";
        case verdict::unstable: return "\033[33m";
        case verdict::not_run: return "\033[35m";
    }
    return "";
}

std::string statements_of(const case_result& r) {
    if (!r.statement.empty()) return r.statement;
    std::string out;
    for (const auto& s : r.info.statements) out += (out.empty() ? "" : ", ") + s;
    return out;
}

bool shows_evidence(verdict v) {
    return v == verdict::failed || v == verdict::non_strict || v == verdict::error || v == verdict::waived || v == verdict::unstable;
}

// The lines about the run as a whole that every report carries: refused versions, a broker that
// stopped answering, stale waivers, cases that fail only under concurrency.
std::vector<std::string> run_notes(const run_summary& s) {
    std::vector<std::string> out;
    if (s.interrupted) {
        out.push_back("INTERRUPTED: the run was stopped by a signal; " + std::to_string(s.count(verdict::not_run)) +
                      " cases were not run and these results are partial");
    }
    for (const auto& r : s.refused) {
        std::string line = "MQTT " + std::string(codec::to_string(r.version)) + " refused by the broker: " + r.reason;
        if (r.unsupported) {
            line += " (unsupported protocol version: allowed, its cases were not run)";
        } else if (r.fails_run) {
            line += " - FAILED: a broker must accept a version or refuse it as unsupported (3.1.1 return code 0x01, 5.0 reason 0x84)";
        }
        out.push_back(std::move(line));
    }
    if (!s.broker_down.empty()) {
        out.push_back("the broker stopped answering during the run: " + s.broker_down + "; " +
                      std::to_string(s.count(verdict::not_run)) + " cases were not run or not judged");
    }
    if (const auto unstable = s.count(verdict::unstable); unstable > 0) {
        out.push_back("the broker fails under concurrent clients: " + std::to_string(unstable) +
                      " cases failed while other cases ran and passed when run alone (verdict unstable)");
    }
    if (const auto stale = s.stale_waivers(); stale > 0) {
        std::string ids;
        for (const auto& r : s.results) {
            if (r.stale_waiver) ids += (ids.empty() ? "" : ", ") + r.info.id;
        }
        out.push_back(std::to_string(stale) + " stale waivers (their cases passed; drop them from the profile" +
                      std::string(s.strict_waivers ? ", --strict-waivers: the run fails" : "") + "): " + ids);
    }
    return out;
}

// One line per section and version with its counts (only the verdicts that occur).
void write_section_counts(std::FILE* out, const run_summary& s) {
    std::fprintf(out, "results per section\n");
    for (const auto& [version, sections] : group(s)) {
        std::fprintf(out, "  %s\n", version.c_str());
        for (const auto& [section, results] : sections) {
            std::map<verdict, std::size_t> n;
            for (const auto* r : results) ++n[r->result];
            std::string counts;
            for (const auto& [v, k] : n) counts += (counts.empty() ? "" : ", ") + std::to_string(k) + " " + std::string(to_string(v));
            std::fprintf(out, "    %-44s %s\n", section.c_str(), counts.c_str());
        }
    }
    std::fprintf(out, "\n");
}

// The rule's words under a failure, one statement per line.
void write_statement_words(std::FILE* out, const case_result& r) {
    std::size_t start = 0;
    while (start < r.statement_text.size()) {
        auto end = r.statement_text.find('\n', start);
        if (end == std::string::npos) end = r.statement_text.size();
        std::fprintf(out, "        rule: %s\n", r.statement_text.substr(start, end - start).c_str());
        start = end + 1;
    }
}

// Every case that failed, erred, was unstable or non-strict, one line each: what to look at first.
void write_recap(std::FILE* out, const run_summary& s, const console_options& o) {
    std::vector<const case_result*> bad;
    for (const auto& r : s.results) {
        if (r.result == verdict::failed || r.result == verdict::error || r.result == verdict::unstable || r.result == verdict::non_strict) {
            bad.push_back(&r);
        }
    }
    if (bad.empty()) return;
    const char* reset = o.color ? "\033[0m" : "";
    const bool several = s.transports.size() > 1;
    std::fprintf(out, "not passing (%zu)\n", bad.size());
    for (const auto* r : bad) {
        std::string why = r->message;
        if (const auto nl = why.find('\n'); nl != std::string::npos) why.resize(nl);
        std::fprintf(out, "  %s%s%s %s%s%s  %s: %s\n", o.color ? color_of(r->result) : "", std::string(tag(r->result)).c_str(), reset,
                     r->info.id.c_str(), several ? " over " : "", several ? r->transport.c_str() : "", statements_of(*r).c_str(),
                     why.c_str());
    }
    std::fprintf(out, "\n");
}

}  // namespace

std::string summary_line(const run_summary& s) {
    return std::to_string(s.count(verdict::passed)) + " passed, " + std::to_string(s.count(verdict::failed)) + " failed, " +
           std::to_string(s.count(verdict::skipped)) + " skipped, " + std::to_string(s.count(verdict::non_strict)) +
           " non-strict, " + std::to_string(s.count(verdict::waived)) + " waived, " +
           std::to_string(s.count(verdict::error)) + " errors, " + std::to_string(s.count(verdict::unstable)) + " unstable, " +
           std::to_string(s.count(verdict::not_run)) + " not run";
}

void write_console(std::FILE* out, const run_summary& s, const console_options& o) {
    const char* reset = o.color ? "\033[0m" : "";
    const char* bold = o.color ? "\033[1m" : "";
    for (const auto& [version, sections] : group(s)) {
        bool version_shown = false;
        for (const auto& [section, results] : sections) {
            bool section_shown = false;
            for (const case_result* r : results) {
                if (o.quiet && r->result == verdict::passed) continue;
                if (!version_shown) std::fprintf(out, "%s%s%s\n", bold, version.c_str(), reset);
                if (!section_shown) std::fprintf(out, "  %s\n", section.c_str());
                version_shown = section_shown = true;
                std::fprintf(out, "    %s%s%s %s  %s\n", o.color ? color_of(r->result) : "", std::string(tag(r->result)).c_str(),
                             reset, r->info.id.c_str(), r->info.title.c_str());
                if (r->result == verdict::skipped || r->result == verdict::not_run || r->stale_waiver) {
                    std::fprintf(out, "        %s: %s\n", r->stale_waiver ? "stale waiver" : "reason", r->message.c_str());
                } else if (shows_evidence(r->result)) {
                    std::fprintf(out, "        %s (%s): %s\n", statements_of(*r).c_str(), std::string(to_string(r->info.lvl)).c_str(),
                                 r->message.c_str());
                    write_statement_words(out, *r);
                    if (!r->expected.empty()) std::fprintf(out, "        expected: %s\n", r->expected.c_str());
                    if (!r->actual.empty()) std::fprintf(out, "        actual:   %s\n", r->actual.c_str());
                    if (r->applied_waiver) std::fprintf(out, "        waiver evidence: %s\n", r->applied_waiver->evidence.c_str());
                    if (r->rerun) {
                        std::fprintf(out, "        re-run alone: %s%s%s\n", std::string(to_string(*r->rerun)).c_str(),
                                     r->rerun_message.empty() ? "" : ": ", r->rerun_message.c_str());
                    }
                }
                if (o.verbose && !r->transcript_text.empty()) std::fprintf(out, "%s", r->transcript_text.c_str());
                if (o.verbose && !r->rerun_transcript_text.empty()) {
                    std::fprintf(out, "        (re-run alone)\n%s", r->rerun_transcript_text.c_str());
                }
            }
        }
        if (version_shown) std::fprintf(out, "\n");
    }
    if (!o.quiet) write_section_counts(out, s);
    write_recap(out, s, o);
    std::fprintf(out, "target %s, profile %s, nonce %s, rtt %.3f ms, timeout %lld ms, jobs %s, %.1f s\n", s.target_url.c_str(),
                 s.profile_name.c_str(), s.nonce.c_str(), static_cast<double>(s.rtt.count()) / 1000.0,
                 static_cast<long long>(s.timeout.count()), s.concurrency.empty() ? "?" : s.concurrency.c_str(), s.wall_ms / 1000.0);
    for (const auto& note : run_notes(s)) std::fprintf(out, "%s\n", note.c_str());
    std::fprintf(out, "%s\n", summary_line(s).c_str());
}

json to_json_report(const run_summary& s) {
    json j;
    j["tool"] = "mqttspec";
    j["tool_version"] = s.tool_version;
    j["target"] = s.target_url;
    j["transports"] = s.transports;
    j["interrupted"] = s.interrupted;
    j["started_at"] = s.started_at;
    j["options"] = s.options;
    j["profile"] = s.profile_name;
    json versions = json::array();
    for (auto v : s.versions) versions.push_back(std::string(codec::to_string(v)));
    j["versions"] = versions;
    j["nonce"] = s.nonce;
    j["rtt_us"] = s.rtt.count();
    j["concurrency"] = s.concurrency;
    j["timeout_ms"] = s.timeout.count();
    j["wall_ms"] = s.wall_ms;
    j["summary"] = {{"total", s.results.size()},
                    {"passed", s.count(verdict::passed)},
                    {"failed", s.count(verdict::failed)},
                    {"skipped", s.count(verdict::skipped)},
                    {"non-strict", s.count(verdict::non_strict)},
                    {"waived", s.count(verdict::waived)},
                    {"error", s.count(verdict::error)},
                    {"unstable", s.count(verdict::unstable)},
                    {"not-run", s.count(verdict::not_run)},
                    {"stale_waivers", s.stale_waivers()}};
    json refused = json::array();
    for (const auto& r : s.refused) {
        refused.push_back({{"version", std::string(codec::to_string(r.version))}, {"reason", r.reason},
                           {"unsupported", r.unsupported}, {"fails_run", r.fails_run}});
    }
    j["refused_versions"] = std::move(refused);
    if (!s.broker_down.empty()) j["broker_down"] = s.broker_down;
    j["notes"] = run_notes(s);
    j["exit_code"] = s.exit_code();
    json cases = json::array();
    for (const auto& r : s.results) {
        json c;
        c["id"] = r.info.id;
        c["transport"] = r.transport;
        c["title"] = r.info.title;
        c["versions"] = json::array({std::string(codec::to_string(r.info.version))});
        c["section"] = r.section;
        c["statements"] = r.info.statements;
        c["level"] = std::string(to_string(r.info.lvl));
        c["result"] = std::string(to_string(r.result));
        c["message"] = r.message;
        if (!r.statement.empty()) c["statement"] = r.statement;
        if (!r.statement_text.empty()) c["statement_text"] = r.statement_text;
        if (!r.expected.empty()) c["expected"] = r.expected;
        if (!r.actual.empty()) c["actual"] = r.actual;
        c["duration_ms"] = r.duration_ms;
        c["source"] = r.info.source;
        if (r.repeats > 1) c["repeats"] = {{"total", r.repeats}, {"failed", r.failed_repeats}};
        if (r.applied_waiver) {
            c["waiver"] = {{"statement", r.applied_waiver->statement}, {"observed", r.applied_waiver->observed},
                           {"reason", r.applied_waiver->reason}, {"evidence", r.applied_waiver->evidence},
                           {"intermittent", r.applied_waiver->intermittent}};
            c["underlying_result"] = std::string(to_string(r.underlying));
        }
        if (r.stale_waiver) c["stale_waiver"] = {{"statement", r.stale_waiver->statement}, {"reason", r.stale_waiver->reason}};
        if (shows_evidence(r.result)) c["transcript"] = r.transcript;
        if (r.rerun) {
            c["rerun"] = {{"result", std::string(to_string(*r.rerun))}, {"message", r.rerun_message}, {"transcript", r.rerun_transcript}};
        }
        cases.push_back(std::move(c));
    }
    j["cases"] = std::move(cases);
    return j;
}

std::string xml_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char ch : s) {
        switch (ch) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default:
                // XML 1.0 forbids most control characters even as references.
                if (static_cast<unsigned char>(ch) < 0x20 && ch != '\n' && ch != '\t' && ch != '\r') {
                    out += "?";
                } else {
                    out += ch;
                }
        }
    }
    return out;
}

std::string to_junit(const run_summary& s) {
    std::ostringstream x;
    char num[32];
    auto seconds = [&](double ms) {
        std::snprintf(num, sizeof num, "%.3f", ms / 1000.0);
        return std::string(num);
    };
    x << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
    const auto refusals_failed = static_cast<std::size_t>(
        std::count_if(s.refused.begin(), s.refused.end(), [](const refused_version& r) { return r.fails_run; }));
    x << "<testsuites name=\"" << (s.interrupted ? "mqttspec (interrupted)" : "mqttspec") << "\" tests=\"" << s.results.size() + s.refused.size() << "\" failures=\""
      << s.count(verdict::failed) + s.count(verdict::unstable) + refusals_failed << "\" errors=\"" << s.count(verdict::error)
      << "\" skipped=\"" << s.count(verdict::skipped) + s.count(verdict::waived) + s.count(verdict::not_run) + s.refused.size() - refusals_failed
      << "\" time=\"" << seconds(s.wall_ms) << "\">\n";
    if (!s.refused.empty()) {
        // The probe's verdicts on each version the broker refused.
        x << "  <testsuite name=\"MQTT versions\" tests=\"" << s.refused.size() << "\" failures=\"" << refusals_failed
          << "\" errors=\"0\" skipped=\"" << s.refused.size() - refusals_failed << "\" time=\"0\">\n";
        for (const auto& r : s.refused) {
            const std::string name = "MQTT " + std::string(codec::to_string(r.version)) + " accepted or refused as unsupported";
            x << "    <testcase classname=\"probe\" name=\"" << xml_escape(name) << "\" time=\"0\">\n";
            if (r.fails_run) {
                x << "      <failure message=\"" << xml_escape("refused: " + r.reason) << "\" type=\"MQTT-3.1.2-2\"/>\n";
            } else {
                x << "      <skipped message=\"" << xml_escape("refused: " + r.reason) << "\"/>\n";
            }
            x << "    </testcase>\n";
        }
        x << "  </testsuite>\n";
    }
    for (const auto& [version, sections] : group(s)) {
        for (const auto& [section, results] : sections) {
            std::size_t failures = 0, errors = 0, skipped = 0;
            double time = 0;
            for (const auto* r : results) {
                failures += r->result == verdict::failed || r->result == verdict::unstable;
                errors += r->result == verdict::error;
                skipped += r->result == verdict::skipped || r->result == verdict::waived || r->result == verdict::not_run;
                time += r->duration_ms;
            }
            x << "  <testsuite name=\"" << xml_escape(version + " / " + section) << "\" tests=\"" << results.size()
              << "\" failures=\"" << failures << "\" errors=\"" << errors << "\" skipped=\"" << skipped << "\" time=\""
              << seconds(time) << "\">\n";
            for (const auto* r : results) {
                std::string classname = r->info.id.substr(0, r->info.id.rfind('/'));
                std::replace(classname.begin(), classname.end(), '/', '.');
                if (s.transports.size() > 1) classname = r->transport + "." + classname;  // one identity per transport
                x << "    <testcase classname=\"" << xml_escape(classname) << "\" name=\"" << xml_escape(r->info.id)
                  << "\" time=\"" << seconds(r->duration_ms) << "\">\n";
                const std::string detail = "statement: " + statements_of(*r) + " (" + std::string(to_string(r->info.lvl)) +
                                           ")\n" + (r->statement_text.empty() ? "" : r->statement_text + "\n") + "expected: " + r->expected + "\nactual: " + r->actual + "\n\n" + r->transcript_text;
                switch (r->result) {
                    case verdict::failed:
                        x << "      <failure message=\"" << xml_escape(r->message) << "\" type=\"" << xml_escape(statements_of(*r))
                          << "\">" << xml_escape(detail) << "</failure>\n";
                        break;
                    case verdict::error:
                        x << "      <error message=\"" << xml_escape(r->message) << "\">" << xml_escape(detail) << "</error>\n";
                        break;
                    case verdict::unstable:
                        x << "      <failure message=\"" << xml_escape(r->message) << "\" type=\"unstable\">"
                          << xml_escape(detail + "\n\nre-run alone: " + r->rerun_message + "\n" + r->rerun_transcript_text) << "</failure>\n";
                        break;
                    case verdict::skipped:
                    case verdict::waived:
                    case verdict::not_run:
                        x << "      <skipped message=\"" << xml_escape(std::string(to_string(r->result)) + ": " + r->message) << "\"/>\n";
                        break;
                    case verdict::non_strict:
                        x << "      <system-out>" << xml_escape("non-strict: " + r->message + "\n" + detail) << "</system-out>\n";
                        break;
                    case verdict::passed: break;
                }
                x << "    </testcase>\n";
            }
            x << "  </testsuite>\n";
        }
    }
    x << "</testsuites>\n";
    return x.str();
}

namespace {

// "12 passed, 1 failed" (only the verdicts that occur, in the enum's order).
std::string counts_text(const std::vector<const case_result*>& results) {
    std::map<verdict, std::size_t> n;
    for (const auto* r : results) ++n[r->result];
    std::string out;
    for (const auto& [v, k] : n) out += (out.empty() ? "" : ", ") + std::to_string(k) + " " + std::string(to_string(v));
    return out;
}

void html_case_row(std::ostringstream& h, const case_result& r) {
    auto e = [](std::string_view v) { return html::escape(v); };
    const std::string verdict_name(to_string(r.result));
    const std::string version(codec::to_string(r.info.version));
    std::string statements;
    for (const auto& st : r.info.statements) statements += (statements.empty() ? "" : ", ") + st;
    const std::string searchable = html::lower(r.info.id + " " + r.info.title + " " + statements + " " + r.statement + " " + r.message);
    h << "<tr class=\"row\" id=\"" << e(html::anchor("case-" + r.transport + "-", r.info.id)) << "\" data-result=\"" << e(verdict_name)
      << "\" data-version=\"" << e(version) << "\" data-transport=\"" << e(r.transport) << "\" data-search=\"" << e(searchable) << "\">"
      << "<td data-label=\"case\"><code>" << e(r.info.id) << "</code></td><td data-label=\"title\">" << e(r.info.title)
      << "</td><td data-label=\"statements\">" << e(statements) << "</td><td data-label=\"level\">" << e(to_string(r.info.lvl))
      << "</td><td data-label=\"result\">" << html::verdict_badge(verdict_name) << "</td><td data-label=\"details\">" << e(r.message);
    if (shows_evidence(r.result)) {
        if (!r.statement.empty()) h << "<div class=\"ev\">statement: <code>" << e(r.statement) << "</code></div>";
        if (!r.statement_text.empty()) h << "<div class=\"ev rule\">" << e(r.statement_text) << "</div>";
        if (!r.expected.empty()) h << "<div class=\"ev\">expected: <code>" << e(r.expected) << "</code></div>";
        if (!r.actual.empty()) h << "<div class=\"ev\">actual: <code>" << e(r.actual) << "</code></div>";
        if (r.applied_waiver) {
            h << "<div class=\"ev\">waived (" << e(r.applied_waiver->reason) << "), underlying " << e(to_string(r.underlying))
              << "; evidence: " << e(r.applied_waiver->evidence) << "</div>";
        }
        if (r.repeats > 1) h << "<div class=\"ev\">failed " << r.failed_repeats << " of " << r.repeats << " repetitions</div>";
        if (!r.transcript_text.empty()) h << "<details><summary>transcript</summary><pre>" << e(r.transcript_text) << "</pre></details>";
        if (r.rerun) {
            h << "<div class=\"ev\">re-run alone: " << e(to_string(*r.rerun)) << (r.rerun_message.empty() ? "" : ": ")
              << e(r.rerun_message) << "</div>";
            if (!r.rerun_transcript_text.empty()) {
                h << "<details><summary>transcript of the re-run</summary><pre>" << e(r.rerun_transcript_text) << "</pre></details>";
            }
        }
    }
    if (r.stale_waiver) h << "<div class=\"ev\">stale waiver (the case passed): " << e(r.stale_waiver->reason) << "</div>";
    h << "</td></tr>\n";
}

}  // namespace

std::string to_html(const run_summary& s) {
    std::ostringstream h;
    auto e = [](std::string_view v) { return html::escape(v); };
    h << html::page_start("mqttspec report: " + s.target_url);
    h << "<header><h1>mqttspec report</h1>\n";
    if (s.interrupted) {
        h << "<div class=\"banner\" id=\"interrupted\" role=\"alert\">Interrupted: the run was stopped by a signal; "
          << s.count(verdict::not_run) << " cases were not run and these results are partial.</div>\n";
    }
    h << "<dl class=\"meta\"><dt>tool</dt><dd>mqttspec " << e(s.tool_version) << "</dd><dt>target"
      << (s.transports.size() > 1 ? "s" : "") << "</dt><dd>";
    for (std::size_t from = 0; from <= s.target_url.size();) {  // several targets are joined by ", "
        const auto comma = s.target_url.find(", ", from);
        const auto one = s.target_url.substr(from, comma == std::string::npos ? std::string::npos : comma - from);
        h << (from ? "<br>" : "") << "<code>" << e(one) << "</code>";
        if (comma == std::string::npos) break;
        from = comma + 2;
    }
    h << "</dd>";
    if (!s.started_at.empty()) h << "<dt>started</dt><dd>" << e(s.started_at) << "</dd>";
    char num[64];
    std::snprintf(num, sizeof num, "%.1f s", s.wall_ms / 1000.0);
    h << "<dt>duration</dt><dd>" << num << "</dd><dt>profile</dt><dd>" << e(s.profile_name.empty() ? "(none)" : s.profile_name)
      << "</dd><dt>versions</dt><dd>";
    for (std::size_t i = 0; i < s.versions.size(); ++i) h << (i ? ", " : "") << "MQTT " << e(codec::to_string(s.versions[i]));
    h << "</dd>";
    if (s.transports.size() > 1) {
        h << "<dt>transports</dt><dd>";
        for (std::size_t i = 0; i < s.transports.size(); ++i) h << (i ? ", " : "") << e(s.transports[i]);
        h << "</dd>";
    }
    if (!s.options.empty()) h << "<dt>options</dt><dd>" << e(s.options) << "</dd>";
    std::snprintf(num, sizeof num, "%.3f ms", static_cast<double>(s.rtt.count()) / 1000.0);
    h << "<dt>round trip</dt><dd>" << num << ", timeout " << s.timeout.count() << " ms</dd><dt>run nonce</dt><dd><code>" << e(s.nonce)
      << "</code></dd></dl>\n";
    h << "<ul class=\"counts\">";
    for (auto v : {verdict::passed, verdict::failed, verdict::skipped, verdict::non_strict, verdict::waived, verdict::error,
                   verdict::unstable, verdict::not_run}) {
        h << "<li>" << html::verdict_badge(to_string(v)) << " " << s.count(v) << "</li>";
    }
    h << "</ul>\n<p class=\"summary-line\">" << e(summary_line(s)) << "</p>\n";
    if (const auto notes = run_notes(s); !notes.empty()) {
        h << "<ul class=\"notes\">\n";
        for (const auto& note : notes) h << "<li>" << e(note) << "</li>\n";
        h << "</ul>\n";
    }
    h << "</header>\n";

    // Filters: every verdict, version and transport that occurs, with how many cases carry it.
    std::map<verdict, std::size_t> by_verdict;
    std::map<std::string, std::size_t> by_version;
    std::vector<std::pair<std::string, std::size_t>> by_transport;
    for (const auto& t : s.transports) by_transport.emplace_back(t, 0);
    for (const auto& r : s.results) {
        ++by_verdict[r.result];
        ++by_version[std::string(codec::to_string(r.info.version))];
        auto at = std::find_if(by_transport.begin(), by_transport.end(), [&](const auto& p) { return p.first == r.transport; });
        if (at == by_transport.end()) at = by_transport.insert(by_transport.end(), {r.transport, 0});
        ++at->second;
    }
    std::vector<html::filter_group> filters(3);
    filters[0] = {"result", "Result", {}};
    for (const auto& [v, n] : by_verdict) filters[0].values.emplace_back(std::string(to_string(v)), n);
    filters[1] = {"version", "MQTT", {by_version.begin(), by_version.end()}};
    filters[2] = {"transport", "Transport", by_transport};
    h << html::filter_bar(filters, false);

    const auto groups = group(s);
    h << "<nav class=\"contents\"><h2>Contents</h2><ul>\n";
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const auto& [label, sections] = groups[g];
        const std::string group_id = html::anchor("g" + std::to_string(g), label);
        std::vector<const case_result*> all;
        for (const auto& sec : sections) all.insert(all.end(), sec.second.begin(), sec.second.end());
        h << "<li data-for=\"" << e(group_id) << "\"><a href=\"#" << e(group_id) << "\">" << e(label) << "</a> <span class=\"n\">"
          << e(counts_text(all)) << "</span><ul>\n";
        for (std::size_t k = 0; k < sections.size(); ++k) {
            const std::string section_id = html::anchor(group_id + "-s" + std::to_string(k), sections[k].first);
            h << "<li data-for=\"" << e(section_id) << "\"><a href=\"#" << e(section_id) << "\">" << e(sections[k].first)
              << "</a> <span class=\"n\">" << e(counts_text(sections[k].second)) << "</span></li>\n";
        }
        h << "</ul></li>\n";
    }
    h << "</ul></nav>\n<main>\n";
    for (std::size_t g = 0; g < groups.size(); ++g) {
        const auto& [label, sections] = groups[g];
        const std::string group_id = html::anchor("g" + std::to_string(g), label);
        h << "<section class=\"group\" id=\"" << e(group_id) << "\"><h2>" << e(label) << "</h2>\n";
        for (std::size_t k = 0; k < sections.size(); ++k) {
            const std::string section_id = html::anchor(group_id + "-s" + std::to_string(k), sections[k].first);
            h << "<section class=\"cases\" id=\"" << e(section_id) << "\"><h3>" << e(sections[k].first) << " <span class=\"n\">"
              << e(counts_text(sections[k].second)) << "</span></h3>\n<table class=\"cases\"><colgroup><col style=\"width:22%\">"
              << "<col style=\"width:20%\"><col style=\"width:12%\"><col style=\"width:7%\"><col style=\"width:9%\"><col style=\"width:30%\">"
              << "</colgroup><thead><tr><th>case</th><th>title</th><th>statements</th><th>level</th><th>result</th><th>details</th></tr>"
                 "</thead><tbody>\n";
            for (const auto* r : sections[k].second) html_case_row(h, *r);
            h << "</tbody></table></section>\n";
        }
        h << "</section>\n";
    }
    h << "</main>\n<footer><p class=\"summary-line\">" << e(summary_line(s)) << "</p></footer>\n" << html::page_end();
    return h.str();
}

}  // namespace mqttspec::conformance
