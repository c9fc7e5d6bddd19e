#include "mqttspec/conformance/profile.hpp"
#include "mqttspec/conformance/enhanced_auth.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <set>
#include <sstream>

namespace mqttspec::conformance {

profile_error::profile_error(const std::filesystem::path& f, const std::string& field_name, const std::string& what)
    : std::runtime_error("profile " + f.string() + (field_name.empty() ? "" : ": field '" + field_name + "'") + ": " + what),
      file(f), field(field_name) {}

bool waiver::applies_to(transport_kind k) const {
    return transports.empty() || std::find(transports.begin(), transports.end(), to_string(k)) != transports.end();
}

bool waiver::excuses(const std::string& failed_statement, const std::vector<std::string>& case_statements,
                     const std::string& evidence_text) const {
    // An unattributed failure of a case with one statement broke that statement; with several, the
    // observed pattern alone has to tell the deviation apart.
    const std::string& broken =
        failed_statement.empty() && case_statements.size() == 1 ? case_statements.front() : failed_statement;
    // "*" (any statement, only with "case": "*"): the runner offers it only failures that did not
    // repeat when the case ran alone, so the pattern alone tells the broker's race.
    if (!broken.empty() && broken != statement && statement != "*") return false;
    return std::regex_search(evidence_text, std::regex(observed, std::regex::ECMAScript));
}

const waiver* profile::find_waiver(std::string_view case_id, transport_kind transport) const {
    for (const auto& w : waivers) {
        if (w.case_id == case_id && w.applies_to(transport)) return &w;
    }
    return nullptr;
}

std::vector<const waiver*> profile::any_case_waivers(transport_kind transport) const {
    std::vector<const waiver*> out;
    for (const auto& w : waivers) {
        if (w.case_id == "*" && w.applies_to(transport)) out.push_back(&w);
    }
    return out;
}

namespace {

struct field_reader {
    const json& j;
    const std::filesystem::path& file;
    std::set<std::string> known;

    const json* get(const std::string& key) {
        known.insert(key);
        const auto it = j.find(key);
        return it == j.end() ? nullptr : &*it;
    }
    std::optional<std::string> string(const std::string& key) {
        const json* v = get(key);
        if (v == nullptr) return std::nullopt;
        if (!v->is_string()) throw profile_error(file, key, "must be a string, got " + v->dump());
        return v->get<std::string>();
    }
    std::optional<bool> boolean(const std::string& key) {
        const json* v = get(key);
        if (v == nullptr) return std::nullopt;
        if (!v->is_boolean()) throw profile_error(file, key, "must be true or false, got " + v->dump());
        return v->get<bool>();
    }
    void reject_unknown(const std::string& prefix) {
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (!known.count(it.key())) throw profile_error(file, prefix + it.key(), "unknown field");
        }
    }
};

}  // namespace

namespace {

// Enhanced authentication by the file of the profile that named it (enhanced_auth.hpp).
std::mutex auth_mutex;
std::map<std::filesystem::path, enhanced_auth> auth_by_file;

}  // namespace

std::optional<enhanced_auth> enhanced_auth_of(const profile& p) {
    std::lock_guard lock(auth_mutex);
    const auto it = auth_by_file.find(p.file);
    if (it == auth_by_file.end()) return std::nullopt;
    return it->second;
}

