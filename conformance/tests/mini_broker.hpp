// A small honest MQTT 3.1.1 / 5.0 broker for unit tests, with switchable faults. It serves every
// connection of a fake_broker (fake_broker.hpp) from one shared in-memory state: sessions,
// subscriptions (wildcards, shared groups, Subscription Identifiers, No Local, Retain As Published,
// Retain Handling), retained messages, QoS 1/2 in both directions with resend on reconnect, Receive
// Maximum and Maximum Packet Size of the client, message expiry, client topic aliases, wills,
// takeover. A test proves that a case can fail by running it against this broker with ONE fault
// (broker_faults) that breaks the case's rule, and, as the baseline, that the case passes without it:
//
//     mini_broker broker({.matches = faults::matching{.plus_spans_levels = true}});
//     EXPECT_EQ(run_case_against(broker.server(), "v5/topic/...").result, verdict::failed);
//
// What a 5.0 client is told in CONNACK (Maximum QoS, Retain / Wildcard / Shared / Subscription
// Identifier Available, Receive Maximum, Maximum Packet Size, Topic Alias Maximum) is set by
// broker_capabilities and enforced honestly; Will Delay Interval runs on a timer of the broker's own.
//
// Out of scope (cases about them need their own scripted peer): enhanced authentication (a CONNECT
// with an Authentication Method is refused with 0x8C), keep-alive enforcement, other timers
// (session expiry is judged when the client returns).
#pragma once

#include <algorithm>
#include <cctype>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "fake_broker.hpp"
#include "mqttspec/codec/topic.hpp"

namespace mqttspec::conformance::testing {

using codec::packet_type;
using codec::property_id;

// What the broker announces in a 5.0 CONNACK and then enforces (3.2.2.3): a client that goes beyond
// it commits a Protocol Error, answered with DISCONNECT and the reason code its section names (4.13).
// The defaults announce nothing but the Topic Alias Maximum, as the broker always did.
struct broker_capabilities {
    std::uint8_t maximum_qos = 2;
    bool retain_available = true;
    bool wildcard_subscription_available = true;
    bool shared_subscription_available = true;
    bool subscription_identifier_available = true;
    std::uint16_t receive_maximum = 65535;
    std::optional<std::uint32_t> maximum_packet_size;  // nullopt: no limit announced
    std::uint16_t topic_alias_maximum = 10;             // 0: none announced, every Topic Alias is refused
};

// Faults: each hook, when set, breaks the broker in one place. Hooks run with the broker's lock held.
struct broker_faults {
    // Replaces topic matching (codec::topic_matches) for routing and retained delivery.
    std::function<bool(std::string_view filter, std::string_view topic)> matches;
    // Sees every packet the broker is about to send (after the honest broker built it); may change
    // it (strings must outlive the call: keep them in the hook) or return false to drop it.
    std::function<bool(codec::packet&, codec::protocol_version)> before_send;
    // Sees every decoded client packet; false ignores it (no answer, no effect).
    std::function<bool(const codec::packet&)> on_receive;
    // A packet that does not decode (malformed, or a protocol error the codec detects) is ignored
    // instead of closing the connection; an undecodable CONNECT is accepted (CONNACK 0).
    bool tolerate_undecodable = false;
    // An undecodable packet after CONNECT is refused (closed) with this DISCONNECT reason instead of
    // the code of the error's kind (0x81/0x82): a 5.0 broker that names no specific error.
    std::optional<std::uint8_t> undecodable_disconnect_reason;
    // A CONNECT with an Authentication Method is accepted as if it had none (4.12: refuse it).
    bool ignore_authentication_method = false;
    // A CONNECT with the Client Identifier of a connected client leaves the old connection open (3.1.4).
    bool keep_taken_over_connection = false;
    // SUBSCRIBE to a filter already subscribed keeps the old subscription's options (MQTT-3.8.4-3).
    bool resubscribe_keeps_old_options = false;
    // Routing and delivery, each breaking one rule of 3.3 / 4.3-4.7:
    bool first_matching_subscription_only = false;  // overlapping subscriptions: only the first one counts
    bool delivers_at_subscription_qos = false;      // QoS not the minimum of message and subscription
    bool ignores_no_local = false;
    bool ignores_retain_as_published = false;       // live messages always lose the RETAIN flag
    bool live_keeps_retain_flag = false;            // 3.1.1 / RAP 0: live messages keep the RETAIN flag
    bool ignores_retain_handling = false;           // retained messages on every SUBSCRIBE
    bool retained_never_stored = false;
    bool retained_never_cleared = false;            // an empty retained payload is stored, not a deletion
    bool retained_delivered_without_flag = false;
    bool unsubscribe_ignored = false;
    bool qos2_duplicates_delivered = false;         // a resent QoS 2 PUBLISH is delivered again
    bool no_resend_on_reconnect = false;
    bool resend_without_dup = false;
    bool ignores_message_expiry = false;            // expired messages delivered, interval forwarded unchanged
    bool ignores_receive_maximum = false;
    bool ignores_maximum_packet_size = false;
    bool session_never_kept = false;
    bool will_never_published = false;
    bool will_on_normal_disconnect = false;
    bool delivers_at_message_qos = false;           // QoS not lowered to the subscription's grant
    bool retained_keeps_first = false;              // a newer retained message does not replace the stored one
    bool non_retained_clears_stored = false;
    bool retained_first_match_only = false;         // a wildcard SUBSCRIBE gets one retained message, not all
    bool retained_only_for_new_subscription = false;  // Retain Handling 0 treated as 1
    bool no_local_always = false;
    bool clean_start_keeps_session = false;
    bool resends_in_reverse = false;
    bool session_always_kept = false;               // Session Expiry 0 / Clean Session 1 ignored
    bool session_never_expires = false;
    bool first_subscriber_only = false;             // one matching session gets the message, not all
    bool unsubscribe_by_matching = false;           // UNSUBSCRIBE removes every filter matching the given one
    bool assigns_same_client_id = false;
    bool frees_quota_at_pubrec = false;             // QoS 2 stops counting against Receive Maximum at PUBREC
    bool qos1_reused_packet_id_dropped = false;     // a QoS 1 Packet Identifier used again is taken for a duplicate
    bool qos2_packet_id_never_released = false;     // PUBREL does not free the Packet Identifier
    bool shared_to_every_member = false;
    bool retained_to_shared = false;
    // proofs-a: connection, ordering, acknowledgement and shared-subscription rules.
    bool serves_before_connect = false;               // a first packet other than CONNECT is served (3.1.0-1: close)
    std::optional<std::uint8_t> bad_first_packet_connack;  // CONNACK with this code before closing on a bad first packet
    bool processes_packet_after_refused_connect = false;  // the packet after a refused CONNECT is processed, then the close (3.1.4-5/-6)
    bool accepts_unknown_protocol_level = false;      // a CONNECT of protocol level 6 is served as 5.0 (3.1.2-2)
    std::optional<std::size_t> longest_client_id;     // longer Client Identifiers are refused (3.1.3-5 allows 23)
    bool awaits_five_byte_remaining_length = false;   // a fifth Remaining Length byte is read as length (1.5.5 / 2.2.3)
    bool connack_after_next_answer = false;           // CONNACK sent after the answer to the next packet (3.2.0-1)
    bool acknowledgements_swapped = false;            // each PUBACK / PUBREC sent after the next packet (4.6)
    bool deliveries_swapped = false;                  // each PUBLISH to a client sent after the next packet (4.6)
    bool last_matching_subscription_only = false;     // overlapping subscriptions: only the last one counts
    bool acknowledges_qos0 = false;                   // a QoS 0 PUBLISH gets a PUBACK (3.3.4-1)
    bool error_puback_keeps_message = false;          // PUBACK >= 0x80 does not end the exchange (4.4.0-2)
    bool flagged_disconnect_taken_as_normal = false;  // DISCONNECT with reserved flags set treated as 0x00 (3.14.1-1)
    bool control_packets_held_at_zero_quota = false;  // SUBACK/UNSUBACK/PINGRESP withheld while no send quota (4.9)
    bool disconnect_expiry_after_zero_accepted = false;  // DISCONNECT expiry > 0 after CONNECT's 0 honoured (3.14.2-2)
    bool shared_inflight_dropped_on_disconnect = false;  // unfinished shared deliveries not resumed (4.8.2-4)
    bool shared_refusal_reoffered = false;            // a shared message refused with PUBACK >= 0x80 goes to another member (4.8.2-6)
    bool first_shared_group_only = false;             // one Shared Subscription group gets the message, not each (4.5.0-1)
    // proofs-b: the broker breaks what it announced (broker_capabilities), Topic Aliases, will delay.
    bool ignores_maximum_qos = false;               // QoS above its Maximum QoS accepted in PUBLISH and wills, granted in SUBACK
    bool ignores_retain_unavailable = false;        // Retain Available 0, yet retained PUBLISHes and wills accepted
    bool ignores_wildcard_unavailable = false;      // Wildcard Subscription Available 0, yet wildcard filters granted
    bool ignores_shared_unavailable = false;        // Shared Subscription Available 0, yet shared filters granted
    bool ignores_subscription_identifier_unavailable = false;  // Subscription Identifier Available 0, yet accepted
    bool ignores_own_receive_maximum = false;       // more unacknowledged QoS 2 PUBLISHes than its Receive Maximum accepted
    bool ignores_own_maximum_packet_size = false;   // packets above its Maximum Packet Size accepted
    // A Protocol Error the broker itself detects (a limit it announced, a Topic Alias) is refused with
    // this DISCONNECT reason instead of the code its section names (a SHOULD of 3.2.2.3 / 3.3.2.3.4).
    std::optional<std::uint8_t> detected_error_reason;
    bool topic_alias_maximum_ignored = false;       // any Topic Alias up to 65535 accepted, whatever it announced
    bool topic_alias_maximum_exclusive = false;     // the alias equal to its Topic Alias Maximum refused
    bool topic_alias_not_stored = false;            // a Topic Alias with a Topic Name sets no mapping
    bool topic_alias_keeps_first_mapping = false;   // a known alias with a new Topic Name keeps its old mapping
    bool topic_alias_unmapped_ignored = false;      // an unmapped alias with an empty Topic Name is dropped, not a Protocol Error
    bool topic_aliases_kept_across_connections = false;  // a client's aliases outlive its connection (MQTT-3.3.2-7)
    bool forwards_topic_alias = false;              // the publisher's Topic Alias is sent on to subscribers
    bool delayed_will_published_at_once = false;    // Will Delay Interval ignored
    bool delayed_will_published_on_reconnect = false;  // a reconnect to the session publishes the delayed will instead of cancelling it
    bool disconnect_with_will_discards_will = false;  // DISCONNECT 0x04 treated as a normal disconnection
    bool will_properties_dropped = false;           // the will is published without its Will Properties
    // cov311: 3.1.1 rules of 3.1, 3.10, 4.1 and 4.6.
    bool will_kept_with_session = false;            // a connection with Will Flag 0 inherits its session's last Will (3.1.2-12)
    bool client_ids_case_folded = false;            // sessions found by the Client Identifier in lower case (3.1.3-2)
    bool invalid_connect_takes_over = false;        // a CONNECT failing validation (reserved flag, Will QoS 3) still takes over its Client Identifier (3.1.4)
    bool unsubscribe_abandons_inflight = false;     // UNSUBSCRIBE drops the unfinished deliveries of the filter (3.10.4-3)
    bool releases_swapped = false;                  // each PUBREL sent after the next packet (4.6.0-4)
};

// Ready-made faults, each a rule of the standard broken on purpose.
namespace faults {

// Topic matching with switchable deviations; with all of them off it is 4.7 (codec::topic_matches).
struct matching {
    bool plus_spans_levels = false;       // 4.7.1.3: '+' matches exactly one level
    bool plus_skips_empty_level = false;  // 4.7.1.3: '+' also matches an empty level ("a/+" matches "a/")
    bool hash_needs_a_level = false;      // 4.7.1.2: "a/#" also matches "a"
    bool wildcards_match_dollar = false;  // 4.7.2: a leading wildcard does not match a '$' topic
    bool case_insensitive = false;        // 4.7.3: topics are compared byte for byte
    bool dollar_never_matched_by_wildcards = false;  // 4.7.2 overdone: "$a/+" does not match "$a/b" either
    bool normalises_unicode = false;      // 4.7.3: no normalisation (here: U+00E9 and e + U+0301 compare equal)
    bool drops_byte_order_mark = false;   // 4.7.3 / 1.5.4: U+FEFF is kept, not stripped
    bool plus_needs_ascii_level = false;  // 4.7.1.3: '+' matches any level, multi-byte characters included
    bool prefix_matches = false;         // 4.7: a filter without "#" matches no topic below it ("a/b" vs "a/b/c")

