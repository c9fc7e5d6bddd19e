#include "mqttspec/conformance/runner.hpp"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <condition_variable>
#include <mqttspec/codec/json.hpp>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <string_view>
#include <thread>

#include "mqttspec/conformance/concurrency.hpp"
#include "mqttspec/conformance/fixtures.hpp"
#include "mqttspec/conformance/v31.hpp"
#include "mqttspec/version.hpp"

namespace mqttspec::conformance {

bool glob_match(std::string_view glob, std::string_view text) noexcept {
    std::size_t g = 0, t = 0, star = std::string_view::npos, resume = 0;
    while (t < text.size()) {
        if (g < glob.size() && (glob[g] == '?' || glob[g] == text[t])) {
            ++g;
            ++t;
        } else if (g < glob.size() && glob[g] == '*') {
            star = g++;
            resume = t;
        } else if (star != std::string_view::npos) {
            g = star + 1;
            t = ++resume;
        } else {
            return false;
        }
    }
    while (g < glob.size() && glob[g] == '*') ++g;
    return g == glob.size();
}

std::vector<case_def> all_cases(const std::filesystem::path& fixtures) {
    std::vector<case_def> out = case_registry();
    for (auto& c : load_fixture_cases(fixtures)) out.push_back(std::move(c));
    std::sort(out.begin(), out.end(), [](const case_def& a, const case_def& b) { return a.info.id < b.info.id; });
    for (std::size_t i = 1; i < out.size(); ++i) {
        if (out[i].info.id == out[i - 1].info.id) {
            throw std::invalid_argument("duplicate case ID '" + out[i].info.id + "' in " + out[i - 1].info.source +
                                        " and " + out[i].info.source);
        }
    }
    return out;
}

namespace {

std::string evidence_text(const case_result& r) {
    return r.message + "\nexpected: " + r.expected + "\nactual: " + r.actual;
}

void excuse(case_result& r, const waiver& w) {
    r.applied_waiver = w;
    r.result = verdict::waived;
    r.message = "waived (" + w.reason + "): " + r.message;
}

// A "*" waiver of the profile that excuses r's failure: one naming a statement, or with `race` (the
// case passed when run alone) one for any statement too. True when one applied.
bool apply_any_case_waiver(case_result& r, const run_environment& env, bool race) {
    for (const waiver* w : env.prof.any_case_waivers(env.where.kind)) {
        if (w->statement == "*" && !race) continue;  // a race waiver: only after the re-run alone passed
        if (!w->excuses(r.statement, r.info.statements, evidence_text(r))) continue;
        excuse(r, *w);
        return true;
    }
    return false;
}

// A waiver turns the failure it describes into `waived`; a pass makes it stale; any other failure
// stays what it is, with a word on why the waiver did not apply.
void apply_waiver(case_result& r, const waiver& w) {
    switch (r.underlying) {
        case verdict::passed:
            if (w.intermittent) {
                r.message = "passed this time; the profile waives an intermittent deviation here (" + w.reason + ")";
                return;
            }
            r.stale_waiver = w;
            r.message = "passed, although the profile waives it (" + w.reason + "): the waiver is stale and should be dropped";
            return;
        case verdict::failed:
        case verdict::non_strict:
            if (w.excuses(r.statement, r.info.statements, evidence_text(r))) {
                excuse(r, w);
            } else {
                r.message += " [not the deviation the profile waives: it excuses " + w.statement + " when the evidence matches /" +
                             w.observed + "/]";
            }
            return;
        default: return;  // skipped, error, ...: nothing was judged, nothing to excuse
    }
}

}  // namespace

case_result run_case(const case_def& c, const run_environment& env, std::size_t index) {
    case_result r;
    r.info = c.info;
    const auto start = clock::now();
    transcript log(start);
    log.show_secrets(env.show_secrets);
    for (const auto* secret : {&env.where.password, &env.prof.password, &env.prof.rejected_password}) {
        if (*secret) log.add_known_secret(**secret);
    }
    boost::asio::io_context io;
    verdict underlying = verdict::error;
    {
        case_context t(c.info, env, index, log, io);
        try {
            for (auto need : c.info.needs) t.require(need);
            c.body(t);
            // A malformed packet the body never waited for still fails the case.
            for (client* cl : t.clients()) cl->expect_well_formed();
            underlying = verdict::passed;
        } catch (const case_skipped& s) {
            underlying = verdict::skipped;
            r.message = s.reason;
        } catch (const case_failure& f) {
            underlying = c.info.lvl == level::must ? verdict::failed : verdict::non_strict;
            r.message = f.message;
            r.expected = f.expected;
            r.actual = f.actual;
            r.statement = f.statement;
        } catch (const transport_error& e) {
            underlying = verdict::error;
            r.message = std::string("could not reach the broker: ") + e.what();
        } catch (const std::exception& e) {
            underlying = verdict::error;
            r.message = std::string("internal error: ") + e.what();
        }
        for (client* cl : t.clients()) r.broker_closed_connection = r.broker_closed_connection || cl->closed_by_broker();
        try {
            t.cleanup();
        } catch (const std::exception& e) {
            log.event("cleanup", std::string("failed: ") + e.what());
        }
    }
    r.underlying = underlying;
    r.result = underlying;
    if (const waiver* w = env.prof.find_waiver(c.info.id, env.where.kind)) apply_waiver(r, *w);
    // A deviation that can surface in any case; it never makes a pass stale.
    if (r.result == verdict::failed || r.result == verdict::non_strict) apply_any_case_waiver(r, env, /*race=*/false);
    r.failed_repeats = (underlying == verdict::failed || underlying == verdict::non_strict || underlying == verdict::error) ? 1 : 0;
    r.duration_ms = std::chrono::duration<double, std::milli>(clock::now() - start).count();
    r.transcript = log.to_json();
    r.transcript_text = log.to_text();
    return r;
}

namespace {

std::string random_nonce() {
    std::random_device rd;
    std::mt19937 gen(rd());
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (int i = 0; i < 6; ++i) s += digits[gen() % 16];
    return s;
}

codec::connect_packet probe_connect(codec::protocol_version v, const target& where, const profile& prof,
                                    const std::string& client_id) {
    codec::connect_packet p;
    if (v == codec::protocol_version::v3_1) p.protocol_name = "MQIsdp";
    p.protocol_level = static_cast<std::uint8_t>(v);
    p.client_id = client_id;
    const auto& user = where.username ? where.username : prof.username;
    const auto& pass = where.username ? where.password : prof.password;
    if (user) p.username = *user;
    if (pass) p.password = *pass;
    return p;
}

probe_result probe_versions(const target& where, const profile& prof, const std::string& id_prefix,
                            std::chrono::milliseconds timeout, const std::vector<codec::protocol_version>& versions);

}  // namespace

probe_result probe(const target& where, const profile& prof, const std::string& id_prefix,
                   std::chrono::milliseconds timeout) {
    return probe_versions(where, prof, id_prefix, timeout, {codec::protocol_version::v3_1_1, codec::protocol_version::v5});
}

namespace {

// probe() over `versions` (3.1 only when a run asks for it).
probe_result probe_versions(const target& where, const profile& prof, const std::string& id_prefix,
                            std::chrono::milliseconds timeout, const std::vector<codec::protocol_version>& versions) {
    probe_result out;
    std::vector<std::chrono::microseconds> rtts;
    const std::string nonce = random_nonce();
    for (auto v : versions) {
        boost::asio::io_context io;
        client_options options;
        options.name = "probe";
        options.version = v;
        options.timeout = timeout;
        client c(io, where, options, nullptr);
        c.open();  // transport_error: the broker is unreachable, which ends the run
        const std::string id = id_prefix + "probe-" + nonce + "-" + std::to_string(static_cast<int>(v));
        const auto connect = probe_connect(v, where, prof, id);
        c.send(connect);
        auto e = c.next_event(c.default_deadline());
        const bool v5 = v == codec::protocol_version::v5;
        if (e.kind == event_kind::timeout) {
            out.refused[v] = "no CONNACK within " + std::to_string(timeout.count()) + " ms";
            continue;
        }
        if (e.kind == event_kind::closed) {
            out.refused[v] = "the broker closed the connection without CONNACK (" + e.detail + ")";
            // 5.0 MQTT-3.1.2-2: a 5.0 broker that does not accept the version MAY send CONNACK 0x84 and
            // MUST close, so closing alone refuses a 3.1.1 CONNECT allowably. A 3.1.1 broker must answer a
            // level it does not support with return code 0x01 (3.1.1 MQTT-3.1.2-2): no such excuse for 5.0.
            if (!v5) out.unsupported.insert(v);
            continue;
        }
        if (e.kind == event_kind::malformed) {
            std::string hex;
            for (char ch : e.detail) {
                if (std::isxdigit(static_cast<unsigned char>(ch))) hex += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            }
            if (v5 && hex == "20020001") {
                // A 3.1.1-only broker's answer to a level-5 CONNECT, in its own layout: return code 0x01.
                out.refused[v] = "CONNACK 20 02 00 01 (3.1.1 return code 0x01, unacceptable protocol version)";
                out.unsupported.insert(v);
                continue;
            }
            if (!v5 && hex.rfind("200300840", 0) == 0) {
                // A 5.0-only broker's answer to a level-4 CONNECT, in the 5.0 layout: reason 0x84.
                out.refused[v] = "CONNACK in the 5.0 layout with reason 0x84 (unsupported protocol version): " + e.detail;
                out.unsupported.insert(v);
                continue;
            }
            out.refused[v] = "the broker's answer does not decode as MQTT " + std::string(codec::to_string(v)) + ": " +
                             e.error.message + " [" + e.detail + "]";
            // A CONNACK broken only in its reserved flags still answers this version: the cases judge
            // it (each fails on the CONNACK, MQTT-3.2.2-1) instead of the run ending as "no MQTT version".
            if (e.error.code == codec::errc::connack_reserved_flags) out.accepted[v] = capabilities::from_profile(v, prof);
            continue;
        }
        const auto* connack = std::get_if<codec::connack_packet>(&e.packet->packet);
        if (connack == nullptr) {
            out.refused[v] = "the broker answered CONNECT with " + e.packet->as_json.dump();
            continue;
        }
        if (connack->reason_code != 0) {
            out.refused[v] = "CONNACK " + e.packet->as_json.dump();
            if (connack->reason_code == (v5 ? 0x84 : 0x01)) out.unsupported.insert(v);
            continue;
        }
        auto caps = capabilities::from_profile(v, prof);
        if (v == codec::protocol_version::v5) caps.apply_connack(e.packet->as_json);
        out.accepted[v] = caps;
        try {
            for (int i = 0; i < 5; ++i) {
                const auto t0 = clock::now();
                c.barrier();
                rtts.push_back(std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t0));
            }
            out.answers_pingreq.insert(v);
            c.disconnect();
        } catch (const case_failure& f) {
            // The version is spoken (CONNACK 0); a missing PINGRESP is for the cases to report
            // (MQTT-3.12.4-1), not a reason to skip the version.
            out.refused[v] = std::string("the broker did not answer PINGREQ: ") + f.what();
        }
    }
    if (!rtts.empty()) {
        std::sort(rtts.begin(), rtts.end());
        out.rtt = rtts[rtts.size() / 2];
    }
    return out;
}

}  // namespace

