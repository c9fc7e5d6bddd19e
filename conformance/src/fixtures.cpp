#include "mqttspec/conformance/fixtures.hpp"

#include <algorithm>
#include <fstream>
#include <map>
#include <mqttspec/codec/json.hpp>
#include <set>
#include <sstream>

#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance {

fixture_error::fixture_error(const std::filesystem::path& f, const std::string& at, const std::string& what)
    : std::runtime_error(f.string() + (at.empty() ? "" : ": " + at) + ": " + what), file(f), where(at) {}

json read_json_file(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) throw fixture_error(file, "", "cannot be read");
    std::stringstream buffer;
    buffer << in.rdbuf();
    const std::string text = buffer.str();
    try {
        return json::parse(text);
    } catch (const json::parse_error& e) {
        std::size_t line = 1, column = 1;
        for (std::size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
            if (text[i] == '\n') {
                ++line;
                column = 1;
            } else {
                ++column;
            }
        }
        throw fixture_error(file, "line " + std::to_string(line) + ", column " + std::to_string(column),
                            std::string("invalid JSON: ") + e.what());
    }
}

fixture_object::fixture_object(const json& j, const std::filesystem::path& file, std::string path)
    : j_(j), file_(file), path_(std::move(path)) {
    if (!j.is_object()) fail("", "must be an object");
}

void fixture_object::fail(const std::string& key, const std::string& what) const {
    throw fixture_error(file_, key.empty() ? (path_.empty() ? "/" : path_) : path_ + "/" + key, what);
}

const json* fixture_object::optional(const std::string& key) {
    used_.insert(key);
    const auto it = j_.find(key);
    return it == j_.end() ? nullptr : &*it;
}

const json& fixture_object::required(const std::string& key) {
    const json* v = optional(key);
    if (v == nullptr) fail(key, "missing");
    return *v;
}

std::string fixture_object::string(const std::string& key) {
    const json& v = required(key);
    if (!v.is_string() || v.get<std::string>().empty()) fail(key, "must be a non-empty string");
    return v.get<std::string>();
}

bool fixture_object::boolean(const std::string& key) {
    const json& v = required(key);
    if (!v.is_boolean()) fail(key, "must be true or false");
    return v.get<bool>();
}

std::vector<std::string> fixture_object::strings(const json& v, const std::string& key) const {
    if (!v.is_array()) fail(key, "must be an array of strings");
    std::vector<std::string> out;
    for (const auto& s : v) {
        if (!s.is_string()) fail(key, "must be an array of strings");
        out.push_back(s.get<std::string>());
    }
    return out;
}

void fixture_object::done() const {
    for (auto it = j_.begin(); it != j_.end(); ++it) {
        if (!used_.count(it.key())) fail(it.key(), "unknown key");
    }
}

std::string fixture_source(const std::filesystem::path& file) {
    const std::string s = file.generic_string();
    const auto pos = s.rfind("fixtures/");
    return pos == std::string::npos ? s : s.substr(pos);
}

void read_level_and_needs(fixture_object& r, case_info& info) {
    if (const json* v = r.optional("level")) {
        const auto l = v->is_string() ? parse_level(v->get<std::string>()) : std::nullopt;
        if (!l) r.fail("level", "must be \"MUST\", \"SHOULD\" or \"MAY\"");
        info.lvl = *l;
    }
    if (const json* v = r.optional("needs")) {
        for (const auto& name : r.strings(*v, "needs")) {
            const auto req = parse_requirement(name);
            if (!req) r.fail("needs", "unknown requirement '" + name + "'");
            info.needs.push_back(*req);
        }
    }
    r.optional("comment");
}

