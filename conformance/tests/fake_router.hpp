// A minimal routing MQTT broker for engine tests of cases that need several clients (a publisher and
// a subscriber): subscriptions with '+'/'#' matching, QoS 0-2 acknowledgements, forwarding at the
// lower of the published and granted QoS, PINGRESP, UNSUBSCRIBE. No sessions survive a connection.
// `faults` break one rule at a time, so a test shows that a case fails when a broker breaks it.
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "fake_broker.hpp"

namespace mqttspec::conformance::testing {

struct router_faults {
    // Overlapping subscriptions: forward at the QoS of the first matching subscription made, not the highest.
    bool first_subscription_only = false;
    // A message with this payload is forwarded a second time, right after the next message forwarded to
    // the same connection (a late duplicate or a late resend).
    std::string duplicate_late;
    // Messages with this payload are forwarded even to connections without a matching subscription,
    // right after the next message forwarded to that connection (a late delivery that must not happen).
    std::string deliver_late_everywhere;
    // PUBLISHes to this topic are acknowledged but not forwarded (an ACL that denies publishing there).
    std::string denied_topic;
};

inline std::vector<std::string_view> topic_levels(std::string_view s) {
    std::vector<std::string_view> out;
    for (std::size_t start = 0;;) {
        const auto slash = s.find('/', start);
        out.push_back(s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (slash == std::string_view::npos) return out;
        start = slash + 1;
    }
}

inline bool topic_matches(std::string_view filter, std::string_view topic) {
    const auto f = topic_levels(filter), t = topic_levels(topic);
    for (std::size_t i = 0; i < f.size(); ++i) {
        if (f[i] == "#") return true;
        if (i >= t.size() || (f[i] != "+" && f[i] != t[i])) return false;
    }
    return f.size() == t.size();
}

class fake_router {
public:
    explicit fake_router(router_faults faults = {}) : faults_(std::move(faults)) {}

    // The script for fake_broker: fake_broker broker([&](fake_session& s) { router.serve(s); });
    void serve(fake_session& s) {
        auto c = std::make_shared<connection>();
        c->session = &s;
        c->version = s.expect_connect();
        c->send(codec::from_hex(c->version == codec::protocol_version::v5 ? "20 03 00 00 00" : "20 02 00 00"));
        {
            std::lock_guard lock(mutex_);
            connections_.push_back(c);
        }
        try {
            loop(*c);
        } catch (const std::exception&) {
        }
        std::lock_guard lock(mutex_);
        std::erase(connections_, c);
    }

private:
    struct subscription {
        std::string filter;
        std::uint8_t qos;
    };
    struct connection {
        fake_session* session = nullptr;
        codec::protocol_version version = codec::protocol_version::v5;
        std::vector<subscription> subscriptions;
        std::uint16_t last_id = 0;
        std::set<std::uint16_t> qos2_pending;  // QoS 2 packet ids received, PUBREL not yet
        std::vector<std::pair<std::string, std::string>> late;  // topic, payload: sent after the next forward
        std::mutex write;
        void send(const std::vector<std::uint8_t>& bytes) {
            std::lock_guard lock(write);
            session->send(bytes);
        }
    };

    static std::vector<std::uint8_t> ack(std::uint8_t first_byte, std::uint16_t id) {
        return {first_byte, 2, static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id & 0xFF)};
    }

    void loop(connection& c) {
        for (;;) {
            const auto bytes = c.session->read_packet();
            const auto decoded = codec::decode(bytes, c.version, {.sender = codec::sender::client});
            if (!decoded.ok()) return;
            const auto j = codec::to_json(decoded, c.version);
            switch (bytes[0] >> 4) {
                case 3: {  // PUBLISH
                    const auto qos = static_cast<std::uint8_t>(j.value("qos", 0));
                    const std::uint16_t id = static_cast<std::uint16_t>(j.value("packet_id", 0));
                    if (qos == 1) c.send(ack(0x40, id));
                    if (qos == 2) c.send(ack(0x50, id));
                    // A QoS 2 PUBLISH repeated before its PUBREL is the same message: forwarded once.
                    if (qos == 2 && !c.qos2_pending.insert(id).second) break;
                    if (j.value("topic", "") != faults_.denied_topic) forward(j.value("topic", ""), j.value("payload", ""), qos);
                    break;
                }
                case 5: c.send(ack(0x62, static_cast<std::uint16_t>(j.value("packet_id", 0)))); break;  // PUBREC -> PUBREL
                case 6:  // PUBREL -> PUBCOMP
                    c.qos2_pending.erase(static_cast<std::uint16_t>(j.value("packet_id", 0)));
                    c.send(ack(0x70, static_cast<std::uint16_t>(j.value("packet_id", 0))));
                    break;
                case 8: {  // SUBSCRIBE: grant what was asked
                    std::vector<std::uint8_t> codes;
                    {
                        std::lock_guard lock(mutex_);
                        for (const auto& s : j.at("subscriptions")) {
                            const std::string filter = s.at("filter");
                            const auto qos = static_cast<std::uint8_t>(s.value("qos", 0));
                            std::erase_if(c.subscriptions, [&](const subscription& x) { return x.filter == filter; });
                            c.subscriptions.push_back({filter, qos});
                            codes.push_back(qos);
                        }
                    }
                    send_with_codes(c, 0x90, static_cast<std::uint16_t>(j.value("packet_id", 0)), codes);
                    break;
                }
                case 10: {  // UNSUBSCRIBE
                    std::vector<std::uint8_t> codes;
                    {
                        std::lock_guard lock(mutex_);
                        for (const auto& f : j.at("filters")) {
                            const auto n = std::erase_if(c.subscriptions, [&](const subscription& x) { return x.filter == f; });
                            codes.push_back(n > 0 ? 0x00 : 0x11);
                        }
                    }
                    if (c.version == codec::protocol_version::v5) {
                        send_with_codes(c, 0xB0, static_cast<std::uint16_t>(j.value("packet_id", 0)), codes);
                    } else {
                        c.send(ack(0xB0, static_cast<std::uint16_t>(j.value("packet_id", 0))));
                    }
                    break;
                }
                case 12: c.send(codec::from_hex("d0 00")); break;
                case 14: return;
                default: break;  // PUBACK, PUBCOMP from subscribers
            }
        }
    }

    void send_with_codes(connection& c, std::uint8_t first_byte, std::uint16_t id, const std::vector<std::uint8_t>& codes) {
        const bool v5 = c.version == codec::protocol_version::v5;
        std::vector<std::uint8_t> out{first_byte, static_cast<std::uint8_t>(2 + (v5 ? 1 : 0) + codes.size()),
                                      static_cast<std::uint8_t>(id >> 8), static_cast<std::uint8_t>(id & 0xFF)};
        if (v5) out.push_back(0);  // property length
        out.insert(out.end(), codes.begin(), codes.end());
        c.send(out);
    }

    void send_publish(connection& c, const std::string& topic, const std::string& payload, std::uint8_t qos) {
        codec::publish_packet p;
        p.qos = qos;
        p.topic = topic;
        p.payload = payload;
        if (qos > 0) p.packet_id = c.last_id = static_cast<std::uint16_t>(c.last_id % 65535 + 1);
        c.send(codec::encode(codec::packet{p}, c.version));
    }

    void forward(const std::string& topic, const std::string& payload, std::uint8_t qos) {
        std::vector<std::shared_ptr<connection>> targets;
        {
            std::lock_guard lock(mutex_);
            targets = connections_;
        }
        for (const auto& c : targets) {
            std::optional<std::uint8_t> granted;
            {
                std::lock_guard lock(mutex_);
                for (const auto& s : c->subscriptions) {
                    if (!topic_matches(s.filter, topic)) continue;
                    if (faults_.first_subscription_only && granted) continue;
                    granted = std::max<std::uint8_t>(granted.value_or(0), s.qos);
                }
            }
            if (!granted) {
                if (!faults_.deliver_late_everywhere.empty() && payload == faults_.deliver_late_everywhere) {
                    std::lock_guard lock(mutex_);
                    c->late.emplace_back(topic, payload);
                }
                continue;
            }
            const auto q = std::min(qos, *granted);
            send_publish(*c, topic, payload, q);
            decltype(c->late) late;
            {
                std::lock_guard lock(mutex_);
                late = std::exchange(c->late, {});
                if (!faults_.duplicate_late.empty() && payload == faults_.duplicate_late) c->late.emplace_back(topic, payload);
            }
            for (const auto& [t, p] : late) send_publish(*c, t, p, q);
        }
    }

    router_faults faults_;
    std::mutex mutex_;
    std::vector<std::shared_ptr<connection>> connections_;
};

}  // namespace mqttspec::conformance::testing
