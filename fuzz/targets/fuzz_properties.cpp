// The 5.0 property parser, differentially: the input's tail is a property block placed in one of a
// dozen otherwise-valid packets. An independent parser (below) reads the block; the packet it
// implies is judged by the reference rules. The codec must accept exactly when that packet is valid,
// and then decode exactly those properties, in wire order.
#include <optional>

#include "common.hpp"

namespace {

using namespace mqttspec;
using codec::packet_type;
using fuzz::ref::value_type;

// Reads a whole property block body; nullopt when it is malformed.
std::optional<codec::property_list> parse_block(std::string_view b, bool allow_non_minimal_varint) {
    codec::property_list out;
    std::size_t i = 0;
    auto need = [&](std::size_t n) { return b.size() - i >= n; };
    auto u8 = [&](std::size_t at) { return static_cast<std::uint32_t>(static_cast<unsigned char>(b[at])); };
    auto read_string = [&](std::string_view& s) {
        if (!need(2)) return false;
        const std::size_t len = u8(i) << 8 | u8(i + 1);
        i += 2;
        if (!need(len)) return false;
        s = b.substr(i, len);
        i += len;
        return true;
    };
    // 5.0 2.2.2.2: the identifier is a Variable Byte Integer (all defined ones fit in one byte).
    auto read_varint = [&](std::uint32_t& value) {
        std::uint32_t scale = 1;
        std::size_t used = 0;
        value = 0;
        for (;;) {
            if (!need(1) || used == 4) return false;
            const auto c = u8(i++);
            ++used;
            value += (c & 0x7F) * scale;
            scale *= 128;
            if (!(c & 0x80)) break;
        }
        return allow_non_minimal_varint || used == fuzz::ref::varint_length(value);
    };
    while (i < b.size()) {
        std::uint32_t wide_id = 0;
        if (!read_varint(wide_id) || wide_id > 0xFF) return std::nullopt;
        const auto id = static_cast<std::uint8_t>(wide_id);
        const auto rule = fuzz::ref::property(id);
        codec::property p;
        p.id = static_cast<codec::property_id>(id);
        switch (rule.type) {
            case value_type::none: return std::nullopt;
            case value_type::byte:
                if (!need(1)) return std::nullopt;
                p.integer = u8(i);
                i += 1;
                break;
            case value_type::two_byte:
                if (!need(2)) return std::nullopt;
                p.integer = u8(i) << 8 | u8(i + 1);
                i += 2;
                break;
            case value_type::four_byte:
                if (!need(4)) return std::nullopt;
                p.integer = u8(i) << 24 | u8(i + 1) << 16 | u8(i + 2) << 8 | u8(i + 3);
                i += 4;
                break;
            case value_type::varint:
                if (!read_varint(p.integer)) return std::nullopt;
                break;
            case value_type::utf8:
            case value_type::binary:
                if (!read_string(p.data)) return std::nullopt;
                break;
            case value_type::pair:
                if (!read_string(p.data) || !read_string(p.value)) return std::nullopt;
                break;
        }
        out.push_back(p);
    }
    return out;
}

struct wrapper {
    std::vector<std::uint8_t> bytes;
    codec::packet expected;
};

// Packet `kind` carrying `block` (with a minimal length prefix) and the packet it should decode to.
wrapper wrap(unsigned kind, std::string_view block, const codec::property_list& props) {
    codec::raw_builder b;
    const auto with_prefix = codec::raw_builder().bytes(block).with_varint_length_prefix();
    const std::vector<std::uint8_t> empty_block{0};
    wrapper w;
    // Reason code 0 plus a property length: canonical only when there are properties (packets.hpp).
    const auto form = props.empty() ? codec::tail_form::reason_code_and_properties : codec::tail_form::shortest;
    auto frame = [&](std::uint8_t first) { w.bytes = b.packet(first); };
    switch (kind % 12) {
        case 0: {
            b.str("MQTT").byte(5).byte(0x02).u16(60).bytes(with_prefix).str("c");
            codec::connect_packet c;
            c.protocol_level = 5;
            c.properties = props;
            c.client_id = "c";
            w.expected = c;
            frame(0x10);
            break;
        }
        case 1: {
            b.str("MQTT").byte(5).byte(0x06).u16(60).bytes(empty_block).str("c").bytes(with_prefix).str("t").str("p");
            codec::connect_packet c;
            c.protocol_level = 5;
            c.client_id = "c";
            c.will = codec::will_message{"t", "p", 0, false, props};
            w.expected = c;
            frame(0x10);
            break;
        }
        case 2: {
            b.byte(0).byte(0).bytes(with_prefix);
            w.expected = codec::connack_packet{false, 0, props};
            frame(0x20);
            break;
        }
        case 3: {
            b.str("t").u16(1).bytes(with_prefix).bytes("x");
            codec::publish_packet p;
            p.qos = 1;
            p.topic = "t";
            p.packet_id = 1;
            p.properties = props;
            p.payload = "x";
            w.expected = p;
            frame(0x32);
            break;
        }
        case 4: {
            b.u16(1).byte(0).bytes(with_prefix);
            w.expected = codec::puback_packet{1, 0, props, form};
            frame(0x40);
            break;
        }
        case 5: {
            b.u16(1).byte(0).bytes(with_prefix);
            w.expected = codec::pubrel_packet{1, 0, props, form};
            frame(0x62);
            break;
        }
        case 6: {
            b.u16(1).bytes(with_prefix).str("t").byte(0);
            codec::subscribe_packet s;
            s.packet_id = 1;
            s.properties = props;
            s.subscriptions.push_back(codec::subscription{"t"});
            w.expected = s;
            frame(0x82);
            break;
        }
        case 7: {
            b.u16(1).bytes(with_prefix).byte(0);
            w.expected = codec::suback_packet{1, props, {0}};
            frame(0x90);
            break;
        }
        case 8: {
            b.u16(1).bytes(with_prefix).str("t");
            w.expected = codec::unsubscribe_packet{1, props, {"t"}};
            frame(0xA2);
            break;
        }
        case 9: {
            b.u16(1).bytes(with_prefix).byte(0);
            w.expected = codec::unsuback_packet{1, props, {0}};
            frame(0xB0);
            break;
        }
        case 10: {
            b.byte(0).bytes(with_prefix);
            w.expected = codec::disconnect_packet{0, props, form};
            frame(0xE0);
            break;
        }
        default: {
            b.byte(0).bytes(with_prefix);
            w.expected = codec::auth_packet{0, props, form};
            frame(0xF0);
            break;
        }
    }
    return w;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    FuzzedDataProvider fdp(data, size);
    auto cfg = fuzz::read_config(fdp);
    cfg.version = codec::protocol_version::v5;
    const std::string block = fdp.ConsumeRemainingBytesAsString();
    if (block.size() > 100'000) return 0;  // keeps the block's length prefix within 3 bytes

    const auto parsed = parse_block(block, cfg.options.allow_non_minimal_varint);
    const auto w = wrap(cfg.mode, block, parsed.value_or(codec::property_list{}));
    const auto r = fuzz::decode_checked(w.bytes, cfg.version, cfg.options);

    const std::string input = " for " + fuzz::hex_prefix(w.bytes) + ": " + fuzz::describe(r);
    if (!parsed) {
        FUZZ_CHECK(!r.ok(), "accepted a property block the reference cannot parse" + input);
        return 0;
    }
    const bool fits = w.bytes.size() <= cfg.options.maximum_packet_size;
    const auto violation = fuzz::packet_violation(w.expected, cfg.version, cfg.options);
    if (violation.empty() && fits) {
        FUZZ_CHECK(r.ok(), "rejected a valid property block" + input);
        FUZZ_CHECK(r.pkt == w.expected, "decoded properties differ from the reference parse" + input);
    } else {
        FUZZ_CHECK(!r.ok(), "accepted an invalid property block (" + violation + ")" + input);
    }
    return 0;
}
