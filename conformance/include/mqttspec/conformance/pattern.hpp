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

#include <initializer_list>
#include <mqttspec/codec/types.hpp>
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

// Checks the packet types and field names of a packet pattern against the codec's JSON shape
// (codec/json.hpp) in any of `versions`: a name the shape cannot hold would match nothing, so an
// expect_none on it could never fail. The field set is asked of the codec itself (codec::from_json
// reports the keys it does not know), so it cannot drift from the mapping. Looks through operators
// (any_of, not) and into will, subscriptions, properties (names of properties.hpp) and list elements.
// Without a "type" (or with one the pattern does not pin down), a field must exist in some packet type.
// Throws pattern_error with the JSON pointer of the offending key or type.
void check_packet_fields(const json& spec, std::initializer_list<codec::protocol_version> versions);

class pattern {
public:
    pattern() = default;  // matches anything
    // Validates the operators up front so that a typo fails when the case is loaded, not when it runs.
    // A spec with a "type" is a packet pattern: its field names are checked too (check_packet_fields,
    // any version), so that a misspelt field in a C++ case fails the case with an error instead of
    // quietly matching nothing.
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