    bool operator()(std::string_view filter, std::string_view topic) const {
        if (const auto shared = codec::parse_shared_filter(filter)) filter = shared->filter;
        if (dollar_never_matched_by_wildcards && !topic.empty() && topic[0] == '$' && filter.find_first_of("+#") != std::string_view::npos) return false;
        const auto f = split(rewrite(filter)), t = split(rewrite(topic));
        if (!wildcards_match_dollar && !topic.empty() && topic[0] == '$' && !f.empty() && (f[0] == "+" || f[0] == "#")) return false;
        return match(f, 0, t, 0);
    }

private:
    std::string rewrite(std::string_view in) const {
        std::string s(in);
        auto replace_all = [&s](std::string_view from, std::string_view to) {
            for (std::size_t i = 0; (i = s.find(from, i)) != std::string::npos; i += to.size()) s.replace(i, from.size(), to);
        };
        if (normalises_unicode) replace_all("e\xCC\x81", "\xC3\xA9");
        if (drops_byte_order_mark) replace_all("\xEF\xBB\xBF", "");
        return s;
    }
    static std::vector<std::string> split(std::string_view s) {
        std::vector<std::string> out(1);
        for (char ch : s) {
            if (ch == '/') out.emplace_back();
            else out.back() += ch;
        }
        return out;
    }
    bool same(const std::string& a, const std::string& b) const {
        if (!case_insensitive) return a == b;
        if (a.size() != b.size()) return false;
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
        }
        return true;
    }
    bool match(const std::vector<std::string>& f, std::size_t fi, const std::vector<std::string>& t, std::size_t ti) const {
        if (fi == f.size()) return ti == t.size() || (prefix_matches && fi > 0);
        if (f[fi] == "#") return hash_needs_a_level ? ti < t.size() : true;
        if (ti == t.size()) return false;
        if (f[fi] == "+") {
            if (plus_skips_empty_level && t[ti].empty()) return false;
            for (char ch : t[ti]) {
                if (plus_needs_ascii_level && static_cast<unsigned char>(ch) >= 0x80) return false;
            }
            if (match(f, fi + 1, t, ti + 1)) return true;
            if (plus_spans_levels) {
                for (std::size_t k = ti + 2; k <= t.size(); ++k) {
                    if (match(f, fi + 1, t, k)) return true;
                }
            }
            return false;
        }
        return same(f[fi], t[ti]) && match(f, fi + 1, t, ti + 1);
    }
};

// Drops every packet of one type the broker would send.
inline std::function<bool(codec::packet&, codec::protocol_version)> drop(packet_type type) {
    return [type](codec::packet& p, codec::protocol_version) { return codec::type_of(p) != type; };
}
// Changes the packets of one type the broker would send.
template <class Packet>
std::function<bool(codec::packet&, codec::protocol_version)> edit(std::function<void(Packet&)> change) {
    return [change](codec::packet& p, codec::protocol_version) {
        if (auto* x = std::get_if<Packet>(&p)) change(*x);
        return true;
    };
}

// restricted: a broker that folds the case of topics, as if it stored names and filters in lower
// case (4.7.3: topics are case-sensitive). It matches regardless of case and delivers Topic Names in
// lower case; `lowercases_delivered_topics` is the second half alone (matching stays exact).
inline std::function<bool(codec::packet&, codec::protocol_version)> lowercases_delivered_topics() {
    auto names = std::make_shared<std::deque<std::string>>();  // the edited topics must outlive the send
    return [names](codec::packet& p, codec::protocol_version) {
        if (auto* publish = std::get_if<codec::publish_packet>(&p)) {
            std::string lower(publish->topic);
            for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
            publish->topic = names->emplace_back(std::move(lower));
        }
        return true;
    };
}
inline broker_faults folds_topic_case() {
    return {.matches = matching{.case_insensitive = true}, .before_send = lowercases_delivered_topics()};
}
}  // namespace faults

