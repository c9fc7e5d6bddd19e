// Patterns, URL parsing, globbing, profiles and fixture loading: the engine's pure parts.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include "mqttspec/conformance/case.hpp"
#include "mqttspec/conformance/fixtures.hpp"
#include "mqttspec/conformance/paths.hpp"
#include "mqttspec/conformance/pattern.hpp"
#include "mqttspec/conformance/profile.hpp"
#include "mqttspec/conformance/runner.hpp"
#include "mqttspec/conformance/statements.hpp"
#include "mqttspec/conformance/net_types.hpp"

namespace mqttspec::conformance {
namespace {

TEST(Pattern, LeftOutFieldsAreNotChecked) {
    const pattern p({{"type", "PUBACK"}, {"packet_id", 7}});
    EXPECT_TRUE(p.matches(json{{"type", "PUBACK"}, {"packet_id", 7}, {"reason_code", 0}}));
    EXPECT_FALSE(p.matches(json{{"type", "PUBACK"}, {"packet_id", 8}}));
    EXPECT_FALSE(p.matches(json{{"type", "PUBREC"}, {"packet_id", 7}}));
    EXPECT_FALSE(p.matches(json{{"type", "PUBACK"}}));  // a field the pattern names must be present
}

TEST(Pattern, Operators) {
    const pattern any({{"reason_code", {{"any_of", {0x00, 0x10}}}}});
    EXPECT_TRUE(any.matches(json{{"reason_code", 0x10}}));
    EXPECT_FALSE(any.matches(json{{"reason_code", 0x80}}));

    const pattern error_code({{"reason_code", {{"at_least", 0x80}}}});
    EXPECT_TRUE(error_code.matches(json{{"reason_code", 0x81}}));
    EXPECT_FALSE(error_code.matches(json{{"reason_code", 0x00}}));
    EXPECT_NE(error_code.mismatch(json{{"reason_code", 0}}).find("/reason_code"), std::string::npos);

    const pattern absent({{"properties", {{"topic_alias", {{"absent", true}}}}}});
    EXPECT_TRUE(absent.matches(json{{"properties", json::object()}}));
    EXPECT_FALSE(absent.matches(json{{"properties", {{"topic_alias", 1}}}}));

    const pattern present({{"properties", {{"assigned_client_identifier", {{"present", true}}}}}});
    EXPECT_TRUE(present.matches(json{{"properties", {{"assigned_client_identifier", "x"}}}}));
    EXPECT_FALSE(present.matches(json{{"properties", json::object()}}));

    // A default value the sender may write out or leave out.
    const pattern zero_or_absent({{"properties", {{"payload_format_indicator", {{"any_of", {0, {{"absent", true}}}}}}}}});
    EXPECT_TRUE(zero_or_absent.matches(json{{"properties", json::object()}}));
    EXPECT_TRUE(zero_or_absent.matches(json{{"properties", {{"payload_format_indicator", 0}}}}));
    EXPECT_FALSE(zero_or_absent.matches(json{{"properties", {{"payload_format_indicator", 1}}}}));
    EXPECT_NE(any.mismatch(json::object()).find("missing is not any of"), std::string::npos) << any.mismatch(json::object());

    const pattern negated({{"type", {{"not", "PUBACK"}}}});
    EXPECT_TRUE(negated.matches(json{{"type", "PUBREC"}}));
    EXPECT_FALSE(negated.matches(json{{"type", "PUBACK"}}));
}

TEST(Pattern, ArraysMatchElementwiseWithEqualLength) {
    const pattern p({{"reason_codes", {1, {{"at_most", 2}}}}});
    EXPECT_TRUE(p.matches(json{{"reason_codes", {1, 2}}}));
    EXPECT_FALSE(p.matches(json{{"reason_codes", {1, 0x80}}}));
    EXPECT_FALSE(p.matches(json{{"reason_codes", {1}}}));
    EXPECT_FALSE(p.matches(json{{"reason_codes", {1, 2, 0}}}));
}

TEST(Pattern, NumbersCompareByValueAcrossSignedness) {
    EXPECT_TRUE(pattern(json::parse(R"({"qos": 1})")).matches(json{{"qos", std::uint8_t{1}}}));
    EXPECT_FALSE(pattern(json::parse(R"({"qos": -1})")).matches(json{{"qos", std::uint64_t{18446744073709551615u}}}));
}

TEST(Pattern, BadOperatorIsRejectedWithPath) {
    try {
        pattern p(json::parse(R"({"reason_code": {"any_of": []}})"));
        FAIL() << "accepted an empty any_of";
    } catch (const pattern_error& e) {
        EXPECT_EQ(e.path, "/reason_code/any_of");
    }
    EXPECT_THROW(pattern(json::parse(R"({"x": {"at_least": "1"}})")), pattern_error);
    EXPECT_THROW(pattern(json::parse(R"({"x": {"absent": false}})")), pattern_error);
}

TEST(Pattern, SubstituteReplacesPlaceholdersInStringsOnly) {
    const json in = json::parse(R"({"topic": "{prefix}/a", "list": ["{prefix}", 3], "{prefix}": "k"})");
    const json out = substitute(in, {{"prefix", "p/1"}});
    EXPECT_EQ(out["topic"], "p/1/a");
    EXPECT_EQ(out["list"][0], "p/1");
    EXPECT_TRUE(out.contains("{prefix}"));  // keys are not substituted
}

TEST(Target, ParsesUrls) {
    auto t = parse_url("mqtts://user:secret@broker.example:8884");
    EXPECT_EQ(t.kind, transport_kind::tls);
    EXPECT_EQ(t.host, "broker.example");
    EXPECT_EQ(t.effective_port(), 8884);
    EXPECT_EQ(t.username, "user");
    EXPECT_EQ(t.password, "secret");
    EXPECT_EQ(t.url(), "mqtts://user:<redacted>@broker.example:8884");  // never the password

    t = parse_url("wss://[::1]/ws");
    EXPECT_EQ(t.kind, transport_kind::wss);
    EXPECT_EQ(t.host, "::1");
    EXPECT_EQ(t.effective_port(), 443);
    EXPECT_EQ(t.path, "/ws");

    t = parse_url("ws://localhost:9001");
    EXPECT_EQ(t.path, "/mqtt");
    EXPECT_EQ(parse_url("mqtt://h").effective_port(), 1883);

    EXPECT_THROW(parse_url("localhost:1883"), target_error);
    EXPECT_THROW(parse_url("http://h"), target_error);
    EXPECT_THROW(parse_url("mqtt://h:0"), target_error);
    EXPECT_THROW(parse_url("mqtt://h:70000"), target_error);
    EXPECT_THROW(parse_url("mqtt://:1883"), target_error);
    EXPECT_THROW(parse_url("mqtt://h/path"), target_error);
}

TEST(Glob, MatchesIds) {
    EXPECT_TRUE(glob_match("v5/*", "v5/publish/qos1-puback"));
    EXPECT_TRUE(glob_match("*qos1*", "v5/publish/qos1-puback"));
    EXPECT_TRUE(glob_match("v?/publish/*", "v5/publish/x"));
    EXPECT_FALSE(glob_match("v5/*", "v311/publish/x"));
    EXPECT_FALSE(glob_match("v5/publish", "v5/publish/x"));
    EXPECT_TRUE(glob_match("*", ""));
}

std::filesystem::path write_temp(const std::string& name, const std::string& content) {
    const auto dir = std::filesystem::temp_directory_path() / ("mqttspec-test-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir);
    const auto path = dir / name;
    std::ofstream(path) << content;
    return path;
}

std::string profile_field_error(const std::string& text) {
    try {
        parse_profile(json::parse(text), "p.json");
    } catch (const profile_error& e) {
        EXPECT_NE(std::string(e.what()).find("p.json"), std::string::npos) << e.what();
        return e.field;
    }
    return "<accepted>";
}

TEST(Profile, ErrorsNameTheField) {
    EXPECT_EQ(profile_field_error(R"({"maximum_qos": 3})"), "maximum_qos");
    EXPECT_EQ(profile_field_error(R"({"retain_available": "yes"})"), "retain_available");
    EXPECT_EQ(profile_field_error(R"({"denied_topc": "x"})"), "denied_topc");
    EXPECT_EQ(profile_field_error(R"({"credentials": {"username": 1}})"), "credentials.username");
    EXPECT_EQ(profile_field_error(R"({"waivers": [{"case": "v5/a/b", "reason": "r"}]})"), "waivers[0].statement");
    EXPECT_EQ(profile_field_error(R"({"waivers": [{"case": "v5/a/b", "statement": "MQTT-1", "reason": "r", "evidence": "e"}]})"),
              "waivers[0].observed");
    EXPECT_EQ(profile_field_error(R"({"waivers": [{"case": "v5/a/b", "statement": "MQTT-1", "observed": "(", "reason": "r", "evidence": "e"}]})"),
              "waivers[0].observed");
    EXPECT_EQ(profile_field_error(R"({"waivers": [{"case": "v5/a/b", "statement": "MQTT-1", "observed": "x", "reason": "r", "evidence": "e", "x": "y"}]})"), "waivers[0].x");
    EXPECT_EQ(profile_field_error(R"([1])"), "");
}

TEST(Profile, WaiversCanBeLimitedToTransports) {
    EXPECT_EQ(profile_field_error(R"({"waivers": [{"case": "v5/a/b", "statement": "MQTT-1", "observed": "x", "reason": "r", "evidence": "e", "transports": []}]})"),
              "waivers[0].transports");
    EXPECT_EQ(profile_field_error(R"({"waivers": [{"case": "v5/a/b", "statement": "MQTT-1", "observed": "x", "reason": "r", "evidence": "e", "transports": ["tcp"]}]})"),
              "waivers[0].transports[0]");
    EXPECT_EQ(profile_field_error(R"({"waivers": [{"case": "v5/a/b", "statement": "MQTT-1", "observed": "x", "reason": "r", "evidence": "e", "transports": ["ws"]},
                                                  {"case": "v5/a/b", "statement": "MQTT-1", "observed": "x", "reason": "r", "evidence": "e"}]})"),
              "waivers[1].case");
    const auto p = parse_profile(json::parse(R"({"waivers": [
        {"case": "v5/a/b", "statement": "MQTT-1", "observed": "x", "reason": "websocket only", "evidence": "e", "transports": ["ws", "wss"]},
        {"case": "v5/a/b", "statement": "MQTT-1", "observed": "x", "reason": "tls only", "evidence": "e", "transports": ["mqtts"]}]})"), "p.json");
    EXPECT_EQ(p.find_waiver("v5/a/b", transport_kind::tcp), nullptr);
    ASSERT_NE(p.find_waiver("v5/a/b", transport_kind::wss), nullptr);
    EXPECT_EQ(p.find_waiver("v5/a/b", transport_kind::wss)->reason, "websocket only");
    ASSERT_NE(p.find_waiver("v5/a/b", transport_kind::tls), nullptr);
    EXPECT_EQ(p.find_waiver("v5/a/b", transport_kind::tls)->reason, "tls only");
}

TEST(Profile, AnyCaseWaiversMustBeIntermittentOnePerStatement) {
    EXPECT_EQ(profile_field_error(R"({"waivers": [{"case": "*", "statement": "MQTT-3.1.4-5", "observed": "x", "reason": "r", "evidence": "e"}]})"),
              "waivers[0].intermittent");
    EXPECT_EQ(profile_field_error(R"({"waivers": [{"case": "*", "statement": "MQTT-3.1.4-5", "observed": "x", "reason": "r", "evidence": "e", "intermittent": true},
                                                  {"case": "*", "statement": "MQTT-3.1.4-5", "observed": "y", "reason": "r", "evidence": "e", "intermittent": true}]})"),
              "waivers[1].case");
    const auto p = parse_profile(json::parse(R"({"waivers": [
        {"case": "*", "statement": "MQTT-3.1.4-4", "observed": "x", "reason": "r", "evidence": "e", "intermittent": true, "transports": ["ws"]},
        {"case": "*", "statement": "MQTT-3.1.4-5", "observed": "x", "reason": "r", "evidence": "e", "intermittent": true}]})"), "p.json");
    EXPECT_EQ(p.any_case_waivers(transport_kind::ws).size(), 2u);
    EXPECT_EQ(p.any_case_waivers(transport_kind::tcp).size(), 1u);
    EXPECT_EQ(p.find_waiver("*", transport_kind::tcp)->statement, "MQTT-3.1.4-5");
    EXPECT_EQ(profile_field_error(R"({"waivers": [{"case": "v5/a/b", "statement": "*", "observed": "x", "reason": "r", "evidence": "e", "intermittent": true}]})"),
              "waivers[0].statement");
    EXPECT_EQ(profile_field_error(R"({"waivers": [{"case": "*", "statement": "*", "observed": "x", "reason": "r", "evidence": "e", "intermittent": true}]})"), "<accepted>");
}

