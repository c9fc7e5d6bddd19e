// `mqttspec list`: the cases with their statements and level.
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <string>

#include "command.hpp"
#include "mqttspec/conformance/paths.hpp"
#include "mqttspec/conformance/runner.hpp"
#include "mqttspec/conformance/v31.hpp"

namespace mqttspec::app {
namespace {

namespace cf = mqttspec::conformance;

constexpr std::string_view list_help = R"(usage: mqttspec list [--filter GLOB] [--section X.Y] [--statement ID] [-V 3.1.1|5|all] [--unproven] [--json]

Lists the conformance cases (C++ and fixture-generated), one per line: ID, level, statement IDs,
requirements and title. Loading the fixtures also validates them: a bad flow or matrix file is
reported with its file name and JSON path (exit 2).

--unproven lists only the cases that no proof shows able to fail. A proof is a unit test that runs
the case against a broker breaking its rule and sees it fail (fixtures/proofs.json, which a ctest
checks against the tests themselves), or a mutant-broker row of fixtures/mutants.json that names the
case by its exact ID (rows marked "not-caught" do not count). See conformance/CASES.md section 6.

options:
  --filter GLOB      only IDs matching ('*' any text, '?' one character); repeatable or
                     comma-separated: an ID matching any is listed
  --section X.Y      only cases citing a statement of that section or a subsection (repeatable)
  --statement ID     only cases citing that statement, e.g. MQTT-3.3.1-5 (repeatable)
  -V, --protocol-version V
                     3.1.1, 5, 3.1 or all (default all; also 311, mqttv311, mqttv5, 31, mqttv31).
                     3.1 lists the 3.1.1 cases that also apply to MQTT 3.1 (marked
                     "[also 3.1]" in the full list), under the v31/ IDs a 3.1 run uses
  --unproven         only the cases without a failing proof (and how many there are)
  --json             one JSON array instead of text
  --help             this text
)";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "mqttspec list: %s (see mqttspec list --help)\n", message.c_str());
    return exit_usage;
}

// Case IDs with a failing proof, and where each proof comes from ("test Suite.Name", "mutant FAULT").
// Throws std::runtime_error naming the file when a proof file cannot be read.
std::map<std::string, std::vector<std::string>> load_proofs(const std::filesystem::path& dir) {
    auto read = [](const std::filesystem::path& path) {
        std::ifstream in(path);
        if (!in) throw std::runtime_error(path.string() + ": cannot be read");
        try {
            return cf::json::parse(in);
        } catch (const std::exception& e) {
            throw std::runtime_error(path.string() + ": " + e.what());
        }
    };
    std::map<std::string, std::vector<std::string>> proofs;
    const auto manifest = read(dir / "proofs.json");
    for (const auto& [id, tests] : manifest.at("proofs").items()) {
        for (const auto& test : tests) proofs[id].push_back("test " + test.get<std::string>());
    }
    const auto mutants = read(dir / "mutants.json");
    for (const auto& row : mutants.at("mutants")) {
        if (row.value("expect", "") == "not-caught") continue;
        for (const auto& name : row.at("must_fail")) {
            const auto id = name.get<std::string>();
            // A glob names no case in particular: the row is caught when any case it covers fails.
            if (id.find_first_of("*?") != std::string::npos) continue;
            proofs[id].push_back("mutant " + row.at("fault").get<std::string>());
        }
    }
    return proofs;
}

int run(std::span<char*> args) {
    cf::run_options selection;  // only its filter, sections and statements
    std::string& filter = selection.filter;
    std::optional<codec::protocol_version> version;
    bool as_json = false;
    bool unproven_only = false;
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string_view a = args[i];
        if (a == "--help" || a == "-h") {
            std::fwrite(list_help.data(), 1, list_help.size(), stdout);
            return exit_ok;
        } else if (a == "--filter") {
            if (i + 1 >= args.size()) return usage_error("missing value for --filter");
            if (!filter.empty()) filter += ',';
            filter += args[++i];
        } else if (a == "--section") {
            if (i + 1 >= args.size() || !cf::valid_section_number(args[i + 1])) return usage_error("--section needs a section number such as 3.3 or 4.8.2");
            selection.sections.push_back(args[++i]);
        } else if (a == "--statement") {
            if (i + 1 >= args.size() || cf::statement_section(args[i + 1]).empty()) {
                return usage_error("--statement needs a statement ID such as MQTT-3.3.1-5");
            }
            selection.statements.push_back(args[++i]);
        } else if (a == "-V" || a == "--protocol") {
            if (i + 1 >= args.size()) return usage_error("missing value for " + std::string(a));
            const std::string text = args[++i];
            if (text == "all") continue;
            version = codec::parse_protocol_version(text);
            if (!version) return usage_error("-V must be 3.1.1, 5, 3.1 or all");
        } else if (a == "--json") {
            as_json = true;
        } else if (a == "--unproven") {
            unproven_only = true;
        } else {
            return usage_error("unknown option '" + std::string(a) + "'");
        }
    }
    auto cases = cf::all_cases(cf::fixtures_dir());
    // -V 3.1: the 3.1.1 cases that apply to MQTT 3.1, under the IDs a 3.1 run gives them.
    if (version == codec::protocol_version::v3_1) cases = cf::v31_variants(cases);
    std::map<std::string, std::vector<std::string>> proofs;
    if (unproven_only) {
        try {
            proofs = load_proofs(cf::fixtures_dir());
        } catch (const std::exception& e) {
            std::fprintf(stderr, "mqttspec list: %s\n", e.what());
            return exit_usage;
        }
    }
    cf::json out = cf::json::array();
    std::size_t n = 0, selected = 0;
    for (const auto& c : cases) {
        if (version && c.info.version != *version) continue;
        if (!cf::case_selected(c.info, selection)) continue;
        ++selected;
        if (unproven_only && proofs.contains(c.info.id)) continue;
        ++n;
        std::string statements, needs;
        for (const auto& s : c.info.statements) statements += (statements.empty() ? "" : ",") + s;
        for (auto r : c.info.needs) needs += (needs.empty() ? "" : ",") + std::string(cf::to_string(r));
        if (as_json) {
            cf::json needs_json = cf::json::array();
            for (auto r : c.info.needs) needs_json.push_back(std::string(cf::to_string(r)));
            out.push_back({{"id", c.info.id}, {"title", c.info.title}, {"version", std::string(codec::to_string(c.info.version))},
                           {"statements", c.info.statements}, {"level", std::string(cf::to_string(c.info.lvl))},
                           {"needs", needs_json}, {"source", c.info.source}, {"applies_to_v31", cf::applies_to_v31(c.info)}});
        } else {
            std::printf("%-58s %-6s %-34s %s%s%s%s\n", c.info.id.c_str(), std::string(cf::to_string(c.info.lvl)).c_str(),
                        statements.c_str(), needs.empty() ? "" : "[needs ", needs.empty() ? "" : (needs + "] ").c_str(),
                        cf::applies_to_v31(c.info) ? "[also 3.1] " : "", c.info.title.c_str());
        }
    }
    if (as_json) std::printf("%s\n", out.dump(2).c_str());
    else if (unproven_only) std::printf("%zu of %zu cases lack a failing proof\n", n, selected);
    else std::printf("%zu cases\n", n);
    if (unproven_only) return selected == 0 ? exit_usage : exit_ok;
    return n == 0 ? exit_usage : exit_ok;
}

const register_command registration{{"list", "list the conformance cases with their statements and level", &run}};

}  // namespace
}  // namespace mqttspec::app