// Owned copies of what decoded packets hold as views.
struct owned_property {
    property_id id{};
    std::uint32_t integer = 0;
    std::string data, value;
};
using owned_properties = std::vector<owned_property>;

inline owned_properties own(const codec::property_list& list) {
    owned_properties out;
    for (const auto& p : list) out.push_back({p.id, p.integer, std::string(p.data), std::string(p.value)});
    return out;
}
inline codec::property_list view(const owned_properties& list) {
    codec::property_list out;
    for (const auto& p : list) out.push_back({p.id, p.integer, p.data, p.value});
    return out;
}
inline const owned_property* find_owned(const owned_properties& list, property_id id) {
    for (const auto& p : list) {
        if (p.id == id) return &p;
    }
    return nullptr;
}

class mini_broker {
public:
    using clock = std::chrono::steady_clock;

    explicit mini_broker(broker_faults f = {}, broker_capabilities announced = {})
        : faults_(std::move(f)), announced_(announced), server_([this](fake_session& s) { serve(s); }) {}
    ~mini_broker() {
        {
            std::lock_guard lock(mutex_);
            stopping_ = true;
        }
        will_timer_wake_.notify_all();
        if (will_timer_.joinable()) will_timer_.join();
    }
    mini_broker(const mini_broker&) = delete;
    mini_broker& operator=(const mini_broker&) = delete;

    const fake_broker& server() const { return server_; }
    std::vector<std::string> script_errors() { return server_.script_errors(); }

private:
    struct message {
        std::string topic, payload;
        std::uint8_t qos = 0;
        bool retain = false;
        owned_properties properties;  // as published, without Topic Alias
        std::string publisher;        // client ID, for No Local
        clock::time_point received = clock::now();
    };
    struct subscription_entry {
        std::uint8_t qos = 0;
        bool no_local = false, retain_as_published = false;
        std::uint8_t retain_handling = 0;
        std::optional<std::uint32_t> identifier;
    };
    struct delivery {
        message msg;
        std::uint8_t qos = 0;
        bool retain = false;
        std::vector<std::uint32_t> identifiers;
        std::string shared_filter;  // "$share/g/f" when a Shared Subscription chose this session
    };
    struct in_flight {
        std::uint16_t packet_id = 0;
        delivery d;
        bool released = false;  // QoS 2: PUBREC received, PUBREL sent
    };
    struct connection;
    struct session_state {
        std::string client_id;
        std::map<std::string, subscription_entry> subscriptions;  // filter as subscribed ("$share/g/f" too)
        std::vector<in_flight> outgoing;                          // in send order
        std::deque<delivery> pending;                             // waiting for a connection or Receive Maximum room
        std::set<std::uint16_t> incoming_qos2;                    // PUBREC sent, PUBREL awaited
        std::set<std::uint16_t> seen_qos1;                        // only for the qos1_reused_packet_id_dropped fault
        connection* conn = nullptr;
        bool persistent = false;
        std::uint32_t expiry = 0;  // 5.0 Session Expiry Interval
        clock::time_point disconnected_at{};
        std::uint16_t next_id = 1;
    };
    struct connection {
        fake_session* io = nullptr;
        codec::protocol_version version = codec::protocol_version::v5;
        std::shared_ptr<session_state> session;
        std::optional<message> will;
        std::uint32_t will_delay = 0;  // 5.0 Will Delay Interval, seconds
        bool open = true;
        std::uint16_t receive_maximum = 65535;
        std::uint32_t maximum_packet_size = 0;  // 0: no limit announced
        std::map<std::uint16_t, std::string> topic_aliases;
        std::optional<std::vector<std::uint8_t>> held;  // proofs-a: a packet held back, sent after the next one
        std::set<std::uint16_t> inbound_qos2;  // QoS 2 PUBLISHes received here and not yet released (its Receive Maximum)
    };
    struct delayed_will {
        message will;
        clock::time_point due;
    };

    bool matches(std::string_view filter, std::string_view topic) const {
        return faults_.matches ? faults_.matches(filter, topic) : codec::topic_matches(filter, topic);
    }

    void send(connection& c, codec::packet p) {
        if (!c.open) return;
        if (faults_.before_send && !faults_.before_send(p, c.version)) return;
        const auto type = codec::type_of(p);
        if (faults_.control_packets_held_at_zero_quota && c.session && c.session->outgoing.size() >= c.receive_maximum &&
            (type == packet_type::suback || type == packet_type::unsuback || type == packet_type::pingresp)) {
            return;
        }
        try {
            auto bytes = codec::encode(p, c.version);
            if (holds_back(type) && !c.held) {
                c.held = std::move(bytes);
                return;
            }
            c.io->send(bytes);
            if (c.held) {
                c.io->send(*c.held);
                c.held.reset();
            }
        } catch (const std::exception&) {
            c.open = false;
        }
    }
    // proofs-a: packets a fault sends one place later than the order the standard requires.
    bool holds_back(packet_type type) const {
        return (faults_.connack_after_next_answer && type == packet_type::connack) ||
               (faults_.acknowledgements_swapped && (type == packet_type::puback || type == packet_type::pubrec)) ||
               (faults_.deliveries_swapped && type == packet_type::publish) ||
               (faults_.releases_swapped && type == packet_type::pubrel);
    }
    void close(connection& c, std::optional<std::uint8_t> disconnect_reason) {
        if (disconnect_reason && c.version == codec::protocol_version::v5) {
            send(c, codec::disconnect_packet{.reason_code = *disconnect_reason});
        }
        c.open = false;
        c.io->shutdown();
    }

