// Table-driven codec tests: every vector of fixtures/packets/*.json, decoded in one piece, through
// the stream decoder split at every point and fed byte by byte, and (valid ones) encoded back.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "mqttspec/codec/codec.hpp"
#include "mqttspec/codec/json.hpp"

namespace mc = mqttspec::codec;
using mc::ordered_json;

namespace {

// ---------------------------------------------------------------------------------------------
// Loading

struct vector_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

enum class expectation { packet, error, need_more };

struct packet_vector {
    std::string file;
    std::size_t index = 0;
    std::string name;
    mc::protocol_version version = mc::protocol_version::v3_1_1;
    std::vector<std::uint8_t> bytes;
    mc::decode_options options;
    expectation expect = expectation::packet;
    ordered_json packet;                 // expectation::packet
    mc::errc error = mc::errc::ok;       // expectation::error
    mc::error_kind kind = mc::error_kind::malformed_packet;
    std::string statement;               // "" when the vector says null: the rule has no statement ID
    std::size_t offset = 0;
    std::size_t needed = 0;              // expectation::need_more
};

// Parses one vector file. Throws vector_error naming the file, the vector (index and name) and the field.
std::vector<packet_vector> parse_vector_file(const std::string& file, const std::string& text) {
    ordered_json doc;
    try {
        doc = ordered_json::parse(text);
    } catch (const ordered_json::parse_error& e) {
        throw vector_error(file + ": not valid JSON: " + e.what());
    }
    if (!doc.is_object() || !doc.contains("vectors") || !doc["vectors"].is_array()) {
        throw vector_error(file + ": expected {\"vectors\": [...]}");
    }
    for (auto it = doc.begin(); it != doc.end(); ++it) {
        if (it.key() != "vectors") throw vector_error(file + ": unknown top-level field '" + it.key() + "'");
    }
    std::vector<packet_vector> out;
    const auto& list = doc["vectors"];
    for (std::size_t i = 0; i < list.size(); ++i) {
        const auto& j = list[i];
        packet_vector v;
        v.file = file;
        v.index = i;
        std::string where = file + ": vector " + std::to_string(i);
        auto fail = [&](const std::string& field, const std::string& what) -> void {
            throw vector_error(where + ", field '" + field + "': " + what);
        };
        if (!j.is_object()) throw vector_error(where + ": expected an object");
        if (!j.contains("name") || !j["name"].is_string() || j["name"].get<std::string>().empty()) {
            fail("name", "missing or not a non-empty string");
        }
        v.name = j["name"].get<std::string>();
        where += " (" + v.name + ")";
        static const std::vector<std::string> known = {"name", "version", "hex", "sender", "options", "packet",
                                                       "error", "kind", "statement", "offset", "need_more"};
        for (auto it = j.begin(); it != j.end(); ++it) {
            if (std::find(known.begin(), known.end(), it.key()) == known.end()) fail(it.key(), "unknown field");
        }
        if (!j.contains("version") || !j["version"].is_string()) fail("version", "missing or not a string");
        const auto version = mc::parse_protocol_version(j["version"].get<std::string>());
        if (!version) fail("version", "expected \"3.1\", \"3.1.1\" or \"5\"");
        v.version = *version;
        if (!j.contains("hex") || !j["hex"].is_string()) fail("hex", "missing or not a string");
        try {
            v.bytes = mc::from_hex(j["hex"].get<std::string>());
        } catch (const std::invalid_argument& e) {
            fail("hex", e.what());
        }
        if (v.bytes.empty()) fail("hex", "no bytes");
        if (j.contains("sender")) {
            const auto& s = j["sender"];
            if (s == "client") v.options.sender = mc::sender::client;
            else if (s == "server") v.options.sender = mc::sender::server;
            else fail("sender", "expected \"client\" or \"server\"");
        }
        if (j.contains("options")) {
            const auto& o = j["options"];
            if (!o.is_object()) fail("options", "expected an object");
            for (auto it = o.begin(); it != o.end(); ++it) {
                const std::string key = it.key();
                const std::string field = "options." + key;
                if (key == "maximum_packet_size") {
                    if (!it->is_number_unsigned()) fail(field, "expected a non-negative integer");
                    v.options.maximum_packet_size = it->get<std::size_t>();
                    continue;
                }
                if (!it->is_boolean()) fail(field, "expected true or false");
                const bool on = it->get<bool>();
                if (key == "check_payload_format") v.options.check_payload_format = on;
                else if (key == "reject_control_characters") v.options.reject_control_characters = on;
                else if (key == "reject_noncharacters") v.options.reject_noncharacters = on;
                else if (key == "allow_non_minimal_varint") v.options.allow_non_minimal_varint = on;
                else fail(field, "unknown option");
            }
        }
        const int outcomes = int(j.contains("packet")) + int(j.contains("error")) + int(j.contains("need_more"));
        if (outcomes != 1) fail("packet", "give exactly one of \"packet\", \"error\" or \"need_more\"");
        if (j.contains("packet")) {
            v.expect = expectation::packet;
            v.packet = j["packet"];
            if (!v.packet.is_object() || !v.packet.contains("type")) fail("packet", "expected a packet object with a \"type\"");
            for (const char* k : {"kind", "statement", "offset"}) {
                if (j.contains(k)) fail(k, "only for error vectors");
            }
        } else if (j.contains("error")) {
            v.expect = expectation::error;
            if (!j["error"].is_string()) fail("error", "expected an error code name");
            v.error = mc::parse_errc(j["error"].get<std::string>());
            if (v.error == mc::errc::ok) fail("error", "unknown error code '" + j["error"].get<std::string>() + "'");
            if (!j.contains("kind")) fail("kind", "missing (malformed_packet or protocol_error)");
            if (j["kind"] == "malformed_packet") v.kind = mc::error_kind::malformed_packet;
            else if (j["kind"] == "protocol_error") v.kind = mc::error_kind::protocol_error;
            else fail("kind", "expected \"malformed_packet\" or \"protocol_error\"");
            // Both are required so that "not asserted" cannot happen: null says the rule has no
            // statement ID. The offset may equal the size: a field missing at the end of the packet.
            if (!j.contains("statement")) fail("statement", "missing (a statement id, or null when the rule has none)");
            if (!j["statement"].is_null()) {
                if (!j["statement"].is_string() || j["statement"].get<std::string>().rfind("MQTT-", 0) != 0) {
                    fail("statement", "expected a statement id such as \"MQTT-2.2.2-1\", or null");
                }
                v.statement = j["statement"].get<std::string>();
            }
            if (!j.contains("offset")) fail("offset", "missing (the byte the error blames)");
            if (!j["offset"].is_number_unsigned()) fail("offset", "expected a non-negative integer");
            v.offset = j["offset"].get<std::size_t>();
            if (v.offset > v.bytes.size()) fail("offset", "past the end of the bytes");
        } else {
            v.expect = expectation::need_more;
            if (!j["need_more"].is_number_unsigned()) fail("need_more", "expected the whole packet size, or 0 when unknown");
            v.needed = j["need_more"].get<std::size_t>();
        }
        out.push_back(std::move(v));
    }
    return out;
}

struct loaded_vectors {
    std::vector<packet_vector> vectors;
    std::vector<std::string> errors;  // one per file that failed to load
    std::size_t files = 0;
};

const loaded_vectors& all_vectors() {
    static const loaded_vectors loaded = [] {
        loaded_vectors l;
        const std::filesystem::path dir = std::filesystem::path(MQTTSPEC_FIXTURES_DIR) / "packets";
        std::vector<std::filesystem::path> files;
        std::error_code ec;
        for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
            if (e.path().extension() == ".json") files.push_back(e.path());
        }
        if (ec) l.errors.push_back(dir.string() + ": " + ec.message());
        std::sort(files.begin(), files.end());
        for (const auto& f : files) {
            std::ifstream in(f, std::ios::binary);
            std::stringstream text;
            text << in.rdbuf();
            try {
                auto vs = parse_vector_file(f.filename().string(), text.str());
                for (auto& v : vs) l.vectors.push_back(std::move(v));
                ++l.files;
            } catch (const vector_error& e) {
                l.errors.push_back(e.what());
            }
        }
        return l;
    }();
    return loaded;
}

