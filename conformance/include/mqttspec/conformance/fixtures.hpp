// Cases generated from data in fixtures/ (no C++ needed to add one):
//   fixtures/flows/*.json     scripted send/expect steps per named client (format: conformance/CASES.md)
//   fixtures/matrices/*.json  tables of rows, one case per row and version; "kind" names the loader
#pragma once

#include <filesystem>
#include <functional>
#include <set>
#include <stdexcept>
#include <string>
#include <utility>
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

// Every matrix file has the same frame: {"kind": K, "comment": ..., "rows": [{"name": ..., ...}, ...]}
// plus what kind K reads. The loader registered for K (one file per kind in src/cases/matrix_*.cpp:
// "topic-matching", "delivered-qos", "malformed-packets") turns it into cases, so a new matrix format
// needs no edit here. A missing or unknown kind is a fixture error.
std::vector<case_def> load_matrix_file(const std::filesystem::path& file);
using matrix_format_loader = std::vector<case_def> (*)(const json& doc, const std::filesystem::path& file);
struct register_matrix_format {
    register_matrix_format(std::string kind, matrix_format_loader loader);
};

// Reads the fields of one JSON object of a fixture file and remembers which keys were used, so that
// done() can reject unknown keys (typos). Every error names the file and the JSON path.
class fixture_object {
public:
    fixture_object(const json& j, const std::filesystem::path& file, std::string path);
    [[noreturn]] void fail(const std::string& key, const std::string& what) const;
    const json* optional(const std::string& key);
    const json& required(const std::string& key);
    std::string string(const std::string& key);  // a required non-empty string
    bool boolean(const std::string& key);        // a required true or false
    std::vector<std::string> strings(const json& v, const std::string& key) const;
    void done() const;
    const json& value() const { return j_; }
    const std::string& path() const { return path_; }
    const std::filesystem::path& file() const { return file_; }

private:
    const json& j_;
    const std::filesystem::path& file_;
    std::string path_;
    std::set<std::string> used_;
};

// "fixtures/..." for a file below a fixtures/ folder (the source a case names), else the path.
std::string fixture_source(const std::filesystem::path& file);

// The optional "level", "needs" and "comment" keys that flows and matrices share.
void read_level_and_needs(fixture_object& r, case_info& info);

// "statements": {"3.1.1": [...], "5": [...]}: the versions a matrix (or a row) generates cases for,
// each with its statement IDs (the two versions number their statements differently).
struct version_statements {
    codec::protocol_version version;
    std::string name;    // "3.1.1" or "5", as written
    std::string prefix;  // "v311/" or "v5/"
    std::vector<std::string> statements;
};
std::vector<version_statements> read_statements_per_version(fixture_object& r, const std::string& key = "statements");

// Reads the matrix frame (kind, comment, a non-empty "rows" array whose rows have unique names) and
// calls `row` for each; `top` reads the matrix's own top-level keys before rows are visited.
void read_matrix_rows(const json& doc, const std::filesystem::path& file, const std::function<void(fixture_object&)>& top,
                      const std::function<void(fixture_object& row, const std::string& name)>& row);

// Validates `info` as the case of a fixture row; a problem is a fixture error at `r`'s "name".
case_info validated_fixture_case(fixture_object& r, case_info info);

// Every flow and matrix under `fixtures` (fixtures/flows, fixtures/matrices), sorted by file name.
std::vector<case_def> load_fixture_cases(const std::filesystem::path& fixtures);

}  // namespace mqttspec::conformance
