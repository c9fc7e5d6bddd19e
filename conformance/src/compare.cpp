#include "mqttspec/conformance/compare.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>

#include "html_page.hpp"

namespace mqttspec::conformance {

namespace {

using ordered_json = nlohmann::ordered_json;

const std::vector<std::string>& known_results() {
    static const std::vector<std::string> names = {"passed", "failed", "skipped", "non-strict", "waived", "error", "unstable", "not-run"};
    return names;
}

[[noreturn]] void bad(const std::string& file, const std::string& field, const std::string& problem) {
    throw compare_error(file + ": " + field + ": " + problem);
}

std::string string_field(const ordered_json& object, const char* key, const std::string& file, const std::string& where,
                         bool required) {
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) {
        if (required) bad(file, where + key, "missing");
        return {};
    }
    if (!it->is_string()) bad(file, where + key, "expected a string, got " + it->dump());
    return it->get<std::string>();
}

std::vector<std::string> string_list(const ordered_json& object, const char* key, const std::string& file, const std::string& where) {
    std::vector<std::string> out;
    const auto it = object.find(key);
    if (it == object.end() || it->is_null()) return out;
    if (!it->is_array()) bad(file, where + key, "expected an array of strings");
    for (std::size_t i = 0; i < it->size(); ++i) {
        if (!(*it)[i].is_string()) bad(file, where + key + "[" + std::to_string(i) + "]", "expected a string");
        out.push_back((*it)[i].get<std::string>());
    }
    return out;
}

// "3.12 PINGREQ" after "3.2 CONNACK": runs of digits compare as numbers; numbered sections come
// before named areas.
bool section_before(const std::string& a, const std::string& b) {
    const bool na = !a.empty() && std::isdigit(static_cast<unsigned char>(a[0]));
    const bool nb = !b.empty() && std::isdigit(static_cast<unsigned char>(b[0]));
    if (na != nb) return na;
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        const bool da = std::isdigit(static_cast<unsigned char>(a[i])), db = std::isdigit(static_cast<unsigned char>(b[j]));
        if (da && db) {
            unsigned long x = 0, y = 0;
            while (i < a.size() && std::isdigit(static_cast<unsigned char>(a[i]))) x = x * 10 + static_cast<unsigned long>(a[i++] - '0');
            while (j < b.size() && std::isdigit(static_cast<unsigned char>(b[j]))) y = y * 10 + static_cast<unsigned long>(b[j++] - '0');
            if (x != y) return x < y;
        } else {
            if (a[i] != b[j]) return a[i] < b[j];
            ++i, ++j;
        }
    }
    return a.size() - i < b.size() - j;
}

bool failing(const std::string& result) { return result == "failed" || result == "unstable"; }

std::string result_or_absent(const std::optional<std::string>& r) { return r ? *r : std::string("absent"); }

std::string row_label(const comparison& c, const comparison_row& row) {
    return c.by_transport ? row.transport + " " + row.id : row.id;
}

std::string section_label(const std::pair<std::string, std::string>& key) { return "MQTT " + key.first + " / " + key.second; }

// "2/1/0/3": passed, failed, skipped, everything else.
std::string totals_text(const std::map<std::string, std::size_t>& counts) {
    std::size_t passed = 0, failed = 0, skipped = 0, other = 0;
    for (const auto& [result, n] : counts) {
        if (result == "passed") passed += n;
        else if (result == "failed") failed += n;
        else if (result == "skipped") skipped += n;
        else other += n;
    }
    return std::to_string(passed) + "/" + std::to_string(failed) + "/" + std::to_string(skipped) + "/" + std::to_string(other);
}

std::string pad(std::string text, std::size_t width) {
    if (text.size() < width) text.append(width - text.size(), ' ');
    return text;
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

}  // namespace

std::size_t comparison::differing() const {
    return static_cast<std::size_t>(std::count_if(rows.begin(), rows.end(), [](const comparison_row& r) { return r.differs; }));
}