profile parse_profile(const json& j, const std::filesystem::path& file) {
    if (!j.is_object()) throw profile_error(file, "", "the top level must be an object");
    profile p;
    p.file = file;
    field_reader r{j, file, {}};
    r.get("comment");  // free text for humans
    if (auto v = r.string("name")) p.name = *v;
    r.get("broker");   // free text: which broker/config the profile describes
    if (const json* creds = r.get("credentials")) {
        if (!creds->is_object()) throw profile_error(file, "credentials", "must be an object {username, password}");
        field_reader c{*creds, file, {}};
        const auto prefix = std::string("credentials.");
        try {
            p.username = c.string("username");
            p.password = c.string("password");
            c.reject_unknown(prefix);
        } catch (const profile_error& e) {
            throw profile_error(file, prefix + e.field, "must be a string");
        }
    }
    if (const json* creds = r.get("rejected_credentials")) {
        if (!creds->is_object()) throw profile_error(file, "rejected_credentials", "must be an object {username, password}");
        field_reader c{*creds, file, {}};
        try {
            p.rejected_username = c.string("username");
            p.rejected_password = c.string("password");
            c.reject_unknown("rejected_credentials.");
        } catch (const profile_error& e) {
            throw profile_error(file, "rejected_credentials." + e.field, "must be a string");
        }
    }
    p.denied_topic = r.string("denied_topic");
    if (const json* q = r.get("maximum_qos")) {
        if (!q->is_number_integer() || q->get<int>() < 0 || q->get<int>() > 2) {
            throw profile_error(file, "maximum_qos", "must be 0, 1 or 2, got " + q->dump());
        }
        p.maximum_qos = static_cast<std::uint8_t>(q->get<int>());
    }
    if (auto v = r.boolean("retain_available")) p.retain_available = *v;
    if (auto v = r.boolean("wildcard_subscriptions")) p.wildcard_subscriptions = *v;
    if (auto v = r.boolean("accepts_empty_client_id")) p.accepts_empty_client_id = *v;
    p.system_topic_filter = r.string("system_topic_filter");
    std::optional<enhanced_auth> auth;
    if (const json* a = r.get("auth")) {
        if (!a->is_object()) throw profile_error(file, "auth", "must be an object {method, data, responses, rejected_data}");
        field_reader f{*a, file, {}};
        enhanced_auth out;
        try {
            const auto method = f.string("method");
            if (!method || method->empty()) throw profile_error(file, "method", "must be a non-empty string (the Authentication Method)");
            out.method = *method;
            out.data = f.string("data");
            out.rejected_data = f.string("rejected_data");
        } catch (const profile_error& e) {
            throw profile_error(file, "auth." + e.field, e.field == "method" ? "must be a non-empty string (the Authentication Method)" : "must be a string");
        }
        if (const json* rs = f.get("responses")) {
            if (!rs->is_array()) throw profile_error(file, "auth.responses", "must be an array of strings");
            for (std::size_t k = 0; k < rs->size(); ++k) {
                if (!(*rs)[k].is_string()) throw profile_error(file, "auth.responses[" + std::to_string(k) + "]", "must be a string");
                out.responses.push_back((*rs)[k].get<std::string>());
            }
        }
        f.reject_unknown("auth.");
        auth = std::move(out);
    }
    {
        std::lock_guard lock(auth_mutex);
        if (auth) auth_by_file[file] = *auth;
        else auth_by_file.erase(file);
    }
    if (const json* ws = r.get("waivers")) {
        if (!ws->is_array()) throw profile_error(file, "waivers", "must be an array");
        for (std::size_t i = 0; i < ws->size(); ++i) {
            const json& w = (*ws)[i];
            const std::string at = "waivers[" + std::to_string(i) + "]";
            if (!w.is_object()) throw profile_error(file, at, "must be an object {case, reason, evidence}");
            waiver out;
            for (auto it = w.begin(); it != w.end(); ++it) {
                if (it.key() == "transports") {
                    if (!it->is_array() || it->empty()) throw profile_error(file, at + ".transports", "must be a non-empty array of mqtt, mqtts, ws, wss");
                    for (std::size_t k = 0; k < it->size(); ++k) {
                        const json& t = (*it)[k];
                        if (!t.is_string() || (t != "mqtt" && t != "mqtts" && t != "ws" && t != "wss")) {
                            throw profile_error(file, at + ".transports[" + std::to_string(k) + "]", "must be one of mqtt, mqtts, ws, wss");
                        }
                        out.transports.push_back(t.get<std::string>());
                    }
                    continue;
                }
                if (it.key() == "intermittent") {
                    if (!it->is_boolean()) throw profile_error(file, at + ".intermittent", "must be true or false");
                    out.intermittent = it->get<bool>();
                    continue;
                }
                if (it.key() != "case" && it.key() != "statement" && it.key() != "observed" && it.key() != "reason" &&
                    it.key() != "evidence") {
                    throw profile_error(file, at + "." + it.key(), "unknown field");
                }
                if (!it->is_string() || it->get<std::string>().empty()) {
                    throw profile_error(file, at + "." + it.key(), "must be a non-empty string");
                }
            }
            for (const char* key : {"case", "statement", "observed", "reason", "evidence"}) {
                if (!w.contains(key)) {
                    throw profile_error(file, at + "." + key, "missing (every waiver needs case, statement, observed, reason and evidence)");
                }
            }
            out.case_id = w["case"].get<std::string>();
            out.statement = w["statement"].get<std::string>();
            out.observed = w["observed"].get<std::string>();
            try {
                std::regex check(out.observed, std::regex::ECMAScript);
            } catch (const std::regex_error& e) {
                throw profile_error(file, at + ".observed", std::string("not a valid regular expression: ") + e.what());
            }
            out.reason = w["reason"].get<std::string>();
            out.evidence = w["evidence"].get<std::string>();
            if (out.statement == "*" && out.case_id != "*") {
                throw profile_error(file, at + ".statement", "\"*\" (any statement) is only for a waiver of any case (\"case\": \"*\")");
            }
            if (out.case_id == "*" && !out.intermittent) {
                throw profile_error(file, at + ".intermittent",
                                    "a waiver for any case (\"case\": \"*\") must be intermittent: true (a case that passes "
                                    "cannot make it stale)");
            }
            for (const auto& earlier : p.waivers) {
                if (earlier.case_id != out.case_id) continue;
                if (out.case_id == "*" && earlier.statement != out.statement) continue;  // several, one per statement
                const bool overlap = earlier.transports.empty() || out.transports.empty() ||
                                     std::any_of(out.transports.begin(), out.transports.end(), [&](const std::string& t) {
                                         return std::find(earlier.transports.begin(), earlier.transports.end(), t) != earlier.transports.end();
                                     });
                if (overlap) throw profile_error(file, at + ".case", "duplicate waiver for " + out.case_id + " (transports overlap)");
            }
            p.waivers.push_back(std::move(out));
        }
    }
    r.reject_unknown("");
    return p;
}

