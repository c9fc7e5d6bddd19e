// The network fuzzer's driver (`mqttspec fuzz`) and the replay of saved findings (`mqttspec replay`).
//
// Workers (threads, each with its own io_context, executor, generator and corpus) run sequences
// concurrently; iteration i is generated from (seed, i) alone and worker w runs iterations
// i = w, w + W, w + 2W, ..., so --seed fixes what is sent. A sequence whose broker answers were
// never seen before (response signature) joins the worker's corpus and is mutated further. With
// --coverage-shm, a sequence after which the broker's edge bitmap has new edges joins a corpus shared
// by the workers, and most sequences are then mutations of its entries, the newest favoured (AFLNet's
// idea; with concurrent workers an edge is credited to whichever worker looks first).
//
// Findings:
//   malformed_reply  a broker packet failed strict decoding (sender = server)   [minimised]
//                    (up to 4 per decode error, one per distinct failing packet)
//   hang             a barrier timed out AND two liveness probes on fresh connections failed
//   stall            a barrier timed out, fresh connections were answered, and the same
//                    connection's barrier timed out again on a rerun (a deadlocked session)
//   refused          a connection was refused, then fresh connections were answered again (the
//                    broker was down for a while: a crash that a supervisor restarted, a listener
//                    closed and reopened). A refused probe is retried over the probe deadline
//                    before the broker counts as down, so a short outage is `refused`, not
//                    `unreachable`.
//   asan, ubsan, leak  --target-log: the broker's AddressSanitizer / UndefinedBehaviorSanitizer /
//                    LeakSanitizer report (attached), with the sequences that ran while it appeared
//                    (one per distinct kind and top frame, up to 8 per kind; the run goes on)
//   crash            --watch-pid: the broker process is gone (or a zombie)
//   unreachable      the broker refuses connections it accepted before (no --watch-pid, or alive)
//   rss_growth       --watch-pid: VmRSS grew more than --max-rss-growth over the start
//   fd_growth        --watch-pid: open descriptors grew more than --max-fd-growth over the start
// crash/hang/unreachable stop the run: the broker is down, so those reproducers hold every
// sequence in flight (and the three before it) per worker instead of a minimised one; refused holds
// them too, and the run goes on. Reproducers never hold the password: each write that carried it
// records where ("password_at"), and replay fills in its own -P. "observation" holds what replay
// must see again besides the kind (the connection, the decode error).
#pragma once

#include <atomic>
#include <string_view>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "mqttspec/codec/types.hpp"
#include "mqttspec/netfuzz/executor.hpp"

namespace mqttspec::netfuzz {

struct watch_limits {
    std::uint64_t max_rss_growth_kib = 128 * 1024;
    std::uint64_t max_fd_growth = 256;
};

struct fuzz_options {
    executor_options exec;
    std::vector<codec::protocol_version> versions;  // empty: 3.1.1 and 5 (3.1 now and then)
    std::uint64_t seed = 1;
    std::optional<double> duration_s;
    std::optional<std::uint64_t> iterations;
    unsigned workers = 4;
    std::string out_dir = "mqttspec-findings";
    std::string stats_file;
    std::optional<int> watch_pid;
    watch_limits limits;
    unsigned probe_every = 256;  // liveness probe and state reset every N sequences per worker
    std::chrono::milliseconds status_interval{2000};
    unsigned minimise_attempts = 64;
    std::FILE* status_out = stderr;
    // Set (by a signal handler) to stop early: workers finish their sequence, findings are kept.
    const std::atomic<bool>* interrupt = nullptr;
    bool clean_retained = true;  // at the end, remove the retained messages under retained_filter
    // --coverage-shm: the instrumented broker's edge bitmap (fuzz/net/shim/). Sequences that reach new
    // edges join a corpus shared by all workers (and out_dir/corpus/), which mutations then favour;
    // with coverage_feedback false the edges are only counted (to measure what feedback adds).
    std::string coverage_shm;
    bool coverage_feedback = true;
    std::string target_log;      // the broker's sanitizer output (its stderr, or ASAN_OPTIONS=log_path)
};

// Every topic the generator uses starts with "mqttspec-fuzz/w<worker>/".
inline constexpr std::string_view retained_filter = "mqttspec-fuzz/#";

struct finding {
    std::string kind;
    std::string details;
    std::string reproducer;  // path of the saved JSON
    std::uint64_t iteration = 0;
};

struct fuzz_result {
    bool start_failed = false;  // broker unreachable (or --watch-pid not a live process) at start
    std::string start_error;
    std::uint64_t iterations = 0;
    double duration_s = 0;
    std::vector<finding> findings;
    std::size_t distinct_responses = 0;
    std::size_t corpus_size = 0;
    std::uint64_t suspects_cleared = 0;  // barrier timeouts after which the broker proved alive
    std::uint64_t probes = 0;
    // Resets of each worker's broker state (its retained messages, its sessions), periodic and
    // before each rerun of a malformed reply; what they removed; how many could not complete.
    std::uint64_t state_resets = 0;
    std::uint64_t reset_retained_cleared = 0;
    std::uint64_t reset_failures = 0;
    bool interrupted = false;  // stopped by `interrupt` before the duration or iterations were reached
    std::size_t retained_cleared = 0;  // retained messages removed at the end
    std::string retained_problem;      // why the removal stopped early (empty: it completed)
    std::optional<std::size_t> edges;  // --coverage-shm: distinct broker edges reached by the end
    std::size_t coverage_corpus_size = 0;  // sequences kept because they reached new edges
    // CPU time (user + system) spent while the workers ran: where a sequence's cost goes.
    double fuzzer_cpu_s = 0;
    std::optional<double> broker_cpu_s;  // with --watch-pid
};

fuzz_result run_fuzzer(const fuzz_options& options);

struct replay_options {
    executor_options exec;
    std::optional<int> watch_pid;
    watch_limits limits;
    std::optional<unsigned> repeat;  // default: 1, or the file's "repeat" for growth findings
    std::string target_log;          // the broker's sanitizer output: confirms asan/ubsan/leak findings
    std::FILE* log = stdout;
};

struct replay_result {
    bool start_failed = false;
    std::string start_error;
    std::string recorded_kind;
    std::vector<std::string> observed_kinds;
    bool reproduced = false;
};

// Throws reproducer_error naming the file and field for unreadable or invalid files.
replay_result replay_file(const std::string& path, const replay_options& options);

// /proc/PID sampling for --watch-pid.
struct process_sample {
    bool alive = false;        // exists and is not a zombie
    std::string state;         // "S (sleeping)", "Z (zombie)", "gone"
    std::uint64_t rss_kib = 0;
    std::uint64_t fds = 0;
};
process_sample sample_process(int pid);
// User + system CPU seconds the process has used so far (/proc/PID/stat); nullopt when it is gone.
std::optional<double> process_cpu_s(int pid);

}  // namespace mqttspec::netfuzz