compared_run read_report(const ordered_json& report, const std::string& file) {
    if (!report.is_object()) throw compare_error(file + ": not a mqttspec report (not a JSON object)");
    const auto tool = report.find("tool");
    if (tool == report.end() || !tool->is_string() || tool->get<std::string>() != "mqttspec") {
        bad(file, "tool", "not a mqttspec report (expected \"mqttspec\"; write one with mqttspec run --json FILE)");
    }
    compared_run run;
    run.file = file;
    run.tool_version = string_field(report, "tool_version", file, "", false);
    run.target = string_field(report, "target", file, "", false);
    run.profile = string_field(report, "profile", file, "", false);
    run.started_at = string_field(report, "started_at", file, "", false);
    run.transports = string_list(report, "transports", file, "");
    if (const auto it = report.find("interrupted"); it != report.end() && !it->is_null()) {
        if (!it->is_boolean()) bad(file, "interrupted", "expected true or false");
        run.interrupted = it->get<bool>();
    }
    const auto cases = report.find("cases");
    if (cases == report.end()) bad(file, "cases", "missing");
    if (!cases->is_array()) bad(file, "cases", "expected an array");
    for (std::size_t i = 0; i < cases->size(); ++i) {
        const auto& item = (*cases)[i];
        const std::string where = "cases[" + std::to_string(i) + "].";
        if (!item.is_object()) bad(file, "cases[" + std::to_string(i) + "]", "expected an object");
        compared_case c;
        c.id = string_field(item, "id", file, where, true);
        if (c.id.empty()) bad(file, where + "id", "empty");
        c.result = string_field(item, "result", file, where, true);
        if (std::find(known_results().begin(), known_results().end(), c.result) == known_results().end()) {
            std::string names;
            for (const auto& n : known_results()) names += (names.empty() ? "" : ", ") + n;
            bad(file, where + "result", "expected one of " + names + ", got \"" + c.result + "\"");
        }
        c.section = string_field(item, "section", file, where, true);
        c.transport = string_field(item, "transport", file, where, false);
        if (c.transport.empty() && !run.transports.empty()) c.transport = run.transports.front();
        c.title = string_field(item, "title", file, where, false);
        c.message = string_field(item, "message", file, where, false);
        c.statements = string_list(item, "statements", file, where);
        const auto versions = string_list(item, "versions", file, where);
        if (!versions.empty()) {
            c.version = versions.front();
        } else {
            c.version = c.id.rfind("v311/", 0) == 0 ? "3.1.1" : c.id.rfind("v5/", 0) == 0 ? "5" : "?";
        }
        run.cases.push_back(std::move(c));
    }
    return run;
}

compared_run load_report(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw compare_error(file.string() + ": cannot read the file: " + std::strerror(errno));
    ordered_json report;
    try {
        report = ordered_json::parse(in);
    } catch (const ordered_json::parse_error& e) {
        throw compare_error(file.string() + ": not JSON: " + e.what());
    }
    return read_report(report, file.string());
}