    // The PUBLISH for a delivery, or nothing when the message expired (5.0 3.3.2.3.3).
    std::optional<codec::publish_packet> publish_for(const delivery& d, owned_properties& props) const {
        props.clear();
        for (const auto& p : d.msg.properties) {
            if (p.id == property_id::message_expiry_interval && !faults_.ignores_message_expiry) {
                const auto waited = std::chrono::duration_cast<std::chrono::seconds>(clock::now() - d.msg.received).count();
                if (waited >= static_cast<long long>(p.integer)) return std::nullopt;
                props.push_back({p.id, static_cast<std::uint32_t>(p.integer - waited), {}, {}});
            } else if ((p.id != property_id::topic_alias || faults_.forwards_topic_alias) && p.id != property_id::subscription_identifier) {
                props.push_back(p);
            }
        }
        for (auto id : d.identifiers) props.push_back({property_id::subscription_identifier, id, {}, {}});
        return codec::publish_packet{.qos = d.qos, .retain = d.retain, .topic = d.msg.topic, .payload = d.msg.payload};
    }

    void send_publish(connection& c, const delivery& d, std::uint16_t packet_id, bool dup) {
        owned_properties props;
        auto p = publish_for(d, props);
        if (!p) return;
        p->packet_id = packet_id;
        p->dup = dup;
        if (c.version == codec::protocol_version::v5) p->properties = view(props);
        send(c, *p);
    }

    std::uint16_t allocate_id(session_state& s) {
        for (;;) {
            const std::uint16_t id = s.next_id;
            s.next_id = s.next_id == 65535 ? 1 : s.next_id + 1;
            bool used = false;
            for (const auto& f : s.outgoing) used = used || f.packet_id == id;
            if (!used) return id;
        }
    }

    // Whether the client announced a Maximum Packet Size the PUBLISH would exceed (MQTT-3.1.2-25:
    // such a message is discarded as if it had been sent).
    bool too_large_for(const connection& c, const delivery& d) const {
        if (c.maximum_packet_size == 0 || faults_.ignores_maximum_packet_size) return false;
        owned_properties props;
        auto p = publish_for(d, props);
        if (!p) return false;
        p->packet_id = 1;
        p->properties = view(props);
        return codec::encoded_size(*p, c.version) > c.maximum_packet_size;
    }

    void deliver(session_state& s, delivery d) {
        owned_properties unused;
        if (!publish_for(d, unused)) return;  // expired
        connection* c = s.conn;
        if (d.qos == 0) {
            if (c && !too_large_for(*c, d)) send_publish(*c, d, 0, false);
            return;
        }
        if (!c) {
            if (s.persistent) s.pending.push_back(std::move(d));
            return;
        }
        if (too_large_for(*c, d)) return;
        if (s.outgoing.size() >= c->receive_maximum && !faults_.ignores_receive_maximum) {
            s.pending.push_back(std::move(d));
            return;
        }
        const auto id = allocate_id(s);
        s.outgoing.push_back({id, d, false});
        send_publish(*c, d, id, false);
    }
    void drain(session_state& s) {
        while (s.conn && !s.pending.empty() && (s.outgoing.size() < s.conn->receive_maximum || faults_.ignores_receive_maximum)) {
            auto d = std::move(s.pending.front());
            s.pending.pop_front();
            deliver(s, std::move(d));
        }
    }

    std::uint8_t qos_for(std::uint8_t published, std::uint8_t granted) const {
        if (faults_.delivers_at_subscription_qos) return granted;
        if (faults_.delivers_at_message_qos) return published;
        return std::min(published, granted);
    }

    void route(const message& m) {
        if (m.retain && !faults_.retained_never_stored) {
            if (m.payload.empty() && !faults_.retained_never_cleared) retained_.erase(m.topic);
            else if (!(faults_.retained_keeps_first && retained_.contains(m.topic))) retained_[m.topic] = m;
        } else if (faults_.non_retained_clears_stored) {
            retained_.erase(m.topic);
        }
        bool delivered = false;
        struct shared_member {
            std::shared_ptr<session_state> session;
            subscription_entry entry;
        };
        std::map<std::string, std::vector<shared_member>> groups;  // "$share/g/f" -> members
        for (auto& [id, s] : sessions_) {
            std::optional<delivery> d;
            for (const auto& [filter, e] : s->subscriptions) {
                if (const auto shared = codec::parse_shared_filter(filter)) {
                    if (matches(shared->filter, m.topic)) groups[filter].push_back({s, e});
                    continue;
                }
                if (!matches(filter, m.topic)) continue;
                if ((e.no_local || faults_.no_local_always) && m.publisher == s->client_id && !faults_.ignores_no_local) continue;
                if (d && faults_.first_matching_subscription_only) continue;
                if (faults_.last_matching_subscription_only) d.reset();
                if (!d) d = delivery{m, 0, false, {}};
                // One copy for overlapping subscriptions: the highest granted QoS (MQTT-3.3.4-2) and
                // every identifier (3.3.4).
                d->qos = std::max(d->qos, qos_for(m.qos, e.qos));
                d->retain = d->retain || (m.retain && (faults_.live_keeps_retain_flag || (e.retain_as_published && !faults_.ignores_retain_as_published)));
                if (e.identifier) d->identifiers.push_back(*e.identifier);
            }
            if (d && !(delivered && faults_.first_subscriber_only)) {
                deliver(*s, std::move(*d));
                delivered = true;
            }
        }
        bool group_served = false;
        for (auto& [filter, members] : groups) {
            if (group_served && faults_.first_shared_group_only) break;
            group_served = true;
            // One member per group; prefer a connected one, rotate among them.
            auto& turn = share_turn_[filter];
            std::size_t pick = turn % members.size();
            for (std::size_t k = 0; k < members.size(); ++k) {
                const auto i = (turn + k) % members.size();
                if (members[i].session->conn) {
                    pick = i;
                    break;
                }
            }
            ++turn;
            for (std::size_t i = 0; i < members.size(); ++i) {
                if (i != pick && !faults_.shared_to_every_member) continue;
                delivery d{m, qos_for(m.qos, members[i].entry.qos), false, {}, filter};
                if (members[i].entry.identifier) d.identifiers.push_back(*members[i].entry.identifier);
                deliver(*members[i].session, std::move(d));
            }
        }
    }

    void end_connection(connection& c, bool publish_will) {
        std::lock_guard lock(mutex_);
        c.open = false;
        auto s = c.session;
        if (s && s->conn == &c) {
            s->conn = nullptr;
            s->disconnected_at = clock::now();
            if (faults_.shared_inflight_dropped_on_disconnect) {
                std::erase_if(s->outgoing, [](const in_flight& f) { return !f.d.shared_filter.empty(); });
            }
            if (!s->persistent) {
                const auto it = sessions_.find(s->client_id);
                if (it != sessions_.end() && it->second == s) sessions_.erase(it);
            }
        }
        if ((publish_will || faults_.will_on_normal_disconnect) && c.will && !faults_.will_never_published) {
            // 3.1.2.5: after the Will Delay Interval or when the session ends, whichever comes first.
            const bool session_ended = !s || !s->persistent;
            const bool must_discard = !publish_will;  // published anyway, under will_on_normal_disconnect: at once
            if (c.will_delay == 0 || session_ended || must_discard) {
                route(*c.will);
            } else {
                const auto wait = std::chrono::seconds(std::min(c.will_delay, s->expiry));
                schedule_will(s->client_id, {*c.will, clock::now() + wait});
            }
        }
        c.will.reset();
    }