std::string test_name(const packet_vector& v) {
    std::string n = std::filesystem::path(v.file).stem().string() + "_" + std::to_string(v.index) + "_";
    bool underscore = true;
    for (char c : v.name) {
        if (std::isalnum(static_cast<unsigned char>(c))) {
            n += c;
            underscore = false;
        } else if (!underscore) {
            n += '_';
            underscore = true;
        }
        if (n.size() > 90) break;
    }
    while (!n.empty() && n.back() == '_') n.pop_back();
    return n;
}

// ---------------------------------------------------------------------------------------------
// Checking one outcome

std::string describe(const mc::decode_result& r, mc::protocol_version v) {
    switch (r.status) {
    case mc::decode_status::ok: return "packet " + mc::to_json(r, v).dump();
    case mc::decode_status::need_more: return "need_more (needed " + std::to_string(r.needed) + ")";
    case mc::decode_status::error: return "error " + mc::to_json(r.error).dump();
    }
    return "?";
}

// Compares one decode outcome with the vector; `how` says which decoding path produced it.
void check_outcome(const packet_vector& v, const mc::decode_result& r, mc::protocol_version decoded_as,
                   const std::string& how) {
    SCOPED_TRACE(how + ": got " + describe(r, decoded_as));
    switch (v.expect) {
    case expectation::packet: {
        ASSERT_EQ(r.status, mc::decode_status::ok);
        EXPECT_EQ(r.consumed, v.bytes.size());
        const ordered_json got = mc::to_json(r, decoded_as);
        EXPECT_EQ(got, v.packet) << "expected " << v.packet.dump() << "\n     got " << got.dump();
        break;
    }
    case expectation::error:
        ASSERT_EQ(r.status, mc::decode_status::error);
        EXPECT_EQ(mc::to_string(r.error.code), mc::to_string(v.error));
        EXPECT_EQ(mc::to_string(r.error.kind), mc::to_string(v.kind));
        EXPECT_EQ(r.error.statement, v.statement);
        EXPECT_EQ(r.error.offset, v.offset);
        EXPECT_FALSE(r.error.message.empty());
        break;
    case expectation::need_more:
        ASSERT_EQ(r.status, mc::decode_status::need_more);
        EXPECT_EQ(r.needed, v.needed);
        break;
    }
}