comparison compare_reports(std::vector<compared_run> runs, const std::vector<std::string>& names) {
    if (!names.empty() && names.size() != runs.size()) {
        throw std::invalid_argument(std::to_string(names.size()) + " names for " + std::to_string(runs.size()) +
                                    " reports: give --name once per report, or not at all");
    }
    comparison c;
    for (std::size_t k = 0; k < runs.size(); ++k) {
        if (!names.empty()) {
            c.names.push_back(names[k]);
            continue;
        }
        std::string name = runs[k].target.empty() ? runs[k].file : runs[k].target;
        if (!runs[k].profile.empty()) name += " (" + runs[k].profile + ")";
        c.names.push_back(std::move(name));
    }
    // Same name twice: tell them apart by file, then by position.
    if (names.empty()) {
        const auto given = c.names;
        for (std::size_t k = 0; k < given.size(); ++k) {
            if (std::count(given.begin(), given.end(), given[k]) > 1) c.names[k] += " [" + runs[k].file + "]";
        }
    }
    for (std::size_t k = 0; k < c.names.size(); ++k) {
        for (std::size_t j = 0; j < k; ++j) {
            if (c.names[j] == c.names[k]) c.names[k] += " #" + std::to_string(k + 1);
        }
    }

    // One report over several transports names every case with its transport; then so do all rows
    // (a single-transport report lines up with the rows of its transport). Otherwise the rows are
    // case IDs, so that reports of one broker over TCP and over WebSocket line up case by case.
    for (const auto& run : runs) {
        std::set<std::string> transports(run.transports.begin(), run.transports.end());
        for (const auto& cs : run.cases) transports.insert(cs.transport);
        c.by_transport = c.by_transport || transports.size() > 1;
    }
    std::map<std::pair<std::string, std::string>, std::size_t> index;
    for (std::size_t k = 0; k < runs.size(); ++k) {
        std::set<std::pair<std::string, std::string>> seen;
        for (std::size_t i = 0; i < runs[k].cases.size(); ++i) {
            const auto& cs = runs[k].cases[i];
            const std::pair<std::string, std::string> key{c.by_transport ? cs.transport : std::string(), cs.id};
            if (!seen.insert(key).second) {
                throw compare_error(runs[k].file + ": cases[" + std::to_string(i) + "].id: \"" + cs.id + "\" appears twice" +
                                    (c.by_transport ? " over " + cs.transport : std::string()));
            }
            auto [at, added] = index.try_emplace(key, c.rows.size());
            if (added) {
                comparison_row row;
                row.id = cs.id;
                row.transport = key.first;
                row.title = cs.title;
                row.section = cs.section;
                row.version = cs.version;
                row.statements = cs.statements;
                row.results.resize(runs.size());
                row.messages.resize(runs.size());
                c.rows.push_back(std::move(row));
            }
            c.rows[at->second].results[k] = cs.result;
            c.rows[at->second].messages[k] = cs.message;
        }
    }
    for (auto& row : c.rows) {
        row.differs = std::any_of(row.results.begin(), row.results.end(), [&](const auto& r) { return r != row.results.front(); });
        for (std::size_t k = 0; k < runs.size(); ++k) {
            auto& totals = c.section_totals[{row.version, row.section}];
            totals.resize(runs.size());
            if (row.results[k]) ++totals[k][*row.results[k]];
        }
    }
    // Different verdicts first, then cases some run lacks (another version, another selection),
    // then the rows that agree.
    const auto rank = [](const comparison_row& r) {
        if (!r.differs) return 2;
        return std::any_of(r.results.begin(), r.results.end(), [](const auto& x) { return !x; }) ? 1 : 0;
    };
    std::sort(c.rows.begin(), c.rows.end(), [&](const comparison_row& a, const comparison_row& b) {
        if (rank(a) != rank(b)) return rank(a) < rank(b);
        if (a.version != b.version) return a.version < b.version;
        if (a.section != b.section) return section_before(a.section, b.section);
        if (a.id != b.id) return a.id < b.id;
        return a.transport < b.transport;
    });
    if (runs.size() == 2) {
        change_set changes;
        for (std::size_t i = 0; i < c.rows.size(); ++i) {
            const auto& row = c.rows[i];
            if (!row.differs) continue;
            const change ch{i, result_or_absent(row.results[0]), result_or_absent(row.results[1])};
            if (failing(ch.to) && !failing(ch.from)) changes.new_failures.push_back(ch);
            else if (failing(ch.from) && ch.to == "passed") changes.fixed.push_back(ch);
            else if (ch.to == "waived") changes.newly_waived.push_back(ch);
            else changes.other.push_back(ch);
        }
        c.changes = std::move(changes);
    }
    c.runs = std::move(runs);
    return c;
}

