// 5.0 UTF-8 String Pair (1.5.7): name and value are both UTF-8 Encoded Strings, so an ill-formed one
// makes the packet malformed (1.5.4) and the server closes the connection (4.13.1).
#include "mqttspec/conformance/case.hpp"
#include "case_helpers.hpp"

namespace mqttspec::conformance {
namespace {

using namespace helpers;

void publish_with_user_property(case_context& t, const std::string& name, std::string_view key, std::string_view value) {
    auto& c = t.connect(name);
    const auto topic = t.topic("t");
    codec::publish_packet p{.qos = 0, .topic = topic, .payload = "x"};
    p.properties = {user_property(key, value)};
    c.send(p);
    expect_connection_closed_or_disconnect(c, {}, "MQTT-1.5.7-1");
}

MQTTSPEC_CASE(pair_name_ill_formed, {
    .id = "v5/utf8/string-pair-name-ill-formed-refused",
    .title = "A User Property whose name is ill-formed UTF-8 makes the packet malformed: the server closes the connection",
    .statements = {"MQTT-1.5.7-1"},
}) {
    // "na" then byte FF, which never occurs in UTF-8.
    publish_with_user_property(t, "c", "na\xff", "value");
}

MQTTSPEC_CASE(pair_value_ill_formed, {
    .id = "v5/utf8/string-pair-value-ill-formed-refused",
    .title = "A User Property whose value is ill-formed UTF-8 makes the packet malformed: the server closes the connection",
    .statements = {"MQTT-1.5.7-1"},
}) {
    // An encoded surrogate (ED A0 80 = U+D800), which 1.5.4 forbids.
    publish_with_user_property(t, "c", "name", "va\xed\xa0\x80");
}

}  // namespace
}  // namespace mqttspec::conformance