std::vector<version_statements> read_statements_per_version(fixture_object& r, const std::string& key) {
    const json& statements = r.required(key);
    if (!statements.is_object() || statements.empty()) {
        r.fail(key, "must be an object with a list of statement IDs per version: {\"3.1.1\": [...], \"5\": [...]}");
    }
    std::vector<version_statements> out;
    for (auto it = statements.begin(); it != statements.end(); ++it) {
        version_statements v;
        v.name = it.key();
        if (v.name == "3.1.1") {
            v.version = codec::protocol_version::v3_1_1;
            v.prefix = "v311/";
        } else if (v.name == "5") {
            v.version = codec::protocol_version::v5;
            v.prefix = "v5/";
        } else {
            r.fail(key + "/" + v.name, "unknown version (use \"3.1.1\" or \"5\")");
        }
        v.statements = r.strings(*it, key + "/" + v.name);
        if (v.statements.empty()) r.fail(key + "/" + v.name, "must be a non-empty array of statement IDs");
        out.push_back(std::move(v));
    }
    return out;
}

void read_matrix_rows(const json& doc, const std::filesystem::path& file, const std::function<void(fixture_object&)>& top,
                      const std::function<void(fixture_object& row, const std::string& name)>& row) {
    fixture_object frame(doc, file, "");
    frame.string("kind");
    frame.optional("comment");
    top(frame);
    const json& rows = frame.required("rows");
    if (!rows.is_array() || rows.empty()) frame.fail("rows", "must be a non-empty array");
    frame.done();
    std::set<std::string> names;
    for (std::size_t i = 0; i < rows.size(); ++i) {
        fixture_object r(rows[i], file, "/rows/" + std::to_string(i));
        const std::string name = r.string("name");
        if (!names.insert(name).second) r.fail("name", "duplicate row name '" + name + "'");
        r.optional("comment");
        row(r, name);
        r.done();
    }
}

case_info validated_fixture_case(fixture_object& r, case_info info) {
    try {
        return validated(std::move(info), fixture_source(r.file()));
    } catch (const std::invalid_argument& e) {
        r.fail("name", e.what());
    }
}