// Feeds `chunks` to a fresh stream decoder; returns the first non-need_more result, or the last
// need_more. Checks that a valid packet is followed by nothing.
void check_stream(const packet_vector& v, const std::vector<std::size_t>& cuts, const std::string& how) {
    mc::stream_decoder d(v.version, v.options);
    std::size_t from = 0;
    bool done = false;
    for (std::size_t i = 0; i <= cuts.size() && !done; ++i) {
        const std::size_t to = i < cuts.size() ? cuts[i] : v.bytes.size();
        d.feed(std::span(v.bytes).subspan(from, to - from));
        from = to;
        mc::decode_result r = d.next();
        if (r.status == mc::decode_status::need_more && i < cuts.size()) continue;
        if (v.expect == expectation::need_more) {
            ASSERT_EQ(r.status, mc::decode_status::need_more) << how;
            EXPECT_EQ(d.buffered(), v.bytes.size()) << how;
            return;  // `needed` is checked on the one-shot path: mid-stream it may not be known yet
        }
        check_outcome(v, r, d.version(), how);
        if (::testing::Test::HasFatalFailure()) return;
        done = true;
        if (v.expect == expectation::packet) {
            // The rest of the stream, if any, arrives after the packet; it must not produce anything.
            if (from < v.bytes.size()) {
                ADD_FAILURE() << how << ": packet completed before all bytes were fed";
                return;
            }
            EXPECT_EQ(d.next().status, mc::decode_status::need_more) << how;
            EXPECT_EQ(d.buffered(), 0u) << how;
            EXPECT_EQ(d.stream_offset(), v.bytes.size()) << how;
        } else {
            // A failed stream stays failed.
            EXPECT_EQ(d.next().error.code, v.error) << how;
        }
    }
}

class vector_test : public ::testing::TestWithParam<packet_vector> {};