std::string comparison_text(const comparison& c, bool all_rows) {
    std::ostringstream out;
    // Long names (targets) would make the matrix too wide: the columns are then [1], [2]... and the
    // list of reports says which is which.
    std::vector<std::string> columns;
    const bool short_names = std::all_of(c.names.begin(), c.names.end(), [](const std::string& n) { return n.size() <= 24; });
    for (std::size_t k = 0; k < c.names.size(); ++k) columns.push_back(short_names ? c.names[k] : "[" + std::to_string(k + 1) + "]");
    out << "mqttspec compare: " << c.runs.size() << " reports, " << c.rows.size() << " cases, " << c.differing() << " differ\n";
    for (std::size_t k = 0; k < c.runs.size(); ++k) {
        const auto& run = c.runs[k];
        out << "  " << (short_names ? "" : columns[k] + " ") << c.names[k] << ": " << run.file << " (" << run.cases.size() << " cases";
        if (!run.target.empty()) out << ", target " << run.target;
        if (!run.profile.empty()) out << ", profile " << run.profile;
        if (!run.tool_version.empty()) out << ", mqttspec " << run.tool_version;
        if (!run.started_at.empty()) out << ", " << run.started_at;
        out << ")" << (run.interrupted ? " INTERRUPTED: partial results" : "") << "\n";
    }
    out << "\n";

    std::size_t case_width = 4, shown = 0;
    for (const auto& row : c.rows) {
        if (all_rows || row.differs) case_width = std::max(case_width, row_label(c, row).size());
    }
    std::vector<std::size_t> widths;
    for (const auto& name : columns) widths.push_back(std::max<std::size_t>(name.size(), 10));
    std::vector<std::map<std::string, std::size_t>> overall(c.runs.size());
    for (const auto& [key, totals] : c.section_totals) {
        for (std::size_t k = 0; k < totals.size(); ++k) {
            widths[k] = std::max(widths[k], totals_text(totals[k]).size());
            for (const auto& [result, n] : totals[k]) overall[k][result] += n;
        }
    }
    for (std::size_t k = 0; k < overall.size(); ++k) widths[k] = std::max(widths[k], totals_text(overall[k]).size());
    auto header = [&](const std::string& first) {
        out << pad(first, case_width);
        for (std::size_t k = 0; k < columns.size(); ++k) out << "  " << pad(columns[k], widths[k]);
        out << "\n";
    };
    if (c.differing() == 0 && !all_rows) {
        out << "no differences: every case has the same verdict in every report\n";
    } else {
        header("case");
        for (const auto& row : c.rows) {
            if (!all_rows && !row.differs) continue;
            ++shown;
            out << pad(row_label(c, row), case_width);
            for (std::size_t k = 0; k < row.results.size(); ++k) out << "  " << pad(row.results[k].value_or("-"), widths[k]);
            out << "\n";
        }
        if (shown < c.rows.size()) out << "(" << c.rows.size() - shown << " rows with the same verdict everywhere not shown; --all shows them)\n";
    }

    out << "\nper-section totals (passed/failed/skipped/other)\n";
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto& [key, totals] : c.section_totals) keys.push_back(key);
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : section_before(a.second, b.second);
    });
    std::size_t section_width = 7;
    for (const auto& key : keys) section_width = std::max(section_width, section_label(key).size());
    case_width = section_width;
    header("section");
    for (const auto& key : keys) {
        const auto& totals = c.section_totals.at(key);
        out << pad(section_label(key), section_width);
        for (std::size_t k = 0; k < totals.size(); ++k) out << "  " << pad(totals_text(totals[k]), widths[k]);
        out << "\n";
    }
    out << pad("all", section_width);
    for (std::size_t k = 0; k < overall.size(); ++k) out << "  " << pad(totals_text(overall[k]), widths[k]);
    out << "\n";

    if (c.changes) {
        out << "\nwhat changed from " << c.names[0] << " to " << c.names[1] << "\n";
        auto list = [&](const char* title, const std::vector<change>& changes) {
            out << "  " << title << " (" << changes.size() << ")" << (changes.empty() ? "" : ":") << "\n";
            for (const auto& ch : changes) {
                const auto& row = c.rows[ch.row];
                out << "    " << row_label(c, row) << ": " << ch.from << " -> " << ch.to;
                const auto why = first_line(row.messages[1].empty() ? row.messages[0] : row.messages[1]);
                if (!why.empty()) out << "  (" << why << ")";
                out << "\n";
            }
        };
        list("new failures", c.changes->new_failures);
        list("fixed", c.changes->fixed);
        list("newly waived", c.changes->newly_waived);
        list("other changes", c.changes->other);
    }
    // No trailing blanks from the padding of the last column.
    std::string text = out.str(), trimmed;
    std::size_t from = 0;
    while (from < text.size()) {
        auto nl = text.find('\n', from);
        if (nl == std::string::npos) nl = text.size();
        auto line = text.substr(from, nl - from);
        line.erase(line.find_last_not_of(' ') + 1);
        trimmed += line + (nl < text.size() ? "\n" : "");
        from = nl + 1;
    }
    return trimmed;
}

