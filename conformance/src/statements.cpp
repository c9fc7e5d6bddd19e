#include "mqttspec/conformance/statements.hpp"

#include <cctype>
#include <fstream>
#include <stdexcept>

namespace mqttspec::conformance {

namespace {

std::vector<std::string> split_tabs(const std::string& line) {
    std::vector<std::string> out;
    std::size_t start = 0;
    for (;;) {
        const auto tab = line.find('\t', start);
        out.push_back(line.substr(start, tab == std::string::npos ? std::string::npos : tab - start));
        if (tab == std::string::npos) return out;
        start = tab + 1;
    }
}

// Rules the standard states without a number get IDs of our own, "MQTTSPEC-5-3.8.2.1.2-identifier-zero":
// the version (311 or 5), the section that states the rule, and a name.
bool valid_own_id(const std::string& id, const std::string& version_token) {
    const std::string prefix = "MQTTSPEC-" + version_token + "-";
    if (id.rfind(prefix, 0) != 0) return false;
    const auto dash = id.find('-', prefix.size());
    if (dash == std::string::npos || dash == prefix.size() || dash + 1 == id.size()) return false;
    const auto section = id.substr(prefix.size(), dash - prefix.size());
    if (section.front() == '.' || section.back() == '.' || section.find('.') == std::string::npos) return false;
    for (const char c : section) {
        if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.')) return false;
    }
    for (std::size_t i = dash + 1; i < id.size(); ++i) {
        const char c = id[i];
        if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-')) return false;
    }
    return true;
}

std::map<std::string, statement> load_file(const std::filesystem::path& file, const std::string& version_token) {
    std::ifstream in(file);
    if (!in) throw std::runtime_error(file.string() + ": cannot be read");
    std::map<std::string, statement> out;
    std::string line;
    std::size_t number = 0;
    while (std::getline(in, line)) {
        ++number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (number == 1 || line.empty()) continue;  // header
        const auto f = split_tabs(line);
        const std::string where = file.string() + ":" + std::to_string(number);
        if (f.size() < 5) throw std::runtime_error(where + ": expected at least 5 tab-separated columns (id, section, applies_to, testable, paraphrase)");
        statement s{f[0], f[1], f[2], f[3], f[4], f.size() > 5 ? f[5] : ""};
        if (s.id.rfind("MQTT-", 0) != 0 && !valid_own_id(s.id, version_token)) {
            throw std::runtime_error(where + ": id '" + s.id + "' is neither a statement of the standard (MQTT-...) nor an own ID (MQTTSPEC-" +
                                     version_token + "-<section>-<name>, e.g. MQTTSPEC-" + version_token + "-3.8.2.1.2-identifier-zero)");
        }
        if (s.applies_to != "server" && s.applies_to != "client" && s.applies_to != "both") {
            throw std::runtime_error(where + ": applies_to must be server, client or both");
        }
        if (s.testable != "yes" && s.testable != "partial" && s.testable != "no") {
            throw std::runtime_error(where + ": testable must be yes, partial or no");
        }
        if (!out.emplace(s.id, s).second) throw std::runtime_error(where + ": duplicate id " + s.id);
    }
    return out;
}

}  // namespace

statement_inventory load_statements(const std::filesystem::path& fixtures) {
    statement_inventory inv;
    inv.v311 = load_file(fixtures / "statements" / "mqtt311.tsv", "311");
    inv.v5 = load_file(fixtures / "statements" / "mqtt50.tsv", "5");
    return inv;
}

std::string section_of(const std::string& case_id, const std::vector<std::string>& statements,
                       codec::protocol_version v, const statement_inventory& inventory) {
    const auto& table = inventory.of(v);
    for (const auto& id : statements) {
        if (const auto it = table.find(id); it != table.end()) return it->second.section;
    }
    const auto first = case_id.find('/');
    const auto second = case_id.find('/', first + 1);
    return case_id.substr(first + 1, second - first - 1);
}

}  // namespace mqttspec::conformance
