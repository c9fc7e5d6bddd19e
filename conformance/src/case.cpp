#include "mqttspec/conformance/case.hpp"

#include <mqttspec/codec/json.hpp>
#include <algorithm>
#include <stdexcept>

namespace mqttspec::conformance {

std::vector<case_def>& case_registry() {
    static std::vector<case_def> cases;
    return cases;
}

case_info validated(case_info info, std::string source) {
    const std::string who = "case '" + info.id + "' (" + source + ")";
    if (info.id.rfind("v311/", 0) == 0) {
        info.version = codec::protocol_version::v3_1_1;
    } else if (info.id.rfind("v5/", 0) == 0) {
        info.version = codec::protocol_version::v5;
    } else {
        throw std::invalid_argument(who + ": the ID must start with v311/ or v5/");
    }
    for (char ch : info.id) {
        const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '/' || ch == '.' ||
                        ch == '_' || ch == '-';
        if (!ok) throw std::invalid_argument(who + ": the ID may use only a-z 0-9 / . _ -");
    }
    if (std::count(info.id.begin(), info.id.end(), '/') < 2 || info.id.back() == '/' ||
        info.id.find("//") != std::string::npos) {
        throw std::invalid_argument(who + ": the ID must look like <version>/<area>/<name>");
    }
    if (info.title.empty()) throw std::invalid_argument(who + ": the title is empty");
    if (info.statements.empty()) throw std::invalid_argument(who + ": no statement IDs");
    for (const auto& s : info.statements) {
        if (s.rfind("MQTT-", 0) != 0 && s.rfind("MQTTSPEC-", 0) != 0) {
            throw std::invalid_argument(who + ": statement '" + s + "' is neither an MQTT-x.y.z-n ID nor an own MQTTSPEC-... ID");
        }
    }
    info.source = std::move(source);
    return info;
}

register_case::register_case(case_info info, void (*body)(case_context&), const char* file) {
    std::string source = file;
    if (const auto pos = source.find("conformance/src/"); pos != std::string::npos) source = source.substr(pos);
    case_registry().push_back({validated(std::move(info), source), body});
}

case_context::case_context(const case_info& info, const run_environment& env, std::size_t index, transcript& log,
                           boost::asio::io_context& io)
    : info_(info), env_(env), index_(index), log_(log), io_(io),
      prefix_("mqttspec/" + env.nonce + "/" + std::to_string(index)) {}

case_context::~case_context() = default;

const capabilities& case_context::caps() const {
    const auto it = env_.caps.find(info_.version);
    if (it == env_.caps.end()) throw std::logic_error("no capabilities for the case's version");
    return it->second;
}

std::string case_context::topic(std::string_view suffix) const { return prefix_ + "/" + std::string(suffix); }

std::string case_context::client_id(std::string_view name) const {
    std::string id = env_.id_prefix + env_.nonce + "-" + std::to_string(index_) + "-" + std::string(name);
    // MQTT 3.1 allows 1-23 characters: a longer identifier keeps the prefix and the nonce, and a hash of
    // the rest (FNV-1a, 8 hex digits) stands for the case index and the name.
    constexpr std::size_t v31_longest = 23;
    if (info_.version != codec::protocol_version::v3_1 || id.size() <= v31_longest) return id;
    std::uint64_t hash = 0xcbf29ce484222325ULL;
    for (const unsigned char ch : id) hash = (hash ^ ch) * 0x100000001b3ULL;
    constexpr char digits[] = "0123456789abcdef";
    std::string tail;
    for (int i = 0; i < 8; ++i) tail += digits[(hash >> (4 * i)) & 0xF];
    const std::string head = env_.id_prefix + env_.nonce;
    return head.size() + tail.size() <= v31_longest ? head + tail : head.substr(0, v31_longest - tail.size()) + tail;
}

client& case_context::open(std::string name) {
    client_options options;
    options.name = name;
    options.version = info_.version;
    options.timeout = env_.timeout;
    auto c = std::make_unique<client>(io_, env_.where, options, &log_);
    c->open();
    auto& slot = clients_[name];
    slot = std::move(c);
    return *slot;
}

codec::connect_packet case_context::make_connect(std::string_view name, const connect_options& options) {
    codec::connect_packet p;
    p.protocol_name = info_.version == codec::protocol_version::v3_1 ? "MQIsdp" : "MQTT";
    p.protocol_level = static_cast<std::uint8_t>(info_.version);
    p.clean_start = options.clean_start;
    p.keep_alive = options.keep_alive;
    p.client_id = arena_.keep(options.client_id ? *options.client_id : client_id(name));
    if (v5()) {
        if (options.session_expiry) {
            p.properties.push_back({codec::property_id::session_expiry_interval, *options.session_expiry, {}, {}});
        }
        p.properties.insert(p.properties.end(), options.properties.begin(), options.properties.end());
    }
    p.will = options.will;
    if (p.will) {
        will_left(std::string(p.client_id));
        if (std::find(will_clients_.begin(), will_clients_.end(), name) == will_clients_.end()) will_clients_.emplace_back(name);
    }
    std::optional<std::string> user = options.username, pass = options.password;
    if (options.credentials && !user) {
        user = env_.where.username ? env_.where.username : env_.prof.username;
        if (!pass) pass = env_.where.username ? env_.where.password : env_.prof.password;
    }
    if (user) p.username = arena_.keep(*user);
    if (pass) p.password = arena_.keep(*pass);
    return p;
}

client& case_context::connect(std::string name, const connect_options& options) {
    const auto packet = make_connect(name, options);
    const bool keeps_session = v5() ? options.session_expiry.value_or(0) > 0 : !options.clean_start;
    if (keeps_session) session_kept(std::string(packet.client_id));
    client& c = open(name);
    auto connack = c.handshake(packet);
    connacks_.insert_or_assign(name, connack);
    if (options.expect_reason) {
        const auto code = connack.as<codec::connack_packet>().reason_code;
        if (code != *options.expect_reason) {
            // The engine's own check, not the body's: it may cite a statement the case does not list.
            throw case_failure("the broker did not accept the connection as expected",
                               "CONNACK reason code " + std::to_string(*options.expect_reason), connack.as_json.dump(),
                               v5() ? "MQTT-3.2.2-2" : "MQTT-3.2.2-1");
        }
    }
    return c;
}

const received_packet& case_context::connack(std::string_view name) const {
    const auto it = connacks_.find(name);
    if (it == connacks_.end()) throw std::logic_error("no CONNACK recorded for client '" + std::string(name) + "'");
    return it->second;
}

void case_context::fail(std::string message, std::string expected, std::string actual, std::string statement) {
    // A verdict that names a statement outside the case's list would be counted nowhere (coverage,
    // --statement, waivers): that is a bug in the case, reported as an error rather than a failure.
    if (!statement.empty() && std::find(info_.statements.begin(), info_.statements.end(), statement) == info_.statements.end()) {
        std::string listed;
        for (const auto& s : info_.statements) listed += (listed.empty() ? "" : ", ") + s;
        throw std::logic_error("case " + info_.id + " judged against " + statement + ", which is not among its statements (" +
                               listed + ")");
    }
    throw case_failure(std::move(message), std::move(expected), std::move(actual), std::move(statement));
}

void case_context::skip(std::string reason) { throw case_skipped(std::move(reason)); }

void case_context::check(bool condition, std::string message, std::string expected, std::string actual,
                         std::string statement) {
    if (!condition) fail(std::move(message), std::move(expected), std::move(actual), std::move(statement));
}

void case_context::require(requirement r) {
    if (auto why = unmet(r, caps(), env_.prof); !why.empty()) skip(std::move(why));
}

void case_context::note(std::string text) { log_.event("case", std::move(text)); }

void case_context::retained_on(std::string topic_name) { retained_topics_.push_back(std::move(topic_name)); }

void case_context::session_kept(std::string id) {
    if (std::find(kept_sessions_.begin(), kept_sessions_.end(), id) == kept_sessions_.end()) {
        kept_sessions_.push_back(std::move(id));
    }
}

void case_context::will_left(std::string id) {
    if (std::find(wills_left_.begin(), wills_left_.end(), id) == wills_left_.end()) wills_left_.push_back(std::move(id));
}

std::vector<client*> case_context::clients() {
    std::vector<client*> out;
    for (auto& [name, c] : clients_) out.push_back(c.get());
    return out;
}

void case_context::cleanup() {
    if (cleaned_) return;
    cleaned_ = true;
    auto has_will = [&](const client& c) {
        return std::find(will_clients_.begin(), will_clients_.end(), c.name()) != will_clients_.end();
    };
    for (auto& [name, c] : clients_) {
        try {
            if (!c->is_open()) continue;
            if (!has_will(*c)) {
                c->disconnect();
                continue;
            }
            c->send(codec::disconnect_packet{});
            // Bounded wait for the broker's close (3.14.4: it closes after DISCONNECT), by the run's
            // timeout: the case may have stretched this client's own.
            const auto until = clock::now() + env_.timeout;
            for (;;) {
                const auto e = c->next_event(until);
                if (e.kind == event_kind::closed || e.kind == event_kind::timeout || e.kind == event_kind::malformed) break;
            }
            c->close();
        } catch (const std::exception&) {
            c->close();  // the broker may already be gone; what matters is that we let go
        }
    }
    std::vector<std::string> ids = wills_left_;
    for (const auto& id : kept_sessions_) {
        if (std::find(ids.begin(), ids.end(), id) == ids.end()) ids.push_back(id);
    }
    if (retained_topics_.empty() && ids.empty()) return;
    // A separate connection per step, so one refused step does not stop the others.
    auto with_client = [&](const std::string& what, const std::string& id, auto&& action) {
        try {
            client_options options;
            options.name = "cleanup";
            options.version = info_.version;
            options.timeout = env_.timeout;
            client c(io_, env_.where, options, &log_);
            c.open();
            connect_options co;
            co.client_id = id;
            auto packet = make_connect("cleanup", co);
            const auto connack = c.handshake(packet);
            if (connack.as<codec::connack_packet>().reason_code != 0) {
                log_.event("cleanup", what + " failed: " + connack.as_json.dump());
                return;
            }
            action(c);
            c.barrier();
            c.disconnect();
        } catch (const std::exception& e) {
            log_.event("cleanup", what + " failed: " + e.what());
        }
    };
    // Clean Session/Start 1 with no Session Expiry and no Will, then DISCONNECT 0x00: the stored session
    // ends (3.1.2.4 / 3.1.2.11.2) and a pending delayed Will is cancelled by the new connection.
    for (const auto& id : ids) {
        with_client("ending session and Will of " + id, id, [](client&) {});
    }
    if (!retained_topics_.empty()) {
        with_client("clearing retained messages", client_id("cleanup"), [&](client& c) {
            for (const auto& t : retained_topics_) c.publish(t, "", 0, true);
        });
    }
}

}  // namespace mqttspec::conformance