namespace {

enum class step_kind {
    connect, open, send, send_hex, expect, expect_next, expect_none, expect_closed, expect_disconnect_or_close,
    barrier, acknowledge, disconnect, close, retained, require_grant
};

struct flow_step {
    step_kind kind{};
    std::string client;                  // or the topic for `retained`
    json packet;                         // send: JSON packet; expect*: pattern spec (unsubstituted)
    std::vector<std::uint8_t> bytes;     // send_hex
    connect_options options;
    std::string keep_as;                 // expect ... "as"
    std::string message;                 // acknowledge; require_grant: the kept SUBACK
    std::uint8_t qos = 0;                // require_grant
    std::vector<std::uint8_t> reasons;   // expect_disconnect_or_close
    std::string statement;
    std::string path;                    // for messages: "/cases/0/steps/3"
};

struct flow {
    std::vector<flow_step> steps;
    std::set<std::string> clients;
};

const std::map<std::string, step_kind, std::less<>> step_kinds{
    {"connect", step_kind::connect}, {"open", step_kind::open}, {"send", step_kind::send},
    {"expect", step_kind::expect}, {"expect_next", step_kind::expect_next}, {"expect_none", step_kind::expect_none},
    {"expect_closed", step_kind::expect_closed}, {"expect_disconnect_or_close", step_kind::expect_disconnect_or_close},
    {"barrier", step_kind::barrier}, {"acknowledge", step_kind::acknowledge}, {"disconnect", step_kind::disconnect},
    {"close", step_kind::close}, {"retained", step_kind::retained}, {"require_grant", step_kind::require_grant},
};

// 3.9.3: a server may grant a lower QoS than requested or refuse the subscription; a flow whose later
// steps depend on the QoS skips (with the reason) unless the kept SUBACK's first code grants `qos`.
void require_grant(case_context& t, const received_packet& suback, std::uint8_t qos) {
    const json& codes = suback.as_json.at("reason_codes");
    const int code = codes.empty() ? 0x80 : codes.at(0).get<int>();
    if (code >= 0x80) t.skip("the broker refused the subscription (SUBACK " + suback.as_json.dump() + ")");
    if (code < qos) {
        t.skip("the broker granted QoS " + std::to_string(code) + " where the flow needs QoS " + std::to_string(qos) +
               " (3.9.3 allows a lower grant)");
    }
}

std::vector<std::pair<std::string, std::string>> variables(case_context& t, const flow& f) {
    std::vector<std::pair<std::string, std::string>> vars{{"prefix", t.prefix()}};
    for (const auto& name : f.clients) vars.emplace_back("client_id:" + name, t.client_id(name));
    return vars;
}

connect_options read_connect_options(const json& j, fixture_object& parent, const std::string& key) {
    fixture_object r(j, parent.file(), parent.path() + "/" + key);
    connect_options o;
    if (const json* v = r.optional("client_id")) {
        if (!v->is_string()) r.fail("client_id", "must be a string");
        o.client_id = v->get<std::string>();
    }
    if (const json* v = r.optional("clean_start")) {
        if (!v->is_boolean()) r.fail("clean_start", "must be true or false");
        o.clean_start = v->get<bool>();
    }
    if (const json* v = r.optional("keep_alive")) {
        if (!v->is_number_unsigned() || v->get<std::uint64_t>() > 65535) r.fail("keep_alive", "must be 0..65535");
        o.keep_alive = v->get<std::uint16_t>();
    }
    if (const json* v = r.optional("session_expiry")) {
        if (!v->is_number_unsigned() || v->get<std::uint64_t>() > 0xFFFFFFFFu) r.fail("session_expiry", "must be 0..4294967295");
        o.session_expiry = v->get<std::uint32_t>();
    }
    if (const json* v = r.optional("credentials")) {
        if (!v->is_boolean()) r.fail("credentials", "must be true or false");
        o.credentials = v->get<bool>();
    }
    for (const char* key_name : {"username", "password"}) {
        if (const json* v = r.optional(key_name)) {
            if (!v->is_string()) r.fail(key_name, "must be a string");
            (std::string(key_name) == "username" ? o.username : o.password) = v->get<std::string>();
        }
    }
    if (const json* v = r.optional("expect_reason")) {
        if (v->is_null()) o.expect_reason = std::nullopt;
        else if (v->is_number_unsigned() && v->get<std::uint64_t>() <= 255) o.expect_reason = v->get<std::uint8_t>();
        else r.fail("expect_reason", "must be a reason code 0..255 or null");
    }
    r.done();
    return o;
}

void run_flow(case_context& t, const flow& f) {
    const auto vars = variables(t, f);
    std::map<std::string, received_packet> kept;
    auto client_of = [&](const flow_step& s) -> client& {
        auto all = t.clients();
        for (client* c : all) {
            if (c->name() == s.client) return *c;
        }
        throw std::logic_error(s.path + ": client '" + s.client + "' is not open");
    };
    for (const auto& s : f.steps) {
        try {
            switch (s.kind) {
                case step_kind::connect: {
                    connect_options o = s.options;
                    if (o.client_id) o.client_id = substitute(json(*o.client_id), vars).get<std::string>();
                    t.connect(s.client, o);
                    break;
                }
                case step_kind::open: t.open(s.client); break;
                case step_kind::send: client_of(s).send_json(substitute(s.packet, vars)); break;
                case step_kind::send_hex: client_of(s).send_raw(s.bytes); break;
                case step_kind::expect: {
                    auto r = client_of(s).expect(pattern(substitute(s.packet, vars)));
                    if (!s.keep_as.empty()) kept.insert_or_assign(s.keep_as, std::move(r));
                    break;
                }
                case step_kind::expect_next: {
                    auto r = client_of(s).expect_next(pattern(substitute(s.packet, vars)));
                    if (!s.keep_as.empty()) kept.insert_or_assign(s.keep_as, std::move(r));
                    break;
                }
                case step_kind::expect_none: client_of(s).expect_none(pattern(substitute(s.packet, vars))); break;
                case step_kind::expect_closed: client_of(s).expect_closed(); break;
                case step_kind::expect_disconnect_or_close:
                    expect_connection_closed_or_disconnect(client_of(s), s.reasons);
                    break;
                case step_kind::barrier: client_of(s).barrier(); break;
                case step_kind::acknowledge: client_of(s).acknowledge(kept.at(s.message)); break;
                case step_kind::disconnect: client_of(s).disconnect(); break;
                case step_kind::close: client_of(s).close(); break;
                case step_kind::retained: t.retained_on(substitute(json(s.client), vars).get<std::string>()); break;
                case step_kind::require_grant: require_grant(t, kept.at(s.message), s.qos); break;
            }
        } catch (case_failure& e) {
            e.message = "step " + s.path + ": " + e.message;
            if (e.statement.empty()) e.statement = s.statement;
            throw;
        }
    }
}

flow_step read_step(const json& j, fixture_object& parent_reader, const std::string& path, flow& f,
                    codec::protocol_version version, std::set<std::string>& kept_names) {
    fixture_object r(j, parent_reader.file(), path);
    flow_step s;
    s.path = path;
    // Unknown keys first, so that a misspelt action is reported as such.
    static const std::set<std::string> modifiers{"statement", "options", "packet", "hex", "as", "reasons", "message",
                                                 "suback", "qos"};
    for (auto it = j.begin(); it != j.end(); ++it) {
        if (!step_kinds.count(it.key()) && !modifiers.count(it.key())) r.fail(it.key(), "unknown key");
    }
    int actions = 0;
    for (const auto& [name, kind] : step_kinds) {
        const json* v = r.optional(name);
        if (v == nullptr) continue;
        ++actions;
        if (!v->is_string() || v->get<std::string>().empty()) r.fail(name, "must name a client (a non-empty string)");
        s.kind = kind;
        s.client = v->get<std::string>();
    }
    if (actions != 1) {
        r.fail("", "a step needs exactly one action key (connect, open, send, expect, expect_next, expect_none, "
                   "expect_closed, expect_disconnect_or_close, barrier, acknowledge, disconnect, close, retained, "
                   "require_grant)");
    }
    if (const json* v = r.optional("statement")) {
        if (!v->is_string()) r.fail("statement", "must be a string");
        s.statement = v->get<std::string>();
    }
    if (s.kind == step_kind::connect || s.kind == step_kind::open) {
        f.clients.insert(s.client);
    } else if (s.kind != step_kind::retained && !f.clients.count(s.client)) {
        r.fail("", "client '" + s.client + "' is used before a connect/open step");
    }
    // Placeholder values for validating packets at load time.
    const std::vector<std::pair<std::string, std::string>> dummy{{"prefix", "mqttspec/load-check/0"}};
    switch (s.kind) {
        case step_kind::connect:
            if (const json* o = r.optional("options")) s.options = read_connect_options(*o, r, "options");
            break;
        case step_kind::send: {
            const json* packet = r.optional("packet");
            const json* hex = r.optional("hex");
            if ((packet == nullptr) == (hex == nullptr)) r.fail("", "a send step needs exactly one of \"packet\" or \"hex\"");
            if (packet != nullptr) {
                s.packet = *packet;
                try {
                    codec::arena scratch;
                    (void)codec::from_json(substitute(*packet, dummy), version, scratch);
                } catch (const codec::json_packet_error& e) {
                    throw fixture_error(r.file(), path + "/packet" + e.path, e.what());
                } catch (const std::exception& e) {
                    throw fixture_error(r.file(), path + "/packet", e.what());
                }
            } else {
                if (!hex->is_string()) r.fail("hex", "must be a string of hex digits");
                s.kind = step_kind::send_hex;
                try {
                    s.bytes = codec::from_hex(hex->get<std::string>());
                } catch (const std::exception& e) {
                    r.fail("hex", e.what());
                }
            }
            break;
        }
        case step_kind::expect:
        case step_kind::expect_next:
        case step_kind::expect_none: {
            s.packet = r.required("packet");
            try {
                pattern check(s.packet);
                check_packet_fields(s.packet, {version});  // field names of this flow's version
            } catch (const pattern_error& e) {
                throw fixture_error(r.file(), path + "/packet" + e.path, std::string(e.what()).substr(e.path.size() + 2));
            }
            if (s.kind != step_kind::expect_none) {
                if (const json* v = r.optional("as")) {
                    if (!v->is_string()) r.fail("as", "must be a string");
                    s.keep_as = v->get<std::string>();
                    kept_names.insert(s.keep_as);
                }
            }
            break;
        }
        case step_kind::expect_disconnect_or_close:
            if (const json* v = r.optional("reasons")) {
                if (!v->is_array()) r.fail("reasons", "must be an array of reason codes");
                for (const auto& code : *v) {
                    if (!code.is_number_unsigned() || code.get<std::uint64_t>() > 255) r.fail("reasons", "must be an array of reason codes 0..255");
                    s.reasons.push_back(code.get<std::uint8_t>());
                }
            }
            break;
        case step_kind::acknowledge:
            s.message = r.string("message");
            if (!kept_names.count(s.message)) r.fail("message", "no earlier expect step keeps a packet as '" + s.message + "'");
            break;
        case step_kind::require_grant: {
            s.message = r.string("suback");
            if (!kept_names.count(s.message)) r.fail("suback", "no earlier expect step keeps a packet as '" + s.message + "'");
            const json& q = r.required("qos");
            if (!q.is_number_unsigned() || q.get<std::uint64_t>() > 2) r.fail("qos", "must be 0, 1 or 2");
            s.qos = q.get<std::uint8_t>();
            break;
        }
        default: break;
    }
    r.done();
    return s;
}

}  // namespace