std::size_t run_summary::count(verdict v) const {
    return static_cast<std::size_t>(std::count_if(results.begin(), results.end(), [v](const case_result& r) { return r.result == v; }));
}

std::size_t run_summary::stale_waivers() const {
    return static_cast<std::size_t>(std::count_if(results.begin(), results.end(), [](const case_result& r) { return r.stale_waiver.has_value(); }));
}

int run_summary::exit_code() const {
    if (interrupted) return 130;  // 128 + SIGINT, as shells report an interrupted command
    if (!broker_down.empty()) return 2;
    if (count(verdict::failed) > 0) return 1;
    // A broker that fails a MUST case only under concurrent clients still broke it.
    if (std::any_of(results.begin(), results.end(), [](const case_result& r) { return r.result == verdict::unstable && r.info.lvl == level::must; })) return 1;
    if (std::any_of(refused.begin(), refused.end(), [](const refused_version& r) { return r.fails_run; })) return 1;
    if (strict_waivers && stale_waivers() > 0) return 1;
    if (count(verdict::error) > 0) return 2;
    if (results.size() == count(verdict::skipped)) return 2;  // nothing was judged
    return 0;
}

namespace {
// Case IDs that changed when 3.1.1 and 5.0 twins got one name (ID -> new ID), so that a profile
// written for an older release gets the new name in its error instead of a bare "no such case".
const std::map<std::string_view, std::string_view> renamed_case_ids{
    {"v311/publish/delivered-to-every-subscriber", "v311/publish/every-matching-subscriber"},
    {"v311/publish/qos1-packet-id-reuse-is-new-message", "v311/qos1/packet-id-reuse-after-puback"},
    {"v311/publish/qos2-duplicate-not-redelivered", "v311/qos2/duplicate-before-pubrel-delivered-once"},
    {"v311/publish/qos2-packet-id-reuse-is-new-message", "v311/qos2/packet-id-reuse-after-pubcomp"},
    {"v311/subscribe/resubscribe-replaces", "v311/subscribe/identical-filter-replaces"},
};
}  // namespace

