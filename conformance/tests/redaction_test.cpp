// Secrets in transcripts and reports: passwords and Authentication Data never reach a report, the
// console or a hex dump unless --show-secrets; the target URL never shows the password.
#include <gtest/gtest.h>

#include <cstdio>
#include <mqttspec/codec/raw_builder.hpp>

#include "fake_broker.hpp"
#include "mqttspec/conformance/report.hpp"

namespace mqttspec::conformance {
namespace {

using testing::fake_broker;
using testing::fake_environment;
using testing::fake_session;
using testing::find_case;

const std::string password = "S3cret-Pa55word";  // 15 bytes
const std::string auth_data = "a1b2c3d4e5f60718";  // hex of 8 bytes of Authentication Data

std::string hex_of_text(const std::string& s) {
    return codec::to_hex(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

json connect_with_secrets() {
    return json{{"type", "CONNECT"},
                {"properties", {{"authentication_method", "SCRAM"}, {"authentication_data", auth_data}}},
                {"client_id", "c"},
                {"will", {{"topic", "w"}, {"payload", "bye"}, {"properties", {{"authentication_data", auth_data}}}}},
                {"username", "user"},
                {"password", password}};
}

TEST(Redaction, PacketJsonKeepsShapeAndSize) {
    json p = connect_with_secrets();
    const auto found = redact_packet_json(p);
    EXPECT_EQ(p["password"], "<redacted, 15 bytes>");
    EXPECT_EQ(p["properties"]["authentication_data"], "<redacted, 8 bytes>");
    EXPECT_EQ(p["will"]["properties"]["authentication_data"], "<redacted, 8 bytes>");
    EXPECT_EQ(p["username"], "user");
    EXPECT_EQ(p["properties"]["authentication_method"], "SCRAM");
    EXPECT_NE(std::find(found.begin(), found.end(), password), found.end());

    json hex_form{{"type", "CONNECT"}, {"username", "u"}, {"password_hex", "00ff10"}};
    redact_packet_json(hex_form);
    EXPECT_EQ(hex_form["password_hex"], "<redacted, 3 bytes>");

    json auth{{"type", "AUTH"}, {"reason_code", 24}, {"properties", json::array({{{"authentication_data", auth_data}}})}};
    redact_packet_json(auth);  // interleaved list form
    EXPECT_EQ(auth["properties"][0]["authentication_data"], "<redacted, 8 bytes>");
}

TEST(Redaction, TranscriptRedactsPacketsEventsAndRawBytes) {
    transcript log;
    log.sent("c", connect_with_secrets());
    log.received("c", json{{"type", "AUTH"}, {"reason_code", 24}, {"properties", {{"authentication_data", auth_data}}}});
    log.event("case", "tried " + password);

    // Raw CONNECT that decodes: the secret fields are masked in the hex, byte for byte.
    codec::connect_packet c;
    c.protocol_level = 5;
    c.client_id = "c";
    c.username = "user";
    c.password = password;
    const auto raw = codec::encode(c, codec::protocol_version::v5);
    log.sent_raw("c", raw, codec::protocol_version::v5);
    // Undecodable bytes holding the secret length-prefixed (a CONNECT cut short): masked as known secret.
    std::vector<std::uint8_t> broken(raw.begin(), raw.end());
    broken.push_back(0xFF);
    log.sent_raw("c", broken, codec::protocol_version::v5);

    const std::string text = log.to_text(), dumped = log.to_json().dump();
    for (const auto& out : {text, dumped}) {
        EXPECT_EQ(out.find(password), std::string::npos) << out;
        EXPECT_EQ(out.find(hex_of_text(password)), std::string::npos) << out;
        EXPECT_EQ(out.find(auth_data), std::string::npos) << out;
    }
    EXPECT_NE(dumped.find("\"password\":\"<redacted, 15 bytes>\""), std::string::npos) << dumped;
    EXPECT_NE(text.find("tried <redacted>"), std::string::npos) << text;
    const auto& raw_entry = log.entries()[3];
    EXPECT_EQ(raw_entry.packet["password"], "<redacted, 15 bytes>");
    EXPECT_NE(raw_entry.hex.find(std::string(2 * password.size(), '*')), std::string::npos) << raw_entry.hex;
    EXPECT_EQ(raw_entry.hex.size(), 2 * raw.size());  // offsets stay readable
    EXPECT_TRUE(log.entries()[4].packet.is_null());
    EXPECT_NE(log.entries()[4].hex.find(std::string(2 * password.size(), '*')), std::string::npos);
}

TEST(Redaction, KnownShortSecretMaskedOnlyWhereFramedAsOnTheWire) {
    transcript log;
    log.add_known_secret("ab");
    log.sent_raw("c", codec::from_hex("ff 00 02 61 62 61 62"), codec::protocol_version::v5);
    EXPECT_EQ(log.entries()[0].hex, "ff0002****6162");
    log.event("case", "ab stays in text: too short to tell from anything else");
    EXPECT_NE(log.entries()[1].text.find("ab stays"), std::string::npos);
}

TEST(Redaction, ShowSecretsKeepsEverything) {
    transcript log;
    log.show_secrets(true);
    log.add_known_secret(password);
    log.sent("c", connect_with_secrets());
    log.event("case", "tried " + password);
    const auto text = log.to_text();
    EXPECT_NE(text.find("\"password\":\"" + password + "\""), std::string::npos) << text;
    EXPECT_NE(text.find(auth_data), std::string::npos);
    EXPECT_NE(text.find("tried " + password), std::string::npos);
}

TEST(Redaction, TargetUrlNeverShowsThePassword) {
    const auto t = parse_url("mqtt://user:" + password + "@host:1884");
    EXPECT_EQ(t.url(), "mqtt://user:<redacted>@host:1884");
    EXPECT_EQ(parse_url("mqtt://user@host").url(), "mqtt://user@host:1883");
}

// Everything a run writes: console with -v, JSON, JUnit, HTML.
std::string every_output(const run_summary& s) {
    std::FILE* f = std::tmpfile();
    write_console(f, s, {.color = false, .verbose = true});
    std::string console;
    std::rewind(f);
    for (int ch = std::fgetc(f); ch != EOF; ch = std::fgetc(f)) console.push_back(static_cast<char>(ch));
    std::fclose(f);
    return console + "\n" + to_json_report(s).dump(2) + "\n" + to_junit(s) + "\n" + to_html(s);
}

run_summary failing_run_with_password(bool show_secrets) {
    // The broker never acknowledges the QoS 1 PUBLISH: the case fails with the CONNECT in its transcript.
    fake_broker broker([](fake_session& s) {
        s.accept_connect();
        s.read_packet();
        s.wait_for_close();
    });
    auto env = fake_environment(broker);
    env.where.username = "user";
    env.where.password = password;
    env.show_secrets = show_secrets;
    run_summary s;
    s.target_url = env.where.url();
    s.results.push_back(run_case(find_case("v5/publish/qos1-puback"), env, 0));
    EXPECT_EQ(s.results[0].result, verdict::failed) << s.results[0].message;
    return s;
}

TEST(Redaction, FailingCaseReportsCarryNoPassword) {
    const auto out = every_output(failing_run_with_password(false));
    EXPECT_EQ(out.find(password), std::string::npos) << out;
    EXPECT_NE(out.find("<redacted, 15 bytes>"), std::string::npos) << out;  // the CONNECT is there, redacted
    EXPECT_NE(out.find("user:<redacted>@"), std::string::npos);
}

TEST(Redaction, ShowSecretsPutsThePasswordInTheReports) {
    const auto out = every_output(failing_run_with_password(true));
    EXPECT_NE(out.find(password), std::string::npos) << out;
}

}  // namespace
}  // namespace mqttspec::conformance
