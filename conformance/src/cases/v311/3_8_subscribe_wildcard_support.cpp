// 3.1.1 section 3.8 SUBSCRIBE: a server without wildcard support rejects wildcard filters (3.8.3.1).
#include <string>
#include <utility>
#include <vector>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/verifiers.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

MQTTSPEC_CASE(wildcard_refused_or_honoured, {
    .id = "v311/subscribe/wildcard-refused-or-honoured",
    .title = "A wildcard filter is either refused with return code 0x80 or granted and honoured: "
             "a granted '+' or '#' subscription receives the messages it matches",
    .statements = {"MQTT-3.8.3-2"},
    .needs = {requirement::qos1},
}) {
    // 3.1.1 has no way to announce wildcard support: a server that lacks it must refuse the filter
    // (0x80); granting it is a promise to match by 4.7.1.
    struct probe {
        std::string filter, topic, payload;
    };
    const std::vector<probe> probes = {
        {t.topic("plus/+/end"), t.topic("plus/any/end"), "via-plus"},
        {t.topic("hash/#"), t.topic("hash/deeper/level"), "via-hash"},
    };
    auto& sub = t.connect("sub");
    std::vector<codec::subscription> subscriptions;
    for (const auto& p : probes) {
        codec::subscription s;
        s.filter = p.filter;
        s.qos = 1;
        subscriptions.push_back(s);
    }
    const auto suback = sub.subscribe(subscriptions);
    const auto& codes = suback.as<codec::suback_packet>().reason_codes;
    t.check(codes.size() == probes.size(), "the SUBACK does not have one return code per filter", "2 return codes",
            suback.as_json.dump(), "MQTT-3.8.3-2");
    auto& pub = t.connect("pub");
    std::vector<std::size_t> granted;
    for (std::size_t i = 0; i < probes.size(); ++i) {
        if (codes[i] == 0x80) {
            t.note("refused: " + probes[i].filter);
            continue;
        }
        granted.push_back(i);
        helpers::publish_qos1_acked(pub, probes[i].topic, probes[i].payload);
    }
    for (const auto i : granted) {
        const auto msg = sub.expect({{"type", "PUBLISH"}, {"topic", probes[i].topic}, {"payload", probes[i].payload}});
        sub.acknowledge(msg);
    }
}

}  // namespace
}  // namespace mqttspec::conformance
