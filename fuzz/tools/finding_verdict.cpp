// Prints a fixtures/packets vector for one crash/finding file: the input's packet bytes and what the
// codec says about them now, for a human to review before it becomes a regression vector.
//   mqttspec-finding-verdict VERSION FILE [NAME]
// The file is a raw packet (fuzz/findings/*.bin) or a fuzz-target input whose 5-byte configuration
// tail is stripped with --strip-config.
#include <cstdio>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "mqttspec/codec/codec.hpp"
#include "mqttspec/codec/json.hpp"

int main(int argc, char** argv) {
    using namespace mqttspec;
    std::vector<std::string> args(argv + 1, argv + argc);
    bool strip = false;
    if (!args.empty() && args.front() == "--strip-config") {
        strip = true;
        args.erase(args.begin());
    }
    if (args.size() < 2 || args.size() > 3) {
        std::fprintf(stderr, "usage: %s [--strip-config] VERSION FILE [NAME]\n", argv[0]);
        return 2;
    }
    const auto version = codec::parse_protocol_version(args[0]);
    if (!version) {
        std::fprintf(stderr, "%s: unknown version \"%s\" (3.1, 3.1.1 or 5)\n", argv[0], args[0].c_str());
        return 2;
    }
    std::ifstream in(args[1], std::ios::binary);
    if (!in) {
        std::fprintf(stderr, "%s: %s: cannot open\n", argv[0], args[1].c_str());
        return 2;
    }
    std::vector<std::uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (strip) data.resize(data.size() >= 5 ? data.size() - 5 : 0);
    const auto r = codec::decode(data, *version);
    codec::ordered_json v;
    v["name"] = args.size() == 3 ? args[2] : "fuzz finding " + args[1];
    v["version"] = std::string(codec::to_string(*version));
    v["hex"] = codec::to_hex(data);
    v["review"] = "fuzz finding: the verdict below is the codec's at the time of the finding; confirm it against the standard";
    switch (r.status) {
        case codec::decode_status::ok: v["packet"] = codec::to_json(r, *version); break;
        case codec::decode_status::need_more: v["need_more"] = r.needed; break;
        case codec::decode_status::error: {
            const auto e = codec::to_json(r.error);
            v["error"] = e["error"];
            v["kind"] = e["kind"];
            if (!r.error.statement.empty()) v["statement"] = e["statement"];
            v["offset"] = r.error.offset;
            break;
        }
    }
    std::printf("%s\n", v.dump().c_str());
    return 0;
}
