#include "mqttspec/netfuzz/fuzzer.hpp"

#include <poll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <sstream>
#include <thread>
#include <unordered_set>

#include "mqttspec/netfuzz/coverage.hpp"
#include "mqttspec/netfuzz/generator.hpp"
#include "mqttspec/netfuzz/sanitizer_log.hpp"

namespace mqttspec::netfuzz {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using net::clock;

process_sample sample_process(int pid) {
    process_sample s;
    std::ifstream status("/proc/" + std::to_string(pid) + "/status");
    if (!status) {
        s.state = "gone";
        return s;
    }
    std::string line;
    while (std::getline(status, line)) {
        if (line.rfind("State:", 0) == 0) {
            s.state = line.substr(line.find_first_not_of(" \t", 6));
        } else if (line.rfind("VmRSS:", 0) == 0) {
            s.rss_kib = std::strtoull(line.c_str() + 6, nullptr, 10);
        }
    }
    s.alive = !s.state.empty() && s.state[0] != 'Z' && s.state[0] != 'X';
    std::error_code ec;
    for (fs::directory_iterator it("/proc/" + std::to_string(pid) + "/fd", ec), end; !ec && it != end; it.increment(ec)) ++s.fds;
    return s;
}

std::optional<double> process_cpu_s(int pid) {
    // utime and stime are fields 14 and 15; the command name before them may hold spaces.
    std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
    std::string text;
    std::getline(stat, text);
    const auto close = text.rfind(')');
    if (close == std::string::npos) return std::nullopt;
    std::istringstream fields(text.substr(close + 1));
    std::string field;
    unsigned long long utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {
        if (i == 14) utime = std::strtoull(field.c_str(), nullptr, 10);
        if (i == 15) stime = std::strtoull(field.c_str(), nullptr, 10);
    }
    return double(utime + stime) / double(sysconf(_SC_CLK_TCK));
}

namespace {

std::uint64_t iteration_seed(std::uint64_t seed, std::uint64_t iteration) {
    rng r(seed ^ (iteration * 0xD1B54A32D192ED03ull));
    return r.next();
}

std::string now_iso() {
    const auto t = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    char buf[32];
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// True when process `pid` terminates (or is already gone) within `limit`: a pidfd becomes
// readable at exit, zombies included (Linux 5.3+; without pidfd_open, one /proc sample decides).
bool wait_for_exit(int pid, std::chrono::milliseconds limit) {
    const int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
    if (fd < 0) return errno == ESRCH || !sample_process(pid).alive;
    pollfd pfd{fd, POLLIN, 0};
    const int ready = ::poll(&pfd, 1, static_cast<int>(limit.count()));
    ::close(fd);
    return ready > 0;
}

// What the growth and liveness oracles conclude from a failed probe.
std::string down_kind(const probe_result& p, const std::optional<int>& pid, std::string& details) {
    if (pid) {
        auto s = sample_process(*pid);
        // A refused connection while the process still exists is often a process in the middle of
        // dying (abort, core dump): wait (bounded) for its exit before calling it merely unreachable.
        if (s.alive && p.refused && wait_for_exit(*pid, std::chrono::seconds(2))) s = sample_process(*pid);
        if (!s.alive) {
            details = "broker process " + std::to_string(*pid) + " is " + s.state + "; " + p.detail;
            return "crash";
        }
    }
    details = p.detail;
    return p.refused ? "unreachable" : "hang";
}

// Liveness that survives a short outage. A listener that closes and reopens (a supervisor restarting
// the broker, a listener bug) refuses connections for a while and then accepts them again, which two
// back-to-back probes cannot tell from a broker that stays down. So a refused probe is retried until
// `window` has passed since the first refusal, backing off 1, 2, 4 ... 128 ms between attempts: nothing
// on the client side signals the listener's return, so `pause` is a bounded wait (on a watched
// process's exit, or on the run stopping) and returns true to give up early.
struct liveness {
    probe_result last;
    unsigned refusals = 0;                // refused attempts before `last`
    std::chrono::milliseconds outage{0};  // from the first refusal to `last`
    bool recovered_after_refusal() const { return last.ok && refusals > 0; }
};

liveness probe_through_refusals(executor& ex, std::chrono::milliseconds window,
                                const std::function<bool(std::chrono::milliseconds)>& pause) {
    liveness l;
    const auto first = clock::now();
    auto backoff = std::chrono::milliseconds(1);
    for (;;) {
        l.last = ex.probe();
        l.outage = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - first);
        if (!l.last.refused) return l;
        ++l.refusals;
        if (l.outage >= window || pause(std::min(backoff, window - l.outage))) {
            --l.refusals;  // `last` is that refusal
            return l;
        }
        backoff = std::min(backoff * 2, std::chrono::milliseconds(128));
    }
}

std::string refusal_details(const liveness& l) {
    return "connections were refused for " + std::to_string(l.outage.count()) + " ms (" + std::to_string(l.refusals) +
           " refused probe(s)), then a fresh one was answered";
}

const char* sanitizer_name(const std::string& kind) {
    return kind == "asan" ? "AddressSanitizer" : kind == "ubsan" ? "UndefinedBehaviorSanitizer" : "LeakSanitizer";
}

std::string sanitizer_details(const sanitizer_report& r) {
    std::string d = std::string(sanitizer_name(r.kind)) + ": " + r.headline;
    if (!r.top_frame.empty()) d += " in " + r.top_frame;
    if (!r.top_location.empty() && r.top_location != r.top_frame) d += " (" + r.top_location + ")";
    return d;
}

json report_lines(const std::string& text) {
    json lines = json::array();
    std::size_t start = 0;
    for (std::size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1) lines.push_back(text.substr(start, nl - start));
    if (start < text.size()) lines.push_back(text.substr(start));
    return lines;
}

bool same_family(const std::string& a, const std::string& b) {
    auto down = [](const std::string& k) { return k == "crash" || k == "unreachable" || k == "refused"; };
    return a == b || (down(a) && down(b));
}

// Sequences after which the broker had reached new edges (--coverage-shm), shared by the workers.
class coverage_corpus {
public:
    static constexpr std::size_t cap = 8192;
    static constexpr std::size_t recent = 16;  // the newest entries, favoured when picking