std::vector<case_def> load_flow_file(const std::filesystem::path& file) {
    const json doc = read_json_file(file);
    fixture_object top(doc, file, "");
    const json& cases = top.required("cases");
    top.optional("comment");
    top.done();
    if (!cases.is_array()) top.fail("cases", "must be an array");
    std::vector<case_def> out;
    for (std::size_t i = 0; i < cases.size(); ++i) {
        const std::string path = "/cases/" + std::to_string(i);
        fixture_object r(cases[i], file, path);
        case_info info;
        info.id = r.string("id");
        info.title = r.string("title");
        info.statements = r.strings(r.required("statements"), "statements");
        read_level_and_needs(r, info);
        try {
            info = validated(std::move(info), fixture_source(file));
        } catch (const std::invalid_argument& e) {
            r.fail("", e.what());
        }
        const json& steps = r.required("steps");
        if (!steps.is_array() || steps.empty()) r.fail("steps", "must be a non-empty array");
        auto f = std::make_shared<flow>();
        std::set<std::string> kept_names;
        for (std::size_t k = 0; k < steps.size(); ++k) {
            f->steps.push_back(read_step(steps[k], r, path + "/steps/" + std::to_string(k), *f, info.version, kept_names));
        }
        r.done();
        out.push_back({std::move(info), [f](case_context& t) { run_flow(t, *f); }});
    }
    return out;
}

