#include "mqttspec/conformance/verifiers.hpp"

#include <atomic>

namespace mqttspec::conformance {

namespace {

// Attributes a failure to `statement` unless the failure already names one.
template <class F>
auto attributed(const std::string& statement, F&& f) {
    try {
        return f();
    } catch (case_failure& e) {
        if (e.statement.empty()) e.statement = statement;
        throw;
    }
}

json reason_pattern(const std::vector<std::uint8_t>& reasons) {
    if (reasons.empty()) return json{{"at_least", 0x80}};
    json alternatives = json::array();
    for (auto r : reasons) alternatives.push_back(r);
    return json{{"any_of", alternatives}};
}

std::string unique_sentinel_payload() {
    static std::atomic<unsigned> counter{0};
    return "mqttspec-sentinel-" + std::to_string(++counter);
}

// Publishes a sentinel from `pub` after everything `pub` sent before was processed, and waits for it
// at `sub`. Returns its arrival sequence number at `sub`.
std::uint64_t sentinel_round(client& pub, client& sub, const std::string& sentinel_topic) {
    pub.barrier();  // the broker has processed pub's earlier PUBLISHes before answering PINGREQ
    const std::string payload = unique_sentinel_payload();
    pub.publish(sentinel_topic, payload, 0);
    const auto got = sub.expect({{"type", "PUBLISH"}, {"topic", sentinel_topic}, {"payload", payload}});
    return got.sequence;
}

}  // namespace

void expect_connection_closed_or_disconnect(client& c, std::vector<std::uint8_t> reasons, std::string statement) {
    attributed(statement, [&] {
        if (c.version() == codec::protocol_version::v5) {
            // 4.13: the receiver MAY send DISCONNECT with a reason code >= 0x80 before closing.
            c.expect_closed(pattern(json{{"type", "DISCONNECT"}, {"reason_code", reason_pattern(reasons)}}));
        } else {
            c.expect_closed();  // 3.1.1 has no server DISCONNECT: the only permitted outcome is closing
        }
    });
}

void expect_connect_rejected(client& c, const connect_rejection& rule) {
    attributed(rule.statement, [&] {
        const auto until = c.default_deadline();
        const bool v5 = c.version() == codec::protocol_version::v5;
        for (;;) {
            auto e = c.next_event(until);
            switch (e.kind) {
                case event_kind::timeout:
                    throw case_failure("the broker neither rejected the CONNECT nor closed the connection",
                                       "CONNACK with an error code then close, or close", "nothing");
                case event_kind::malformed:
                    c.expect_well_formed();
                    return;
                case event_kind::closed:
                    if (rule.close_without_connack_allowed) return;
                    throw case_failure("the broker closed without the CONNACK it must send first",
                                       "CONNACK with an error code, then close", "connection closed: " + e.detail);
                case event_kind::packet: {
                    const auto& p = *e.packet;
                    json expected_code = v5 ? reason_pattern(rule.reasons)
                                            : (rule.return_codes.empty() ? json{{"not", 0}}
                                                                         : reason_pattern(rule.return_codes));
                    const pattern connack(json{{"type", "CONNACK"}, {"session_present", false}, {"reason_code", expected_code}});
                    if (auto why = connack.mismatch(p.as_json); !why.empty()) {
                        throw case_failure("the broker did not reject the CONNECT as required (" + why + ")",
                                           connack.str() + " then close", p.as_json.dump());
                    }
                    c.expect_closed();
                    return;
                }
            }
        }
    });
}

void expect_no_delivery(client& pub, client& sub, const std::string& sentinel_topic, const pattern& unexpected) {
    const auto sentinel = sentinel_round(pub, sub, sentinel_topic);
    for (const auto& r : sub.inbox()) {
        if (r.sequence < sentinel && unexpected.matches(r.as_json)) {
            throw case_failure("the broker delivered a message it must not deliver",
                               "no PUBLISH matching " + unexpected.str() + " before the sentinel", r.as_json.dump());
        }
    }
}

std::vector<received_packet> expect_copies(client& pub, client& sub, const std::string& sentinel_topic,
                                           const pattern& message, std::size_t min, std::size_t max) {
    const auto sentinel = sentinel_round(pub, sub, sentinel_topic);
    std::vector<received_packet> copies;
    for (auto& r : sub.take_all(message)) {
        if (r.sequence < sentinel) copies.push_back(std::move(r));
    }
    if (copies.size() < min || copies.size() > max) {
        std::string got;
        for (const auto& r : copies) got += (got.empty() ? "" : ", ") + r.as_json.dump();
        throw case_failure("the broker delivered " + std::to_string(copies.size()) + " copies of the message",
                           "between " + std::to_string(min) + " and " + std::to_string(max) + " copies of " + message.str(),
                           got.empty() ? "no copy" : got);
    }
    return copies;
}

}  // namespace mqttspec::conformance