    std::size_t size() const {
        std::lock_guard lock(mutex_);
        return plans_.size();
    }
    // Adds `p`; when full, it replaces a random entry that is not among the newest.
    void add(const plan& p, rng& r) {
        std::lock_guard lock(mutex_);
        if (plans_.size() < cap) {
            plans_.push_back(p);
        } else {
            plans_.erase(plans_.begin() + r.below(static_cast<std::uint32_t>(cap - recent)));
            plans_.push_back(p);
        }
    }
    // Half the time one of the newest entries (the frontier of what was reached), else any.
    std::optional<plan> pick(rng& r) const {
        std::lock_guard lock(mutex_);
        if (plans_.empty()) return std::nullopt;
        const auto n = static_cast<std::uint32_t>(plans_.size());
        const std::uint32_t window = std::min<std::uint32_t>(n, recent);
        return plans_[r.chance(50) ? n - 1 - r.below(window) : r.below(n)];
    }

private:
    mutable std::mutex mutex_;
    std::vector<plan> plans_;
};

struct shared_state {
    const fuzz_options& opt;
    coverage_map* coverage = nullptr;  // --coverage-shm
    coverage_corpus covered;
    std::atomic<std::uint64_t> corpus_files{0};
    clock::time_point start = clock::now();
    std::atomic<bool> stop{false};
    std::atomic<std::uint64_t> iterations{0};
    std::atomic<std::uint64_t> suspects_cleared{0};
    std::atomic<std::uint64_t> probes{0};
    std::atomic<std::size_t> corpus{0};
    std::atomic<std::uint64_t> state_resets{0};
    std::atomic<std::uint64_t> reset_retained_cleared{0};
    std::atomic<std::uint64_t> reset_failures{0};

    std::mutex mutex;  // guards everything below
    std::condition_variable wake;
    std::unordered_set<std::uint64_t> signatures;
    std::vector<finding> findings;
    std::set<std::string> finding_keys;  // one finding per kind (+ decode error and failing packet)
    std::map<std::string, unsigned> findings_per_key_family;  // caps the keys above per family
    bool fatal = false;
    // Per worker: the sequence in flight and the ones before it (a worker may finish the sequence
    // that killed the broker and start another before any connection is refused).
    static constexpr std::size_t kept_per_worker = 4;
    std::vector<std::deque<sequence>> recent;
    // --target-log: the sanitizer oracle. A report is charged to every sequence that may have caused
    // it: those started since the log was last read with no report open, those running then, and
    // those that left a connection unproven (its bytes may be read after the sequence ended) for the
    // next 2 x workers reads.
    std::unique_ptr<sanitizer_log> target_log;
    std::vector<std::optional<std::uint64_t>> running;  // per worker: the iteration in flight
    std::set<std::uint64_t> unsettled;
    std::map<std::uint64_t, unsigned> lingering;  // unproven sequence -> quiet reads left
    // Exactly the sequences in `unsettled` or `lingering` (pruned with them), kept whole: a report whose
    // writing outlasts many sequences (symbolizing under load) must still name the one that caused it.
    std::map<std::uint64_t, sequence> suspects;
    std::deque<json> last_reports;                 // the latest reports (details, reproducer), for a crash finding

    explicit shared_state(const fuzz_options& o) : opt(o), recent(o.workers), running(o.workers) {}

    double elapsed() const { return std::chrono::duration<double>(clock::now() - start).count(); }

    void remember(unsigned worker, const sequence& s) {
        std::lock_guard lock(mutex);
        auto& r = recent[worker];
        r.push_back(s);
        while (r.size() > kept_per_worker) r.pop_front();
        if (target_log) {
            running[worker] = s.iteration;
            unsettled.insert(s.iteration);
            suspects.insert_or_assign(s.iteration, s);
        }
    }

    // After each sequence (its barriers prove the broker handled it, and a sanitizer writes its report
    // before the program goes on): read what the broker's log gained.
    void check_target_log(unsigned worker, std::uint64_t iteration, bool unproven) {
        if (!target_log) return;
        std::lock_guard lock(mutex);
        running[worker].reset();
        if (unproven) lingering[iteration] = 2 * opt.workers;
        auto reports = target_log->poll();
        // A report that never ends (a log cut mid-report) would keep every later sequence a candidate.
        if (reports.empty() && target_log->report_open() && unsettled.size() > 1024) reports = target_log->flush();
        sanitizer_findings(reports, worker, iteration);
    }

    // Caller holds the mutex. One finding per kind and top frame (up to 8 per kind).
    void sanitizer_findings(const std::vector<sanitizer_report>& reports, unsigned worker, std::uint64_t iteration) {
        if (!reports.empty()) {
            std::vector<sequence> candidates;
            for (const auto& entry : suspects) candidates.push_back(entry.second);  // in iteration order
            const bool all_in_flight = candidates.empty();  // nothing ran since the last quiet read: fall back to everything kept
            if (all_in_flight) candidates = in_flight();
            for (const auto& r : reports) {
                const auto details = sanitizer_details(r);
                last_reports.push_back({{"details", details}, {"reproducer", nullptr}});
                if (last_reports.size() > 3) last_reports.pop_front();
                if (!first_of(r.kind, r.kind + "/" + r.top_frame, 8)) continue;
                auto doc = header(r.kind, details, iteration, worker);
                doc["minimised"] = false;
                doc["observation"] = {{"top_frame", r.top_frame}};
                doc["sanitizer"] = {{"kind", r.kind}, {"headline", r.headline}, {"top_frame", r.top_frame},
                                    {"top_location", r.top_location}, {"log", target_log->path()}, {"report", report_lines(r.text)}};
                auto& its = doc["candidates"] = json::array();
                for (const auto& s : candidates) its.push_back(s.iteration);
                doc["note"] = candidates.size() == 1
                                  ? "the report appeared in the broker's log right after this sequence"
                                  : std::string("the report appeared in the broker's log while these ") + std::to_string(candidates.size()) +
                                        " sequences ran" + (all_in_flight ? " (none had run since the log was last read quiet: these are the latest per worker)" : "") +
                                        "; which one caused it is ambiguous: replay runs them in iteration order and reads the log after each";
                auto& seqs = doc["sequences"] = json::array();
                for (const auto& s : candidates) seqs.push_back(reproducer_json(s));
                findings.push_back({r.kind, details, save(r.kind, iteration, std::move(doc)), iteration});
                last_reports.back()["reproducer"] = findings.back().reproducer;
            }
        }
        if (!target_log->report_open()) {  // everything that ran before is accounted for
            unsettled.clear();
            for (const auto& r : running) if (r) unsettled.insert(*r);
            if (!reports.empty()) lingering.clear();
            for (auto it = lingering.begin(); it != lingering.end();) it = --it->second == 0 ? lingering.erase(it) : std::next(it);
            std::erase_if(suspects, [this](const auto& entry) { return !unsettled.count(entry.first) && !lingering.count(entry.first); });
        }
    }