TEST(Profile, InvalidJsonNamesFileAndLine) {
    const auto path = write_temp("bad-profile.json", "{\n  \"name\": \"x\",\n  oops\n}\n");
    try {
        load_profile(path);
        FAIL() << "accepted invalid JSON";
    } catch (const profile_error& e) {
        EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
        EXPECT_NE(std::string(e.what()).find("line 3"), std::string::npos) << e.what();
    }
}

TEST(Profile, ShippedProfilesLoad) {
    for (const auto& e : std::filesystem::directory_iterator(fixtures_dir() / "profiles")) {
        EXPECT_NO_THROW(load_profile(e.path())) << e.path();
    }
    const auto p = load_profile(fixtures_dir() / "profiles" / "mosquitto.json");
    const auto all = all_cases(fixtures_dir());
    for (const auto& w : p.waivers) {
        EXPECT_FALSE(w.evidence.empty()) << w.case_id;
        // A waiver must name a case that exists, or it silently waives nothing.
        EXPECT_TRUE(std::any_of(all.begin(), all.end(), [&](const case_def& c) { return c.info.id == w.case_id; })) << w.case_id;
    }
}

TEST(Capabilities, ConnackOverridesDefaults) {
    auto caps = capabilities::from_profile(codec::protocol_version::v5, profile{});
    caps.apply_connack(json::parse(R"({"type":"CONNACK","properties":{"maximum_qos":1,"retain_available":0,"topic_alias_maximum":10}})"));
    EXPECT_EQ(caps.maximum_qos, 1);
    EXPECT_FALSE(caps.retain_available);
    EXPECT_EQ(caps.topic_alias_maximum, 10);
    EXPECT_TRUE(caps.shared_subscriptions);  // absent = available (3.2.2.3.15)
    EXPECT_EQ(unmet(requirement::qos2, caps, profile{}), "the broker announced Maximum QoS 1");
    EXPECT_EQ(unmet(requirement::qos1, caps, profile{}), "");
    EXPECT_NE(unmet(requirement::retain, caps, profile{}), "");
    EXPECT_NE(unmet(requirement::denied_topic, caps, profile{}), "");
    const auto v311 = capabilities::from_profile(codec::protocol_version::v3_1_1, profile{});
    EXPECT_NE(unmet(requirement::shared_subscriptions, v311, profile{}), "");
}