    void schedule_will(const std::string& client_id, delayed_will w) {
        if (stopping_) return;
        delayed_wills_.insert_or_assign(client_id, std::move(w));
        if (!will_timer_.joinable()) will_timer_ = std::thread([this] { run_will_timer(); });
        will_timer_wake_.notify_all();
    }
    // Publishes each delayed will when it is due; a reconnect removes it from delayed_wills_ first.
    void run_will_timer() {
        std::unique_lock lock(mutex_);
        while (!stopping_) {
            if (delayed_wills_.empty()) {
                will_timer_wake_.wait(lock);
                continue;
            }
            auto next = delayed_wills_.begin();
            for (auto it = delayed_wills_.begin(); it != delayed_wills_.end(); ++it) {
                if (it->second.due < next->second.due) next = it;
            }
            if (const auto due = next->second.due; clock::now() < due) {
                // A copy: wait_until reads its deadline again after waking, when a reconnect may have
                // erased the entry (ASan saw the use after free).
                will_timer_wake_.wait_until(lock, due);
                continue;
            }
            const auto will = std::move(next->second.will);
            delayed_wills_.erase(next);
            route(will);
        }
    }

    // The CONNACK properties of broker_capabilities (3.2.2.3); an absent property means the default.
    void announce(owned_properties& props) const {
        const auto number = [&props](property_id id, std::uint32_t value) { props.push_back({id, value, {}, {}}); };
        if (announced_.maximum_qos < 2) number(property_id::maximum_qos, announced_.maximum_qos);
        if (!announced_.retain_available) number(property_id::retain_available, 0);
        if (!announced_.wildcard_subscription_available) number(property_id::wildcard_subscription_available, 0);
        if (!announced_.shared_subscription_available) number(property_id::shared_subscription_available, 0);
        if (!announced_.subscription_identifier_available) number(property_id::subscription_identifier_available, 0);
        if (announced_.receive_maximum != 65535) number(property_id::receive_maximum, announced_.receive_maximum);
        if (announced_.maximum_packet_size) number(property_id::maximum_packet_size, *announced_.maximum_packet_size);
        if (announced_.topic_alias_maximum > 0) number(property_id::topic_alias_maximum, announced_.topic_alias_maximum);
    }

    // 3.1.4 CONNECT actions. Returns false when the connection is refused.
    bool handle_connect(connection& c, const codec::connect_packet& p) {
        const bool v5 = c.version == codec::protocol_version::v5;
        if (v5 && !faults_.ignore_authentication_method && codec::find(p.properties, property_id::authentication_method)) {
            send(c, codec::connack_packet{.reason_code = codec::reason::bad_authentication_method});
            return false;
        }
        std::string client_id(p.client_id);
        if (faults_.client_ids_case_folded) std::ranges::transform(client_id, client_id.begin(), [](unsigned char ch) { return std::tolower(ch); });
        if (faults_.longest_client_id && client_id.size() > *faults_.longest_client_id) {
            send(c, codec::connack_packet{.reason_code = v5 ? codec::reason::client_identifier_not_valid : std::uint8_t{2}});
            return false;
        }
        codec::connack_packet ack;
        owned_properties ack_props;
        if (client_id.empty()) {
            if (!v5 && !p.clean_start) {
                send(c, codec::connack_packet{.reason_code = 2});  // identifier rejected (MQTT-3.1.3-8)
                return false;
            }
            client_id = "mini-" + std::to_string(faults_.assigns_same_client_id ? 1 : ++assigned_ids_);
            if (v5) ack_props.push_back({property_id::assigned_client_identifier, 0, client_id, {}});
        }
        std::uint32_t expiry = 0;
        if (v5) {
            if (const auto* e = codec::find(p.properties, property_id::session_expiry_interval)) expiry = e->integer;
            if (const auto* r = codec::find(p.properties, property_id::receive_maximum)) c.receive_maximum = static_cast<std::uint16_t>(r->integer);
            if (const auto* m = codec::find(p.properties, property_id::maximum_packet_size)) c.maximum_packet_size = m->integer;
            announce(ack_props);
            // MQTT-3.2.2-12 / MQTT-3.2.2-13: a will the broker cannot publish is refused.
            if (p.will && p.will->qos > announced_.maximum_qos && !faults_.ignores_maximum_qos) {
                send(c, codec::connack_packet{.reason_code = codec::reason::qos_not_supported});
                return false;
            }
            if (p.will && p.will->retain && !announced_.retain_available && !faults_.ignores_retain_unavailable) {
                send(c, codec::connack_packet{.reason_code = codec::reason::retain_not_supported});
                return false;
            }
        }
        if (p.will) {
            const auto* delay = v5 ? codec::find(p.will->properties, property_id::will_delay_interval) : nullptr;
            message w{std::string(p.will->topic), std::string(p.will->payload), p.will->qos, p.will->retain, own(p.will->properties), client_id};
            std::erase_if(w.properties, [](const owned_property& x) { return x.id == property_id::will_delay_interval; });
            if (faults_.will_properties_dropped) w.properties.clear();
            c.will = std::move(w);
            c.will_delay = delay && !faults_.delayed_will_published_at_once ? delay->integer : 0;
        }
        std::lock_guard lock(mutex_);
        if (faults_.will_kept_with_session) {
            if (c.will) stale_wills_[client_id] = *c.will;
            else if (const auto w = stale_wills_.find(client_id); w != stale_wills_.end()) c.will = w->second;
        }
        // A will still waiting for its delay (MQTT-3.1.3-9): a connection that resumes the session
        // cancels it; one that starts a new session ends the old one, which publishes it (3.1.2.5).
        if (const auto pending = delayed_wills_.find(client_id); pending != delayed_wills_.end()) {
            const bool resumes = !p.clean_start && sessions_.contains(client_id);
            if (!resumes || faults_.delayed_will_published_on_reconnect) route(pending->second.will);
            delayed_wills_.erase(pending);
        }
        auto it = sessions_.find(client_id);
        if (it != sessions_.end()) {
            auto& old = *it->second;
            if (old.conn) {
                if (!faults_.keep_taken_over_connection) {
                    close(*old.conn, codec::reason::session_taken_over);  // MQTT-3.1.4-3
                    // A delayed will dies with the taken-over connection when the session goes on (MQTT-3.1.3-9).
                    const bool session_goes_on = old.persistent && !p.clean_start;
                    const bool cancel = old.conn->will_delay > 0 && session_goes_on && !faults_.delayed_will_published_on_reconnect;
                    if (old.conn->will && !cancel) route(*old.conn->will);
                    old.conn->will.reset();
                }
                old.conn = nullptr;
                // A Clean Session 1 / expiry 0 session lasts as long as its connection (3.1.1
                // MQTT-3.1.2-6, 5.0 MQTT-3.1.2-23): taken over before its end was processed, it is
                // still never reused.
                if (!old.persistent) {
                    sessions_.erase(it);
                    it = sessions_.end();
                }
            } else if (!old.persistent ||
                       (v5 && old.expiry != 0xFFFFFFFF &&
                        clock::now() - old.disconnected_at > std::chrono::seconds(old.expiry) && !faults_.session_never_expires && !faults_.session_always_kept)) {
                sessions_.erase(it);
                it = sessions_.end();
            }
        }
        if (it != sessions_.end() && p.clean_start && !faults_.clean_start_keeps_session) {
            sessions_.erase(it);
            it = sessions_.end();
        }
        if (it != sessions_.end() && faults_.session_never_kept && !it->second->conn) {
            sessions_.erase(it);
            it = sessions_.end();
        }
        ack.session_present = it != sessions_.end();
        if (it == sessions_.end()) {
            auto s = std::make_shared<session_state>();
            s->client_id = client_id;
            it = sessions_.emplace(client_id, s).first;
        }
        c.session = it->second;
        auto& s = *c.session;
        s.conn = &c;
        s.persistent = (v5 ? expiry > 0 : !p.clean_start) || faults_.session_always_kept;
        s.expiry = expiry;
        if (v5) ack.properties = view(ack_props);
        send(c, ack);
        // Resend what was in flight (MQTT-4.4.0-1), then what queued while offline.
        auto resend = s.outgoing;
        if (faults_.resends_in_reverse) std::reverse(resend.begin(), resend.end());
        for (const auto& f : resend) {
            if (faults_.no_resend_on_reconnect) break;
            if (f.released) send(c, codec::pubrel_packet{.packet_id = f.packet_id});
            else send_publish(c, f.d, f.packet_id, !faults_.resend_without_dup);
        }
        drain(s);
        return true;
    }