void check_waivers(const profile& prof, const std::vector<case_def>& cases, const statement_inventory& inventory) {
    for (std::size_t i = 0; i < prof.waivers.size(); ++i) {
        const auto& w = prof.waivers[i];
        const std::string at = "waivers[" + std::to_string(i) + "]";
        if (w.case_id == "*") {
            if (w.statement != "*" && !inventory.of(codec::protocol_version::v3_1_1).count(w.statement) &&
                !inventory.of(codec::protocol_version::v5).count(w.statement)) {
                throw profile_error(prof.file, at + ".statement", "'" + w.statement + "' is no statement of MQTT 3.1.1 or 5.0");
            }
            continue;
        }
        const auto it = std::find_if(cases.begin(), cases.end(), [&](const case_def& c) { return c.info.id == w.case_id; });
        if (it == cases.end()) {
            const auto renamed = renamed_case_ids.find(w.case_id);
            throw profile_error(prof.file, at + ".case",
                                "no case has the ID '" + w.case_id + "'" +
                                    (renamed == renamed_case_ids.end() ? std::string()
                                                                       : " (renamed to '" + std::string(renamed->second) + "')"));
        }
        const auto& st = it->info.statements;
        if (std::find(st.begin(), st.end(), w.statement) == st.end() && !inventory.of(it->info.version).count(w.statement)) {
            std::string listed;
            for (const auto& x : st) listed += (listed.empty() ? "" : ", ") + x;
            throw profile_error(prof.file, at + ".statement",
                                "'" + w.statement + "' is neither a statement of " + w.case_id + " (" + listed +
                                    ") nor one of MQTT " + std::string(codec::to_string(it->info.version)) + " a malformed packet can break");
        }
    }
}