TEST_P(vector_test, decodes_as_expected_in_any_chunking) {
    const packet_vector& v = GetParam();
    SCOPED_TRACE(v.file + " vector " + std::to_string(v.index) + ": " + v.name + " [" + mc::to_hex(v.bytes) + "]");

    const mc::decode_result r = mc::decode(v.bytes, v.version, v.options);
    check_outcome(v, r, v.version, "decode()");
    if (HasFatalFailure()) return;

    // Every split into two chunks, and byte by byte.
    for (std::size_t cut = 0; cut <= v.bytes.size(); ++cut) {
        check_stream(v, {cut}, "stream split at " + std::to_string(cut));
        if (HasFailure()) return;
    }
    std::vector<std::size_t> each;
    for (std::size_t i = 1; i < v.bytes.size(); ++i) each.push_back(i);
    check_stream(v, each, "stream byte by byte");
    if (HasFailure() || v.expect != expectation::packet) return;

    // encode(decode(bytes)) == bytes, with the recorded Remaining Length width.
    mc::encode_options width;
    width.min_remaining_length_bytes = r.remaining_length_bytes;
    EXPECT_EQ(mc::to_hex(mc::encode(r.pkt, v.version, width)), mc::to_hex(v.bytes)) << "re-encoding the decoded packet";

    // The expected JSON builds the same packet and the same bytes.
    mc::arena store;
    mc::packet from_expected;
    try {
        from_expected = mc::from_json(v.packet, v.version, store);
    } catch (const mc::json_packet_error& e) {
        FAIL() << "expected packet is not valid JSON for from_json: " << e.what();
    }
    EXPECT_TRUE(from_expected == r.pkt) << "from_json(expected) differs from the decoded packet";
    EXPECT_EQ(mc::to_hex(mc::encode(from_expected, v.version, mc::encode_options_from_json(v.packet))), mc::to_hex(v.bytes))
        << "encoding from_json(expected)";
}

INSTANTIATE_TEST_SUITE_P(packets, vector_test, ::testing::ValuesIn(all_vectors().vectors),
                         [](const ::testing::TestParamInfo<packet_vector>& p) { return test_name(p.param); });

TEST(vector_files, all_load_and_cover_enough) {
    const auto& l = all_vectors();
    for (const auto& e : l.errors) ADD_FAILURE() << e;
    EXPECT_GE(l.files, 10u) << "vector files under " << MQTTSPEC_FIXTURES_DIR << "/packets";
    EXPECT_GE(l.vectors.size(), 250u);
    // Test names are unique (gtest would refuse duplicates, but say which).
    std::vector<std::string> names;
    for (const auto& v : l.vectors) names.push_back(test_name(v));
    std::sort(names.begin(), names.end());
    EXPECT_EQ(std::adjacent_find(names.begin(), names.end()), names.end());
}

