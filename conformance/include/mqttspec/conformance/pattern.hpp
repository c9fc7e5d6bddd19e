// Expected packets are patterns over the codec's JSON packet shape (codec/json.hpp):
//   - a field left out is not checked;
//   - a plain value must be equal (numbers compare by value; "properties" is an object keyed by name);
//   - an object holding exactly one operator key is an operator:
//       {"any_of": [v1, v2, ...]}   equal to one of the values (each may itself be a pattern)
//       {"at_least": n} / {"at_most": n}   numeric bounds, e.g. reason code {"at_least": 128}
//       {"absent": true}            the field must not be present (e.g. no topic_alias property)
//       {"present": true}           the field must be present, any value
//       {"not": p}                  anything that does not match p
//   - arrays must have the same length and match element by element.
// The same rules serve flow fixtures (JSON files) and C++ cases (nlohmann initializer lists).
#pragma once

#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace mqttspec::conformance {

using json = nlohmann::ordered_json;

// Thrown for a malformed pattern (unknown operator, bad operand), with a JSON pointer to it.
struct pattern_error : std::runtime_error {
    pattern_error(std::string at, const std::string& what)
        : std::runtime_error(at + ": " + what), path(std::move(at)) {}
    std::string path;
};

class pattern {
public:
    pattern() = default;  // matches anything
    // Validates the operators up front so that a typo fails when the case is loaded, not when it runs.
    pattern(json spec);  // NOLINT(google-explicit-constructor): patterns are written inline
    // c.expect({{"type", "PUBACK"}, {"packet_id", id}}): the braces build the JSON object.
    pattern(json::initializer_list_t spec) : pattern(json(spec)) {}  // NOLINT(google-explicit-constructor)

    // Empty when `actual` matches; otherwise why not, e.g. "/reason_code: 0 is not at_least 128".
    std::string mismatch(const json& actual) const;
    bool matches(const json& actual) const { return mismatch(actual).empty(); }

    const json& spec() const noexcept { return spec_; }
    std::string str() const { return spec_.dump(); }

private:
    json spec_ = json::object();
};

// Replaces every "{key}" in the strings of `j` (object keys excluded) by its value, e.g.
// {"prefix": "mqttspec/9f3a/17"}. Unknown {names} are left alone.
json substitute(const json& j, const std::vector<std::pair<std::string, std::string>>& vars);

}  // namespace mqttspec::conformance