std::string broker_unresponsive(const run_environment& env, codec::protocol_version v, const std::string& client_id,
                                bool expect_pingresp) {
    // Generous: a false "down" would end the run, a true one only costs this wait once.
    const auto patience = std::max<std::chrono::milliseconds>(env.timeout * 4, std::chrono::seconds(10));
    // What each unanswered attempt saw. Once may be a connection lost in a loaded machine's backlog or
    // a limit on connections; twice in a row, the broker no longer serves clients.
    std::vector<std::string> unanswered;
    for (int attempt = 0; attempt < 2; ++attempt) {
        try {
            boost::asio::io_context io;
            client_options options;
            options.name = "liveness";
            options.version = v;
            options.timeout = patience;
            client c(io, env.where, options, nullptr);
            c.open();
            c.send(probe_connect(v, env.where, env.prof, client_id + "-" + std::to_string(attempt)));
            const auto e = c.next_event(c.default_deadline());
            if (e.kind == event_kind::timeout) {
                unanswered.push_back("no CONNACK within " + std::to_string(patience.count()) + " ms");
                continue;
            }
            // An answer, even a malformed one, shows the broker alive: the cases judge its packets.
            if (e.kind == event_kind::malformed) return {};
            if (e.kind == event_kind::closed) {
                unanswered.push_back("the CONNECT was answered by closing the connection (" + e.detail + ")");
                continue;
            }
            const auto* connack = std::get_if<codec::connack_packet>(&e.packet->packet);
            if (connack == nullptr) return "a new client's CONNECT was answered with " + e.packet->as_json.dump();
            // Any CONNACK proves the broker is alive (a refusal may be a connection quota).
            if (connack->reason_code == 0) {
                if (expect_pingresp) c.barrier();
                c.disconnect();
            }
            return {};
        } catch (const transport_error& e) {
            return std::string("a new connection failed: ") + e.what();
        } catch (const case_failure& f) {
            return std::string("a new client got no PINGRESP: ") + f.message;
        }
    }
    return unanswered[0] == unanswered[1] ? "two new clients in a row: " + unanswered[0] + ", both"
                                          : "two new clients in a row: " + unanswered[0] + ", then " + unanswered[1];
}

std::string statement_section(std::string_view statement) {
    std::string_view rest;
    if (statement.rfind("MQTT-", 0) == 0) {
        rest = statement.substr(5);
    } else if (statement.rfind("MQTTSPEC-", 0) == 0) {
        const auto dash = statement.find('-', 9);
        if (dash == std::string_view::npos) return {};
        rest = statement.substr(dash + 1);
    } else {
        return {};
    }
    return std::string(rest.substr(0, rest.find('-')));
}

bool valid_section_number(std::string_view text) noexcept {
    bool digit_before = false;
    for (const char c : text) {
        if (c >= '0' && c <= '9') {
            digit_before = true;
        } else if (c == '.' && digit_before) {
            digit_before = false;
        } else {
            return false;
        }
    }
    return digit_before;
}

bool case_selected(const case_info& info, const run_options& options) {
    if (!options.filter.empty()) {
        bool matched = false;
        for (std::size_t start = 0; start <= options.filter.size() && !matched;) {
            const auto comma = std::min(options.filter.find(',', start), options.filter.size());
            const auto glob = options.filter.substr(start, comma - start);
            matched = !glob.empty() && glob_match(glob, info.id);
            start = comma + 1;
        }
        if (!matched) return false;
    }
    if (options.sections.empty() && options.statements.empty()) return true;
    for (const auto& s : info.statements) {
        if (std::find(options.statements.begin(), options.statements.end(), s) != options.statements.end()) return true;
        const auto section = statement_section(s);
        for (const auto& wanted : options.sections) {
            if (section == wanted || section.rfind(wanted + ".", 0) == 0) return true;
        }
    }
    return false;
}

