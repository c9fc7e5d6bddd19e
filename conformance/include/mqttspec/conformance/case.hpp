// The case model. A case is a stable ID, a title, the normative statements it checks, their level,
// the requirements it needs, and a body that drives clients and states expectations.
//
//   MQTTSPEC_CASE(qos1_publish_is_acknowledged, {
//       .id = "v5/publish/qos1-puback",
//       .title = "A QoS 1 PUBLISH is answered with a PUBACK carrying its packet identifier",
//       .statements = {"MQTT-4.3.2-4"},
//       .needs = {requirement::qos1},
//   }) {
//       auto& pub = t.connect("pub");
//       auto id = pub.publish(t.topic("a"), "hello", 1);
//       pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
//   }
//
// The ID's first component is the version ("v311/" or "v5/"), the second the area; cases are
// registered statically, one source file per spec section (src/cases/v5_publish.cpp, ...), so adding
// a file never touches a shared list. See conformance/CASES.md.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "mqttspec/codec/codec.hpp"
#include "mqttspec/conformance/client.hpp"
#include "mqttspec/conformance/profile.hpp"
#include "mqttspec/conformance/net_types.hpp"
#include "mqttspec/conformance/transcript.hpp"
#include "mqttspec/conformance/verdict.hpp"

namespace mqttspec::conformance {

class case_context;

struct case_info {
    std::string id;                        // "v5/publish/qos1-puback": [a-z0-9/._-], starts v311/ or v5/
    std::string title;                     // one sentence, what the broker must do
    std::vector<std::string> statements;   // "MQTT-3.3.4-1", ... (at least one)
    level lvl = level::must;               // the keyword of the statements checked
    std::vector<requirement> needs;        // skipped with a reason when one is absent
    // Timing cases wait for wall-clock behaviour (keep-alive); the runner starts them first so that
    // they overlap with the rest.
    bool slow = false;
    // Set by the registry: the version from the ID, and where the case comes from.
    codec::protocol_version version = codec::protocol_version::v5;
    std::string source;                    // "src/cases/v5_publish.cpp" or "fixtures/flows/x.json"
};

using case_body = std::function<void(case_context&)>;

struct case_def {
    case_info info;
    case_body body;
};

// Cases registered by static objects in src/cases/*.cpp. Fixture cases are added by the runner
// (fixtures.hpp). Order is irrelevant: the runner sorts by ID.
std::vector<case_def>& case_registry();

// Validates the info (ID syntax, version prefix, statements present) and derives `version`.
// Throws std::invalid_argument naming the case on a bad definition.
case_info validated(case_info info, std::string source);

struct register_case {
    register_case(case_info info, void (*body)(case_context&), const char* file);
};

// Options for case_context::connect. Defaults: a fresh client ID unique to this case and name,
// clean start, no session kept, keep-alive 60 s, the profile's credentials.
struct connect_options {
    std::optional<std::string> client_id;        // "" sends a zero-length client ID
    bool clean_start = true;
    std::uint16_t keep_alive = 60;
    std::optional<std::uint32_t> session_expiry; // 5.0 Session Expiry Interval
    std::optional<codec::will_message> will;     // strings must outlive the connect() call
    codec::property_list properties;             // more CONNECT properties (5.0)
    bool credentials = true;                     // send the target's/profile's username/password
    std::optional<std::string> username, password;  // override
    // The CONNACK reason/return code required; nullopt: any (the case checks it itself).
    std::optional<std::uint8_t> expect_reason = 0;
};

// Per-run facts every case sees.
struct run_environment {
    target where;
    profile prof;
    std::map<codec::protocol_version, capabilities> caps;
    // Every version the probe saw accepted, also those not run (a case on one version may depend on
    // whether the broker implements another). Empty: not probed, nothing known.
    std::set<codec::protocol_version> accepted_versions;
    std::string id_prefix = "mqttspec-";  // --id-prefix
    std::string nonce;                    // random per run: isolates topics and client IDs
    std::chrono::milliseconds timeout{5000};  // base timeout already scaled by the measured RTT
    bool show_secrets = false;            // --show-secrets: transcripts keep passwords and auth data
};

// What a case body works with. One per case execution, used from one thread only.
class case_context {
public:
    case_context(const case_info& info, const run_environment& env, std::size_t index,
                 transcript& log, boost::asio::io_context& io);
    ~case_context();

