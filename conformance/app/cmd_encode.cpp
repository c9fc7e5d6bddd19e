// `mqttspec encode`: JSON packets in (the shape `mqttspec decode` prints), hex out.
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "mqttspec/codec/codec.hpp"
#include "mqttspec/codec/json.hpp"

namespace mqttspec::app {
namespace {

namespace codec = mqttspec::codec;
using codec::ordered_json;

constexpr std::string_view encode_help = R"(usage: mqttspec encode [options] [JSON | -]

Encodes MQTT packets given as JSON (the shape `mqttspec decode` prints) and prints each packet's
bytes as one line of lower-case hex. The input is the argument, or standard input when it is '-' or
absent, and holds one JSON object, a JSON array of objects, or one object per line.

Fields left out take their defaults (QoS 0, empty topic, ...); unknown fields, wrong types and
numbers outside a field's range are errors. Values the wire can carry but the spec forbids (QoS 3,
packet identifier 0, a property in the wrong packet) are encoded as given, for testing brokers.
"remaining_length_bytes" forces a longer Remaining Length; "wire_form" keeps a longer ack tail, so
decode followed by encode gives back the original bytes.

options:
  -V, --protocol-version 3.1|3.1.1|5
                    version to encode for. Without it, a CONNECT's protocol_level (3, 4 or 5) sets
                    the version for it and the packets after it; before any CONNECT, 3.1.1.
  -h, --help        this text

exit status: 0 all packets encoded, 2 bad input (the message names the packet and the JSON path)

example:
  $ mqttspec encode '{"type":"PUBLISH","qos":1,"topic":"a/b","packet_id":7,"payload":"hi"}'
  32090003612f6200076869
  $ mqttspec decode 300a0003612f6268656c6c6f | mqttspec encode
  300a0003612f6268656c6c6f
)";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "mqttspec encode: %s (see mqttspec encode --help)\n", message.c_str());
    return exit_usage;
}

struct input_packet {
    ordered_json json;
    std::string where;  // "packet 2" or "line 3", for messages
};

// One object, an array of objects, or newline-delimited objects.
std::vector<input_packet> split_input(const std::string& text) {
    std::vector<input_packet> out;
    ordered_json whole = ordered_json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (!whole.is_discarded()) {
        if (whole.is_array()) {
            for (std::size_t i = 0; i < whole.size(); ++i) out.push_back({whole[i], "packet " + std::to_string(i + 1)});
        } else {
            out.push_back({whole, "packet 1"});
        }
        return out;
    }
    std::istringstream lines(text);
    std::string line;
    std::size_t number = 0;
    while (std::getline(lines, line)) {
        ++number;
        if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
        try {
            out.push_back({ordered_json::parse(line), "line " + std::to_string(number)});
        } catch (const ordered_json::parse_error& e) {
            throw std::invalid_argument("line " + std::to_string(number) + ": not JSON: " + e.what());
        }
    }
    return out;
}

// The version a CONNECT object announces, when it announces one we know.
std::optional<codec::protocol_version> announced_version(const ordered_json& j) {
    if (!j.is_object() || j.value("type", std::string()) != "CONNECT") return std::nullopt;
    auto level = j.find("protocol_level");
    if (level == j.end() || !level->is_number_unsigned()) return std::nullopt;
    switch (level->get<unsigned>()) {
    case 3: return codec::protocol_version::v3_1;
    case 4: return codec::protocol_version::v3_1_1;
    case 5: return codec::protocol_version::v5;
    default: return std::nullopt;
    }
}

int run_encode(std::span<char*> args) {
    std::optional<codec::protocol_version> version;
    std::optional<std::string> text;
    bool options_ended = false;  // after "--" the argument is the JSON, whatever it starts with
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string_view a = args[i];
        if (!options_ended && a == "--") {
            options_ended = true;
            continue;
        }
        if (options_ended) {
            if (text) return usage_error("give the JSON as one argument (quote it)");
            text = std::string(a);
            continue;
        }
        if (a == "-h" || a == "--help") {
            std::fputs(encode_help.data(), stdout);
            return exit_ok;
        } else if (a == "-V" || a == "--protocol-version") {
            if (i + 1 >= args.size()) return usage_error(std::string(a) + " needs a value: 3.1, 3.1.1 or 5");
            const std::string_view v = args[++i];
            version = codec::parse_protocol_version(v);
            if (!version) return usage_error("unknown protocol version '" + std::string(v) + "' (3.1, 3.1.1 or 5)");
        } else if (a == "-") {
            if (text) return usage_error("give the JSON once");
            text = std::string();
        } else if (a.size() > 1 && a[0] == '-' && a[1] != '{' && a[1] != '[') {
            return usage_error("unknown option '" + std::string(a) + "'");
        } else {
            if (text) return usage_error("give the JSON as one argument (quote it)");
            text = std::string(a);
        }
    }
    if (!text || text->empty()) {
        text = std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        if (std::cin.bad()) return usage_error("cannot read standard input");
    }

    std::vector<input_packet> packets;
    try {
        packets = split_input(*text);
    } catch (const std::invalid_argument& e) {
        return usage_error(e.what());
    }
    if (packets.empty()) return usage_error("no JSON packets in the input");

    // Encode everything before printing anything, so a bad packet never leaves half an output.
    std::vector<std::string> lines;
    codec::protocol_version current = version.value_or(codec::protocol_version::v3_1_1);
    for (const auto& in : packets) {
        if (!version) {
            if (auto announced = announced_version(in.json)) current = *announced;
        }
        try {
            codec::arena store;
            const codec::packet p = codec::from_json(in.json, current, store);
            const auto bytes = codec::encode(p, current, codec::encode_options_from_json(in.json));
            lines.push_back(codec::to_hex(bytes));
        } catch (const codec::json_packet_error& e) {
            return usage_error(in.where + ": " + e.what());
        } catch (const codec::encode_error& e) {
            return usage_error(in.where + ": cannot encode for MQTT " + std::string(codec::to_string(current)) + ": " +
                               e.what());
        }
    }
    for (const auto& l : lines) std::printf("%s\n", l.c_str());
    return exit_ok;
}

const register_command registration{{"encode", "encode JSON packets into hex bytes", &run_encode}};

}  // namespace
}  // namespace mqttspec::app