    // A Protocol Error the broker detects itself: DISCONNECT with the reason its section names, close (4.13.1).
    void refuse(connection& c, std::uint8_t reason) { close(c, faults_.detected_error_reason.value_or(reason)); }

    // The client's Topic Aliases (3.3.2.3.4): they belong to the network connection (MQTT-3.3.2-7).
    std::map<std::uint16_t, std::string>& aliases_of(connection& c) {
        return faults_.topic_aliases_kept_across_connections ? aliases_by_client_[c.session->client_id] : c.topic_aliases;
    }

    void handle_publish(connection& c, const codec::publish_packet& p) {
        std::string topic(p.topic);
        if (c.version == codec::protocol_version::v5) {
            // 3.2.2.3.4 / 3.2.2.3.5: beyond what CONNACK announced.
            if (p.qos > announced_.maximum_qos && !faults_.ignores_maximum_qos) return refuse(c, codec::reason::qos_not_supported);
            if (p.retain && !announced_.retain_available && !faults_.ignores_retain_unavailable) {
                return refuse(c, codec::reason::retain_not_supported);
            }
            if (const auto* alias = codec::find(p.properties, property_id::topic_alias)) {
                const std::uint32_t maximum = faults_.topic_alias_maximum_ignored ? 65535 : announced_.topic_alias_maximum;
                const bool above = faults_.topic_alias_maximum_exclusive ? alias->integer >= maximum : alias->integer > maximum;
                if (alias->integer == 0 || above) return refuse(c, codec::reason::topic_alias_invalid);
                auto& aliases = aliases_of(c);
                const auto key = static_cast<std::uint16_t>(alias->integer);
                if (topic.empty()) {
                    const auto known = aliases.find(key);
                    if (known == aliases.end()) {
                        if (faults_.topic_alias_unmapped_ignored) return;
                        return refuse(c, codec::reason::protocol_error);  // 3.3.4
                    }
                    topic = known->second;
                } else if (!faults_.topic_alias_not_stored && !(faults_.topic_alias_keeps_first_mapping && aliases.contains(key))) {
                    aliases[key] = topic;
                }
            }
        }
        message m{topic, std::string(p.payload), p.qos, p.retain, own(p.properties), c.session->client_id};
        if (!faults_.forwards_topic_alias) std::erase_if(m.properties, [](const owned_property& x) { return x.id == property_id::topic_alias; });
        if (p.qos == 2 && c.version == codec::protocol_version::v5) {
            // 3.3.4: more unacknowledged QoS 2 PUBLISHes than its Receive Maximum (a resent one is not new).
            const bool fresh = !c.inbound_qos2.contains(p.packet_id);
            if (fresh && c.inbound_qos2.size() >= announced_.receive_maximum && !faults_.ignores_own_receive_maximum) {
                return refuse(c, codec::reason::receive_maximum_exceeded);
            }
            c.inbound_qos2.insert(p.packet_id);
        }
        if (p.qos == 2) {
            // Method B of 4.3.3: deliver on the first PUBLISH, not again until PUBREL frees the id.
            if (c.session->incoming_qos2.insert(p.packet_id).second || faults_.qos2_duplicates_delivered) route(m);
            send(c, codec::pubrec_packet{.packet_id = p.packet_id});
            return;
        }
        const bool reused = p.qos == 1 && !c.session->seen_qos1.insert(p.packet_id).second;
        if (!(reused && faults_.qos1_reused_packet_id_dropped)) route(m);
        if (p.qos == 1) send(c, codec::puback_packet{.packet_id = p.packet_id});
        if (p.qos == 0 && faults_.acknowledges_qos0) send(c, codec::puback_packet{.packet_id = 1});
    }

    void handle_subscribe(connection& c, const codec::subscribe_packet& p) {
        auto& s = *c.session;
        std::optional<std::uint32_t> identifier;
        if (const auto* id = codec::find(p.properties, property_id::subscription_identifier)) identifier = id->integer;
        const bool v5 = c.version == codec::protocol_version::v5;
        if (v5 && identifier && !announced_.subscription_identifier_available && !faults_.ignores_subscription_identifier_unavailable) {
            return refuse(c, codec::reason::subscription_identifiers_not_supported);  // 3.2.2.3.12
        }
        codec::suback_packet ack{.packet_id = p.packet_id};
        std::vector<std::pair<std::string, bool>> fresh;  // filter, whether it is new
        for (const auto& sub : p.subscriptions) {
            const std::string filter(sub.filter);
            const auto shared = codec::parse_shared_filter(filter);
            const std::string_view plain = shared ? shared->filter : std::string_view(filter);
            // 3.2.2.3.11 / 3.2.2.3.13: refused per filter in the SUBACK (the allowed alternative to DISCONNECT).
            if (v5 && shared && !announced_.shared_subscription_available && !faults_.ignores_shared_unavailable) {
                ack.reason_codes.push_back(codec::reason::shared_subscriptions_not_supported);
                continue;
            }
            if (v5 && plain.find_first_of("+#") != std::string_view::npos && !announced_.wildcard_subscription_available &&
                !faults_.ignores_wildcard_unavailable) {
                ack.reason_codes.push_back(codec::reason::wildcard_subscriptions_not_supported);
                continue;
            }
            // MQTT-3.2.2-10: a QoS above Maximum QoS is still accepted, granted at most Maximum QoS.
            const std::uint8_t granted = v5 && !faults_.ignores_maximum_qos ? std::min(sub.qos, announced_.maximum_qos) : sub.qos;
            const bool existed = s.subscriptions.contains(filter);
            if (!(existed && faults_.resubscribe_keeps_old_options)) {
                s.subscriptions[filter] = {granted, sub.no_local, sub.retain_as_published, sub.retain_handling, identifier};
            }
            ack.reason_codes.push_back(granted);
            fresh.emplace_back(filter, !existed);
        }
        send(c, ack);
        // Retained messages (3.3.1.3, 3.8.3.1), never for shared subscriptions (4.8.2).
        for (const auto& [filter, is_new] : fresh) {
            const auto& e = s.subscriptions[filter];
            const std::uint8_t handling = faults_.retained_only_for_new_subscription && e.retain_handling == 0 ? 1 : e.retain_handling;
            const bool handling_says_no = handling == 2 || (handling == 1 && !is_new);
            if ((codec::is_shared_filter(filter) && !faults_.retained_to_shared) || (handling_says_no && !faults_.ignores_retain_handling)) continue;
            for (const auto& [topic, m] : retained_) {
                if (!matches(filter, topic)) continue;
                delivery d{m, qos_for(m.qos, e.qos), !faults_.retained_delivered_without_flag, {}};
                if (e.identifier) d.identifiers.push_back(*e.identifier);
                deliver(s, std::move(d));
                if (faults_.retained_first_match_only) break;
            }
        }
    }