// Every error code the decoder can report has at least one vector, and every packet type has a
// valid vector in every version that has it.
TEST(vector_files, cover_every_error_code_and_packet_type) {
    const auto& l = all_vectors();
    for (int code = 1; code < 500; ++code) {
        const auto e = static_cast<mc::errc>(code);
        const std::string_view name = mc::to_string(e);
        if (name.empty() || mc::parse_errc(name) != e) continue;  // not an enumerator
        // decode() reports input that ends inside a packet as need_more (vectors with "need_more");
        // `truncated` is the name callers give it once their input has ended for good.
        if (e == mc::errc::truncated) continue;
        const bool covered = std::any_of(l.vectors.begin(), l.vectors.end(), [&](const packet_vector& v) {
            return v.expect == expectation::error && v.error == e;
        });
        EXPECT_TRUE(covered) << "no vector expects error " << name;
    }
    for (auto version : {mc::protocol_version::v3_1, mc::protocol_version::v3_1_1, mc::protocol_version::v5}) {
        for (int t = 1; t <= 15; ++t) {
            if (t == 15 && version != mc::protocol_version::v5) continue;
            const std::string type(mc::to_string(static_cast<mc::packet_type>(t)));
            const bool covered = std::any_of(l.vectors.begin(), l.vectors.end(), [&](const packet_vector& v) {
                return v.version == version && v.expect == expectation::packet && v.packet["type"] == type;
            });
            EXPECT_TRUE(covered) << "no valid " << type << " vector for " << mc::to_string(version);
        }
    }
    // Each of the 27 properties appears in a valid vector, a disallowed placement and a repeat.
    for (const auto& info : mc::all_properties()) {
        const std::string name(info.name);
        auto has = [&](auto pred) { return std::any_of(l.vectors.begin(), l.vectors.end(), pred); };
        EXPECT_TRUE(has([&](const packet_vector& v) {
            return v.expect == expectation::packet && v.packet.dump().find("\"" + name + "\"") != std::string::npos;
        })) << "no valid vector carries " << name;
        if (info.id != mc::property_id::user_property) {
            EXPECT_TRUE(has([&](const packet_vector& v) {
                return v.error == mc::errc::property_not_allowed && v.name.find(name) != std::string::npos;
            })) << "no vector puts " << name << " where it is not allowed";
            EXPECT_TRUE(has([&](const packet_vector& v) {
                return v.error == mc::errc::property_repeated && v.name.find(name) != std::string::npos;
            })) << "no vector repeats " << name;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The loader itself: a broken vector file must say where.

std::string load_error(const std::string& text) {
    try {
        parse_vector_file("broken.json", text);
    } catch (const vector_error& e) {
        return e.what();
    }
    return "";
}

TEST(vector_loader, names_file_vector_and_field) {
    const std::string bad_hex = load_error(R"({"vectors": [
        {"name": "fine", "version": "3.1.1", "hex": "c000", "packet": {"type": "PINGREQ"}},
        {"name": "odd digits", "version": "3.1.1", "hex": "c00", "packet": {"type": "PINGREQ"}}]})");
    EXPECT_NE(bad_hex.find("broken.json"), std::string::npos) << bad_hex;
    EXPECT_NE(bad_hex.find("vector 1"), std::string::npos) << bad_hex;
    EXPECT_NE(bad_hex.find("odd digits"), std::string::npos) << bad_hex;
    EXPECT_NE(bad_hex.find("'hex'"), std::string::npos) << bad_hex;

    const std::string bad_errc = load_error(R"({"vectors": [
        {"name": "x", "version": "5", "hex": "c000", "error": "no_such_error", "kind": "malformed_packet"}]})");
    EXPECT_NE(bad_errc.find("'error'"), std::string::npos) << bad_errc;
    EXPECT_NE(bad_errc.find("no_such_error"), std::string::npos) << bad_errc;

    EXPECT_NE(load_error(R"({"vectors": [{"name": "x", "version": "4.0", "hex": "c000", "packet": {"type": "PINGREQ"}}]})")
                  .find("'version'"), std::string::npos);
    EXPECT_NE(load_error(R"({"vectors": [{"name": "x", "version": "5", "hex": "c000", "packet": {"type": "PINGREQ"}, "typo": 1}]})")
                  .find("'typo'"), std::string::npos);
    EXPECT_NE(load_error(R"({"vectors": [{"name": "x", "version": "5", "hex": "c000"}]})").find("exactly one"), std::string::npos);
    EXPECT_NE(load_error(R"({"vectors": [{"name": "x", "version": "5", "hex": "c000", "error": "trailing_bytes"}]})").find("'kind'"),
              std::string::npos);
    EXPECT_NE(load_error(R"({"vectors": [{"name": "x", "version": "5", "hex": "c000", "error": "trailing_bytes",
                           "kind": "malformed_packet", "statement": null, "offset": 9}]})").find("'offset'"), std::string::npos);
    // Every error vector states its statement (null when the rule has no ID) and its offset.
    EXPECT_NE(load_error(R"({"vectors": [{"name": "x", "version": "5", "hex": "c000", "error": "trailing_bytes",
                           "kind": "malformed_packet", "offset": 1}]})").find("'statement'"), std::string::npos);
    EXPECT_NE(load_error(R"({"vectors": [{"name": "x", "version": "5", "hex": "c000", "error": "trailing_bytes",
                           "kind": "malformed_packet", "statement": null}]})").find("'offset'"), std::string::npos);
    EXPECT_NE(load_error(R"({"vectors": [{"name": "x", "version": "5", "hex": "c000", "error": "trailing_bytes",
                           "kind": "malformed_packet", "statement": "2.2.2-1", "offset": 1}]})").find("'statement'"), std::string::npos);
    EXPECT_EQ(load_error(R"({"vectors": [{"name": "x", "version": "5", "hex": "c000", "error": "trailing_bytes",
                           "kind": "malformed_packet", "statement": null, "offset": 2}]})"), "");
    EXPECT_NE(load_error(R"({"vectors": [{"name": "x", "version": "5", "hex": "c000", "packet": {"type": "PINGREQ"},
                           "options": {"check_everything": true}}]})").find("options.check_everything"), std::string::npos);
    EXPECT_NE(load_error(R"({"vectors": [{"version": "5", "hex": "c000", "packet": {"type": "PINGREQ"}}]})").find("'name'"),
              std::string::npos);
    EXPECT_NE(load_error("{\"vectors\": [}").find("not valid JSON"), std::string::npos);
    EXPECT_EQ(load_error(R"({"vectors": [{"name": "ok", "version": "5", "hex": "c0 00", "packet": {"type": "PINGREQ"}}]})"), "");
}

}  // namespace