namespace {

int severity(verdict v) {
    switch (v) {
        case verdict::passed: return 0;
        case verdict::skipped: return 1;
        case verdict::not_run: return 1;
        case verdict::waived: return 2;
        case verdict::non_strict: return 3;
        case verdict::unstable: return 3;
        case verdict::error: return 4;
        case verdict::failed: return 5;
    }
    return 4;
}

bool judged_against_broker(verdict underlying) {
    return underlying == verdict::failed || underlying == verdict::non_strict || underlying == verdict::error;
}

// Stops the run once the broker no longer serves new clients, and keeps crashes from passing as
// conforming closes or from failing unrelated cases.
class liveness_guard {
public:
    liveness_guard(const run_environment& env, std::set<codec::protocol_version> answers_pingreq)
        : env_(env), answers_pingreq_(std::move(answers_pingreq)) {}

    bool down() const { return down_.load(); }
    std::string what() const {
        std::lock_guard lock(mutex_);
        return what_;
    }

    // After a case: a case that failed, or whose connection the broker closed, proves nothing until a
    // new client is served. Adjusts the result when the broker stopped answering.
    void judge(case_result& r, std::size_t index) {
        const bool suspicious = judged_against_broker(r.underlying) || (r.underlying == verdict::passed && r.broker_closed_connection);
        if (!suspicious) return;
        if (!down()) {
            const auto problem = broker_unresponsive(env_, r.info.version, env_.id_prefix + env_.nonce + "-live-" + std::to_string(index),
                                                     answers_pingreq_.count(r.info.version) > 0);
            if (problem.empty()) return;
            std::lock_guard lock(mutex_);
            if (!down_.exchange(true)) {
                what_ = problem + " (first noticed after " + r.info.id + ")";
                not_run(r, "the broker stopped answering during or right after this case: " + problem +
                               "; whatever the case saw cannot be trusted (a crash is not a conforming close)");
                r.result = verdict::error;
                return;
            }
        }
        not_run(r, "the broker stopped answering while this case ran");
    }

    static void not_run(case_result& r, std::string why) {
        r.result = verdict::not_run;
        r.applied_waiver.reset();
        r.stale_waiver.reset();
        r.message = std::move(why);
        r.expected.clear();
        r.actual.clear();
    }

private:
    const run_environment& env_;
    std::set<codec::protocol_version> answers_pingreq_;
    std::atomic<bool> down_{false};
    mutable std::mutex mutex_;
    std::string what_;
};

std::vector<refused_version> refusals(const probe_result& probed, bool every_version_asked) {
    std::vector<refused_version> out;
    for (const auto& [v, reason] : probed.refused) {
        if (probed.accepted.count(v)) continue;  // spoken, with a problem the cases judge
        refused_version r{v, reason, probed.unsupported.count(v) > 0, false};
        r.fails_run = every_version_asked && !r.unsupported;
        out.push_back(std::move(r));
    }
    return out;
}

std::string utc_now_iso8601() {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm parts{};
    gmtime_r(&now, &parts);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
    return text;
}

// The paraphrase of the statement a verdict names (or of each of the case's statements), so that a
// reader of a report needs no copy of the standard.
std::string statement_words(const case_result& r, const statement_inventory& inventory) {
    const auto& table = inventory.of(r.info.version);
    const auto words = [&](const std::string& id) {
        const auto it = table.find(id);
        return it == table.end() ? std::string() : id + ": " + it->second.paraphrase;
    };
    if (!r.statement.empty()) return words(r.statement);
    std::string out;
    for (const auto& id : r.info.statements) {
        const auto w = words(id);
        if (!w.empty()) out += (out.empty() ? "" : "\n") + w;
    }
    return out;
}

std::string describe_selection(const run_options& o) {
    std::string out = "filter " + (o.filter.empty() ? std::string("(none)") : o.filter);
    for (const auto& s : o.sections) out += "; section " + s;
    for (const auto& s : o.statements) out += "; statement " + s;
    return out;
}

// The options that shape a run's verdicts, in words, for the reports' metadata.
std::string describe_options(const run_options& o) {
    std::string versions;
    for (auto v : o.versions) versions += (versions.empty() ? "" : ",") + std::string(codec::to_string(v));
    std::string out = "profile " + (o.profile_file ? o.profile_file->string() : std::string("(none)")) + "; versions " +
                      (versions.empty() ? std::string("all the broker accepts") : versions) + "; " + describe_selection(o) + "; jobs " + (o.jobs == 0 ? std::string("auto") : std::to_string(o.jobs)) + "; repeat " +
                      std::to_string(o.repeat) + "; timeout " + std::to_string(o.base_timeout.count()) + " ms; re-run failures " +
                      (o.rerun_failures ? "on" : "off") + "; id prefix " + o.id_prefix;
    if (o.strict_waivers) out += "; strict waivers";
    return out;
}

// For `-j auto`: one idle client that sends PINGREQ every 20 ms while the cases run and hands each
// round trip to the governor. The pause paces the measurement; nothing waits on it for a verdict.
class pacer {
public:
    pacer(const run_environment& env, codec::protocol_version v, std::string client_id, concurrency_governor& governor)
        : thread_([this, &env, v, id = std::move(client_id), &governor] { measure(env, v, id, governor); }) {}
    ~pacer() {
        {
            std::lock_guard lock(mutex_);
            stop_ = true;
        }
        stopped_.notify_all();
        thread_.join();
    }
    pacer(const pacer&) = delete;
    pacer& operator=(const pacer&) = delete;

private:
    void measure(const run_environment& env, codec::protocol_version v, const std::string& id, concurrency_governor& governor) {
        try {
            boost::asio::io_context io;
            client_options options;
            options.name = "pacer";
            options.version = v;
            options.timeout = env.timeout;
            client c(io, env.where, options, nullptr);
            c.open();
            c.send(probe_connect(v, env.where, env.prof, id));
            const auto e = c.next_event(c.default_deadline());
            const auto* connack = e.kind == event_kind::packet ? std::get_if<codec::connack_packet>(&e.packet->packet) : nullptr;
            if (connack == nullptr || connack->reason_code != 0) return;  // no measurement: the limit stays where it is
            for (;;) {
                const auto t0 = clock::now();
                c.barrier();
                governor.observe(std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - t0));
                std::unique_lock lock(mutex_);
                if (stopped_.wait_for(lock, std::chrono::milliseconds(20), [&] { return stop_; })) break;
            }
            c.disconnect();
        } catch (const std::exception&) {
            // A PINGRESP that did not come within the run's timeout: the broker is swamped. Shrink, and
            // stop adapting (the liveness guard judges whether the broker is down).
            governor.observe(std::chrono::hours(1));
            governor.observe(std::chrono::hours(1));
        }
    }

