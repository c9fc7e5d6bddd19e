// `mqttspec coverage`: which statements of the inventory the cases cover.
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <map>
#include <set>
#include <string>

#include "command.hpp"
#include "mqttspec/conformance/paths.hpp"
#include "mqttspec/conformance/runner.hpp"

namespace mqttspec::app {
namespace {

namespace cf = mqttspec::conformance;

constexpr std::string_view coverage_help = R"(usage: mqttspec coverage [-V 3.1.1|5|all] [--uncovered]

For every normative statement of the inventory (fixtures/statements/mqtt311.tsv, mqtt50.tsv):
who it obliges, whether a broker test can check it, and the cases that cover it; then totals
(covered / broker-testable, where broker-testable = applies to server or both, testable yes or
partial). Statement IDs used by cases but missing from the inventory are listed as errors (exit 1).

options:
  -V, --protocol-version V
                     3.1.1, 5 or all (default all; also 311, mqttv311, mqttv5)
  --uncovered        only broker-testable statements no case covers
  --help             this text
)";

// "MQTT-3.8.1-1" before "MQTT-3.10.1-1": digit runs compare as numbers.
bool natural_less(const std::string& a, const std::string& b) {
    std::size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (std::isdigit(static_cast<unsigned char>(a[i])) && std::isdigit(static_cast<unsigned char>(b[j]))) {
            std::size_t ei = i, ej = j;
            while (ei < a.size() && std::isdigit(static_cast<unsigned char>(a[ei]))) ++ei;
            while (ej < b.size() && std::isdigit(static_cast<unsigned char>(b[ej]))) ++ej;
            const auto na = std::stoull(a.substr(i, ei - i)), nb = std::stoull(b.substr(j, ej - j));
            if (na != nb) return na < nb;
            i = ei;
            j = ej;
        } else {
            if (a[i] != b[j]) return a[i] < b[j];
            ++i;
            ++j;
        }
    }
    return a.size() - i < b.size() - j;
}

int usage_error(const std::string& message) {
    std::fprintf(stderr, "mqttspec coverage: %s (see mqttspec coverage --help)\n", message.c_str());
    return exit_usage;
}

int run(std::span<char*> args) {
    std::optional<codec::protocol_version> only;
    bool uncovered_only = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string_view a = args[i];
        if (a == "--help" || a == "-h") {
            std::fwrite(coverage_help.data(), 1, coverage_help.size(), stdout);
            return exit_ok;
        } else if (a == "-V" || a == "--protocol") {
            if (i + 1 >= args.size()) return usage_error("missing value for " + std::string(a));
            const std::string text = args[++i];
            if (text == "all") continue;
            only = codec::parse_protocol_version(text);
            if (!only || *only == codec::protocol_version::v3_1) return usage_error("-V must be 3.1.1, 5 or all");
        } else if (a == "--uncovered") {
            uncovered_only = true;
        } else {
            return usage_error("unknown option '" + std::string(a) + "'");
        }
    }
    const auto fixtures = cf::fixtures_dir();
    const auto inventory = cf::load_statements(fixtures);
    const auto cases = cf::all_cases(fixtures);
    int status = exit_ok;
    for (auto v : {codec::protocol_version::v3_1_1, codec::protocol_version::v5}) {
        if (only && *only != v) continue;
        const auto& table = inventory.of(v);
        std::map<std::string, std::vector<std::string>> covered_by;
        for (const auto& c : cases) {
            if (c.info.version != v) continue;
            for (const auto& s : c.info.statements) {
                covered_by[s].push_back(c.info.id);
                if (!table.count(s)) {
                    std::fprintf(stderr, "error: case %s (%s) names %s, which is not in the MQTT %s inventory\n", c.info.id.c_str(),
                                 c.info.source.c_str(), s.c_str(), std::string(codec::to_string(v)).c_str());
                    status = exit_failures;
                }
            }
        }
        std::printf("MQTT %s\n", std::string(codec::to_string(v)).c_str());
        std::size_t testable = 0, covered_testable = 0, covered_any = 0;
        std::vector<const cf::statement*> ordered;
        for (const auto& entry : table) ordered.push_back(&entry.second);
        std::sort(ordered.begin(), ordered.end(), [](const auto* x, const auto* y) { return natural_less(x->id, y->id); });
        for (const cf::statement* entry : ordered) {
            const auto& id = entry->id;
            const auto& st = *entry;
            const auto it = covered_by.find(id);
            const bool covered = it != covered_by.end();
            testable += st.broker_testable();
            covered_testable += st.broker_testable() && covered;
            covered_any += covered;
            if (uncovered_only && (covered || !st.broker_testable())) continue;
            std::string list;
            if (covered) {
                for (const auto& c : it->second) list += (list.empty() ? "" : ", ") + c;
            }
            std::printf("  %-16s %-7s %-8s %s\n", id.c_str(), st.applies_to.c_str(), st.testable.c_str(),
                        covered ? list.c_str() : "-");
        }
        std::printf("  covered %zu of %zu broker-testable statements (%zu of %zu statements in all)\n\n", covered_testable,
                    testable, covered_any, table.size());
    }
    return status;
}

const register_command registration{{"coverage", "which spec statements the cases cover", &run}};

}  // namespace
}  // namespace mqttspec::app
