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

std::string unique_marker_payload() {
    static std::atomic<unsigned> counter{0};
    return "mqttspec-marker-" + std::to_string(++counter);
}

// `pub` publishes a marker on `topic` at `qos` and completes its own flow (PUBACK, or PUBREC, PUBREL,
// PUBCOMP), so the broker has accepted it. Returns the pattern of the marker at a subscriber.
pattern publish_marker(client& pub, const std::string& topic, std::uint8_t qos) {
    const std::string payload = unique_marker_payload();
    const auto id = pub.publish(topic, payload, qos);
    if (qos == 1) {
        pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    } else if (qos == 2) {
        pub.expect({{"type", "PUBREC"}, {"packet_id", id}});
        codec::pubrel_packet rel;
        rel.packet_id = id;
        pub.send(rel);
        pub.expect({{"type", "PUBCOMP"}, {"packet_id", id}});
    }
    return pattern(json{{"type", "PUBLISH"}, {"topic", topic}, {"payload", payload}});
}

// Waits for one copy of the marker at `sub` and acknowledges it, so the marker holds no slot of the
// subscriber's in-flight window. QoS 1/2 messages that arrive first are acknowledged as they come
// (and stay queued): a broker that keeps one message in flight would otherwise hold the marker back.
void receive_marker(client& sub, const pattern& marker) {
    sub.acknowledge(sub.expect_acknowledging(marker));
}

// Fails when any packet still queued at `sub` (before or after the marker), other than a copy of the
// marker, matches `unexpected`.
void scan_inbox(client& sub, const pattern& unexpected, const pattern& marker, const std::string& marker_topic) {
    sub.barrier();  // also takes in what the broker sent right after the marker
    for (const auto& r : sub.inbox()) {
        if (unexpected.matches(r.as_json) && !marker.matches(r.as_json)) {
            throw case_failure("the broker delivered a message it must not deliver",
                               "no PUBLISH matching " + unexpected.str() + " (marker on " + marker_topic + " received)",
                               r.as_json.dump());
        }
    }
}

}  // namespace

std::optional<received_packet> expect_connection_closed_or_disconnect(client& c, std::vector<std::uint8_t> reasons,
                                                                      std::string statement) {
    std::optional<received_packet> disconnect;
    attributed(statement, [&] {
        if (c.version() != codec::protocol_version::v5) {
            c.expect_closed();  // 3.1.1 has no server DISCONNECT: the only permitted outcome is closing
            return;
        }
        // 4.13: the receiver MAY send DISCONNECT with a reason code >= 0x80 before closing.
        const pattern allowed(json{{"type", "DISCONNECT"}, {"reason_code", reason_pattern(reasons)}});
        const auto until = c.default_deadline();
        for (;;) {
            auto e = c.next_event(until);
            switch (e.kind) {
                case event_kind::closed:
                    return;
                case event_kind::malformed:
                    c.expect_well_formed();  // fails with the codec's error
                    return;
                case event_kind::timeout:
                    throw case_failure("the connection was still open " + std::to_string(c.timeout().count()) + " ms later",
                                       "connection closed, optionally after " + allowed.str(),
                                       disconnect ? disconnect->as_json.dump() + ", then the connection stayed open"
                                                  : std::string("connection open"));
                case event_kind::packet:
                    if (disconnect) {
                        throw case_failure("the broker sent a packet after its DISCONNECT", "connection closed",
                                           e.packet->as_json.dump(), "MQTT-3.14.4-1");
                    }
                    if (auto why = allowed.mismatch(e.packet->as_json); !why.empty()) {
                        throw case_failure("the broker sent a packet where it must close the connection (" + why + ")",
                                           "connection closed, optionally after " + allowed.str(), e.packet->as_json.dump());
                    }
                    disconnect = std::move(e.packet);
                    break;
            }
        }
    });
    return disconnect;
}

void expect_disconnect_reason_then_close(case_context& t, client& c, std::uint8_t named_reason, const std::string& statement) {
    const auto disconnect = expect_connection_closed_or_disconnect(c, {}, statement);
    const auto hex = [](unsigned v) {
        static constexpr char digits[] = "0123456789abcdef";
        return std::string("0x") + digits[(v >> 4) & 15] + digits[v & 15];
    };
    const std::string wanted = "DISCONNECT " + hex(named_reason) + " then close";
    t.check(disconnect.has_value(), "the broker closed without sending DISCONNECT first", wanted,
            "connection closed without DISCONNECT", statement);
    const auto reason = disconnect->as<codec::disconnect_packet>().reason_code;
    t.check(reason == named_reason, "the broker's DISCONNECT carries another reason code than the one named", wanted,
            "DISCONNECT " + hex(reason) + " then close", statement);
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

void expect_no_delivery(client& pub, client& sub, const std::string& topic, std::uint8_t qos,
                        const pattern& unexpected) {
    const auto marker = publish_marker(pub, topic, qos);
    receive_marker(sub, marker);
    scan_inbox(sub, unexpected, marker, topic);
}

void expect_no_delivery_unordered_marker(client& pub, client& sub, const std::string& marker_topic, std::uint8_t qos,
                                         const pattern& unexpected) {
    pub.barrier();  // the broker has processed everything `pub` sent before answering PINGREQ
    const auto marker = publish_marker(pub, marker_topic, qos);
    receive_marker(sub, marker);
    scan_inbox(sub, unexpected, marker, marker_topic);
}

std::vector<received_packet> expect_copies(client& pub, client& sub, const std::string& topic, std::uint8_t qos,
                                           const pattern& message, std::size_t min, std::size_t max) {
    const auto marker = publish_marker(pub, topic, qos);
    receive_marker(sub, marker);
    // With overlapping subscriptions (3.1.1 3.3.5) the broker may send one copy per matching
    // subscription, each ordered before that subscription's copy of the marker, not before the first
    // marker: while more copies than markers have arrived, wait for the next marker (not a failure if
    // it never comes; the broker need not treat both messages alike).
    std::size_t markers = 1;
    const auto count_copies = [&] {
        std::size_t n = 0;
        for (const auto& r : sub.inbox()) n += message.matches(r.as_json) && !marker.matches(r.as_json) ? 1 : 0;
        return n;
    };
    while (count_copies() > markers && markers <= max) {
        try {
            receive_marker(sub, marker);
            ++markers;
        } catch (const case_failure&) {
            break;
        }
    }
    sub.barrier();  // also takes in what the broker sent right after the last marker
    std::vector<received_packet> copies;
    for (auto& r : sub.take_all(message)) {
        if (!marker.matches(r.as_json)) copies.push_back(std::move(r));
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