    void handle_unsubscribe(connection& c, const codec::unsubscribe_packet& p) {
        codec::unsuback_packet ack{.packet_id = p.packet_id};
        for (const auto& f : p.filters) {
            const bool existed = faults_.unsubscribe_ignored ? c.session->subscriptions.contains(std::string(f))
                                                             : c.session->subscriptions.erase(std::string(f)) > 0;
            if (faults_.unsubscribe_abandons_inflight) {
                std::erase_if(c.session->outgoing, [&](const in_flight& d) { return matches(f, d.d.msg.topic); });
            }
            if (faults_.unsubscribe_by_matching) {
                std::erase_if(c.session->subscriptions, [&](const auto& entry) { return matches(entry.first, f); });
            }
            if (c.version == codec::protocol_version::v5) {
                ack.reason_codes.push_back(existed ? codec::reason::success : codec::reason::no_subscription_existed);
            }
        }
        send(c, ack);
    }

    void acknowledged(session_state& s, std::uint16_t id, bool complete) {
        for (auto it = s.outgoing.begin(); it != s.outgoing.end(); ++it) {
            if (it->packet_id != id) continue;
            if (complete) {
                s.outgoing.erase(it);
                drain(s);
            } else {
                it->released = true;
                if (s.conn) send(*s.conn, codec::pubrel_packet{.packet_id = id});
                if (faults_.frees_quota_at_pubrec) {
                    s.outgoing.erase(it);
                    drain(s);
                }
            }
            return;
        }
    }

    // proofs-a fault: a shared delivery the member refused goes to another connected member of its group.
    void reoffer_to_other_member(const session_state& from, std::uint16_t packet_id) {
        for (const auto& f : from.outgoing) {
            if (f.packet_id != packet_id || f.d.shared_filter.empty()) continue;
            for (auto& [id, other] : sessions_) {
                if (other.get() != &from && other->conn && other->subscriptions.contains(f.d.shared_filter)) {
                    deliver(*other, f.d);
                    return;
                }
            }
        }
    }

    // Handles one client packet; false when the connection ends (will already decided).
    bool handle(connection& c, const codec::packet& pkt, bool& publish_will) {
        std::lock_guard lock(mutex_);
        if (!c.open) return false;
        if (faults_.on_receive && !faults_.on_receive(pkt)) return true;
        auto& s = *c.session;
        switch (codec::type_of(pkt)) {
            case packet_type::publish: handle_publish(c, std::get<codec::publish_packet>(pkt)); break;
            case packet_type::puback: {
                const auto& a = std::get<codec::puback_packet>(pkt);
                if (a.reason_code >= 0x80 && faults_.error_puback_keeps_message) break;
                if (a.reason_code >= 0x80 && faults_.shared_refusal_reoffered) reoffer_to_other_member(s, a.packet_id);
                acknowledged(s, a.packet_id, true);
                break;
            }
            case packet_type::pubrec: {
                const auto& r = std::get<codec::pubrec_packet>(pkt);
                acknowledged(s, r.packet_id, r.reason_code >= 0x80);  // an error PUBREC ends the exchange
                break;
            }
            case packet_type::pubcomp: acknowledged(s, std::get<codec::pubcomp_packet>(pkt).packet_id, true); break;
            case packet_type::pubrel: {
                const auto id = std::get<codec::pubrel_packet>(pkt).packet_id;
                c.inbound_qos2.erase(id);
                const bool known = faults_.qos2_packet_id_never_released ? s.incoming_qos2.contains(id) : s.incoming_qos2.erase(id) > 0;
                send(c, codec::pubcomp_packet{
                            .packet_id = id,
                            .reason_code = known || c.version != codec::protocol_version::v5 ? codec::reason::success
                                                                                             : codec::reason::packet_identifier_not_found});
                break;
            }
            case packet_type::subscribe: handle_subscribe(c, std::get<codec::subscribe_packet>(pkt)); break;
            case packet_type::unsubscribe: handle_unsubscribe(c, std::get<codec::unsubscribe_packet>(pkt)); break;
            case packet_type::pingreq: send(c, codec::pingresp_packet{}); break;
            case packet_type::disconnect: {
                const auto& d = std::get<codec::disconnect_packet>(pkt);
                publish_will = d.reason_code != codec::reason::normal_disconnection;  // MQTT-3.1.2-10
                if (d.reason_code == 0x04 && faults_.disconnect_with_will_discards_will) publish_will = false;
                if (const auto* e = codec::find(d.properties, property_id::session_expiry_interval)) {
                    if (s.expiry == 0 && e->integer != 0 && !faults_.disconnect_expiry_after_zero_accepted) {
                        publish_will = true;
                        close(c, codec::reason::protocol_error);  // MQTT-3.14.2-2
                        return false;
                    }
                    s.expiry = e->integer;
                    s.persistent = e->integer > 0 || faults_.session_always_kept;
                }
                c.open = false;
                return false;
            }
            default:  // a second CONNECT, AUTH without enhanced authentication, anything else: protocol error
                close(c, codec::reason::protocol_error);
                return false;
        }
        return c.open;
    }

    void serve(fake_session& io) {
        connection c;
        c.io = &io;
        auto first = io.read_packet();
        const bool is_connect = (first[0] >> 4) == 1;
        const std::size_t header = first.size() > 1 && (first[1] & 0x80) ? 3 : 2;
        const std::size_t name_length = first.size() > header + 1 ? (first[header] << 8 | first[header + 1]) : 0;
        const std::size_t level_at = header + 2 + name_length;
        std::uint8_t level = first.size() > level_at ? first[level_at] : 0;
        const auto lenient_id = "lenient-" + std::to_string(reinterpret_cast<std::uintptr_t>(&c));
        if (is_connect && level > 5 && faults_.accepts_unknown_protocol_level) first[level_at] = level = 5;
        if (!is_connect && faults_.serves_before_connect) return serve_unconnected(c, first, lenient_id);
        if (!is_connect || (level != 4 && level != 5)) {
            if (faults_.bad_first_packet_connack) io.send(std::vector<std::uint8_t>{0x20, 0x03, 0x00, *faults_.bad_first_packet_connack, 0x00});
            else if (is_connect) io.send_hex("20 02 00 01");  // unacceptable protocol version, 3.1.1 layout
            io.close();
            return;
        }
        c.version = static_cast<codec::protocol_version>(level);
        const auto decoded = codec::decode(first, c.version, {.sender = codec::sender::client});
        codec::connect_packet anyway;  // what a tolerant broker makes of an undecodable CONNECT
        anyway.protocol_level = level;
        anyway.client_id = lenient_id;
        const bool connect_ok = decoded.ok() && codec::type_of(decoded.pkt) == packet_type::connect;
        if (!connect_ok && !(faults_.tolerate_undecodable && decoded.status == codec::decode_status::error)) {
            if (faults_.invalid_connect_takes_over && first.size() > level_at + 1) take_over_for_invalid(first, level_at + 1, c.version);
            if (faults_.bad_first_packet_connack && c.version == codec::protocol_version::v5) {
                std::lock_guard lock(mutex_);
                send(c, codec::connack_packet{.reason_code = *faults_.bad_first_packet_connack});
            }
            io.close();
            return;
        }
        if (!handle_connect(c, connect_ok ? std::get<codec::connect_packet>(decoded.pkt) : anyway)) {
            if (faults_.processes_packet_after_refused_connect) {
                c.session = unregistered_session(lenient_id);  // refused, yet what follows is processed
                try {
                    const auto bytes = io.read_packet();
                    const auto r = codec::decode(bytes, c.version, {.sender = codec::sender::client});
                    bool unused = false;
                    if (r.ok()) handle(c, r.pkt, unused);
                } catch (const std::exception&) {
                }
            }
            io.close();
            return;
        }
        serve_packets(c, true);
    }