    std::mutex mutex_;
    std::condition_variable stopped_;
    bool stop_ = false;
    std::thread thread_;
};

}  // namespace

run_summary run_suite(const run_options& options, const std::vector<case_def>& cases,
                      const statement_inventory& inventory) {
    const auto wall_start = clock::now();
    run_summary s;
    s.tool_version = std::string(version_string);
    s.started_at = utc_now_iso8601();
    s.options = describe_options(options);
    s.target_url = options.where.url();
    s.transports = {std::string(to_string(options.where.kind))};
    s.strict_waivers = options.strict_waivers;
    run_environment env;
    env.where = options.where;
    env.prof = options.profile_file ? load_profile(*options.profile_file) : profile{};
    // The 3.1 runs of 3.1.1 cases (v31/...) exist for every run, so that a profile's waivers for them are known.
    std::vector<case_def> with_v31 = cases;
    for (auto& c : v31_variants(cases)) with_v31.push_back(std::move(c));
    check_waivers(env.prof, with_v31, inventory);  // before connecting: a typo must not turn a waiver off silently
    env.id_prefix = options.id_prefix;
    env.show_secrets = options.show_secrets;
    env.nonce = random_nonce();
    s.profile_name = env.prof.name;
    s.nonce = env.nonce;

    // MQTT 3.1 only on request (-V 3.1): the 3.1.1 cases that apply to it, run over 3.1 connections.
    const bool v31_asked = std::find(options.versions.begin(), options.versions.end(), codec::protocol_version::v3_1) != options.versions.end();
    std::vector<codec::protocol_version> probed_versions = {codec::protocol_version::v3_1_1, codec::protocol_version::v5};
    if (v31_asked) probed_versions.push_back(codec::protocol_version::v3_1);
    const auto& runnable = v31_asked ? with_v31 : cases;
    const auto probed = probe_versions(options.where, env.prof, options.id_prefix, options.base_timeout, probed_versions);
    std::vector<codec::protocol_version> versions = options.versions;
    const bool every_version = versions.empty();
    s.refused = refusals(probed, every_version);
    if (every_version) {
        for (const auto& [v, caps] : probed.accepted) versions.push_back(v);
        if (versions.empty()) {
            std::string why;
            for (const auto& [v, reason] : probed.refused) why += "\n  MQTT " + std::string(codec::to_string(v)) + ": " + reason;
            throw std::runtime_error("the broker at " + s.target_url + " accepted no MQTT version:" + why);
        }
    }
    for (auto v : versions) {
        const auto it = probed.accepted.find(v);
        if (it == probed.accepted.end()) {
            const auto why = probed.refused.count(v) ? probed.refused.at(v) : std::string("not probed");
            throw std::runtime_error("the broker at " + s.target_url + " refused MQTT " + std::string(codec::to_string(v)) + ": " + why);
        }
        env.caps[v] = it->second;
    }
    for (const auto& [v, caps] : probed.accepted) env.accepted_versions.insert(v);
    s.versions = versions;
    s.rtt = probed.rtt;
    // Deadlines scale with the round trip: a distant broker gets proportionally longer waits.
    env.timeout = options.base_timeout + std::chrono::duration_cast<std::chrono::milliseconds>(probed.rtt * 20);
    s.timeout = env.timeout;

    std::vector<const case_def*> selected;
    for (const auto& c : runnable) {
        if (!env.caps.count(c.info.version)) continue;
        if (!case_selected(c.info, options)) continue;
        selected.push_back(&c);
    }
    if (selected.empty()) {
        throw std::invalid_argument("no case matches the selection (" + describe_selection(options) + ") for the versions run");
    }
    // Slow (timing) cases first so that they overlap with everything else.
    std::stable_sort(selected.begin(), selected.end(), [](const case_def* a, const case_def* b) { return a->info.slow && !b->info.slow; });

    const unsigned repeat = std::max(1u, options.repeat);
    const std::size_t tasks = selected.size() * repeat;
    if (options.on_start) options.on_start(selected.size());
    const auto interrupted = [&] { return options.interrupt != nullptr && options.interrupt->load(); };
    std::vector<case_result> task_results(tasks);
    std::vector<bool> started(tasks, false);
    liveness_guard liveness(env, probed.answers_pingreq);
    std::atomic<std::size_t> next{0};
    std::mutex progress;

    concurrency_governor governor(concurrency_governor::for_jobs(options.jobs, probed.rtt));
    std::optional<pacer> pace;
    if (governor.adaptive() && !probed.answers_pingreq.empty()) {
        pace.emplace(env, *probed.answers_pingreq.begin(), env.id_prefix + env.nonce + "-pacer", governor);
    }

    // A case that failed while others ran is run once more with no other case running, except slow
    // (timer) cases still waiting on an idle connection: passing then means the broker misbehaves
    // under concurrent clients, which is reported as such rather than charged to the rule. The
    // re-runs of quick cases start as soon as every quick case is done, so they overlap the slow tail.
    const bool rerun = options.rerun_failures && repeat == 1;
    std::vector<bool> rerun_done(tasks, false);
    auto rerun_alone = [&](std::size_t i) {
        auto& first = task_results[i];
        rerun_done[i] = true;
        if (first.result != verdict::failed && first.result != verdict::non_strict && first.result != verdict::error) return;
        case_result again = run_case(*selected[i], env, tasks + i);
        liveness.judge(again, tasks + i);
        first.rerun = again.result;
        first.rerun_message = again.message;
        first.rerun_transcript = again.transcript;
        first.rerun_transcript_text = again.transcript_text;
        if (again.result == verdict::passed) {
            first.result = verdict::unstable;
            first.message = "failed while other cases ran concurrently, passed when run alone (" + first.message + ")";
            // A race the profile documents ("case": "*", "statement": "*"): waived, since the failure
            // did not repeat alone and its evidence is the race's.
            apply_any_case_waiver(first, env, /*race=*/true);
        } else if (again.result == verdict::not_run || liveness.down()) {
            first.result = verdict::not_run;
        } else {
            first.message += " (the same when run alone)";
        }
    };
    std::size_t quick_left = 0;  // quick tasks not finished yet (guarded by `progress`)
    for (std::size_t i = 0; i < tasks; ++i) quick_left += selected[i % selected.size()]->info.slow ? 0 : 1;
    std::condition_variable quick_done;
    std::atomic<bool> rerun_lane_taken{false};

    auto worker = [&] {
        for (;;) {
            if (liveness.down() || interrupted()) return;
            if (!governor.acquire()) return;
            const std::size_t i = next.fetch_add(1);
            if (i >= tasks || liveness.down() || interrupted()) {
                governor.release();
                break;
            }
            const case_def& c = *selected[i % selected.size()];
            case_result r = run_case(c, env, i);
            governor.release();
            r.transport = s.transports.front();
            liveness.judge(r, i);
            std::lock_guard lock(progress);
            started[i] = true;
            task_results[i] = std::move(r);
            if (!c.info.slow && --quick_left == 0) quick_done.notify_all();
            if (options.on_result && repeat == 1) options.on_result(task_results[i]);
        }
        // Every task is taken. One worker becomes the re-run lane for the quick cases.
        if (!rerun || rerun_lane_taken.exchange(true)) return;
        {
            std::unique_lock lock(progress);
            // Bounded: every quick case ends (each of its waits is bounded); liveness or an interrupt ends it sooner.
            while (quick_left > 0 && !liveness.down() && !interrupted()) quick_done.wait_for(lock, std::chrono::milliseconds(100));
        }
        for (std::size_t i = 0; i < tasks && !liveness.down() && !interrupted(); ++i) {
            bool quick_finished = false;
            {
                std::lock_guard lock(progress);
                quick_finished = started[i] && !selected[i]->info.slow;
            }
            if (quick_finished) rerun_alone(i);
        }
    };
    const unsigned threads_wanted = std::max(1u, std::min<unsigned>(governor.maximum(), static_cast<unsigned>(tasks)));
    std::vector<std::thread> threads;
    for (unsigned j = 0; j < threads_wanted; ++j) threads.emplace_back(worker);
    for (auto& th : threads) th.join();
    pace.reset();
    governor.close();
    s.concurrency = governor.describe();
    for (std::size_t i = 0; i < tasks; ++i) {
        if (started[i]) continue;
        task_results[i].info = selected[i % selected.size()]->info;
        task_results[i].transport = s.transports.front();
        liveness_guard::not_run(task_results[i], liveness.down() ? "not run: the broker had stopped answering" : "not run: the run was interrupted");
        task_results[i].underlying = verdict::not_run;
        rerun_done[i] = true;
    }
    // The slow cases' re-runs (and any the lane did not reach), after everything else.
    if (rerun && !liveness.down()) {
        for (std::size_t i = 0; i < tasks && !liveness.down() && !interrupted(); ++i) {
            if (!rerun_done[i]) rerun_alone(i);
        }
    }

    // One result per case: the worst repetition, with how many repetitions went wrong.
    for (std::size_t k = 0; k < selected.size(); ++k) {
        case_result worst = task_results[k];
        unsigned bad = 0;
        for (unsigned rep = 0; rep < repeat; ++rep) {
            const auto& r = task_results[rep * selected.size() + k];
            bad += r.failed_repeats;
            if (severity(r.result) > severity(worst.result)) worst = r;
        }
        worst.repeats = repeat;
        worst.failed_repeats = bad;
        if (repeat > 1 && bad > 0) worst.message += " (" + std::to_string(bad) + " of " + std::to_string(repeat) + " repetitions)";
        worst.section = section_of(worst.info.id, worst.info.statements, worst.info.version, inventory);
        if (worst.result != verdict::passed) worst.statement_text = statement_words(worst, inventory);
        if (options.on_result && repeat > 1) options.on_result(worst);
        s.results.push_back(std::move(worst));
    }
    std::sort(s.results.begin(), s.results.end(), [](const case_result& a, const case_result& b) {
        if (a.info.version != b.info.version) return a.info.version < b.info.version;
        return a.info.id < b.info.id;
    });
    s.broker_down = liveness.what();
    s.interrupted = interrupted();
    s.wall_ms = std::chrono::duration<double, std::milli>(clock::now() - wall_start).count();
    return s;
}

