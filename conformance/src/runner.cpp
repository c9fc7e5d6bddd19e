#include "mqttspec/conformance/runner.hpp"

#include <algorithm>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <mqttspec/codec/json.hpp>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "mqttspec/conformance/fixtures.hpp"
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
        try {
            t.cleanup();
        } catch (const std::exception& e) {
            log.event("cleanup", std::string("failed: ") + e.what());
        }
    }
    r.underlying = underlying;
    r.result = underlying;
    if (const waiver* w = env.prof.find_waiver(c.info.id, env.where.kind);
        w != nullptr && (underlying == verdict::passed || underlying == verdict::failed || underlying == verdict::non_strict)) {
        r.applied_waiver = *w;
        r.result = verdict::waived;
        if (underlying == verdict::passed) {
            r.message = "waived, but the case PASSED: the waiver can be dropped (" + w->reason + ")";
        } else {
            r.message = "waived (" + w->reason + "): " + r.message;
        }
    }
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
    p.protocol_level = static_cast<std::uint8_t>(v);
    p.client_id = client_id;
    const auto& user = where.username ? where.username : prof.username;
    const auto& pass = where.username ? where.password : prof.password;
    if (user) p.username = *user;
    if (pass) p.password = *pass;
    return p;
}

}  // namespace

probe_result probe(const target& where, const profile& prof, const std::string& id_prefix,
                   std::chrono::milliseconds timeout) {
    probe_result out;
    std::vector<std::chrono::microseconds> rtts;
    const std::string nonce = random_nonce();
    for (auto v : {codec::protocol_version::v3_1_1, codec::protocol_version::v5}) {
        boost::asio::io_context io;
        client_options options;
        options.name = "probe";
        options.version = v;
        options.timeout = timeout;
        client c(io, where, options, nullptr);
        c.open();  // transport_error: the broker is unreachable, which ends the run
        const std::string id = id_prefix + "probe-" + nonce + "-" + std::string(v == codec::protocol_version::v5 ? "5" : "4");
        const auto connect = probe_connect(v, where, prof, id);
        c.send(connect);
        auto e = c.next_event(c.default_deadline());
        if (e.kind == event_kind::timeout) {
            out.refused[v] = "no CONNACK within " + std::to_string(timeout.count()) + " ms";
            continue;
        }
        if (e.kind == event_kind::closed) {
            out.refused[v] = "the broker closed the connection (" + e.detail + ")";
            continue;
        }
        if (e.kind == event_kind::malformed) {
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

std::size_t run_summary::count(verdict v) const {
    return static_cast<std::size_t>(std::count_if(results.begin(), results.end(), [v](const case_result& r) { return r.result == v; }));
}

int run_summary::exit_code() const {
    if (count(verdict::failed) > 0) return 1;
    if (count(verdict::error) > 0) return 2;
    if (results.size() == count(verdict::skipped)) return 2;  // nothing was judged
    return 0;
}

namespace {

int severity(verdict v) {
    switch (v) {
        case verdict::passed: return 0;
        case verdict::skipped: return 1;
        case verdict::waived: return 2;
        case verdict::non_strict: return 3;
        case verdict::error: return 4;
        case verdict::failed: return 5;
    }
    return 4;
}

}  // namespace

run_summary run_suite(const run_options& options, const std::vector<case_def>& cases,
                      const statement_inventory& inventory) {
    const auto wall_start = clock::now();
    run_summary s;
    s.tool_version = std::string(version_string);
    s.target_url = options.where.url();
    run_environment env;
    env.where = options.where;
    env.prof = options.profile_file ? load_profile(*options.profile_file) : profile{};
    env.id_prefix = options.id_prefix;
    env.show_secrets = options.show_secrets;
    env.nonce = random_nonce();
    s.profile_name = env.prof.name;
    s.nonce = env.nonce;

    const auto probed = probe(options.where, env.prof, options.id_prefix, options.base_timeout);
    std::vector<codec::protocol_version> versions = options.versions;
    if (versions.empty()) {
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
    s.versions = versions;
    s.rtt = probed.rtt;
    // Deadlines scale with the round trip: a distant broker gets proportionally longer waits.
    env.timeout = options.base_timeout + std::chrono::duration_cast<std::chrono::milliseconds>(probed.rtt * 20);
    s.timeout = env.timeout;

    std::vector<const case_def*> selected;
    for (const auto& c : cases) {
        if (!env.caps.count(c.info.version)) continue;
        if (!options.filter.empty() && !glob_match(options.filter, c.info.id)) continue;
        selected.push_back(&c);
    }
    if (selected.empty()) {
        throw std::invalid_argument("no case matches" + (options.filter.empty() ? std::string() : " --filter '" + options.filter + "'") +
                                    " for the versions run");
    }
    // Slow (timing) cases first so that they overlap with everything else.
    std::stable_sort(selected.begin(), selected.end(), [](const case_def* a, const case_def* b) { return a->info.slow && !b->info.slow; });

    const unsigned repeat = std::max(1u, options.repeat);
    const std::size_t tasks = selected.size() * repeat;
    std::vector<case_result> task_results(tasks);
    std::atomic<std::size_t> next{0};
    std::mutex progress;
    auto worker = [&] {
        for (;;) {
            const std::size_t i = next.fetch_add(1);
            if (i >= tasks) return;
            const case_def& c = *selected[i % selected.size()];
            task_results[i] = run_case(c, env, i);
            if (options.on_result && repeat == 1) {
                std::lock_guard lock(progress);
                options.on_result(task_results[i]);
            }
        }
    };
    const unsigned jobs = std::max(1u, std::min<unsigned>(options.jobs, static_cast<unsigned>(tasks)));
    std::vector<std::thread> threads;
    for (unsigned j = 0; j < jobs; ++j) threads.emplace_back(worker);
    for (auto& th : threads) th.join();

    // One result per case: the worst repetition, with how many repetitions went wrong.
    for (std::size_t k = 0; k < selected.size(); ++k) {
        case_result worst = task_results[k];
        unsigned bad = 0;
        for (unsigned rep = 0; rep < repeat; ++rep) {
            const auto& r = task_results[rep * selected.size() + k];
            bad += r.failed_repeats;
            if (severity(r.underlying) > severity(worst.underlying)) worst = r;
        }
        worst.repeats = repeat;
        worst.failed_repeats = bad;
        if (repeat > 1 && bad > 0) worst.message += " (" + std::to_string(bad) + " of " + std::to_string(repeat) + " repetitions)";
        worst.section = section_of(worst.info.id, worst.info.statements, worst.info.version, inventory);
        if (options.on_result && repeat > 1) options.on_result(worst);
        s.results.push_back(std::move(worst));
    }
    std::sort(s.results.begin(), s.results.end(), [](const case_result& a, const case_result& b) {
        if (a.info.version != b.info.version) return a.info.version < b.info.version;
        return a.info.id < b.info.id;
    });
    s.wall_ms = std::chrono::duration<double, std::milli>(clock::now() - wall_start).count();
    return s;
}

}  // namespace mqttspec::conformance
