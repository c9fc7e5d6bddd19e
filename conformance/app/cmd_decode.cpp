// `mqttspec decode`: hex bytes in, one JSON object per packet out, strict.
#include <cctype>
#include <charconv>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "command.hpp"
#include "mqttspec/codec/codec.hpp"
#include "mqttspec/codec/json.hpp"

namespace mqttspec::app {
namespace {

namespace codec = mqttspec::codec;

constexpr std::string_view decode_help = R"(usage: mqttspec decode [options] [HEX ...]

Decodes MQTT packets from hex and prints each as one JSON object per line. The hex comes from the
arguments (concatenated) or, when there are none, from standard input; whitespace is ignored and
several packets may follow each other in one stream.

options:
  -V, --protocol-version 3.1|3.1.1|5
                              protocol version to decode with. Without it, a CONNECT sets the
                              version for the rest of the stream (its protocol name and level);
                              before any CONNECT, 3.1.1 is assumed.
  --max-packet-size N         reject packets larger than N bytes (fixed header included)
  --sender client|server      who sent the bytes: enables direction checks (a client must not send
                              CONNACK, a client PUBLISH must not carry a Subscription Identifier...)
  --check-payload-format      5.0: payload must be UTF-8 when Payload Format Indicator is 1
  --reject-control-characters reject U+0001..U+001F and U+007F..U+009F in UTF-8 strings
  --reject-noncharacters      reject Unicode noncharacters in UTF-8 strings
  --allow-non-minimal-varint  5.0: accept Variable Byte Integers longer than needed
  --pretty                    indent the JSON
  -h, --help                  this text

output: one JSON object per packet (see README, section codec). On the first rejected packet a
JSON object {"error", "kind", "offset", "reason_code", "statement", "message"} is printed instead
and decoding stops; "offset" counts bytes from the start of the stream. A stream that ends inside
a packet is reported as error "truncated" (more bytes were needed); a packet whose field runs past
its own Remaining Length is error "field_past_remaining_length" (malformed whatever follows).

exit status: 0 every packet valid, 1 a packet was rejected or the stream was truncated,
             2 usage error (bad option, bad hex)

example:
  $ mqttspec decode 300a0003612f6268656c6c6f
  {"type":"PUBLISH","dup":false,"qos":0,"retain":false,"topic":"a/b","payload":"hello"}
  $ echo 'e0 01 00' | mqttspec decode
  {"error":"wrong_fixed_length","kind":"malformed_packet","offset":1,"reason_code":129,
   "statement":null,"message":"DISCONNECT remaining length is 1; it must be 0 in MQTT 3.1.1"}
  $ mqttspec decode 100d00044d5154540502003c000000 e00104
  (a 5.0 CONNECT, then a DISCONNECT decoded as 5.0 because the CONNECT said so)
)";

int usage_error(const std::string& message) {
    std::fprintf(stderr, "mqttspec decode: %s (see mqttspec decode --help)\n", message.c_str());
    return exit_usage;
}

// Hex digits with any whitespace in between; nullopt + message on anything else.
std::optional<std::vector<std::uint8_t>> parse_hex(std::string_view text, std::string& error) {
    std::vector<std::uint8_t> out;
    int pending = -1;
    std::size_t digits = 0;
    for (std::size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (std::isspace(static_cast<unsigned char>(c))) continue;
        int v = -1;
        if (c >= '0' && c <= '9') v = c - '0';
        else if (c >= 'a' && c <= 'f') v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v = c - 'A' + 10;
        if (v < 0) {
            error = "not a hex digit: '" + std::string(1, c) + "' at character " + std::to_string(i + 1);
            return std::nullopt;
        }
        ++digits;
        if (pending < 0) {
            pending = v;
        } else {
            out.push_back(static_cast<std::uint8_t>(pending * 16 + v));
            pending = -1;
        }
    }
    if (pending >= 0) {
        error = "odd number of hex digits (" + std::to_string(digits) + ")";
        return std::nullopt;
    }
    return out;
}

std::string dump(const codec::ordered_json& j, bool pretty) {
    return pretty ? j.dump(2) : j.dump();
}

int run_decode(std::span<char*> args) {
    std::optional<codec::protocol_version> version;
    codec::decode_options options;
    bool pretty = false;
    std::string hex_text;
    bool hex_from_args = false;

    bool options_ended = false;  // after "--" every argument is hex
    for (std::size_t i = 1; i < args.size(); ++i) {
        const std::string_view a = args[i];
        if (!options_ended && a == "--") {
            options_ended = true;
            continue;
        }
        if (options_ended) {
            hex_text += a;
            hex_text += ' ';
            hex_from_args = true;
            continue;
        }
        auto value = [&](std::string_view flag) -> std::optional<std::string_view> {
            if (i + 1 >= args.size()) return std::nullopt;
            (void)flag;
            return std::string_view(args[++i]);
        };
        if (a == "-h" || a == "--help") {
            std::fputs(decode_help.data(), stdout);
            return exit_ok;
        } else if (a == "-V" || a == "--protocol-version") {
            auto v = value(a);
            if (!v) return usage_error(std::string(a) + " needs a value: 3.1, 3.1.1 or 5");
            version = codec::parse_protocol_version(*v);
            if (!version) return usage_error("unknown protocol version '" + std::string(*v) + "' (3.1, 3.1.1 or 5)");
        } else if (a == "--max-packet-size") {
            auto v = value(a);
            if (!v) return usage_error("--max-packet-size needs a number");
            std::size_t n = 0;
            auto [end, ec] = std::from_chars(v->data(), v->data() + v->size(), n);
            if (ec != std::errc{} || end != v->data() + v->size() || n < 2) {
                return usage_error("--max-packet-size: '" + std::string(*v) + "' is not a size of at least 2");
            }
            options.maximum_packet_size = n;
        } else if (a == "--sender") {
            auto v = value(a);
            if (v && *v == "client") options.sender = codec::sender::client;
            else if (v && *v == "server") options.sender = codec::sender::server;
            else return usage_error("--sender needs 'client' or 'server'");
        } else if (a == "--check-payload-format") {
            options.check_payload_format = true;
        } else if (a == "--reject-control-characters") {
            options.reject_control_characters = true;
        } else if (a == "--reject-noncharacters") {
            options.reject_noncharacters = true;
        } else if (a == "--allow-non-minimal-varint") {
            options.allow_non_minimal_varint = true;
        } else if (a == "--pretty") {
            pretty = true;
        } else if (a.size() > 1 && a[0] == '-') {
            return usage_error("unknown option '" + std::string(a) + "'");
        } else {
            hex_text += a;
            hex_text += ' ';
            hex_from_args = true;
        }
    }
    if (!hex_from_args) {
        hex_text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
        if (std::cin.bad()) return usage_error("cannot read standard input");
    }
    std::string hex_error;
    auto bytes = parse_hex(hex_text, hex_error);
    if (!bytes) return usage_error(std::string(hex_from_args ? "arguments" : "standard input") + ": " + hex_error);
    if (bytes->empty()) return usage_error("no bytes to decode");

    codec::stream_decoder decoder(version.value_or(codec::protocol_version::v3_1_1), options);
    decoder.follow_connect(!version.has_value());
    decoder.feed(*bytes);
    for (;;) {
        const std::size_t packet_offset = decoder.stream_offset();
        codec::decode_result r = decoder.next();
        if (r.status == codec::decode_status::ok) {
            std::printf("%s\n", dump(codec::to_json(r, decoder.version()), pretty).c_str());
            continue;
        }
        if (r.status == codec::decode_status::error) {
            std::printf("%s\n", dump(codec::to_json(r.error), pretty).c_str());
            return exit_failures;
        }
        if (decoder.buffered() == 0) break;  // need_more with nothing left: the stream ended cleanly
        codec::decode_error truncated;
        truncated.code = codec::errc::truncated;
        truncated.kind = codec::error_kind::malformed_packet;
        truncated.offset = packet_offset;
        truncated.reason_code = codec::reason::malformed_packet;
        truncated.message = "the input ends inside a packet: " + std::to_string(decoder.buffered()) + " byte(s) of " +
                            (r.needed != 0 ? std::to_string(r.needed) : std::string("an unknown number"));
        std::printf("%s\n", dump(codec::to_json(truncated), pretty).c_str());
        return exit_failures;
    }
    return exit_ok;
}

const register_command registration{{"decode", "decode hex bytes into JSON packets (strict)", &run_decode}};

}  // namespace
}  // namespace mqttspec::app
