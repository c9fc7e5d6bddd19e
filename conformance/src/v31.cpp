#include "mqttspec/conformance/v31.hpp"

#include <algorithm>
#include <set>
#include <string_view>

namespace mqttspec::conformance {
namespace {

// 3.1.1 statements with no counterpart in MQTT 3.1: a case citing one does not apply.
const std::set<std::string_view>& statements_new_in_311() {
    static const std::set<std::string_view> ids = {
        "MQTT-3.2.2-1", "MQTT-3.2.2-2", "MQTT-3.2.2-3",      // Session Present (3.1: reserved byte)
        "MQTT-3.1.3-6", "MQTT-3.1.3-7", "MQTT-3.1.3-8",      // zero-length Client Identifiers (3.1: 1-23 characters)
        "MQTT-3.1.3-9", "MQTT-3.1.4-5",                      // identifier rules built on them
        "MQTT-3.1.3-2",                                      // its case reads Session Present
        "MQTT-3.1.2-1", "MQTT-3.1.2-2",                      // protocol name "MQTT" and level 4
        "MQTT-3.1.2-3", "MQTT-3.1.4-1", "MQTT-3.2.2-6",      // CONNECT validation (reserved flag, no CONNACK)
        "MQTT-2.2.2-1", "MQTT-2.2.2-2", "MQTT-3.8.1-1",      // reserved fixed-header flags
        "MQTT-3.9.3-2", "MQTT-3.8.3-2",                      // SUBACK failure 0x80
        "MQTT-3.3.1-3", "MQTT-3.3.1-4",                      // incoming DUP, QoS 3 as a protocol violation
        "MQTT-3.3.1-9", "MQTT-3.3.1-10", "MQTT-3.3.1-11",    // RETAIN 0 on live forwards, zero-length retained
        "MQTT-3.3.5-1", "MQTT-3.8.4-3",                      // overlapping and repeated subscriptions
        "MQTT-4.6.0-1", "MQTT-4.6.0-2", "MQTT-4.6.0-3",      // 4.6 message ordering
        "MQTT-4.6.0-4", "MQTT-4.6.0-5", "MQTT-4.6.0-6",
        "MQTT-4.7.2-1", "MQTT-4.7.3-1",                      // '$' topics, zero-length topics
        "MQTT-1.5.3-1", "MQTT-1.5.3-2", "MQTT-1.5.3-3",      // well-formed UTF-8
    };
    return ids;
}

// Cases that check a 3.1.1-only field without citing its statement.
bool reads_session_present(std::string_view id) {
    return id == "v311/session/queued-qos1-while-offline" || id == "v311/session/queued-qos2-while-offline";
}

}  // namespace

bool applies_to_v31(const case_info& info) {
    if (info.version != codec::protocol_version::v3_1_1) return false;
    const std::string_view id = info.id;
    // Malformed-packet rows and CONNACK rules encode 3.1.1's stricter framing.
    if (id.starts_with("v311/malformed/") || id.starts_with("v311/connack/")) return false;
    if (reads_session_present(id)) return false;
    if (std::find(info.needs.begin(), info.needs.end(), requirement::empty_client_id) != info.needs.end()) return false;
    const auto& excluded = statements_new_in_311();
    return std::none_of(info.statements.begin(), info.statements.end(), [&](const std::string& s) { return excluded.contains(s); });
}

std::vector<case_def> v31_variants(const std::vector<case_def>& cases) {
    std::vector<case_def> out;
    for (const auto& c : cases) {
        if (!applies_to_v31(c.info)) continue;
        case_def v31 = c;
        v31.info.id = "v31/" + c.info.id.substr(std::string_view("v311/").size());
        v31.info.version = codec::protocol_version::v3_1;
        out.push_back(std::move(v31));
    }
    return out;
}

}  // namespace mqttspec::conformance
