// Case bodies for the topic rules that read the same in 3.1.1 and 5.0 (section 4.7): '$'-topics and
// leading wildcards, literal '$' filters, no normalisation, U+FEFF kept, multi-byte levels. v311_topic.cpp and
// v5_topic.cpp register them under each version's IDs and statement numbers.
#pragma once

#include <string>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"

namespace mqttspec::conformance::topic_rules {

inline void expect_message(client& sub, const std::string& topic, const std::string& payload) {
    sub.expect({{"type", "PUBLISH"}, {"topic", topic}, {"payload", payload}});
}

// A filter starting with '+' must not match a Topic Name starting with '$'.
inline void dollar_not_matched_by_leading_wildcard(case_context& t) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    // Filter "+/<prefix>/t" matches "s/<prefix>/t" (the sentinel's topic) and would match
    // "$mqttspec/<prefix>/t" but for the '$' rule. Nothing outside this run's prefix is involved.
    sub.subscribe("+/" + t.prefix() + "/t", 0);
    pub.publish("$mqttspec/" + t.prefix() + "/t", "dollar", 0);
    // A broker may refuse PUBLISH to '$' topics it reserves (by closing); then this case cannot judge.
    pub.barrier();
    expect_no_delivery_unordered_marker(pub, sub, "s/" + t.prefix() + "/t", 0, pattern(json{{"type", "PUBLISH"}, {"payload", "dollar"}}));
}

// A filter starting with '$' matches '$'-topics literally, wildcards after it included.
inline void dollar_matched_explicitly(case_context& t) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    sub.subscribe("$mqttspec/" + t.prefix() + "/+", 0);
    const auto dollar = "$mqttspec/" + t.prefix() + "/t";
    pub.publish(dollar, "dollar-explicit", 0);
    expect_message(sub, dollar, "dollar-explicit");
}

// An NFC filter does not match the NFD form of the same name.
inline void no_normalisation(case_context& t) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto nfc = t.topic("caf\xC3\xA9");   // U+00E9
    const auto nfd = t.topic("cafe\xCC\x81");  // e + U+0301
    sub.subscribe(nfc, 0);
    pub.publish(nfd, "decomposed", 0);
    pub.publish(nfc, "composed", 0);
    // Forwarded in order from one publisher (4.6): "decomposed" would come before "composed".
    expect_message(sub, nfc, "composed");
    sub.expect_none({{"type", "PUBLISH"}, {"payload", "decomposed"}});
}

// EF BB BF in a Topic Name is U+FEFF, kept and matched as written.
inline void zero_width_no_break_space_kept(case_context& t) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    const auto with_bom = t.topic("\xEF\xBB\xBFz");
    const auto without = t.topic("z");
    sub.subscribe(with_bom, 0);
    pub.publish(without, "plain", 0);
    pub.publish(with_bom, "bom", 0);
    expect_message(sub, with_bom, "bom");
    sub.expect_none({{"type", "PUBLISH"}, {"payload", "plain"}});
}

// '+' matches a level of multi-byte UTF-8 characters as a whole level.
inline void multibyte_utf8_levels(case_context& t) {
    auto& sub = t.connect("sub");
    auto& pub = t.connect("pub");
    sub.subscribe(t.topic("\xE6\x97\xA5/+/\xF0\x9F\x98\x80"), 0);                 // 日/+/😀
    const auto topic = t.topic("\xE6\x97\xA5/\xE6\x9C\xAC/\xF0\x9F\x98\x80");  // 日/本/😀
    pub.publish(topic, "unicode", 0);
    expect_message(sub, topic, "unicode");
}

}  // namespace mqttspec::conformance::topic_rules