fixture_error flow_error(const std::string& text) {
    const auto path = write_temp("flow.json", text);
    try {
        load_flow_file(path);
    } catch (const fixture_error& e) {
        return e;
    }
    return fixture_error(path, "", "<accepted>");
}

TEST(Fixtures, FlowErrorsNameFileAndJsonPath) {
    const std::string head = R"({"cases": [{"id": "v5/x/y", "title": "t", "statements": ["MQTT-3.3.4-1"], "steps": [{"connect": "a"}, )";
    EXPECT_EQ(flow_error(head + R"({"sned": "a", "packet": {}}]}]})").where, "/cases/0/steps/1/sned");
    EXPECT_EQ(flow_error(head + R"({"send": "a", "packet": {"type": "PUBLISH", "qos": "one"}}]}]})").where,
              "/cases/0/steps/1/packet/qos");
    EXPECT_EQ(flow_error(head + R"({"send": "b", "hex": "00"}]}]})").where, "/cases/0/steps/1");
    EXPECT_EQ(flow_error(head + R"({"send": "a", "hex": "0g"}]}]})").where, "/cases/0/steps/1/hex");
    EXPECT_EQ(flow_error(head + R"({"expect": "a", "packet": {"reason_code": {"any_of": 3}}}]}]})").where,
              "/cases/0/steps/1/packet/reason_code/any_of");
    EXPECT_EQ(flow_error(head + R"({"acknowledge": "a", "message": "m"}]}]})").where, "/cases/0/steps/1/message");
    EXPECT_EQ(flow_error(R"({"cases": [{"id": "v6/x/y", "title": "t", "statements": ["MQTT-1"], "steps": [{"connect": "a"}]}]})").where,
              "/cases/0");
    const auto syntax = flow_error("{\"cases\": [\n  {\"id\": \n}");
    EXPECT_EQ(syntax.where.rfind("line 3", 0), 0u) << syntax.what();
    EXPECT_NE(std::string(syntax.what()).find("flow.json"), std::string::npos);
}

