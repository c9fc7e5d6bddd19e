// Writes seed corpora for every fuzz target into corpus/fuzz_<target>/ from:
//  - packet vectors: fixtures/packets/*.json ({"vectors": [{"name", "version", "hex", "sender"?, "options"?}]}),
//  - packets built with the encoder (every type, every version, valid per the codec),
//  - extra hex files (--hex FILE: lines "VERSION HEX", e.g. recorded conformance traffic; '#' starts a comment),
//  - hand-picked strings for the UTF-8 / topic targets.
// Each seed ends with the configuration tail read_config() expects (invariants.hpp). Files are named by
// a hash of their content, so re-running adds nothing twice and never deletes merged inputs.
//   mqttspec-make-corpus --fixtures DIR --out DIR [--hex FILE]...
#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "../support/generate.hpp"
#include "../support/invariants.hpp"
#include "mqttspec/codec/codec.hpp"
#include "mqttspec/codec/json.hpp"

namespace fs = std::filesystem;
using namespace mqttspec;
using bytes = std::vector<std::uint8_t>;

namespace {

struct packet_seed {
    codec::protocol_version version;
    bytes data;
    std::uint8_t flags = 0;
    codec::sender sender = codec::sender::unknown;
    std::uint8_t max_size_selector = 0;
};

class corpus_writer {
public:
    explicit corpus_writer(fs::path root) : root_(std::move(root)) {}

    // Seeds stay small and few: big inputs slow every fuzzing run, and a few hundred seeds per target
    // already cover the vectors' variety (the codec's own tests run every vector anyway).
    static constexpr std::size_t max_seed_bytes = 4096;
    static constexpr std::size_t max_seeds_per_target = 300;

    void add(const std::string& target, const bytes& content) {
        if (content.size() > max_seed_bytes || offered_[target]++ % stride(target) != 0) return;
        std::uint64_t h = 1469598103934665603ull;  // FNV-1a: stable names, no crypto needed
        for (auto b : content) h = (h ^ b) * 1099511628211ull;
        char name[32];
        std::snprintf(name, sizeof name, "seed-%016llx", static_cast<unsigned long long>(h));
        const fs::path dir = root_ / ("fuzz_" + target);
        fs::create_directories(dir);
        const fs::path path = dir / name;
        if (fs::exists(path)) return;
        std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(content.data()),
                                                    static_cast<std::streamsize>(content.size()));
        ++written_[target];
    }
    void report() const {
        for (const auto& [target, n] : written_) std::printf("  fuzz_%-26s +%zu\n", target.c_str(), n);
    }

    // Every stride-th candidate is kept; set from the expected candidate count so the cap is spread
    // over all sources instead of filling up with the first.
    void expect(const std::string& target, std::size_t candidates) {
        strides_[target] = std::max<std::size_t>(1, (candidates + max_seeds_per_target - 1) / max_seeds_per_target);
    }

private:
    std::size_t stride(const std::string& target) const {
        const auto it = strides_.find(target);
        return it == strides_.end() ? 1 : it->second;
    }
    std::map<std::string, std::size_t> offered_, strides_;
    fs::path root_;
    std::map<std::string, std::size_t> written_;
};

bytes with_tail(bytes data, std::uint8_t mode, const packet_seed& s) {
    const auto tail = fuzz::config_tail(mode, s.version, s.flags, s.sender, s.max_size_selector);
    data.insert(data.end(), tail.begin(), tail.end());
    return data;
}

// Which family target a packet belongs to, by its type nibble.
const char* family_of(std::uint8_t first_byte) {
    switch (first_byte >> 4) {
        case 1: return "connect";
        case 3: return "publish";
        case 8: case 10: return "subscribe";
        case 4: case 5: case 6: case 7: return "acks";
        case 2: case 14: case 15: return "connack_disconnect_auth";
        default: return nullptr;
    }
}

std::uint8_t option_flags(const nlohmann::json& options, std::uint8_t& max_size_selector) {
    std::uint8_t flags = 0;
    if (!options.is_object()) return flags;
    auto on = [&](const char* key) { return options.contains(key) && options[key].is_boolean() && options[key].get<bool>(); };
    if (on("check_payload_format")) flags |= 0x01;
    if (on("reject_control_characters")) flags |= 0x02;
    if (on("reject_noncharacters")) flags |= 0x04;
    if (on("allow_non_minimal_varint")) flags |= 0x08;
    if (options.contains("maximum_packet_size") && options["maximum_packet_size"].is_number_unsigned()) {
        const auto m = options["maximum_packet_size"].get<std::uint64_t>();
        if (m >= 1 && m < 128) max_size_selector = static_cast<std::uint8_t>(m);
    }
    return flags;
}