    // cov311 fault: the CONNECT with its flag flaw repaired names the Client Identifier whose connected
    // client is closed and whose session is discarded (connected, or Clean Session 1), as if it had passed validation.
    void take_over_for_invalid(std::vector<std::uint8_t> bytes, std::size_t flags_at, codec::protocol_version version) {
        bytes[flags_at] &= 0xFE;                                                  // the reserved flag
        if ((bytes[flags_at] & 0x18) == 0x18) bytes[flags_at] &= 0xEF;            // Will QoS 3 read as 1
        const auto r = codec::decode(bytes, version, {.sender = codec::sender::client});
        if (!r.ok()) return;
        const auto& p = std::get<codec::connect_packet>(r.pkt);
        std::lock_guard lock(mutex_);
        const auto it = sessions_.find(std::string(p.client_id));
        if (it == sessions_.end() || (!it->second->conn && !p.clean_start)) return;
        if (it->second->conn) close(*it->second->conn, codec::reason::session_taken_over);
        it->second->conn = nullptr;
        sessions_.erase(it);
    }

    // proofs-a faults: a client served without an accepted CONNECT gets a session nobody can resume.
    static std::shared_ptr<session_state> unregistered_session(const std::string& client_id) {
        auto s = std::make_shared<session_state>();
        s->client_id = client_id;
        return s;
    }
    void serve_unconnected(connection& c, const std::vector<std::uint8_t>& first, const std::string& client_id) {
        auto r = codec::decode(first, codec::protocol_version::v5, {.sender = codec::sender::client});
        if (!r.ok()) {
            c.version = codec::protocol_version::v3_1_1;
            r = codec::decode(first, c.version, {.sender = codec::sender::client});
        }
        c.session = unregistered_session(client_id);
        bool publish_will = false;
        if (r.ok() && handle(c, r.pkt, publish_will)) return serve_packets(c, publish_will);
        c.io->close();
    }

    void serve_packets(connection& c, bool publish_will) {
        fake_session& io = *c.io;
        try {
            for (;;) {
                const auto bytes = io.read_packet();
                if (faults_.awaits_five_byte_remaining_length && bytes.size() == 5 && (bytes[4] & 0x80)) {
                    io.wait_for_close();  // for the rest of a packet the length it read announces
                    break;
                }
                if (c.version == codec::protocol_version::v5 && announced_.maximum_packet_size &&
                    bytes.size() > *announced_.maximum_packet_size && !faults_.ignores_own_maximum_packet_size) {
                    std::lock_guard lock(mutex_);
                    refuse(c, codec::reason::packet_too_large);  // 3.2.2.3.6
                    break;
                }
                const auto r = codec::decode(bytes, c.version, {.sender = codec::sender::client});
                if (!r.ok() && faults_.flagged_disconnect_taken_as_normal && (bytes[0] >> 4) == 14) {
                    publish_will = false;  // as after DISCONNECT 0x00
                    break;
                }
                if (!r.ok() && faults_.tolerate_undecodable) continue;
                if (!r.ok()) {
                    // 4.13: DISCONNECT with the generic code of the error's kind, then close; Topic Alias 0
                    // has its own code (3.3.2.3.4: 0x94).
                    std::lock_guard lock(mutex_);
                    const std::uint8_t generic = r.error.kind == codec::error_kind::malformed_packet ? codec::reason::malformed_packet
                                                                                                     : codec::reason::protocol_error;
                    close(c, faults_.undecodable_disconnect_reason.value_or(
                                 r.error.code == codec::errc::topic_alias_zero ? codec::reason::topic_alias_invalid : generic));
                    break;
                }
                if (!handle(c, r.pkt, publish_will)) break;
            }
        } catch (const std::exception&) {
            // The client went away (or was taken over): the will decides below.
        }
        end_connection(c, publish_will);
        io.close();
    }

    broker_faults faults_;
    broker_capabilities announced_;
    std::mutex mutex_;
    std::map<std::string, std::map<std::uint16_t, std::string>> aliases_by_client_;  // only for topic_aliases_kept_across_connections
    std::map<std::string, delayed_will> delayed_wills_;                              // client ID -> will waiting for its delay
    std::map<std::string, message> stale_wills_;                                     // only for will_kept_with_session
    std::condition_variable will_timer_wake_;
    std::thread will_timer_;
    bool stopping_ = false;
    std::map<std::string, std::shared_ptr<session_state>> sessions_;
    std::map<std::string, message> retained_;
    std::map<std::string, std::size_t> share_turn_;
    std::size_t assigned_ids_ = 0;
    fake_broker server_;  // last: its threads stop before the state above goes away
};

inline case_result run_case_against(const mini_broker& broker, const std::string& id, const profile& prof = {}) {
    return run_case_against(broker.server(), id, prof);
}

}  // namespace mqttspec::conformance::testing

namespace mqttspec::conformance::testing {

inline bool failing(verdict v) { return v == verdict::failed || v == verdict::non_strict; }

// One proof: the case passes against the honest broker (the baseline: the case is not simply broken)
// and fails against the broker with `fault`. Both runs go to the proof log (fake_broker.hpp).
inline void expect_caught(const std::string& id, const broker_faults& fault) {
    {
        mini_broker honest;
        const auto r = run_case_against(honest, id);
        EXPECT_EQ(r.result, verdict::passed) << id << " against the honest broker: " << r.message << "\n" << r.transcript_text;
    }
    mini_broker broken(fault);
    const auto r = run_case_against(broken, id);
    EXPECT_TRUE(failing(r.result)) << id << " against the broken broker: " << to_string(r.result) << " " << r.message << "\n"
                                   << r.transcript_text;
}

// A case run as the runner would: the probe's CONNACK tells it the broker's 5.0 capabilities (the
// plain run_case_against takes them from the profile alone). Logged to the proof log.
inline case_result run_case_probed(const mini_broker& broker, const std::string& id, const profile& prof = {}) {
    auto env = fake_environment(broker.server());
    env.prof = prof;
    for (const auto& [version, caps] : probe(env.where, prof, "probe", env.timeout).accepted) env.caps[version] = caps;
    auto r = run_case(find_case(id), env, 0);
    log_case_run(id, r.result);
    return r;
}

// expect_caught against brokers that announce `announced` (both the honest and the broken one), the
// case seeing what they announce.
inline void expect_caught(const std::string& id, const broker_faults& fault, const broker_capabilities& announced) {
    {
        mini_broker honest({}, announced);
        const auto r = run_case_probed(honest, id);
        EXPECT_EQ(r.result, verdict::passed) << id << " against the honest broker: " << r.message << "\n" << r.transcript_text;
    }
    mini_broker broken(fault, announced);
    const auto r = run_case_probed(broken, id);
    EXPECT_TRUE(failing(r.result)) << id << " against the broken broker: " << to_string(r.result) << " " << r.message << "\n"
                                   << r.transcript_text;
}

}  // namespace mqttspec::conformance::testing
