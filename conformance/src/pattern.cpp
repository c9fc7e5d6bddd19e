#include "mqttspec/conformance/pattern.hpp"

#include <array>
#include <mqttspec/codec/json.hpp>
#include <optional>
#include <vector>

namespace mqttspec::conformance {

namespace {

constexpr std::array<std::string_view, 6> operators = {"any_of", "at_least", "at_most", "absent", "present", "not"};

bool is_operator(const json& p) {
    if (!p.is_object() || p.size() != 1) return false;
    const std::string& key = p.begin().key();
    for (auto op : operators) {
        if (key == op) return true;
    }
    return false;
}

std::string child(const std::string& path, const std::string& key) { return path + "/" + key; }

void validate(const json& p, const std::string& path) {
    if (is_operator(p)) {
        const std::string& op = p.begin().key();
        const json& arg = p.begin().value();
        if (op == "any_of") {
            if (!arg.is_array() || arg.empty()) throw pattern_error(child(path, op), "any_of takes a non-empty array");
            for (std::size_t i = 0; i < arg.size(); ++i) validate(arg[i], child(child(path, op), std::to_string(i)));
        } else if (op == "at_least" || op == "at_most") {
            if (!arg.is_number()) throw pattern_error(child(path, op), op + " takes a number");
        } else if (op == "absent" || op == "present") {
            if (arg != true) throw pattern_error(child(path, op), op + " takes true");
        } else {
            validate(arg, child(path, op));
        }
        return;
    }
    if (p.is_object()) {
        for (auto it = p.begin(); it != p.end(); ++it) validate(it.value(), child(path, it.key()));
    } else if (p.is_array()) {
        for (std::size_t i = 0; i < p.size(); ++i) validate(p[i], child(path, std::to_string(i)));
    }
}

// ---- field names, asked of the codec ------------------------------------------------------------

// A probe packet {"type": T, ...} holding `key` (value null) at `where` (object keys; "0" for list
// elements), e.g. where {"will"} -> {"type": "CONNECT", "will": {key: null}}.
json probe_packet(codec::packet_type type, const std::vector<std::string>& where, const std::string& key) {
    json leaf = json::object();
    leaf[key] = nullptr;
    for (auto it = where.rbegin(); it != where.rend(); ++it) {
        const bool index = !it->empty() && it->find_first_not_of("0123456789") == std::string::npos;
        leaf = index ? json::array({std::move(leaf)}) : json{{*it, std::move(leaf)}};
    }
    json probe = json::object();
    probe["type"] = std::string(codec::to_string(type));
    for (auto it = leaf.begin(); it != leaf.end(); ++it) probe[it.key()] = it.value();
    return probe;
}

// Why the codec's shape has no `key` at `where` in this type and version; nullopt when it has one.
// Only the codec's "no such name" answers at the key itself count: a null value that the field
// rejects as the wrong type proves the field exists.
std::optional<std::string> codec_lacks(codec::packet_type type, codec::protocol_version version,
                                       const std::vector<std::string>& where, const std::string& key) {
    std::string key_path;
    for (const auto& w : where) key_path += "/" + w;
    key_path += "/" + key;
    try {
        codec::arena scratch;
        (void)codec::from_json(probe_packet(type, where, key), version, scratch);
    } catch (const codec::json_packet_error& e) {
        const std::string why = std::string(e.what()).substr(e.path.size() + 2);
        if (e.path == key_path) {
            const bool unknown = why == "unknown field" || why.starts_with("unknown property") ||
                                 why.ends_with("has no such field") || why.ends_with("has no properties");
            if (unknown) return why;
        } else if (key_path.starts_with(e.path + "/")) {
            // An enclosing field refused the object or list holding the key: it is a scalar field.
            return e.path + " holds no such object: " + why;
        }
    } catch (const std::exception&) {
    }
    return std::nullopt;
}

constexpr std::array<codec::packet_type, 15> all_packet_types = {
    codec::packet_type::connect,  codec::packet_type::connack,     codec::packet_type::publish,
    codec::packet_type::puback,   codec::packet_type::pubrec,      codec::packet_type::pubrel,
    codec::packet_type::pubcomp,  codec::packet_type::subscribe,   codec::packet_type::suback,
    codec::packet_type::unsubscribe, codec::packet_type::unsuback, codec::packet_type::pingreq,
    codec::packet_type::pingresp, codec::packet_type::disconnect,  codec::packet_type::auth};

struct field_checker {
    std::vector<codec::packet_type> types;
    std::vector<codec::protocol_version> versions;