std::string comparison_html(const comparison& c) {
    std::ostringstream h;
    auto e = [](std::string_view v) { return html::escape(v); };
    std::string title = "mqttspec compare:";
    for (std::size_t k = 0; k < c.names.size(); ++k) title += (k ? ", " : " ") + c.names[k];
    h << html::page_start(title) << "<header><h1>mqttspec compare</h1>\n";
    for (std::size_t k = 0; k < c.runs.size(); ++k) {
        if (c.runs[k].interrupted) {
            h << "<div class=\"banner\" role=\"alert\">" << e(c.names[k]) << " (" << e(c.runs[k].file)
              << ") is the report of an interrupted run: its results are partial.</div>\n";
        }
    }
    h << "<dl class=\"meta\">";
    for (std::size_t k = 0; k < c.runs.size(); ++k) {
        const auto& run = c.runs[k];
        h << "<dt>" << e(c.names[k]) << "</dt><dd><code>" << e(run.file) << "</code>, " << run.cases.size() << " cases";
        if (!run.target.empty()) h << ", target <code>" << e(run.target) << "</code>";
        if (!run.profile.empty()) h << ", profile " << e(run.profile);
        if (!run.tool_version.empty()) h << ", mqttspec " << e(run.tool_version);
        if (!run.started_at.empty()) h << ", started " << e(run.started_at);
        h << "</dd>";
    }
    h << "</dl>\n<p class=\"summary-line\">" << c.rows.size() << " cases, " << c.differing() << " with different verdicts</p>\n</header>\n";

    h << "<nav class=\"contents\"><h2>Contents</h2><ul>";
    if (c.changes) h << "<li><a href=\"#changes\">What changed</a></li>";
    h << "<li><a href=\"#matrix\">Cases</a> <span class=\"n\">" << c.differing() << " of " << c.rows.size()
      << " differ</span></li><li><a href=\"#totals\">Per-section totals</a></li></ul></nav>\n";

    if (c.changes) {
        h << "<section id=\"changes\"><h2>What changed from " << e(c.names[0]) << " to " << e(c.names[1]) << "</h2>\n";
        auto list = [&](const char* what, const std::vector<change>& changes) {
            // Long lists start folded: the page stays readable down to the matrix.
            h << "<details class=\"changes\"" << (changes.size() <= 10 ? " open" : "") << "><summary>" << what
              << " <span class=\"n\">(" << changes.size() << ")</span></summary>";
            if (changes.empty()) {
                h << "</details>\n";
                return;
            }
            h << "<ul class=\"notes\">";
            for (const auto& ch : changes) {
                const auto& row = c.rows[ch.row];
                h << "<li><a href=\"#" << e(html::anchor("row-" + row.transport + "-", row.id)) << "\"><code>" << e(row_label(c, row))
                  << "</code></a>: " << html::verdict_badge(ch.from) << " &rarr; " << html::verdict_badge(ch.to);
                const auto why = first_line(row.messages[1].empty() ? row.messages[0] : row.messages[1]);
                if (!why.empty()) h << " " << e(why);
                h << "</li>";
            }
            h << "</ul></details>\n";
        };
        list("New failures", c.changes->new_failures);
        list("Fixed", c.changes->fixed);
        list("Newly waived", c.changes->newly_waived);
        list("Other changes", c.changes->other);
        h << "</section>\n";
    }

    auto column_group = [&](const char* first_width, const char* first_header) {
        h << "<colgroup><col style=\"width:" << first_width << "\">";
        for (std::size_t k = 0; k < c.names.size(); ++k) h << "<col>";
        h << "</colgroup><thead><tr><th>" << first_header << "</th>";
        for (const auto& name : c.names) h << "<th>" << e(name) << "</th>";
        h << "</tr></thead><tbody>\n";
    };
    // Filters: a row shows when any of its cells has a checked verdict.
    std::map<std::string, std::size_t> by_result, by_version, by_transport;
    for (const auto& row : c.rows) {
        std::set<std::string> results;
        for (const auto& r : row.results) results.insert(result_or_absent(r));
        for (const auto& r : results) ++by_result[r];
        ++by_version[row.version];
        ++by_transport[row.transport];
    }
    std::vector<html::filter_group> filters;
    html::filter_group result_filter{"result", "Result", {}};
    for (const auto& name : known_results()) {
        if (by_result.count(name)) result_filter.values.emplace_back(name, by_result[name]);
    }
    if (by_result.count("absent")) result_filter.values.emplace_back("absent", by_result["absent"]);
    filters.push_back(std::move(result_filter));
    filters.push_back({"version", "MQTT", {by_version.begin(), by_version.end()}});
    if (c.by_transport) filters.push_back({"transport", "Transport", {by_transport.begin(), by_transport.end()}});

    h << "<section id=\"matrix\"><h2>Cases</h2>\n" << html::filter_bar(filters, true) << "<section class=\"cases\" id=\"all-cases\"><table class=\"cases\">";
    column_group("34%", "case");
    for (const auto& row : c.rows) {
        std::set<std::string> results;
        std::string search = row.id + " " + row.title;
        for (const auto& st : row.statements) search += " " + st;
        for (const auto& m : row.messages) search += " " + m;
        std::string result_values;
        for (const auto& r : row.results) {
            if (results.insert(result_or_absent(r)).second) result_values += (result_values.empty() ? "" : " ") + result_or_absent(r);
        }
        h << "<tr class=\"row" << (row.differs ? " differs" : "") << "\" id=\"" << e(html::anchor("row-" + row.transport + "-", row.id))
          << "\" data-result=\"" << e(result_values) << "\" data-version=\"" << e(row.version) << "\" data-transport=\""
          << e(row.transport) << "\" data-differs=\"" << (row.differs ? "1" : "0") << "\" data-search=\"" << e(html::lower(search))
          << "\"><td data-label=\"case\"><code>" << e(row_label(c, row)) << "</code><br><small>" << e(row.title) << " &middot; MQTT "
          << e(row.version) << " " << e(row.section);
        for (const auto& st : row.statements) h << " &middot; " << e(st);
        h << "</small></td>";
        for (std::size_t k = 0; k < row.results.size(); ++k) {
            h << "<td data-label=\"" << e(c.names[k]) << "\">" << html::verdict_badge(result_or_absent(row.results[k]));
            if (row.results[k] && *row.results[k] != "passed" && !row.messages[k].empty()) {
                h << "<div class=\"ev\">" << e(row.messages[k]) << "</div>";
            }
            h << "</td>";
        }
        h << "</tr>\n";
    }
    h << "</tbody></table></section></section>\n";

    h << "<section id=\"totals\"><h2>Per-section totals</h2><table class=\"cases\">";
    column_group("30%", "section");
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto& [key, totals] : c.section_totals) keys.push_back(key);
    std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
        return a.first != b.first ? a.first < b.first : section_before(a.second, b.second);
    });
    for (const auto& key : keys) {
        h << "<tr><td>" << e(section_label(key)) << "</td>";
        const auto& totals = c.section_totals.at(key);
        for (std::size_t k = 0; k < totals.size(); ++k) {
            h << "<td data-label=\"" << e(c.names[k]) << "\">";
            bool first = true;
            for (const auto& result : known_results()) {
                const auto it = totals[k].find(result);
                if (it == totals[k].end()) continue;
                h << (first ? "" : " ") << html::verdict_badge(result) << " " << it->second;
                first = false;
            }
            h << "</td>";
        }
        h << "</tr>\n";
    }
    h << "</tbody></table></section>\n";

    h << html::page_end();
    return h.str();
}

}  // namespace mqttspec::conformance