TEST(Fixtures, MatrixRowsAreValidated) {
    const auto path = write_temp("matrix.json", R"({"kind": "topic-matching", "id": "topic/m", "title": "t",
        "statements": {"5": ["MQTT-4.7.1-1"]}, "rows": [{"name": "r", "filter": "a/#/b", "topic": "a", "match": true}]})");
    try {
        load_matrix_file(path);
        FAIL() << "accepted an invalid filter";
    } catch (const fixture_error& e) {
        EXPECT_EQ(e.where, "/rows/0/filter");
    }
}

// Every matrix shares one frame: a kind, rows with unique names, statements per version.
TEST(Fixtures, EveryMatrixNamesItsKind) {
    const auto where = [](const std::string& text) {
        try {
            load_matrix_file(write_temp("matrix.json", text));
        } catch (const fixture_error& e) {
            return e.where;
        }
        return std::string("accepted");
    };
    EXPECT_EQ(where(R"({"id": "topic/m", "title": "t", "statements": {"5": ["MQTT-4.7.1-1"]},
        "rows": [{"name": "r", "filter": "a/+", "topic": "a/b", "match": true}]})"), "/kind");
    const std::string qos = R"({"kind": "delivered-qos", "id": "publish/q-{name}", "title": "t", "statements": )";
    EXPECT_EQ(where(qos + R"({"5": ["MQTT-3.8.4-8", "MQTT-3.8.4-7"]}, "rows": [{"name": "a", "published": 3, "subscribed": 0}]})"),
              "/rows/0/published");
    EXPECT_EQ(where(qos + R"({"5": ["MQTT-3.8.4-8", "MQTT-3.8.4-7"]}, "rows": [{"name": "a", "published": 1, "subscribed": 0},
        {"name": "a", "published": 2, "subscribed": 0}]})"), "/rows/1/name");
    EXPECT_EQ(where(qos + R"({"5": ["MQTT-3.8.4-8"]}, "rows": [{"name": "a", "published": 1, "subscribed": 0}]})"),
              "/statements/5");
    EXPECT_EQ(where(qos + R"({"6": ["MQTT-3.8.4-8", "MQTT-3.8.4-7"]}, "rows": [{"name": "a", "published": 1, "subscribed": 0}]})"),
              "/statements/6");
    EXPECT_EQ(where(qos + R"({"5": ["MQTT-3.8.4-8", "MQTT-3.8.4-7"]}, "rows": [{"name": "a", "published": 1, "subscribed": 0, "qos": 1}]})"),
              "/rows/0/qos");
}