codec::sender parse_sender(const nlohmann::json& v) {
    if (v.is_string() && v == "client") return codec::sender::client;
    if (v.is_string() && v == "server") return codec::sender::server;
    return codec::sender::unknown;
}

bool read_vectors(const fs::path& dir, std::vector<packet_seed>& out) {
    if (!fs::is_directory(dir)) {
        std::fprintf(stderr, "make_corpus: %s: not a directory\n", dir.c_str());
        return false;
    }
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".json") files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
        nlohmann::json doc;
        try {
            std::ifstream in(f);
            doc = nlohmann::json::parse(in);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "make_corpus: %s: %s\n", f.c_str(), e.what());
            return false;
        }
        if (!doc.contains("vectors") || !doc["vectors"].is_array()) {
            std::fprintf(stderr, "make_corpus: %s: no \"vectors\" array\n", f.c_str());
            return false;
        }
        std::size_t index = 0;
        for (const auto& v : doc["vectors"]) {
            const auto where = f.string() + ": vectors[" + std::to_string(index++) + "]";
            if (!v.contains("version") || !v["version"].is_string() || !v.contains("hex") || !v["hex"].is_string()) {
                std::fprintf(stderr, "make_corpus: %s: needs string fields \"version\" and \"hex\"\n", where.c_str());
                return false;
            }
            const auto version = codec::parse_protocol_version(v["version"].get<std::string>());
            if (!version) {
                std::fprintf(stderr, "make_corpus: %s: unknown version\n", where.c_str());
                return false;
            }
            packet_seed s{*version, {}};
            try {
                s.data = codec::from_hex(v["hex"].get<std::string>());
            } catch (const std::exception& e) {
                std::fprintf(stderr, "make_corpus: %s: hex: %s\n", where.c_str(), e.what());
                return false;
            }
            if (v.contains("sender")) s.sender = parse_sender(v["sender"]);
            if (v.contains("options")) s.flags = option_flags(v["options"], s.max_size_selector);
            out.push_back(std::move(s));
        }
    }
    return true;
}

bool read_hex_file(const fs::path& path, std::vector<packet_seed>& out) {
    std::ifstream in(path);
    if (!in) {
        std::fprintf(stderr, "make_corpus: %s: cannot open\n", path.c_str());
        return false;
    }
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
        if (auto hash = line.find('#'); hash != std::string::npos) line.resize(hash);
        std::istringstream fields(line);
        std::string version_text, hex, more;
        if (!(fields >> version_text)) continue;
        while (fields >> more) hex += more;
        const auto version = codec::parse_protocol_version(version_text);
        if (!version || hex.empty()) {
            std::fprintf(stderr, "make_corpus: %s:%d: expected \"VERSION HEX\"\n", path.c_str(), number);
            return false;
        }
        try {
            out.push_back({*version, codec::from_hex(hex)});
        } catch (const std::exception& e) {
            std::fprintf(stderr, "make_corpus: %s:%d: %s\n", path.c_str(), number, e.what());
            return false;
        }
    }
    return true;
}

// Valid packets of every type from the encoder, driven by a fixed pseudo-random stream.
std::vector<packet_seed> encoder_packets() {
    std::vector<packet_seed> out;
    std::mt19937 rng(20240601);
    std::map<std::pair<int, int>, int> per_kind;
    for (auto v : {codec::protocol_version::v3_1, codec::protocol_version::v3_1_1, codec::protocol_version::v5}) {
        for (int attempt = 0; attempt < 6000; ++attempt) {
            bytes noise(256);
            for (auto& b : noise) b = static_cast<std::uint8_t>(rng());
            FuzzedDataProvider fdp(noise.data(), noise.size());
            codec::arena store;
            const auto p = fuzz::gen_packet(fdp, v, store);
            int& count = per_kind[{static_cast<int>(v), static_cast<int>(p.index())}];
            if (count >= 4) continue;
            bytes data;
            try {
                data = codec::encode(p, v);
            } catch (const codec::encode_error&) {
                continue;
            }
            if (!codec::decode(data, v).ok()) continue;
            ++count;
            out.push_back({v, std::move(data)});
        }
    }
    return out;
}