profile load_profile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw profile_error(file, "", "cannot be read");
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    json j;
    try {
        j = json::parse(text);
    } catch (const json::parse_error& e) {
        // Byte position -> line/column for the message.
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        throw profile_error(file, "", "invalid JSON at line " + std::to_string(line) + ", column " +
                                          std::to_string(column) + ": " + e.what());
    }
    return parse_profile(j, file);
}

capabilities capabilities::from_profile(codec::protocol_version v, const profile& p) {
    capabilities c;
    c.version = v;
    c.maximum_qos = p.maximum_qos;
    c.retain_available = p.retain_available;
    c.wildcard_subscriptions = p.wildcard_subscriptions;
    // 3.1.1 has neither; 5.0 learns them from CONNACK.
    c.subscription_identifiers = v == codec::protocol_version::v5;
    c.shared_subscriptions = v == codec::protocol_version::v5;
    return c;
}

void capabilities::apply_connack(const json& connack) {
    from_connack = true;
    const json props = connack.value("properties", json::object());
    auto number = [&](const char* name) -> std::optional<std::uint64_t> {
        const auto it = props.find(name);
        if (it == props.end() || !it->is_number()) return std::nullopt;
        return it->get<std::uint64_t>();
    };
    // Absent properties mean the spec's defaults (3.2.2.3).
    maximum_qos = static_cast<std::uint8_t>(number("maximum_qos").value_or(2));
    retain_available = number("retain_available").value_or(1) == 1;
    wildcard_subscriptions = number("wildcard_subscription_available").value_or(1) == 1;
    subscription_identifiers = number("subscription_identifier_available").value_or(1) == 1;
    shared_subscriptions = number("shared_subscription_available").value_or(1) == 1;
    receive_maximum = static_cast<std::uint16_t>(number("receive_maximum").value_or(65535));
    if (auto m = number("maximum_packet_size")) maximum_packet_size = static_cast<std::uint32_t>(*m);
    topic_alias_maximum = static_cast<std::uint16_t>(number("topic_alias_maximum").value_or(0));
    if (auto k = number("server_keep_alive")) server_keep_alive = static_cast<std::uint16_t>(*k);
}