namespace {
std::map<std::string, matrix_format_loader>& matrix_formats() {
    static std::map<std::string, matrix_format_loader> formats;
    return formats;
}
}  // namespace

register_matrix_format::register_matrix_format(std::string kind, matrix_format_loader loader) {
    matrix_formats()[std::move(kind)] = loader;
}

std::vector<case_def> load_matrix_file(const std::filesystem::path& file) {
    const json doc = read_json_file(file);
    if (!doc.is_object()) throw fixture_error(file, "/", "must be an object");
    const auto kind = doc.find("kind");
    if (kind == doc.end()) throw fixture_error(file, "/kind", "missing (every matrix names its kind)");
    const auto it = kind->is_string() ? matrix_formats().find(kind->get<std::string>()) : matrix_formats().end();
    if (it == matrix_formats().end()) throw fixture_error(file, "/kind", "unknown matrix kind " + kind->dump());
    return it->second(doc, file);
}

std::vector<case_def> load_fixture_cases(const std::filesystem::path& fixtures) {
    std::vector<case_def> out;
    auto each = [&](const std::filesystem::path& dir, auto loader) {
        if (!std::filesystem::is_directory(dir)) return;
        std::vector<std::filesystem::path> files;
        for (const auto& e : std::filesystem::directory_iterator(dir)) {
            if (e.is_regular_file() && e.path().extension() == ".json") files.push_back(e.path());
        }
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            auto cases = loader(f);
            for (auto& c : cases) out.push_back(std::move(c));
        }
    };
    each(fixtures / "flows", load_flow_file);
    each(fixtures / "matrices", load_matrix_file);
    return out;
}

}  // namespace mqttspec::conformance