    const case_info& info() const noexcept { return info_; }
    codec::protocol_version version() const noexcept { return info_.version; }
    bool v5() const noexcept { return info_.version == codec::protocol_version::v5; }
    const capabilities& caps() const;
    const profile& prof() const noexcept { return env_.prof; }
    const target& where() const noexcept { return env_.where; }
    std::chrono::milliseconds timeout() const noexcept { return env_.timeout; }
    // Versions the probe saw the broker accept (empty when not probed, as in unit tests).
    const std::set<codec::protocol_version>& accepted_versions() const noexcept { return env_.accepted_versions; }
    transcript& log() noexcept { return log_; }

    // ---- names unique to this run and case ----------------------------------------------------
    // "mqttspec/<nonce>/<case index>": every topic a case uses lives below it.
    const std::string& prefix() const noexcept { return prefix_; }
    std::string topic(std::string_view suffix) const;  // prefix() + "/" + suffix
    std::string client_id(std::string_view name) const; // id_prefix + nonce + case index + name

    // ---- connections ----------------------------------------------------------------------------
    // A new client whose transport is open and nothing sent yet (for raw CONNECT variants).
    client& open(std::string name);
    // open(), CONNECT built from `options`, CONNACK with options.expect_reason (fails otherwise).
    client& connect(std::string name, const connect_options& options = {});
    // The CONNACK received by the last connect() of this client name.
    const received_packet& connack(std::string_view name) const;
    // The CONNECT packet connect() would send (for cases that tweak one field and send it themselves).
    codec::connect_packet make_connect(std::string_view name, const connect_options& options);

    // ---- verdicts --------------------------------------------------------------------------------
    [[noreturn]] void fail(std::string message, std::string expected = {}, std::string actual = {},
                           std::string statement = {});
    [[noreturn]] void skip(std::string reason);
    void check(bool condition, std::string message, std::string expected = {}, std::string actual = {},
               std::string statement = {});
    // Skips the case unless the requirement is met.
    void require(requirement r);
    // Adds a line to the transcript (shown with -v).
    void note(std::string text);

    // ---- cleanup (runs after the body, pass or fail) ----------------------------------------------
    // Clear a retained message on this topic when the case ends.
    void retained_on(std::string topic);
    // End a persistent session of this client ID when the case ends.
    void session_kept(std::string client_id);
    // A CONNECT with a Will was sent for this client ID (make_connect registers it; call this for a
    // CONNECT built by hand): when the case ends the cleanup cancels the Will, delayed or not, and ends
    // the session, so nothing is published under the run's topics after the run. See cleanup().
    void will_left(std::string client_id);
    // Runs the cleanup now (called by the runner after the body, pass or fail; idempotent). In order:
    //  1. every client still open sends DISCONNECT (reason 0x00: its Will is discarded); a client that
    //     carries a Will also waits (bounded) for the broker to close it, so that step 2 cannot take the
    //     connection over before the DISCONNECT is processed;
    //  2. for each client ID with a Will or a kept session: a new connection with that ID (which cancels
    //     a pending delayed Will, 5.0 MQTT-3.1.2-8 / MQTT-3.1.3-9), Clean Start 1, Session Expiry 0 and
    //     no Will, then DISCONNECT 0x00: the session ends and nothing is left to publish;
    //  3. retained messages are cleared (after step 2, which could still publish a retained Will).
    // Failures are noted in the transcript, not verdicts.
    void cleanup();
    // Every client the case opened (the runner checks each for malformed broker packets).
    std::vector<client*> clients();

private:
    const case_info& info_;
    const run_environment& env_;
    std::size_t index_;
    transcript& log_;
    boost::asio::io_context& io_;
    std::string prefix_;
    std::map<std::string, std::unique_ptr<client>, std::less<>> clients_;
    std::map<std::string, received_packet, std::less<>> connacks_;
    std::vector<std::string> retained_topics_;
    std::vector<std::string> kept_sessions_;
    std::vector<std::string> wills_left_;    // client IDs
    std::vector<std::string> will_clients_;  // client names whose CONNECT carried a Will
    bool cleaned_ = false;
    codec::arena arena_;
};

}  // namespace mqttspec::conformance

// Defines and registers a case; the body follows as a block and sees `case_context& t`.
// Fields left out of the designated initializer take their defaults (hence the pragma: -Wextra
// would warn about each).
#define MQTTSPEC_CASE(function_name, ...)                                                        \
    static void function_name(::mqttspec::conformance::case_context& t);                         \
    _Pragma("GCC diagnostic push")                                                               \
    _Pragma("GCC diagnostic ignored \"-Wmissing-field-initializers\"")                          \
    static const ::mqttspec::conformance::register_case function_name##_registration{            \
        ::mqttspec::conformance::case_info __VA_ARGS__, &function_name, __FILE__};               \
    _Pragma("GCC diagnostic pop")                                                                \
    static void function_name([[maybe_unused]] ::mqttspec::conformance::case_context& t)