TEST(Fixtures, DeliveredQosMatrixGeneratesTwinsForBothVersions) {
    const auto cases = load_matrix_file(fixtures_dir() / "matrices" / "delivered-qos.json");
    ASSERT_EQ(cases.size(), 18u);
    std::set<std::string> ids;
    for (const auto& c : cases) ids.insert(c.info.id);
    for (const auto* name : {"0-to-0", "0-to-2", "1-to-0", "2-to-1", "2-to-2"}) {
        EXPECT_TRUE(ids.count(std::string("v311/publish/delivered-qos-") + name)) << name;
        EXPECT_TRUE(ids.count(std::string("v5/publish/delivered-qos-") + name)) << name;
    }
    for (const auto& c : cases) {
        const bool v5 = c.info.version == codec::protocol_version::v5;
        EXPECT_EQ(c.info.statements.front(), v5 ? "MQTT-3.8.4-8" : "MQTT-3.8.4-6") << c.info.id;
    }
}

TEST(Fixtures, ShippedFixturesLoadAndIdsAreUnique) {
    const auto cases = all_cases(fixtures_dir());
    EXPECT_GT(cases.size(), 10u);
    const auto inventory = load_statements(fixtures_dir());
    for (const auto& c : cases) {
        for (const auto& s : c.info.statements) {
            EXPECT_TRUE(inventory.of(c.info.version).count(s)) << c.info.id << " names unknown statement " << s;
        }
    }
}