    void check_key(const std::vector<std::string>& where, const std::string& key, const std::string& at) const {
        std::optional<std::string> why;
        for (auto t : types) {
            for (auto v : versions) {
                why = codec_lacks(t, v, where, key);
                if (!why) return;  // some type and version the pattern allows has it
            }
        }
        std::string in;
        if (types.size() == 1) in = " of " + std::string(codec::to_string(types.front()));
        std::string ver;
        for (auto v : versions) ver += (ver.empty() ? "MQTT " : " or ") + std::string(codec::to_string(v));
        throw pattern_error(at, "\"" + key + "\" is not a field" + in + " in " + ver + " (" + *why +
                                "): the pattern would match nothing");
    }

    // `p` is matched against the value at `where` in the packet; `at` is its JSON pointer in the pattern.
    void check_value(const json& p, const std::vector<std::string>& where, const std::string& at) const {
        if (is_operator(p)) {
            const std::string& op = p.begin().key();
            const json& arg = p.begin().value();
            if (op == "any_of") {
                for (std::size_t i = 0; i < arg.size(); ++i) check_value(arg[i], where, child(child(at, op), std::to_string(i)));
            } else if (op == "not") {
                check_value(arg, where, child(at, op));
            }
            return;
        }
        if (p.is_object()) {
            for (auto it = p.begin(); it != p.end(); ++it) {
                if (where.empty() && it.key() == "type") continue;
                check_key(where, it.key(), child(at, it.key()));
                auto inner = where;
                inner.push_back(it.key());
                check_value(it.value(), inner, child(at, it.key()));
            }
        } else if (p.is_array()) {
            auto inner = where;
            inner.emplace_back("0");
            for (std::size_t i = 0; i < p.size(); ++i) check_value(p[i], inner, child(at, std::to_string(i)));
        }
    }
};

// The packet types a pattern's "type" allows: a name, or any_of names. Empty: not pinned down.
std::vector<codec::packet_type> pattern_types(const json& type, const std::string& at) {
    auto one = [&](const json& name, const std::string& path) -> std::optional<codec::packet_type> {
        if (!name.is_string()) return std::nullopt;
        const auto t = codec::parse_packet_type(name.get<std::string>());
        if (!t || *t == codec::packet_type::reserved) {
            throw pattern_error(path, "unknown packet type " + name.dump() + " (upper case, e.g. \"PUBLISH\")");
        }
        return t;
    };
    if (is_operator(type) && type.begin().key() == "any_of") {
        std::vector<codec::packet_type> out;
        const json& alternatives = type.begin().value();
        for (std::size_t i = 0; i < alternatives.size(); ++i) {
            const auto t = one(alternatives[i], child(child(at, "any_of"), std::to_string(i)));
            if (!t) return {};
            out.push_back(*t);
        }
        return out;
    }
    if (type.is_string()) return {*one(type, at)};
    if (is_operator(type) && type.begin().key() == "not") (void)pattern_types(type.begin().value(), child(at, "not"));
    return {};
}

bool scalar_equal(const json& a, const json& b) {
    if (a.is_number() && b.is_number()) {
        if (a.is_number_float() || b.is_number_float()) return a.get<double>() == b.get<double>();
        if (a.is_number_unsigned() || b.is_number_unsigned()) {
            // Negative numbers never equal unsigned values.
            if ((a.is_number_integer() && !a.is_number_unsigned() && a.get<std::int64_t>() < 0) ||
                (b.is_number_integer() && !b.is_number_unsigned() && b.get<std::int64_t>() < 0)) {
                return false;
            }
            return a.get<std::uint64_t>() == b.get<std::uint64_t>();
        }
        return a.get<std::int64_t>() == b.get<std::int64_t>();
    }
    return a == b;
}

// `actual` is nullptr when the field is missing.
std::string mismatch_at(const json& p, const json* actual, const std::string& path) {
    const std::string where = path.empty() ? "/" : path;
    if (is_operator(p)) {
        const std::string& op = p.begin().key();
        const json& arg = p.begin().value();
        if (op == "absent") return actual == nullptr ? "" : where + ": present (" + actual->dump() + "), expected absent";
        // Before the missing check: an alternative may be {"absent": true} (a property the standard
        // lets a sender omit when its value is the default).
        if (op == "any_of") {
            for (const auto& alt : arg) {
                if (mismatch_at(alt, actual, path).empty()) return "";
            }
            return where + ": " + (actual == nullptr ? std::string("missing") : actual->dump()) + " is not any of " + arg.dump();
        }
        if (actual == nullptr) return where + ": missing";
        if (op == "present") return "";
        if (op == "not") {
            return mismatch_at(arg, actual, path).empty() ? where + ": " + actual->dump() + " matches " + arg.dump() + " (expected not)" : "";
        }
        if (!actual->is_number()) return where + ": " + actual->dump() + " is not a number";
        const double v = actual->get<double>();
        const double bound = arg.get<double>();
        if (op == "at_least" && v < bound) return where + ": " + actual->dump() + " is below " + arg.dump();
        if (op == "at_most" && v > bound) return where + ": " + actual->dump() + " is above " + arg.dump();
        return "";
    }
    if (actual == nullptr) return where + ": missing (expected " + p.dump() + ")";
    if (p.is_object()) {
        if (!actual->is_object()) return where + ": " + actual->dump() + " is not an object";
        for (auto it = p.begin(); it != p.end(); ++it) {
            const auto found = actual->find(it.key());
            const json* a = found == actual->end() ? nullptr : &*found;
            if (auto m = mismatch_at(it.value(), a, child(path, it.key())); !m.empty()) return m;
        }
        return "";
    }
    if (p.is_array()) {
        if (!actual->is_array()) return where + ": " + actual->dump() + " is not an array";
        if (actual->size() != p.size()) {
            return where + ": " + std::to_string(actual->size()) + " elements, expected " + std::to_string(p.size());
        }
        for (std::size_t i = 0; i < p.size(); ++i) {
            if (auto m = mismatch_at(p[i], &(*actual)[i], child(path, std::to_string(i))); !m.empty()) return m;
        }
        return "";
    }
    return scalar_equal(p, *actual) ? "" : where + ": " + actual->dump() + ", expected " + p.dump();
}

void substitute_in(json& j, const std::vector<std::pair<std::string, std::string>>& vars) {
    if (j.is_string()) {
        std::string s = j.get<std::string>();
        bool changed = false;
        for (const auto& [name, value] : vars) {
            const std::string key = "{" + name + "}";
            for (auto pos = s.find(key); pos != std::string::npos; pos = s.find(key, pos + value.size())) {
                s.replace(pos, key.size(), value);
                changed = true;
            }
        }
        if (changed) j = s;
    } else if (j.is_structured()) {
        for (auto& v : j) substitute_in(v, vars);
    }
}

}  // namespace

void check_packet_fields(const json& spec, std::initializer_list<codec::protocol_version> versions) {
    if (!spec.is_object() || is_operator(spec)) return;
    field_checker checker{{}, versions};
    if (const auto type = spec.find("type"); type != spec.end()) checker.types = pattern_types(*type, "/type");
    if (checker.types.empty()) checker.types.assign(all_packet_types.begin(), all_packet_types.end());
    checker.check_value(spec, {}, "");
}

pattern::pattern(json spec) : spec_(std::move(spec)) {
    validate(spec_, "");
    if (spec_.is_object() && spec_.contains("type")) {
        check_packet_fields(spec_, {codec::protocol_version::v3_1_1, codec::protocol_version::v5});
    }
}

std::string pattern::mismatch(const json& actual) const { return mismatch_at(spec_, &actual, ""); }

json substitute(const json& j, const std::vector<std::pair<std::string, std::string>>& vars) {
    json out = j;
    substitute_in(out, vars);
    return out;
}

}  // namespace mqttspec::conformance
