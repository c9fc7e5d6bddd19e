// Overlapping subscriptions (3.1.1 3.3.5 MQTT-3.3.5-1, 5.0 3.3.4 MQTT-3.3.4-2): a message matching two
// of a client's subscriptions is delivered respecting the highest QoS among them; the server MAY send
// a further copy per additional matching subscription, each at that subscription's QoS.
//
// One body, driven by a table of rows that vary which two of the filters exact / '+' / '#' overlap,
// which of them carries the higher QoS, and which is subscribed first. A broker that honours only the
// first (or last) matching filter it visits - in subscription order or in its own matching order -
// delivers at the lower QoS in at least one row. v311/3_3_publish.cpp and v5/3_3_overlapping_subscriptions.cpp register the
// rows under each version's IDs and statement.
#pragma once

#include <algorithm>
#include <array>
#include <string>
#include <utility>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance::overlap_rules {

enum class filter_kind { exact, plus, hash };

struct row {
    const char* name;  // the last part of the case ID
    filter_kind higher;  // requests QoS 1
    filter_kind lower;   // requests QoS 0
    bool higher_first;   // subscribed before the other
};

// Every pair of kinds with either one higher, and the subscription order alternating so that "first
// subscribed wins" and "last subscribed wins" each fail somewhere.
inline constexpr std::array<row, 6> rows{{
    {"exact-higher-plus-lower", filter_kind::exact, filter_kind::plus, false},
    {"plus-higher-exact-lower", filter_kind::plus, filter_kind::exact, true},
    {"exact-higher-hash-lower", filter_kind::exact, filter_kind::hash, true},
    {"hash-higher-exact-lower", filter_kind::hash, filter_kind::exact, false},
    {"plus-higher-hash-lower", filter_kind::plus, filter_kind::hash, false},
    {"hash-higher-plus-lower", filter_kind::hash, filter_kind::plus, true},
}};

inline std::string filter_for(case_context& t, filter_kind k) {
    switch (k) {
        case filter_kind::exact: return t.topic("a/b");
        case filter_kind::plus: return t.topic("a/+");
        case filter_kind::hash: return t.topic("a/#");
    }
    return {};
}

inline const char* describe(filter_kind k) {
    switch (k) {
        case filter_kind::exact: return "the exact filter";
        case filter_kind::plus: return "the '+' filter";
        case filter_kind::hash: return "the '#' filter";
    }
    return "";
}

// The broker publishes a QoS 1 message to "<prefix>/a/b", matched by both filters. Expectations come
// from the SUBACKs: the broker may grant less than requested.
inline void overlapping_max_qos(case_context& t, const row& r, const std::string& statement) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto topic = t.topic("a/b");
    const auto granted_qos = [&](filter_kind k, std::uint8_t qos) {
        const auto suback = sub.subscribe(filter_for(t, k), qos);
        const auto code = suback.as<codec::suback_packet>().reason_codes.at(0);
        if (code >= 0x80) t.skip(std::string("the broker refused ") + describe(k) + " (SUBACK " + suback.as_json.dump() + ")");
        return code;
    };
    std::uint8_t higher = 0, lower = 0;
    if (r.higher_first) {
        higher = granted_qos(r.higher, 1);
        lower = granted_qos(r.lower, 0);
    } else {
        lower = granted_qos(r.lower, 0);
        higher = granted_qos(r.higher, 1);
    }
    const std::uint8_t published = 1;
    const auto highest = std::min(published, std::max(higher, lower));
    const auto at_lower = std::min(published, lower);
    if (highest == at_lower) {
        t.skip("the broker granted both subscriptions QoS " + std::to_string(lower) + ": no higher QoS to honour");
    }
    const auto id = pub.publish(topic, "overlap", published);
    pub.expect({{"type", "PUBACK"}, {"packet_id", id}});
    const auto copies = expect_copies(pub, sub, topic, published,
                                      pattern(json{{"type", "PUBLISH"}, {"topic", topic}, {"payload", "overlap"}}), 1, 2);
    bool has_highest = false;
    std::string seen;
    for (const auto& c : copies) {
        const auto qos = c.as<codec::publish_packet>().qos;
        has_highest = has_highest || qos == highest;
        seen += c.as_json.dump() + " ";
        // A further copy respects its own subscription's QoS: one of the two granted levels.
        t.check(qos == highest || qos == at_lower, "a copy arrived at a QoS no matching subscription was granted",
                "qos " + std::to_string(highest) + " or " + std::to_string(at_lower), c.as_json.dump(), statement);
    }
    for (const auto& c : copies) sub.acknowledge(c);
    t.check(has_highest,
            std::string("no copy was delivered at the QoS of ") + describe(r.higher) + ", the highest of the matching subscriptions",
            "a copy with qos " + std::to_string(highest), seen, statement);
}

template <void (*Body)(case_context&, const row&), std::size_t N>
void run_row(case_context& t) {
    Body(t, rows[N]);
}

// Registers one case per row, with ID `base.id` + "/" + the row's name and the rest of `base`.
template <void (*Body)(case_context&, const row&), std::size_t... N>
bool register_rows(const case_info& base, const char* file, std::index_sequence<N...>) {
    const auto info_for = [&](std::size_t n) {
        case_info info = base;
        info.id += "/" + std::string(rows[n].name);
        info.title += std::string(" (") + describe(rows[n].higher) + " higher, " + describe(rows[n].lower) + " lower, " +
                      (rows[n].higher_first ? "higher subscribed first)" : "lower subscribed first)");
        return info;
    };
    (register_case(info_for(N), &run_row<Body, N>, file), ...);
    return true;
}

}  // namespace mqttspec::conformance::overlap_rules
