// The project's statement inventory (fixtures/statements/mqtt311.tsv, mqtt50.tsv): every normative
// statement with its section, who it obliges and whether a broker test can check it.
#pragma once

#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "mqttspec/codec/types.hpp"

namespace mqttspec::conformance {

struct statement {
    std::string id;          // "MQTT-3.3.4-1"
    std::string section;     // "3.3 PUBLISH"
    std::string applies_to;  // server | client | both
    std::string testable;    // yes | partial | no
    std::string paraphrase;
    std::string notes;
    bool broker_testable() const { return applies_to != "client" && testable != "no"; }
};

struct statement_inventory {
    std::map<std::string, statement> v311;  // by ID
    std::map<std::string, statement> v5;
    const std::map<std::string, statement>& of(codec::protocol_version v) const {
        return v == codec::protocol_version::v5 ? v5 : v311;
    }
};

// Throws std::runtime_error naming file and line for malformed rows.
statement_inventory load_statements(const std::filesystem::path& fixtures);

// "3.3 PUBLISH" for a case: the section of its first statement, else its ID's area ("publish").
std::string section_of(const std::string& case_id, const std::vector<std::string>& statements,
                       codec::protocol_version v, const statement_inventory& inventory);

}  // namespace mqttspec::conformance
