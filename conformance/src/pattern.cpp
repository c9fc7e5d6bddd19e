#include "mqttspec/conformance/pattern.hpp"

#include <array>

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
        if (actual == nullptr) return where + ": missing";
        if (op == "present") return "";
        if (op == "any_of") {
            for (const auto& alt : arg) {
                if (mismatch_at(alt, actual, path).empty()) return "";
            }
            return where + ": " + actual->dump() + " is not any of " + arg.dump();
        }
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

pattern::pattern(json spec) : spec_(std::move(spec)) { validate(spec_, ""); }

std::string pattern::mismatch(const json& actual) const { return mismatch_at(spec_, &actual, ""); }

json substitute(const json& j, const std::vector<std::pair<std::string, std::string>>& vars) {
    json out = j;
    substitute_in(out, vars);
    return out;
}

}  // namespace mqttspec::conformance
