// What a broker is configured to do where the spec leaves the choice open (profile files in
// fixtures/profiles/*.json) and what a 5.0 broker announced in CONNACK (capabilities).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "mqttspec/codec/types.hpp"
#include "mqttspec/conformance/pattern.hpp"
#include "mqttspec/conformance/net_types.hpp"

namespace mqttspec::conformance {

// A known deviation: under this profile the case is reported `waived` (never `passed`), but only
// when the failure is the one the waiver describes: it must break `statement` and its evidence
// (message, expected, actual) must match `observed`. Any other failure of the case stays a failure,
// and a waived case that passes makes the waiver stale.
struct waiver {
    // Exact case ID, or "*": a deviation of the broker that can surface in any case (a CONNECT it
    // leaves unanswered now and then). A "*" waiver must be intermittent, and is tried only after the
    // case's own waiver did not excuse the failure.
    std::string case_id;
    std::string statement;  // the statement the deviation breaks (one of the case's statements)
    std::string observed;   // ECMAScript regular expression searched in the failure's evidence text
    std::string reason;     // why it is accepted
    std::string evidence;   // what the broker actually sent
    // Only over these transports (URL schemes "mqtt", "mqtts", "ws", "wss"); empty: every transport.
    // A deviation seen over one transport alone must not hide a pass, or a new failure, elsewhere.
    std::vector<std::string> transports;
    // The deviation shows in some runs only (timing): a pass does not make the waiver stale.
    bool intermittent = false;
    bool applies_to(transport_kind k) const;
    // Whether a failure that broke `failed_statement` (empty: not attributed) with this evidence text
    // is the deviation described. `case_statements` are the case's own statements.
    bool excuses(const std::string& failed_statement, const std::vector<std::string>& case_statements,
                 const std::string& evidence_text) const;
};

struct profile {
    std::string name = "default";
    std::filesystem::path file;  // empty for the built-in default

    // Credentials the broker accepts (used by every connection when the target gives none), and a
    // pair it rejects (for the bad-credentials cases; absent: those cases are skipped).
    std::optional<std::string> username, password;
    std::optional<std::string> rejected_username, rejected_password;
    // A topic the broker's ACL denies to the suite's user, for publish and subscribe.
    std::optional<std::string> denied_topic;
    // 3.1.1 has no way to announce these; for 5.0 the CONNACK overrides them.
    std::uint8_t maximum_qos = 2;
    bool retain_available = true;
    bool wildcard_subscriptions = true;
    // A $-topic filter the broker publishes to without the client's doing (e.g. "$SYS/#").
    std::optional<std::string> system_topic_filter;
    // Whether the broker accepts a zero-length client identifier with Clean Session/Start = 1 (a MAY).
    // Absent: assumed, but a broker that refuses (CONNACK 0x02 / 0x85) skips the cases; true: a
    // refusal fails them; false: they are skipped.
    std::optional<bool> accepts_empty_client_id;
    std::vector<waiver> waivers;

    // The waiver for `case_id` over `transport` (nullptr: none applies).
    const waiver* find_waiver(std::string_view case_id, transport_kind transport) const;
    // The "*" waivers (any case) over `transport`, in profile order.
    std::vector<const waiver*> any_case_waivers(transport_kind transport) const;
};

// Thrown for unreadable or invalid profile files: names the file and the field.
struct profile_error : std::runtime_error {
    profile_error(const std::filesystem::path& file, const std::string& field, const std::string& what);
    std::filesystem::path file;
    std::string field;
};

profile load_profile(const std::filesystem::path& file);
profile parse_profile(const json& j, const std::filesystem::path& file_for_errors);

// What the broker allows for one protocol version.
struct capabilities {
    codec::protocol_version version = codec::protocol_version::v5;
    bool from_connack = false;                 // 5.0: values below came from a CONNACK
    std::uint8_t maximum_qos = 2;
    bool retain_available = true;
    bool wildcard_subscriptions = true;
    bool subscription_identifiers = true;      // 5.0
    bool shared_subscriptions = true;          // 5.0
    std::uint16_t receive_maximum = 65535;     // 5.0
    std::optional<std::uint32_t> maximum_packet_size;  // 5.0; nullopt: no limit announced
    std::uint16_t topic_alias_maximum = 0;     // 5.0
    std::optional<std::uint16_t> server_keep_alive;     // 5.0

    // Starting point for a version from a profile (3.1.1: all there is).
    static capabilities from_profile(codec::protocol_version v, const profile& p);
    // 5.0: merges the CONNACK's properties (absent property = the spec's default).
    void apply_connack(const json& connack_json);
};

// A condition a case needs; when absent the case is skipped with the reason.
enum class requirement : std::uint8_t {
    qos1,
    qos2,
    retain,
    wildcard_subscriptions,
    shared_subscriptions,       // 5.0
    subscription_identifiers,   // 5.0
    topic_alias,                // 5.0: Topic Alias Maximum > 0
    credentials,                // profile has username/password the broker accepts
    rejected_credentials,       // profile has a pair the broker rejects
    denied_topic,               // profile names a topic the ACL denies
    system_topics,              // profile names a $-topic filter the broker publishes to
    empty_client_id,            // the broker accepts zero-length client IDs (MAY)
};
std::string_view to_string(requirement r) noexcept;  // "qos1", "shared_subscriptions", ...
std::optional<requirement> parse_requirement(std::string_view s) noexcept;

// Empty when met; otherwise the reason to skip, e.g. "broker announced Maximum QoS 1".
std::string unmet(requirement r, const capabilities& caps, const profile& prof);

}  // namespace mqttspec::conformance
