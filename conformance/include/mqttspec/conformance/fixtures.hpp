// Cases generated from data in fixtures/ (no C++ needed to add one):
//   fixtures/flows/*.json     scripted send/expect steps per named client (format: conformance/CASES.md)
//   fixtures/matrices/*.json  topic filter x topic name matching tables
#pragma once

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/pattern.hpp"

namespace mqttspec::conformance {

// A bad fixture file: names the file, the JSON path of the offending value and, for JSON syntax
// errors, the line and column.
struct fixture_error : std::runtime_error {
    fixture_error(const std::filesystem::path& file, const std::string& where, const std::string& what);
    std::filesystem::path file;
    std::string where;  // "/cases/3/steps/2/expect" or "line 14, column 7"
};

// Reads a JSON file; syntax errors become fixture_error with line and column.
json read_json_file(const std::filesystem::path& file);

std::vector<case_def> load_flow_file(const std::filesystem::path& file);
// A matrix file without "kind" is a wildcard table; one with "kind" is read by the loader
// registered for that kind (e.g. "malformed-packets", src/cases/matrix_malformed.cpp), so a new
// matrix format needs no edit here. Unknown kinds are fixture errors.
std::vector<case_def> load_matrix_file(const std::filesystem::path& file);
using matrix_format_loader = std::vector<case_def> (*)(const json& doc, const std::filesystem::path& file);
struct register_matrix_format {
    register_matrix_format(std::string kind, matrix_format_loader loader);
};
// Every flow and matrix under `fixtures` (fixtures/flows, fixtures/matrices), sorted by file name.
std::vector<case_def> load_fixture_cases(const std::filesystem::path& fixtures);

}  // namespace mqttspec::conformance