namespace {
constexpr std::array<std::pair<requirement, std::string_view>, 12> requirement_names{{
    {requirement::qos1, "qos1"},
    {requirement::qos2, "qos2"},
    {requirement::retain, "retain"},
    {requirement::wildcard_subscriptions, "wildcard_subscriptions"},
    {requirement::shared_subscriptions, "shared_subscriptions"},
    {requirement::subscription_identifiers, "subscription_identifiers"},
    {requirement::topic_alias, "topic_alias"},
    {requirement::credentials, "credentials"},
    {requirement::rejected_credentials, "rejected_credentials"},
    {requirement::denied_topic, "denied_topic"},
    {requirement::system_topics, "system_topics"},
    {requirement::empty_client_id, "empty_client_id"},
}};
}  // namespace

std::string_view to_string(requirement r) noexcept {
    for (const auto& [value, name] : requirement_names) {
        if (value == r) return name;
    }
    return "?";
}

std::optional<requirement> parse_requirement(std::string_view s) noexcept {
    for (const auto& [value, name] : requirement_names) {
        if (name == s) return value;
    }
    return std::nullopt;
}

std::string unmet(requirement r, const capabilities& caps, const profile& prof) {
    const std::string source = caps.from_connack ? "the broker announced " : "the profile sets ";
    const bool v5 = caps.version == codec::protocol_version::v5;
    switch (r) {
        case requirement::qos1:
            return caps.maximum_qos >= 1 ? "" : source + "Maximum QoS " + std::to_string(caps.maximum_qos);
        case requirement::qos2:
            return caps.maximum_qos >= 2 ? "" : source + "Maximum QoS " + std::to_string(caps.maximum_qos);
        case requirement::retain:
            return caps.retain_available ? "" : source + "Retain Available 0";
        case requirement::wildcard_subscriptions:
            return caps.wildcard_subscriptions ? "" : source + "Wildcard Subscription Available 0";
        case requirement::shared_subscriptions:
            if (!v5) return "shared subscriptions are MQTT 5.0 only";
            return caps.shared_subscriptions ? "" : source + "Shared Subscription Available 0";
        case requirement::subscription_identifiers:
            if (!v5) return "subscription identifiers are MQTT 5.0 only";
            return caps.subscription_identifiers ? "" : source + "Subscription Identifier Available 0";
        case requirement::topic_alias:
            if (!v5) return "topic aliases are MQTT 5.0 only";
            return caps.topic_alias_maximum > 0 ? "" : "the broker announced no Topic Alias Maximum (0)";
        case requirement::credentials:
            return prof.username ? "" : "the profile gives no credentials (credentials.username)";
        case requirement::rejected_credentials:
            return prof.rejected_username ? "" : "the profile gives no rejected credentials (rejected_credentials)";
        case requirement::denied_topic:
            return prof.denied_topic ? "" : "the profile names no topic the broker denies (denied_topic)";
        case requirement::system_topics:
            return prof.system_topic_filter ? "" : "the profile names no $-topic the broker publishes (system_topic_filter)";
        case requirement::empty_client_id:
            return prof.accepts_empty_client_id.value_or(true) ? "" : "the profile says the broker rejects zero-length client IDs";
    }
    return "unknown requirement";
}

}  // namespace mqttspec::conformance