// Stream seed: the packets, then a chunk schedule consumed from the end, then the configuration.
bytes stream_seed(const std::vector<const packet_seed*>& group, std::mt19937& rng) {
    bytes data;
    for (const auto* s : group) data.insert(data.end(), s->data.begin(), s->data.end());
    std::vector<std::uint8_t> schedule;
    std::size_t left = data.size();
    while (left > 0) {
        const auto n = std::min<std::size_t>(left, 1 + rng() % 64);
        schedule.push_back(static_cast<std::uint8_t>(n));  // ConsumeIntegralInRange(0, 64) = byte % 65
        left -= n;
    }
    std::reverse(schedule.begin(), schedule.end());
    data.insert(data.end(), schedule.begin(), schedule.end());
    return with_tail(std::move(data), 0, *group.front());
}

bytes text(std::string_view s) { return bytes(s.begin(), s.end()); }

}  // namespace

int main(int argc, char** argv) {
    fs::path fixtures, out;
    std::vector<fs::path> hex_files;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (i + 1 < argc && arg == "--fixtures") fixtures = argv[++i];
        else if (i + 1 < argc && arg == "--out") out = argv[++i];
        else if (i + 1 < argc && arg == "--hex") hex_files.emplace_back(argv[++i]);
        else {
            std::fprintf(stderr, "usage: %s --out CORPUS_DIR [--fixtures DIR] [--hex FILE]...\n", argv[0]);
            return 2;
        }
    }
    if (out.empty()) {
        std::fprintf(stderr, "usage: %s --out CORPUS_DIR [--fixtures DIR] [--hex FILE]...\n", argv[0]);
        return 2;
    }

    std::vector<packet_seed> packets;
    if (!fixtures.empty() && !read_vectors(fixtures, packets)) return 1;
    const auto from_vectors = packets.size();
    for (const auto& f : hex_files)
        if (!read_hex_file(f, packets)) return 1;
    const auto from_hex = packets.size() - from_vectors;
    auto built = encoder_packets();
    packets.insert(packets.end(), built.begin(), built.end());
    std::printf("make_corpus: %zu vectors, %zu hex lines, %zu encoder packets\n", from_vectors, from_hex, built.size());

    corpus_writer w(out);
    std::map<std::string, std::size_t> candidates;
    for (const auto& s : packets) {
        if (s.data.empty()) continue;
        if (const char* family = family_of(s.data[0])) ++candidates[family];
    }
    for (const auto& [family, n] : candidates) w.expect(family, n);
    for (const char* t : {"decode", "roundtrip"}) w.expect(t, packets.size());
    w.expect("json", 2 * packets.size());
    for (const char* t : {"stream_v31", "stream_v311", "stream_v5"}) w.expect(t, packets.size() * 6 / 5 / 2);
    std::mt19937 rng(7);
    for (const auto& s : packets) {
        const auto raw = with_tail(s.data, 1, s);
        for (const char* t : {"decode", "roundtrip"}) w.add(t, with_tail(s.data, 0, s));
        w.add("json", with_tail(s.data, 0, s));
        if (!s.data.empty())
            if (const char* family = family_of(s.data[0])) w.add(family, raw);
    }
    // Streams: each vector alone, and groups of consecutive packets of one version.
    for (auto v : {codec::protocol_version::v3_1, codec::protocol_version::v3_1_1, codec::protocol_version::v5}) {
        const char* target = v == codec::protocol_version::v3_1 ? "stream_v31" : v == codec::protocol_version::v3_1_1 ? "stream_v311" : "stream_v5";
        std::vector<const packet_seed*> same;
        for (const auto& s : packets)
            if (s.version == v && !s.data.empty()) same.push_back(&s);
        for (std::size_t i = 0; i < same.size(); ++i) {
            w.add(target, stream_seed({same[i]}, rng));
            if (i % 5 == 0) {
                std::vector<const packet_seed*> group(same.begin() + static_cast<std::ptrdiff_t>(i),
                                                      same.begin() + static_cast<std::ptrdiff_t>(std::min(i + 6, same.size())));
                w.add(target, stream_seed(group, rng));
            }
        }
    }
    // JSON texts: what `mqttspec decode` prints for the valid packets.
    for (const auto& s : packets) {
        const auto r = codec::decode(s.data, s.version);
        if (!r.ok()) continue;
        const auto j = codec::to_json(r, s.version).dump();
        w.add("json", with_tail(text(j), 1, s));
    }
    // Properties: blocks from the encoder's 5.0 packets are reachable through fuzz_decode; here, hand-made
    // blocks for each wrapper packet (mode = wrapper kind, see fuzz_properties.cpp).
    {
        const packet_seed v5{codec::protocol_version::v5, {}};
        const std::vector<bytes> blocks = {
            {},
            codec::raw_builder().prop_u32(0x11, 60).prop_u16(0x21, 10).prop_u32(0x27, 1024).prop_str(0x15, "SCRAM").prop_str(0x16, "xyz").prop_byte(0x17, 1).take(),
            codec::raw_builder().prop_byte(0x01, 1).prop_u32(0x02, 30).prop_str(0x03, "text/plain").prop_str(0x08, "r/t").prop_str(0x09, "cd").prop_u32(0x18, 5).take(),
            codec::raw_builder().prop_str(0x12, "id").prop_u16(0x13, 30).prop_byte(0x24, 1).prop_byte(0x25, 0).prop_byte(0x28, 1).prop_byte(0x29, 1).prop_byte(0x2A, 0).prop_str(0x1A, "ri").prop_str(0x1C, "srv").take(),
            codec::raw_builder().prop_varint(0x0B, 268'435'455).prop_varint(0x0B, 1).prop_u16(0x23, 3).prop_pair(0x26, "k", "v").take(),
            codec::raw_builder().prop_str(0x1F, "why").prop_pair(0x26, "k", "v").prop_pair(0x26, "k", "v2").take(),
            codec::raw_builder().prop_u16(0x21, 0).take(),                      // value out of range
            codec::raw_builder().prop_byte(0x01, 1).prop_byte(0x01, 0).take(),  // repeated
            codec::raw_builder().byte(0x04).byte(0).take(),                     // unknown identifier
            codec::raw_builder().byte(0x0B).varint(1, 3).take(),                // non-minimal varint
            codec::raw_builder().byte(0x1F).str_with_length(10, "ab").take(),   // string past the block
        };
        for (unsigned kind = 0; kind < 12; ++kind)
            for (const auto& b : blocks) w.add("properties", with_tail(b, static_cast<std::uint8_t>(kind), v5));
    }
    // UTF-8 and topic strings.
    const std::vector<std::string> strings = {
        "", "a", "sport/tennis/player1", "sport/tennis/#", "sport/#", "#", "+", "+/+", "/+", "/finance",
        "sport/tennis#", "sport/tennis/#/ranking", "sport+", "$SYS/monitor/Clients", "$share/g/a/#", "$share//a",
        "$share/g", "$share/g/", "$share/a+/b", std::string("a\0b", 3), "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
        "\xEF\xBB\xBF", "\xEF\xBF\xBF", "\xEF\xB7\x90", "\xF0\x9F\xBF\xBE", "\x01\x1F\x7F", "\xC2\x9F", "A\xF0\xAA\x9B\x94",
        "\xE2\x82", "\x80", "\xFF", "\xE0\x80\xAF",
    };
    const packet_seed any{codec::protocol_version::v5, {}};
    for (const auto& s : strings) {
        for (const std::uint8_t flags : std::initializer_list<std::uint8_t>{0, 2, 4, 6}) {
            packet_seed with_flags = any;
            with_flags.flags = flags;
            w.add("utf8", with_tail(text(s), 0, with_flags));
        }
        w.add("topic_validate", with_tail(text(s), 1, any));
    }
    const std::vector<std::pair<std::string, std::string>> matches = {
        {"sport/tennis/player1/#", "sport/tennis/player1"}, {"sport/tennis/player1/#", "sport/tennis/player1/ranking"},
        {"sport/#", "sport"}, {"sport/tennis/+", "sport/tennis/player1"}, {"sport/+", "sport"}, {"sport/+", "sport/"},
        {"+/+", "/finance"}, {"/+", "/finance"}, {"+", "/finance"}, {"#", "$SYS/x"}, {"+/monitor/Clients", "$SYS/monitor/Clients"},
        {"$SYS/#", "$SYS/monitor/Clients"}, {"$share/g/sport/#", "sport/x"}, {"a//b", "a//b"}, {"+/+/+", "a//b"},
    };
    for (const auto& [f, t] : matches) w.add("topic_match", with_tail(text(f + std::string(1, '\0') + t), 1, any));
    // Structure-aware targets: fixed pseudo-random inputs in every mode and version.
    for (int i = 0; i < 48; ++i) {
        bytes noise(64 + rng() % 192);
        for (auto& b : noise) b = static_cast<std::uint8_t>(rng());
        const packet_seed s{static_cast<codec::protocol_version>(3 + i % 3), {}};
        const auto structured = with_tail(noise, static_cast<std::uint8_t>((i / 3) % 2 ? 2 : 0), s);
        for (const char* t : {"connect", "publish", "subscribe", "acks", "connack_disconnect_auth", "encode"})
            w.add(t, structured);
        w.add("topic_match", with_tail(noise, 0, s));
        w.add("topic_validate", with_tail(noise, static_cast<std::uint8_t>(i % 2 ? 0 : 2), s));
    }
    w.report();
    return 0;
}
