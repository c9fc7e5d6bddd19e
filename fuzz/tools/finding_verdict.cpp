// Turns "VERSION HEX" lines (stdin) into fixtures/packets-style vectors, one JSON object per line,
// carrying the codec's current verdict for a human to confirm against the standard before the
// vector joins the regression set. Used by fuzz/tools/findings-to-vectors.
//   mqttspec-finding-verdict NAME_PREFIX < lines
#include <cstdio>
#include <iostream>
#include <sstream>
#include <string>

#include "mqttspec/codec/codec.hpp"
#include "mqttspec/codec/json.hpp"

int main(int argc, char** argv) {
    using namespace mqttspec;
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s NAME_PREFIX < \"VERSION HEX\" lines\n", argv[0]);
        return 2;
    }
    std::string line;
    int number = 0, bad = 0;
    while (std::getline(std::cin, line)) {
        ++number;
        std::istringstream fields(line);
        std::string version_text, hex;
        if (!(fields >> version_text >> hex)) continue;
        const auto version = codec::parse_protocol_version(version_text);
        std::vector<std::uint8_t> data;
        try {
            if (!version) throw std::invalid_argument("unknown version \"" + version_text + "\"");
            data = codec::from_hex(hex);
        } catch (const std::exception& e) {
            std::fprintf(stderr, "stdin:%d: %s\n", number, e.what());
            ++bad;
            continue;
        }
        const auto r = codec::decode(data, *version);
        codec::ordered_json v;
        v["name"] = std::string(argv[1]) + " #" + std::to_string(number);
        v["version"] = std::string(codec::to_string(*version));
        v["hex"] = hex;
        v["review"] = "from a fuzz finding: the outcome below is the codec's verdict when it was found; confirm it against the standard";
        switch (r.status) {
            case codec::decode_status::ok: v["packet"] = codec::to_json(r, *version); break;
            case codec::decode_status::need_more: v["need_more"] = r.needed; break;
            case codec::decode_status::error: {
                const auto e = codec::to_json(r.error);
                v["error"] = e["error"];
                v["kind"] = e["kind"];
                v["statement"] = e["statement"];  // null when the rule has no ID: vectors always carry both keys
                v["offset"] = r.error.offset;
                break;
            }
        }
        std::printf("%s\n", v.dump().c_str());
    }
    return bad ? 1 : 0;
}