// Rules the standard states without a number carry IDs of our own: MQTTSPEC-<version>-<section>-<name>.
TEST(Statements, OwnIdsNameTheirVersionAndSection) {
    const auto dir = std::filesystem::temp_directory_path() / ("mqttspec-statements-" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir / "statements");
    const std::string header = "id\tsection\tapplies_to\ttestable\tparaphrase\n";
    auto write = [&](const std::string& v311_id, const std::string& v5_id) {
        std::ofstream(dir / "statements" / "mqtt311.tsv") << header << v311_id << "\t3.1 CONNECT\tserver\tyes\tx\n";
        std::ofstream(dir / "statements" / "mqtt50.tsv") << header << v5_id << "\t3.8 SUBSCRIBE\tserver\tyes\tx\n";
    };
    write("MQTT-3.1.0-1", "MQTTSPEC-5-3.8.2.1.2-identifier-zero");
    EXPECT_EQ(load_statements(dir).v5.count("MQTTSPEC-5-3.8.2.1.2-identifier-zero"), 1u);
    for (const std::string bad : {"MQTTSPEC-311-3.8.2-x", "MQTTSPEC-5-3-x", "MQTTSPEC-5-3.8.2-", "MQTTSPEC-5-3.8.2-Upper", "MQTTX-1"}) {
        write("MQTT-3.1.0-1", bad);
        try {
            load_statements(dir);
            ADD_FAILURE() << "accepted " << bad;
        } catch (const std::runtime_error& e) {
            EXPECT_NE(std::string(e.what()).find("mqtt50.tsv:2"), std::string::npos) << e.what();
        }
    }
    std::filesystem::remove_all(dir);
}

// A failure is attributed to the case's first statement unless a check names another, so the first
// must be a rule the broker is bound by: a case that sends what a client MUST NOT send cites the
// server rule it judges (close on a protocol violation, 4.8 / 4.13) first, the client rule after it.
TEST(Statements, EveryCaseLeadsWithARuleTheServerMustFollow) {
    const auto inventory = load_statements(fixtures_dir());
    std::size_t checked = 0;
    for (const auto& c : all_cases(fixtures_dir())) {
        const auto& known = inventory.of(c.info.version);
        const auto it = known.find(c.info.statements.front());
        ASSERT_NE(it, known.end()) << c.info.id;
        EXPECT_NE(it->second.applies_to, "client") << c.info.id << " leads with " << it->first
                                                   << ", a rule only a client must follow";
        ++checked;
    }
    EXPECT_GT(checked, 500u);
}

TEST(Selection, RepeatedFiltersSelectEveryMatchingCase) {
    case_info info;
    info.id = "v5/qos2/packet-id-reuse-after-pubcomp";
    info.statements = {"MQTT-4.3.3-12"};
    run_options o;
    o.filter = "v5/qos1/*";
    EXPECT_FALSE(case_selected(info, o));
    o.filter = "v5/qos1/*,v5/qos2/*";  // what --filter v5/qos1/* --filter v5/qos2/* builds
    EXPECT_TRUE(case_selected(info, o));
    o.filter = "v311/*,";
    EXPECT_FALSE(case_selected(info, o));  // an empty glob selects nothing
}

// CASES.md section 2: a C++ case lives in conformance/src/cases/<version>/<x>_<y>_<topic>.cpp, and
// x.y is the section of one of its statements, so the folder reads like the standard's contents.
TEST(Layout, EveryCaseFileIsNamedForASectionItsCasesCite) {
    const std::regex file(R"(conformance/src/cases/(v311|v5)/(\d+)_(\d+)_[a-z0-9_]+\.cpp)");
    std::size_t checked = 0;
    for (const auto& c : case_registry()) {
        const auto& source = c.info.source;
        std::smatch m;
        if (!std::regex_match(source, m, file)) {
            ADD_FAILURE() << c.info.id << ": " << source << " is not conformance/src/cases/<v311|v5>/<x>_<y>_<topic>.cpp";
            continue;
        }
        EXPECT_EQ(m[1].str(), c.info.id.substr(0, c.info.id.find('/'))) << c.info.id << " lives in " << source;
        const std::string section = m[2].str() + "." + m[3].str();
        bool cited = false;
        for (const auto& s : c.info.statements) {
            const auto full = statement_section(s);  // "3.3.4" -> its x.y is "3.3"
            if (full == section || full.rfind(section + ".", 0) == 0) cited = true;
        }
        EXPECT_TRUE(cited) << c.info.id << " lives in " << source << " but cites no statement of section " << section;
        ++checked;
    }
    EXPECT_GT(checked, 250u);  // every C++ case; the floor only guards against an empty registry
}

}  // namespace
}  // namespace mqttspec::conformance
