// Packet patterns name only packet types and fields the codec's JSON shape has: a misspelt one would
// match nothing, and an expect_none on it could never fail. Flow files fail to load, naming file and path.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "mqttspec/conformance/fixtures.hpp"
#include "mqttspec/conformance/paths.hpp"
#include "mqttspec/conformance/pattern.hpp"

namespace mqttspec::conformance {
namespace {

using V = codec::protocol_version;

std::string error_path(const json& spec, std::initializer_list<V> versions) {
    try {
        check_packet_fields(spec, versions);
    } catch (const pattern_error& e) {
        return e.path;
    }
    return "<accepted>";
}

TEST(PatternFields, KnownFieldsPassInTheirVersions) {
    for (const auto& ok : {
             json{{"type", "PUBACK"}, {"packet_id", 1}, {"reason_code", {{"at_least", 128}}}, {"reason_name", "x"}},
             json{{"type", "PUBLISH"}, {"topic", "t"}, {"payload_hex", "00"}, {"properties", {{"topic_alias", {{"absent", true}}}}}},
             json{{"type", "CONNECT"}, {"will", {{"topic", "w"}, {"properties", {{"will_delay_interval", 5}}}}}},
             json{{"type", "SUBSCRIBE"}, {"subscriptions", {{{"filter", "a"}, {"no_local", true}}}}},
             json{{"type", {{"any_of", {"PUBACK", "PUBREC"}}}}, {"packet_id", 3}},
             json{{"type", "DISCONNECT"}, {"properties", json::array({{{"user_property", json::array({json::array({"a", "b"})})}}})}},
             json{{"reason_codes", {{{"at_most", 2}}}}},  // no type: some packet has it
         }) {
        EXPECT_EQ(error_path(ok, {V::v5}), "<accepted>") << ok.dump();
    }
    EXPECT_EQ(error_path(json{{"type", "PUBACK"}, {"packet_id", 1}}, {V::v3_1_1}), "<accepted>");
}

TEST(PatternFields, UnknownNamesAreErrorsWithTheirPath) {
    EXPECT_EQ(error_path(json{{"type", "PUBACK"}, {"reasn_code", 0}}, {V::v5}), "/reasn_code");
    EXPECT_EQ(error_path(json{{"type", "PUBLISH"}, {"properties", {{"topic_alais", 1}}}}, {V::v5}), "/properties/topic_alais");
    EXPECT_EQ(error_path(json{{"type", "PUBACK"}, {"reason_code", 0}}, {V::v3_1_1}), "/reason_code");  // 5.0 only
    EXPECT_EQ(error_path(json{{"type", "PUBLISH"}, {"properties", json::object()}}, {V::v3_1_1}), "/properties");
    EXPECT_EQ(error_path(json{{"type", "PUBLSH"}}, {V::v5}), "/type");
    EXPECT_EQ(error_path(json{{"type", {{"any_of", {"PUBACK", "PUBRC"}}}}}, {V::v5}), "/type/any_of/1");
    EXPECT_EQ(error_path(json{{"type", "CONNECT"}, {"will", {{"topik", "w"}}}}, {V::v5}), "/will/topik");
    EXPECT_EQ(error_path(json{{"type", "SUBSCRIBE"}, {"subscriptions", {{{"filtr", "a"}}}}}, {V::v5}), "/subscriptions/0/filtr");
    EXPECT_EQ(error_path(json{{"type", "PUBACK"}, {"packet_id", {{"any_of", {1, {{"x", 1}}}}}}}, {V::v5}), "/packet_id/any_of/1/x");
    EXPECT_EQ(error_path(json{{"type", "PUBLISH"}, {"payload", {{"not", {{"hex", "00"}}}}}}, {V::v5}), "/payload/not/hex");
    EXPECT_EQ(error_path(json{{"type", "SUBACK"}, {"reason_codes", {{{"code", 1}}}}}, {V::v5}), "/reason_codes/0/code");
    EXPECT_EQ(error_path(json{{"topic_nmae", "t"}}, {V::v5}), "/topic_nmae");  // no type: no packet has it
    // A field of another type than the one pinned down.
    EXPECT_EQ(error_path(json{{"type", "PUBACK"}, {"topic", "t"}}, {V::v5}), "/topic");
}

TEST(PatternFields, PacketPatternsInCppCheckOnConstruction) {
    EXPECT_THROW(pattern({{"type", "PUBACK"}, {"pakcet_id", 1}}), pattern_error);
    EXPECT_THROW(pattern({{"type", "PUBACKK"}}), pattern_error);
    EXPECT_NO_THROW(pattern({{"type", "PUBACK"}, {"reason_code", 0}}));  // a 5.0 field: some version has it
    EXPECT_NO_THROW(pattern({{"any", "json"}}));                         // not a packet pattern: not checked
}

std::filesystem::path write_flow(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / ("mqttspec-pattern-fields-" + std::to_string(::getpid()) + "-" + name);
    std::ofstream(path) << text;
    return path;
}

TEST(PatternFields, FlowStepWithMisspeltFieldOrTypeFailsToLoad) {
    const std::string head =
        R"({"cases": [{"id": "v5/x/y", "title": "t", "statements": ["MQTT-3.3.4-1"], "steps": [{"connect": "a"}, )";
    struct row {
        std::string step, where, mentions;
    };
    for (const auto& r : std::vector<row>{
             {R"({"expect_none": "a", "packet": {"type": "PUBACK", "reasn_code": 0}})", "/cases/0/steps/1/packet/reasn_code", "reasn_code"},
             {R"({"expect_none": "a", "packet": {"type": "PUBLSH"}})", "/cases/0/steps/1/packet/type", "PUBLSH"},
             {R"({"expect": "a", "packet": {"type": "PUBLISH", "properties": {"topic_alais": 1}}})",
              "/cases/0/steps/1/packet/properties/topic_alais", "topic_alais"},
         }) {
        const auto path = write_flow("flow.json", head + r.step + "]}]}");
        try {
            load_flow_file(path);
            ADD_FAILURE() << "accepted " << r.step;
        } catch (const fixture_error& e) {
            EXPECT_EQ(e.where, r.where);
            EXPECT_EQ(e.file, path);
            const std::string what = e.what();
            EXPECT_NE(what.find(path.string()), std::string::npos) << what;
            EXPECT_NE(what.find(r.mentions), std::string::npos) << what;
        }
    }
    // The same field is fine in 5.0 and an error in a 3.1.1 flow.
    const std::string v311 =
        R"({"cases": [{"id": "v311/x/y", "title": "t", "statements": ["MQTT-3.3.4-1"], "steps": [{"connect": "a"}, )"
        R"({"expect_none": "a", "packet": {"type": "PUBACK", "reason_code": 0}}]}]})";
    EXPECT_THROW(load_flow_file(write_flow("v311.json", v311)), fixture_error);
}

TEST(PatternFields, ShippedFlowsPassTheCheck) {
    EXPECT_NO_THROW(load_fixture_cases(fixtures_dir()));
}

}  // namespace
}  // namespace mqttspec::conformance