    std::vector<sequence> in_flight() {  // caller holds the mutex
        std::vector<sequence> all;
        for (const auto& r : recent) all.insert(all.end(), r.begin(), r.end());
        std::sort(all.begin(), all.end(), [](const sequence& a, const sequence& b) { return a.iteration < b.iteration; });
        return all;
    }

    std::string save(const std::string& kind, std::uint64_t iteration, json doc) {
        std::error_code ec;
        fs::create_directories(opt.out_dir, ec);
        const auto path = (fs::path(opt.out_dir) / (kind + "-seed" + std::to_string(opt.seed) + "-it" + std::to_string(iteration) + ".json")).string();
        std::ofstream out(path);
        out << doc.dump(2) << "\n";
        if (!out) return "(could not write " + path + ")";
        return path;
    }

    json reproducer_json(const sequence& s) const { return to_reproducer_json(s, opt.exec.where.password); }

    // out_dir/corpus/: the sequences that reached new edges, as replayable files (kind "corpus").
    void save_corpus_entry(const sequence& s, std::size_t new_edges) {
        if (corpus_files.fetch_add(1) >= coverage_corpus::cap) return;
        json doc;
        doc["mqttspec_reproducer"] = 1;
        doc["kind"] = "corpus";
        doc["details"] = "reached " + std::to_string(new_edges) + " new broker edge(s)";
        doc["seed"] = opt.seed;
        doc["iteration"] = s.iteration;
        doc["found_after_s"] = elapsed();
        doc["sequences"] = json::array({reproducer_json(s)});
        std::error_code ec;
        const auto dir = fs::path(opt.out_dir) / "corpus";
        fs::create_directories(dir, ec);
        std::ofstream out(dir / ("it" + std::to_string(s.iteration) + ".json"));
        out << doc.dump(2) << "\n";
    }

    // True the first time `key` is seen, while its family (`family`) has fewer than `cap` keys.
    bool first_of(const std::string& family, const std::string& key, unsigned cap) {  // caller holds the mutex
        if (finding_keys.count(key) || findings_per_key_family[family] >= cap) return false;
        finding_keys.insert(key);
        ++findings_per_key_family[family];
        return true;
    }

    // A finding on a broker that is still up (a stall, a refused connection): saved with the
    // sequences in flight, and the run goes on.
    void live_finding(const std::string& kind, const std::string& key, const std::string& details, std::uint64_t iteration,
                      unsigned worker, json observation, const std::vector<sequence>& sequences) {
        std::lock_guard lock(mutex);
        if (!first_of(kind, key, 8)) return;
        auto doc = header(kind, details, iteration, worker);
        doc["minimised"] = false;
        doc["observation"] = std::move(observation);
        auto& seqs = doc["sequences"] = json::array();
        for (const auto& s : sequences) seqs.push_back(reproducer_json(s));
        findings.push_back({kind, details, save(kind, iteration, std::move(doc)), iteration});
    }

    json header(const std::string& kind, const std::string& details, std::uint64_t iteration, unsigned worker) const {
        json doc;
        doc["mqttspec_reproducer"] = 1;
        doc["kind"] = kind;
        doc["details"] = details;
        doc["target"] = opt.exec.where.url();
        doc["seed"] = opt.seed;
        doc["iteration"] = iteration;
        doc["worker"] = worker;
        doc["found_at"] = now_iso();
        doc["found_after_s"] = elapsed();
        doc["barrier_timeout_ms"] = opt.exec.barrier_timeout.count();
        doc["probe_timeout_ms"] = opt.exec.probe_timeout.count();
        return doc;
    }

    // A finding that takes the broker down: record it once, with every sequence in flight.
    void fatal_finding(const std::string& kind, const std::string& details, std::uint64_t iteration, unsigned worker) {
        std::lock_guard lock(mutex);
        if (fatal) return;
        fatal = true;
        stop = true;
        if (target_log) sanitizer_findings(target_log->flush(), worker, iteration);  // written on its way down
        auto doc = header(kind, details, iteration, worker);
        // The latest sanitizer reports, often the cause (ASan without halt_on_error=0 aborts after one).
        if (!last_reports.empty()) {
            auto& list = doc["sanitizer_reports"] = json::array();
            for (const auto& r : last_reports) list.push_back(r);
        }
        doc["minimised"] = false;
        doc["note"] = "the broker was down, so this holds every sequence in flight (and the three before it) per worker, in "
                      "iteration order; replay runs them in turn and probes the broker after each";
        auto& seqs = doc["sequences"] = json::array();
        for (const auto& s : in_flight()) seqs.push_back(reproducer_json(s));
        findings.push_back({kind, details, save(kind, iteration, std::move(doc)), iteration});
        wake.notify_all();
    }