run_summary merge_runs(std::vector<run_summary> runs) {
    if (runs.empty()) return {};
    if (runs.size() == 1) return std::move(runs.front());
    run_summary all;
    all.tool_version = runs.front().tool_version;
    all.started_at = runs.front().started_at;
    all.options = runs.front().options;
    all.profile_name = runs.front().profile_name;
    all.strict_waivers = runs.front().strict_waivers;
    auto join = [](std::string& to, const std::string& what) { to += (to.empty() ? "" : ", ") + what; };
    for (auto& r : runs) {
        const std::string label = r.transports.empty() ? std::string("?") : r.transports.front();
        join(all.target_url, r.target_url);
        join(all.nonce, r.nonce);
        all.concurrency += (all.concurrency.empty() ? "" : "; ") + label + ": " + r.concurrency;
        all.transports.insert(all.transports.end(), r.transports.begin(), r.transports.end());
        for (auto v : r.versions) {
            if (std::find(all.versions.begin(), all.versions.end(), v) == all.versions.end()) all.versions.push_back(v);
        }
        all.rtt = std::max(all.rtt, r.rtt);
        all.timeout = std::max(all.timeout, r.timeout);
        all.wall_ms += r.wall_ms;
        for (auto& x : r.refused) {
            x.reason = "over " + label + ": " + x.reason;
            all.refused.push_back(std::move(x));
        }
        if (!r.broker_down.empty()) join(all.broker_down, "over " + label + ": " + r.broker_down);
        all.interrupted = all.interrupted || r.interrupted;
        for (auto& c : r.results) all.results.push_back(std::move(c));
    }
    std::sort(all.versions.begin(), all.versions.end());
    return all;
}

}  // namespace mqttspec::conformance