    void growth_finding(const std::string& kind, const std::string& details) {
        std::lock_guard lock(mutex);
        if (!finding_keys.insert(kind).second) return;
        auto doc = header(kind, details, iterations.load(), 0);
        doc["minimised"] = false;
        doc["repeat"] = 2000;
        doc["note"] = "growth is cumulative: replay runs these recent sequences 'repeat' times and compares /proc/PID "
                      "before and after (needs --watch-pid)";
        auto& seqs = doc["sequences"] = json::array();
        for (const auto& s : in_flight()) seqs.push_back(reproducer_json(s));
        findings.push_back({kind, details, save(kind, iterations.load(), std::move(doc)), iterations.load()});
    }
};

// Drops writes and merges adjacent writes while the same decode error keeps coming back.
// Dropping a write can leave a byte stream the fuzzer never sent (a packet cut in two), so every
// candidate goes through `before_run` (the crash record) and minimisation stops as soon as the
// broker refuses connections: the caller's liveness check then reports the candidate that did it.
sequence minimise(executor& ex, const sequence& original, const std::string& error_code, unsigned budget, json& report,
                  const std::function<void(const sequence&)>& before_run, bool& broker_down) {
    unsigned attempts = 0;
    broker_down = false;
    auto reproduces = [&](const sequence& s) {
        if (broker_down) return false;
        ++attempts;
        before_run(s);
        const auto o = ex.run(s);
        if (o.connect_failed) {
            broker_down = true;
            return false;
        }
        return std::any_of(o.malformed.begin(), o.malformed.end(), [&](const malformed_reply& m) { return m.error_code == error_code; });
    };
    auto drop_idle_barriers = [](sequence& s) {
        std::vector<bool> used(s.connection_count(), false);
        for (const auto& st : s.steps) if (st.kind == step_kind::write) used[st.conn] = true;
        std::erase_if(s.steps, [&](const step& st) { return st.kind == step_kind::barrier && !used[st.conn]; });
    };
    sequence best = original;
    const bool confirmed = reproduces(best);
    report["reproduced_on_rerun"] = confirmed;
    report["steps_before"] = original.steps.size();
    if (confirmed) {
        for (std::size_t i = best.steps.size(); i-- > 0 && attempts < budget && !broker_down;) {
            if (i >= best.steps.size() || best.steps[i].kind != step_kind::write) continue;
            sequence candidate = best;
            candidate.steps.erase(candidate.steps.begin() + static_cast<std::ptrdiff_t>(i));
            drop_idle_barriers(candidate);
            if (reproduces(candidate)) best = std::move(candidate);
        }
        for (std::size_t i = 0; i + 1 < best.steps.size() && attempts < budget && !broker_down;) {
            const auto& a = best.steps[i];
            const auto& b = best.steps[i + 1];
            if (a.kind != step_kind::write || b.kind != step_kind::write || a.conn != b.conn) {
                ++i;
                continue;
            }
            sequence candidate = best;
            auto& merged = candidate.steps[i];
            merged.bytes.insert(merged.bytes.end(), b.bytes.begin(), b.bytes.end());
            merged.note += " + " + b.note;
            candidate.steps.erase(candidate.steps.begin() + static_cast<std::ptrdiff_t>(i + 1));
            if (reproduces(candidate)) best = std::move(candidate);
            else ++i;
        }
    }
    report["steps_after"] = best.steps.size();
    report["attempts"] = attempts;
    return best;
}

void worker_main(shared_state& st, unsigned w) {
    const auto& opt = st.opt;
    auto exec_options = opt.exec;
    exec_options.probe_client_id = "mqttspec-fuzz-probe-" + std::to_string(w);
    executor ex(exec_options);
    generator gen({opt.versions, opt.exec.where.username, opt.exec.where.password, w});
    std::vector<plan> corpus;
    constexpr std::size_t corpus_cap = 256;
    const bool feedback = st.coverage != nullptr && opt.coverage_feedback;

    // Between refused probes: wait on the watched process's exit, or on the run stopping.
    auto pause = [&](std::chrono::milliseconds d) -> bool {
        if (opt.watch_pid) return wait_for_exit(*opt.watch_pid, d) || st.stop.load();
        std::unique_lock lock(st.mutex);
        return st.wake.wait_for(lock, d, [&] { return st.stop.load(); });
    };
    // Liveness after a suspect sequence: a probe that retries refusals over the probe deadline, and
    // after a timeout a second probe (each with the generous probe deadline). `seen`: the last probing.
    auto confirm_down = [&](std::uint64_t iteration, const std::string& why, liveness& seen) -> bool {
        for (int attempt = 0; attempt < 2; ++attempt) {
            seen = probe_through_refusals(ex, opt.exec.probe_timeout, pause);
            st.probes += 1 + seen.refusals;
            if (seen.last.ok) return false;
            if (attempt == 1 || st.stop || seen.last.refused) {
                std::string details;
                const auto kind = down_kind(seen.last, opt.watch_pid, details);
                if (seen.last.refused && seen.refusals > 0) details += " (refused for " + std::to_string(seen.outage.count()) + " ms)";
                st.fatal_finding(kind, why.empty() ? details : why + "; then " + details, iteration, w);
                return true;
            }
        }
        return false;
    };
    // What this worker's earlier sequences left on the broker: retained messages under its topic
    // prefix and the sessions of its client identifiers. It is reset every --probe-every sequences,
    // so the state a sequence meets stays bounded (without it, retained messages under mutated topics
    // piled up, every new subscription received all of them, and a run slowed down more and more),
    // and before every rerun of a malformed_reply, so a reproducer holds what the reply needs.
    std::deque<sequence> since_reset;  // this worker's sequences since the last periodic reset
    std::size_t since_reset_bytes = 0;
    constexpr std::size_t since_reset_max_bytes = 16u << 20;
    auto reset_broker_state = [&] {
        std::string problem;
        st.reset_retained_cleared += ex.clear_retained(worker_topic_prefix(w) + "#", worker_session_ids(w), problem);
        ++st.state_resets;
        if (!problem.empty()) ++st.reset_failures;
    };
    auto keep_since_reset = [&](const sequence& s) {
        since_reset.push_back(s);
        for (const auto& step : s.steps) since_reset_bytes += step.bytes.size();
        while (since_reset.size() > 1 && since_reset_bytes > since_reset_max_bytes) {
            for (const auto& step : since_reset.front().steps) since_reset_bytes -= step.bytes.size();
            since_reset.pop_front();
        }
    };
    // Runs `earlier` then `last` from a reset state; true when `last` gets the decode error again.
    auto reply_comes_back = [&](const std::vector<const sequence*>& earlier, const sequence& last, const std::string& error_code,
                                bool& broker_down) {
        reset_broker_state();
        for (const auto* q : earlier) {
            st.remember(w, *q);
            if (ex.run(*q).connect_failed) {
                broker_down = true;
                return false;
            }
        }
        st.remember(w, last);
        const auto o = ex.run(last);
        if (o.connect_failed) broker_down = true;
        return std::any_of(o.malformed.begin(), o.malformed.end(), [&](const malformed_reply& m) { return m.error_code == error_code; });
    };
    // The broker refused connections, then answered again: a finding with what was in flight.
    auto report_refused = [&](std::uint64_t iteration, const std::string& details, json observation) {
        std::vector<sequence> in_flight;
        {
            std::lock_guard lock(st.mutex);
            in_flight = st.in_flight();
        }
        st.live_finding("refused", "refused", details, iteration, w, std::move(observation), in_flight);
    };

    for (std::uint64_t k = 0; !st.stop; ++k) {
        const std::uint64_t iteration = k * opt.workers + w;
        if (opt.iterations && iteration >= *opt.iterations) break;
        rng r(iteration_seed(opt.seed, iteration));
        std::optional<plan> chosen;
        if (feedback && r.chance(75)) {
            if (auto parent = st.covered.pick(r)) chosen = gen.mutate(*parent, r);
        }
        if (!chosen) {
            const bool from_corpus = !corpus.empty() && r.chance(60);
            chosen = from_corpus ? gen.mutate(corpus[r.below(static_cast<std::uint32_t>(corpus.size()))], r) : gen.fresh(r);
        }
        const plan& p = *chosen;
        const sequence s = gen.render(p, iteration, r);
        st.remember(w, s);
        keep_since_reset(s);
        const auto t0 = clock::now();
        const outcome o = ex.run(s);
        const double ms = std::chrono::duration<double, std::milli>(clock::now() - t0).count();
        ++st.iterations;
        st.check_target_log(w, iteration, o.unproven);
        if (st.stop) break;

        if (o.connect_failed || o.suspect_hang) {
            const std::string why = o.connect_failed ? "connecting failed: " + o.connect_error : o.suspect_detail;
            liveness seen;
            if (confirm_down(iteration, why, seen)) break;
            // The broker answers a fresh connection again. A refused connection means it was down
            // for a while (a supervisor may have restarted it): a finding, with what was in flight.
            if ((o.connect_failed && o.refused) || seen.recovered_after_refusal()) {
                report_refused(iteration,
                               "the broker refused a connection, then answered a fresh one: it was down (restarted? a listener "
                               "closed and reopened?): " + (o.refused ? o.connect_error : why) +
                                   (seen.refusals ? "; " + refusal_details(seen) : std::string()),
                               {{"connect_error", o.refused ? o.connect_error : seen.last.detail}});
            } else if (o.suspect_hang) {
                // A stall in one session while the broker serves others (a deadlock, a frame never
                // closed) is a finding when it reproduces on rerun.
                const outcome again = ex.run(s);
                if (again.suspect_hang && again.suspect_conn == o.suspect_conn) {
                    st.live_finding("stall", "stall/" + std::to_string(again.signature),
                                    o.suspect_detail + ", again on rerun, while fresh connections were answered", iteration, w,
                                    {{"conn", o.suspect_conn}, {"transcript", again.transcript}}, {s});
                }
            }
            ++st.suspects_cleared;
        }
        for (const auto& m : o.malformed) {
            // Several per error code when the failing packets differ (capped per code).
            const std::string key = "malformed_reply/" + m.error_code + "/" + m.packet_hex;
            {
                std::lock_guard lock(st.mutex);
                if (!st.first_of("malformed_reply/" + m.error_code, key, 4)) continue;
            }
            json mini;
            bool down_while_minimising = false;
            const sequence small = minimise(ex, s, m.error_code, opt.minimise_attempts, mini,
                                            [&](const sequence& c) {
                                                reset_broker_state();
                                                st.remember(w, c);
                                            },
                                            down_while_minimising);
            std::vector<sequence> reproducer{small};
            std::string note;
            if (!mini.value("reproduced_on_rerun", false) && !down_while_minimising) {
                // Not from a reset state: the reply may lean on what an earlier sequence left (a
                // retained message it stored). All the sequences since the last periodic reset, then
                // this one; if that brings it back, the newest single earlier sequence that suffices.
                std::vector<const sequence*> before;
                for (std::size_t i = 0; i + 1 < since_reset.size(); ++i) before.push_back(&since_reset[i]);
                json& search = mini["with_earlier_sequences"];
                search["available"] = before.size();
                const bool with_all = !before.empty() && reply_comes_back(before, s, m.error_code, down_while_minimising);
                search["reproduced_with_all"] = with_all;
                std::optional<std::size_t> single;
                unsigned tries = 0;
                for (std::size_t j = before.size(); with_all && j-- > 0 && tries < opt.minimise_attempts && !down_while_minimising;) {
                    ++tries;
                    if (reply_comes_back({before[j]}, s, m.error_code, down_while_minimising)) {
                        single = j;
                        break;
                    }
                }
                search["single_tries"] = tries;
                if (single) {
                    reproducer = {*before[*single], s};
                    search["earlier_iteration"] = before[*single]->iteration;
                    note = "this sequence alone does not bring the reply back from a reset state (no retained messages under the "
                           "worker's topics, no sessions of its client ids); with the earlier sequence before it, it does";
                } else if (with_all) {
                    reproducer.clear();
                    for (const auto* q : before) reproducer.push_back(*q);
                    reproducer.push_back(s);
                    note = "the reply comes back from a reset state only after the worker's earlier sequences since its last "
                           "reset, not after any single one of them (tried " + std::to_string(tries) + "): all are included";
                } else {
                    reproducer = {s};
                    note = "the reply did not come back when this sequence ran again from a reset state" +
                           (before.empty() ? std::string(" (no earlier sequence ran since the worker's last reset)")
                                           : ", alone or after the worker's " + std::to_string(before.size()) +
                                                 " earlier sequences since its last reset") +
                           ": it depends on timing, on another worker (a byte mutation can move a topic into this "
                           "worker's prefix) or on older state; the received bytes are the evidence";
                }
            }
            if (down_while_minimising) {
                liveness seen;
                const std::string why = "connecting failed while minimising a malformed_reply finding";
                if (confirm_down(iteration, why, seen)) return;
                if (seen.recovered_after_refusal()) report_refused(iteration, why + "; " + refusal_details(seen), json::object());
            }
            const std::string details = "connection " + std::to_string(m.conn) + " received a packet that fails strict decoding (" +
                                        m.version + "): " + m.error.value("message", m.error_code);
            auto doc = st.header("malformed_reply", details, iteration, w);
            doc["sequence_ms"] = ms;
            doc["minimised"] = mini;
            doc["evidence"] = {{"conn", m.conn}, {"decoded_as", m.version}, {"error", m.error}, {"received", m.received_hex},
                               {"packet", m.packet_hex}};
            doc["observation"] = {{"conn", m.conn}, {"error_code", m.error_code}};
            doc["observed"] = o.transcript;
            if (!note.empty()) doc["note"] = note;
            auto& seqs = doc["sequences"] = json::array();
            for (const auto& q : reproducer) seqs.push_back(st.reproducer_json(q));
            std::lock_guard lock(st.mutex);
            st.findings.push_back({"malformed_reply", details, st.save("malformed_reply", iteration, std::move(doc)), iteration});
        }
        if (st.coverage != nullptr) {
            const std::size_t new_edges = st.coverage->collect_new();
            if (new_edges > 0 && feedback) {
                st.covered.add(p, r);
                st.save_corpus_entry(s, new_edges);
            }
        }
        bool novel;
        {
            std::lock_guard lock(st.mutex);
            novel = st.signatures.insert(o.signature).second;
        }
        if (novel) {
            if (corpus.size() < corpus_cap) {
                corpus.push_back(p);
                ++st.corpus;
            } else {
                corpus[r.below(corpus_cap)] = p;
            }
        }
        if (k % opt.probe_every == opt.probe_every - 1) {
            liveness seen;
            if (confirm_down(iteration, "periodic liveness check", seen)) break;
            if (seen.recovered_after_refusal()) report_refused(iteration, "periodic liveness check: " + refusal_details(seen), json::object());
            reset_broker_state();
            since_reset.clear();
            since_reset_bytes = 0;
        }
    }
}

// User + system CPU time of this process so far.
double own_cpu_s() {
    rusage u{};
    getrusage(RUSAGE_SELF, &u);
    const auto seconds = [](const timeval& t) { return double(t.tv_sec) + double(t.tv_usec) / 1e6; };
    return seconds(u.ru_utime) + seconds(u.ru_stime);
}

// Start-up checks of both the fuzzer and replay: the broker answers a liveness probe, and a
// --watch-pid process is alive (its sample becomes `baseline`). Returns the error, empty if none.
std::string check_start(executor& ex, const std::optional<int>& watch_pid, process_sample& baseline) {
    if (const auto p = ex.probe(); !p.ok) return "broker " + ex.options().where.url() + " does not answer: " + p.detail;
    if (watch_pid) {
        baseline = sample_process(*watch_pid);
        if (!baseline.alive) return "--watch-pid " + std::to_string(*watch_pid) + " is not a live process (" + baseline.state + ")";
    }
    return {};
}

}  // namespace

fuzz_result run_fuzzer(const fuzz_options& opt) {
    fuzz_result result;
    process_sample baseline;
    std::unique_ptr<sanitizer_log> log;
    if (!opt.target_log.empty()) {
        try {
            log = std::make_unique<sanitizer_log>(opt.target_log);
        } catch (const std::exception& e) {
            result.start_failed = true;
            result.start_error = e.what();
            return result;
        }
    }
    {
        executor first(opt.exec);
        result.start_error = check_start(first, opt.watch_pid, baseline);
    }
    if (!result.start_error.empty()) {
        result.start_failed = true;
        return result;
    }

    std::unique_ptr<coverage_map> coverage;
    if (!opt.coverage_shm.empty()) {
        coverage = coverage_map::open(opt.coverage_shm, result.start_error);
        if (!coverage) {
            result.start_failed = true;
            return result;
        }
    }

    shared_state st(opt);
    st.coverage = coverage.get();
    st.target_log = std::move(log);
    const double fuzzer_cpu_start = own_cpu_s();
    const auto broker_cpu_start = opt.watch_pid ? process_cpu_s(*opt.watch_pid) : std::nullopt;
    std::vector<std::thread> threads;
    std::atomic<unsigned> running{opt.workers};
    for (unsigned w = 0; w < opt.workers; ++w) {
        threads.emplace_back([&st, &running, w] {
            worker_main(st, w);
            if (--running == 0) {
                std::lock_guard lock(st.mutex);
                st.wake.notify_all();
            }
        });
    }

    const auto end = opt.duration_s ? st.start + std::chrono::duration_cast<clock::duration>(std::chrono::duration<double>(*opt.duration_s))
                                    : clock::time_point::max();
    auto next_status = st.start + opt.status_interval;
    std::uint64_t last_iterations = 0;
    auto last_status = st.start;
    process_sample peak = baseline;
    {
        std::unique_lock lock(st.mutex);
        while (!st.stop && running > 0) {
            const auto tick = std::min({end, next_status, clock::now() + std::chrono::milliseconds(200)});
            st.wake.wait_until(lock, tick, [&] { return st.stop || running == 0; });
            if (st.stop || running == 0) break;
            if (opt.interrupt != nullptr && opt.interrupt->load()) {
                result.interrupted = true;
                st.stop = true;
                break;
            }
            const auto now = clock::now();
            if (now >= end) {
                st.stop = true;
                break;
            }
            if (opt.watch_pid) {
                lock.unlock();
                const auto s = sample_process(*opt.watch_pid);
                if (!s.alive) {
                    st.fatal_finding("crash", "broker process " + std::to_string(*opt.watch_pid) + " is " + s.state,
                                     st.iterations.load(), 0);
                } else {
                    peak.rss_kib = std::max(peak.rss_kib, s.rss_kib);
                    peak.fds = std::max(peak.fds, s.fds);
                    if (s.rss_kib > baseline.rss_kib + opt.limits.max_rss_growth_kib) {
                        st.growth_finding("rss_growth", "VmRSS grew from " + std::to_string(baseline.rss_kib) + " kB to " +
                                                            std::to_string(s.rss_kib) + " kB (limit +" +
                                                            std::to_string(opt.limits.max_rss_growth_kib) + " kB)");
                    }
                    if (s.fds > baseline.fds + opt.limits.max_fd_growth) {
                        st.growth_finding("fd_growth", "open descriptors grew from " + std::to_string(baseline.fds) + " to " +
                                                           std::to_string(s.fds) + " (limit +" + std::to_string(opt.limits.max_fd_growth) + ")");
                    }
                }
                lock.lock();
            }
            if (now >= next_status && opt.status_out) {
                const auto its = st.iterations.load();
                const double dt = std::chrono::duration<double>(now - last_status).count();
                std::fprintf(opt.status_out,
                             "netfuzz %6.1fs  iterations %llu (%.0f/s)  findings %zu  responses %zu  corpus %zu  suspects cleared %llu%s%s\n",
                             st.elapsed(), static_cast<unsigned long long>(its), dt > 0 ? double(its - last_iterations) / dt : 0.0,
                             st.findings.size(), st.signatures.size(), st.corpus.load(),
                             static_cast<unsigned long long>(st.suspects_cleared.load()),
                             opt.watch_pid ? ("  rss " + std::to_string(peak.rss_kib) + " kB  fds " + std::to_string(peak.fds)).c_str() : "",
                             coverage ? ("  edges " + std::to_string(coverage->edges()) + "  coverage corpus " + std::to_string(st.covered.size())).c_str() : "");
                std::fflush(opt.status_out);
                last_iterations = its;
                last_status = now;
                next_status = now + opt.status_interval;
            }
        }
        st.stop = true;
    }
    for (auto& t : threads) t.join();
    result.fuzzer_cpu_s = own_cpu_s() - fuzzer_cpu_start;
    if (opt.watch_pid && broker_cpu_start) {
        if (const auto now = process_cpu_s(*opt.watch_pid)) result.broker_cpu_s = *now - *broker_cpu_start;
    }
    if (st.target_log) {  // what the broker wrote at the very end, and a report still open
        std::lock_guard lock(st.mutex);
        st.sanitizer_findings(st.target_log->flush(), 0, st.iterations.load());
    }

    result.iterations = st.iterations.load();
    result.duration_s = st.elapsed();
    result.findings = st.findings;
    result.distinct_responses = st.signatures.size();
    result.corpus_size = st.corpus.load();
    result.suspects_cleared = st.suspects_cleared.load();
    result.probes = st.probes.load();
    result.state_resets = st.state_resets.load();
    result.reset_retained_cleared = st.reset_retained_cleared.load();
    result.reset_failures = st.reset_failures.load();
    if (coverage) {
        coverage->collect_new();
        result.edges = coverage->edges();
        result.coverage_corpus_size = st.covered.size();
    }
    // The sessions published retained messages under the fuzzer's topic prefix: remove them, so that a
    // broker is left as it was found (topics a byte mutation moved out of the prefix are not found).
    if (opt.clean_retained) {
        executor cleaner(opt.exec);
        result.retained_cleared = cleaner.clear_retained(std::string(retained_filter), session_client_ids(opt.workers), result.retained_problem);
    }
    return result;
}

// ---- replay -------------------------------------------------------------------------------------

replay_result replay_file(const std::string& path, const replay_options& opt) {
    std::ifstream in(path);
    if (!in) throw reproducer_error(path + ": cannot open");
    json doc;
    try {
        doc = json::parse(in);
    } catch (const nlohmann::json::parse_error& e) {
        throw reproducer_error(path + ": not valid JSON: " + e.what());
    }
    if (!doc.is_object() || !doc.contains("mqttspec_reproducer")) {
        throw reproducer_error(path + ": not an mqttspec reproducer (no \"mqttspec_reproducer\" key)");
    }
    if (!doc.contains("kind") || !doc["kind"].is_string()) throw reproducer_error(path + ": /kind: missing or not a string");
    if (!doc.contains("sequences") || !doc["sequences"].is_array() || doc["sequences"].empty()) {
        throw reproducer_error(path + ": /sequences: missing, not an array, or empty");
    }
    replay_result result;
    result.recorded_kind = doc["kind"].get<std::string>();
    std::vector<sequence> sequences;
    for (std::size_t i = 0; i < doc["sequences"].size(); ++i) {
        const std::string where = path + ": /sequences/" + std::to_string(i);
        sequences.push_back(sequence_from_json(doc["sequences"][i], where));
        fill_password(sequences.back(), doc["sequences"][i], opt.exec.where.password, where);
    }
    // What was observed beyond the kind (malformed_reply: connection and decode error; stall: the
    // connection): a replay reproduces only when it observes the same.
    const json recorded = doc.contains("observation") && doc["observation"].is_object() ? doc["observation"] : json::object();
    auto matches_recorded = [&](const std::string& kind, const json& seen) {
        if (!same_family(kind, result.recorded_kind)) return false;
        for (const auto& key : {"conn", "error_code", "top_frame"}) {
            if (recorded.contains(key) && seen.contains(key) && recorded[key] != seen[key]) return false;
        }
        return true;
    };
    const bool growth = result.recorded_kind == "rss_growth" || result.recorded_kind == "fd_growth";
    unsigned repeat = opt.repeat.value_or(growth && doc.contains("repeat") && doc["repeat"].is_number_unsigned() ? doc["repeat"].get<unsigned>() : 1u);

    std::unique_ptr<sanitizer_log> target_log;
    if (!opt.target_log.empty()) {
        try {
            target_log = std::make_unique<sanitizer_log>(opt.target_log);
        } catch (const std::exception& e) {
            result.start_failed = true;
            result.start_error = e.what();
            return result;
        }
    }
    executor ex(opt.exec);
    process_sample baseline;
    result.start_error = check_start(ex, opt.watch_pid, baseline);
    if (!result.start_error.empty()) {
        result.start_failed = true;
        return result;
    }
    std::FILE* log = opt.log;
    auto observe = [&](const std::string& kind, const std::string& details, const json& seen = json::object()) {
        result.observed_kinds.push_back(kind);
        if (matches_recorded(kind, seen)) result.reproduced = true;
        if (log) std::fprintf(log, "  FINDING %s: %s\n", kind.c_str(), details.c_str());
    };
    // New sanitizer reports in --target-log (each with the report's first lines).
    auto read_target_log = [&](bool flush, const std::string& when) {
        if (!target_log) return;
        for (const auto& r : flush ? target_log->flush() : target_log->poll()) {
            observe(r.kind, sanitizer_details(r) + " [" + when + "]", {{"top_frame", r.top_frame}});
            if (!log) continue;
            std::size_t start = 0;
            for (int n = 0; n < 16 && start < r.text.size(); ++n) {
                const auto nl = r.text.find('\n', start);
                std::fprintf(log, "    | %s\n", r.text.substr(start, nl - start).c_str());
                start = nl == std::string::npos ? r.text.size() : nl + 1;
            }
        }
    };
    // Refused probes are retried over the probe deadline, as the fuzzer does: a broker that refuses
    // and then answers again is `refused`, one that keeps refusing is down.
    auto pause = [&](std::chrono::milliseconds d) -> bool {
        if (opt.watch_pid) return wait_for_exit(*opt.watch_pid, d);
        std::this_thread::sleep_for(d);  // nothing signals a listener's return: a bounded back-off
        return false;
    };
    bool refusal_observed = false;  // by the last check_alive
    auto check_alive = [&](const std::string& why) -> bool {
        refusal_observed = false;
        for (int attempt = 0; attempt < 2; ++attempt) {
            const auto l = probe_through_refusals(ex, opt.exec.probe_timeout, pause);
            if (l.recovered_after_refusal()) {
                refusal_observed = true;
                observe("refused", (why.empty() ? std::string() : why + "; ") + refusal_details(l));
            }
            if (l.last.ok) return true;
            if (attempt == 1 || l.last.refused) {
                read_target_log(true, "the broker went down");
                std::string details;
                const auto kind = down_kind(l.last, opt.watch_pid, details);
                observe(kind, why.empty() ? details : why + "; then " + details);
                return false;
            }
        }
        return false;
    };

    bool down = false;
    for (unsigned round = 0; round < repeat && !down; ++round) {
        for (std::size_t i = 0; i < sequences.size() && !down; ++i) {
            const auto& s = sequences[i];
            const bool verbose = round == 0 && log;
            if (verbose) std::fprintf(log, "sequence %zu (iteration %llu, %zu writes):\n", i, static_cast<unsigned long long>(s.iteration), s.write_count());
            const auto o = ex.run(s);
            if (verbose) for (const auto& line : o.transcript) std::fprintf(log, "  %s\n", line.c_str());
            for (const auto& m : o.malformed) {
                observe("malformed_reply", "connection " + std::to_string(m.conn) + " (" + m.version + "): " + m.error.dump() +
                                               "; received " + m.received_hex,
                        {{"conn", m.conn}, {"error_code", m.error_code}});
            }
            if (o.connect_failed || o.suspect_hang) {
                if (!check_alive(o.connect_failed ? "connecting failed: " + o.connect_error : o.suspect_detail)) {
                    down = true;
                } else if (o.connect_failed && o.refused && !refusal_observed) {
                    observe("refused", "connecting failed, then the broker answered again: " + o.connect_error);
                } else if (o.suspect_hang) {
                    observe("stall", o.suspect_detail + ", while a fresh connection was answered", {{"conn", o.suspect_conn}});
                }
            } else if (!growth && !check_alive("after sequence " + std::to_string(i))) {
                down = true;
            }
            if (!down) read_target_log(false, "in the log after sequence " + std::to_string(i));
        }
    }
    if (!down) read_target_log(true, "in the log at the end");
    const bool sanitizer_kind = result.recorded_kind == "asan" || result.recorded_kind == "ubsan" || result.recorded_kind == "leak";
    if (sanitizer_kind && !target_log && log) {
        std::fprintf(log, "note: a %s finding can only be confirmed with --target-log (the broker's sanitizer output)\n",
                     result.recorded_kind.c_str());
    }
    if (opt.watch_pid && !down) {
        const auto s = sample_process(*opt.watch_pid);
        if (log) std::fprintf(log, "broker process: rss %llu -> %llu kB, fds %llu -> %llu\n",
                              static_cast<unsigned long long>(baseline.rss_kib), static_cast<unsigned long long>(s.rss_kib),
                              static_cast<unsigned long long>(baseline.fds), static_cast<unsigned long long>(s.fds));
        if (!s.alive) observe("crash", "broker process is " + s.state);
        else {
            if (s.rss_kib > baseline.rss_kib + opt.limits.max_rss_growth_kib) observe("rss_growth", "VmRSS grew beyond the limit");
            if (s.fds > baseline.fds + opt.limits.max_fd_growth) observe("fd_growth", "open descriptors grew beyond the limit");
        }
    } else if (growth && !opt.watch_pid && log) {
        std::fprintf(log, "note: a %s finding can only be checked with --watch-pid\n", result.recorded_kind.c_str());
    }
    return result;
}

}  // namespace mqttspec::netfuzz
