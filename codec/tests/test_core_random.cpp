// Random round trip: thousands of generated valid packets (seeded, so failures reproduce) must
// decode back to themselves, re-encode to the same bytes, and come out of a randomly chunked stream.
#include <gtest/gtest.h>

#include <random>

#include "mqttspec/codec/codec.hpp"

namespace mc = mqttspec::codec;
using mc::packet_type;
using mc::property_id;
using mc::protocol_version;

namespace {

class generator {
public:
    generator(std::uint32_t seed, protocol_version v) : rng_(seed), v_(v) {}

    mc::packet any() {
        const int last = v_ == protocol_version::v5 ? 15 : 14;
        switch (between(1, last)) {
            case 1: return connect();
            case 2: return connack();
            case 3: return publish();
            case 4: return ack<mc::puback_packet>();
            case 5: return ack<mc::pubrec_packet>();
            case 6: return ack<mc::pubrel_packet>();
            case 7: return ack<mc::pubcomp_packet>();
            case 8: return subscribe();
            case 9: return suback();
            case 10: return unsubscribe();
            case 11: return unsuback();
            case 12: return mc::pingreq_packet{};
            case 13: return mc::pingresp_packet{};
            case 14: {
                mc::disconnect_packet d;
                tail(d, packet_type::disconnect, {0x00, 0x04, 0x80, 0x8E, 0x9C, 0xA2});
                return d;
            }
            default: {
                mc::auth_packet a;
                tail(a, packet_type::auth, {0x00, 0x18, 0x19});
                // Every AUTH names its method (3.15.2.2.2, MQTT-4.12.0-5).
                if (!mc::find(a.properties, property_id::authentication_method))
                    a.properties.push_back({property_id::authentication_method, 0, text(1, 8), {}});
                return a;
            }
        }
    }

    std::mt19937& rng() { return rng_; }

private:
    int between(int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng_); }
    bool coin() { return between(0, 1) == 1; }
    bool v5() const { return v_ == protocol_version::v5; }

    // Well-formed UTF-8 without U+0000, mixing 1- to 4-byte characters (U+FEFF included).
    std::string_view text(int min_chars, int max_chars, std::string_view avoid = {}) {
        static constexpr std::string_view pieces[] = {"a", "b", "Z", "0", "-", "_", " ", ".", "$",
                                                      "\xC3\xA9", "\xE2\x82\xAC", "\xEF\xBB\xBF",
                                                      "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF"};
        std::string s;
        const int n = between(min_chars, max_chars);
        for (int i = 0; i < n; ++i) {
            auto piece = pieces[static_cast<std::size_t>(between(0, std::size(pieces) - 1))];
            if (!avoid.empty() && piece.find_first_of(avoid) != std::string_view::npos) piece = "x";
            s += piece;
        }
        return arena_.keep(std::move(s));
    }
    std::string_view binary(int max_len) {
        std::string s(static_cast<std::size_t>(between(0, max_len)), '\0');
        for (auto& c : s) c = static_cast<char>(between(0, 255));
        return arena_.keep(std::move(s));
    }
    std::string_view topic_name() {
        std::string s;
        const int levels = between(1, 4);
        for (int i = 0; i < levels; ++i) {
            if (i) s += '/';
            s += text(0, 4, "+#/");
        }
        if (s.empty() || s.find_first_not_of('/') == std::string::npos) s += "t";
        return arena_.keep(std::move(s));
    }
    std::string_view topic_filter() {
        std::string s;
        const int levels = between(1, 4);
        for (int i = 0; i < levels; ++i) {
            if (i) s += '/';
            const int kind = between(0, 5);
            if (kind == 0) {
                s += '+';
            } else if (kind == 1 && i == levels - 1) {
                s += '#';
            } else {
                s += text(0, 4, "+#/");
            }
        }
        if (s.empty()) s = "#";
        if (v5() && between(0, 4) == 0) s = "$share/" + std::string(text(1, 3, "+#/")) + "/" + s;
        return arena_.keep(std::move(s));
    }

    // Valid properties for `target` (reserved = Will Properties).
    mc::property_list properties(packet_type target) {
        mc::property_list out;
        if (!v5()) return out;
        const bool will = target == packet_type::reserved;
        const std::uint32_t bit = will ? mc::will_properties_bit : mc::packet_bit(target);
        std::vector<const mc::property_info*> candidates;
        for (const auto& info : mc::all_properties())
            if (info.allowed_in & bit) candidates.push_back(&info);
        const int count = between(0, 4);
        for (int i = 0; i < count && !candidates.empty(); ++i) {
            const auto* info = candidates[static_cast<std::size_t>(between(0, static_cast<int>(candidates.size()) - 1))];
            const bool repeatable = info->repeatable &&
                                    !(info->id == property_id::subscription_identifier && target != packet_type::publish);
            if (!repeatable && mc::find(out, info->id)) continue;
            if (info->id == property_id::authentication_data && !mc::find(out, property_id::authentication_method))
                out.push_back({property_id::authentication_method, 0, text(1, 6), {}});
            if (info->id == property_id::authentication_method && mc::find(out, info->id)) continue;
            out.push_back(value_for(*info));
        }
        return out;
    }
    mc::property value_for(const mc::property_info& info) {
        mc::property p{info.id, 0, {}, {}};
        switch (info.id) {
            case property_id::payload_format_indicator:
            case property_id::request_problem_information:
            case property_id::request_response_information:
            case property_id::retain_available:
            case property_id::wildcard_subscription_available:
            case property_id::subscription_identifier_available:
            case property_id::shared_subscription_available:
            case property_id::maximum_qos: p.integer = static_cast<std::uint32_t>(between(0, 1)); return p;
            case property_id::receive_maximum:
            case property_id::topic_alias: p.integer = static_cast<std::uint32_t>(between(1, 65535)); return p;
            case property_id::maximum_packet_size: p.integer = static_cast<std::uint32_t>(between(1, 1 << 30)); return p;
            case property_id::subscription_identifier:
                p.integer = static_cast<std::uint32_t>(between(1, 268'435'455));
                return p;
            case property_id::response_topic: p.data = topic_name(); return p;
            default: break;
        }
        switch (info.type) {
            case mc::property_type::byte: p.integer = static_cast<std::uint32_t>(between(0, 255)); break;
            case mc::property_type::two_byte: p.integer = static_cast<std::uint32_t>(between(0, 65535)); break;
            case mc::property_type::four_byte: p.integer = static_cast<std::uint32_t>(rng_()); break;
            case mc::property_type::varint: p.integer = static_cast<std::uint32_t>(between(1, 268'435'455)); break;
            case mc::property_type::utf8_string: p.data = text(0, 6); break;
            case mc::property_type::binary: p.data = binary(8); break;
            case mc::property_type::string_pair:
                p.data = text(0, 5);
                p.value = text(0, 5);
                break;
        }
        return p;
    }
    std::uint16_t packet_id() { return static_cast<std::uint16_t>(between(1, 65535)); }
    template <class Packet>
    void tail(Packet& p, packet_type t, std::initializer_list<std::uint8_t> codes) {
        if (!v5()) return;
        p.reason_code = codes.begin()[between(0, static_cast<int>(codes.size()) - 1)];
        if (coin()) p.properties = properties(t);
        // Canonical form only: a longer recorded form is exercised by the decoder tests.
    }

    mc::packet connect() {
        mc::connect_packet c;
        c.protocol_name = v_ == protocol_version::v3_1 ? "MQIsdp" : "MQTT";
        c.protocol_level = static_cast<std::uint8_t>(v_);
        c.clean_start = coin();
        c.keep_alive = static_cast<std::uint16_t>(between(0, 65535));
        c.properties = properties(packet_type::connect);
        c.client_id = text(0, 8);
        if (coin()) {
            mc::will_message w;
            w.topic = topic_name();
            w.payload = binary(10);
            w.qos = static_cast<std::uint8_t>(between(0, 2));
            w.retain = coin();
            w.properties = properties(packet_type::reserved);
            c.will = w;
        }
        const bool user = coin();
        if (user) c.username = text(0, 6);
        if ((user || v5()) && coin()) c.password = binary(8);
        return c;
    }
    mc::packet connack() {
        mc::connack_packet c;
        if (v5()) {
            c.reason_code = coin() ? 0 : std::uint8_t{0x87};
            c.properties = properties(packet_type::connack);
        } else {
            c.reason_code = static_cast<std::uint8_t>(between(0, 5));
        }
        c.session_present = v_ != protocol_version::v3_1 && c.reason_code == 0 && coin();
        return c;
    }
    mc::packet publish() {
        mc::publish_packet p;
        p.qos = static_cast<std::uint8_t>(between(0, 2));
        p.dup = p.qos > 0 && coin();
        p.retain = coin();
        p.topic = topic_name();
        if (p.qos > 0) p.packet_id = packet_id();
        p.properties = properties(packet_type::publish);
        if (v5() && mc::find(p.properties, property_id::topic_alias) && coin()) p.topic = "";
        p.payload = binary(40);
        return p;
    }
    template <class Ack>
    mc::packet ack() {
        Ack a;
        a.packet_id = packet_id();
        const bool release = Ack::type == packet_type::pubrel || Ack::type == packet_type::pubcomp;
        if (release)
            tail(a, Ack::type, {0x00, 0x92});
        else
            tail(a, Ack::type, {0x00, 0x10, 0x80, 0x87, 0x99});
        return a;
    }
    mc::packet subscribe() {
        mc::subscribe_packet s;
        s.packet_id = packet_id();
        s.properties = properties(packet_type::subscribe);
        const int n = between(1, 4);
        for (int i = 0; i < n; ++i) {
            mc::subscription sub;
            sub.filter = topic_filter();
            sub.qos = static_cast<std::uint8_t>(between(0, 2));
            if (v5()) {
                sub.no_local = !mc::is_shared_filter(sub.filter) && coin();
                sub.retain_as_published = coin();
                sub.retain_handling = static_cast<std::uint8_t>(between(0, 2));
            }
            s.subscriptions.push_back(sub);
        }
        return s;
    }
    mc::packet suback() {
        mc::suback_packet s;
        s.packet_id = packet_id();
        s.properties = properties(packet_type::suback);
        const int n = between(1, 5);
        for (int i = 0; i < n; ++i) {
            std::uint8_t code = static_cast<std::uint8_t>(between(0, 2));
            if (v_ != protocol_version::v3_1 && coin()) code = 0x80;
            if (v5() && coin()) code = 0xA1;
            s.reason_codes.push_back(code);
        }
        return s;
    }
    mc::packet unsubscribe() {
        mc::unsubscribe_packet u;
        u.packet_id = packet_id();
        u.properties = properties(packet_type::unsubscribe);
        const int n = between(1, 3);
        for (int i = 0; i < n; ++i) u.filters.push_back(topic_filter());
        return u;
    }
    mc::packet unsuback() {
        mc::unsuback_packet u;
        u.packet_id = packet_id();
        if (v5()) {
            u.properties = properties(packet_type::unsuback);
            const int n = between(1, 4);
            for (int i = 0; i < n; ++i) u.reason_codes.push_back(coin() ? 0x00 : 0x11);
        }
        return u;
    }

    std::mt19937 rng_;
    protocol_version v_;
    mc::arena arena_;
};

class RandomRoundTrip : public ::testing::TestWithParam<protocol_version> {};

TEST_P(RandomRoundTrip, GeneratedPacketsSurviveEncodeDecodeEncode) {
    const auto v = GetParam();
    generator gen(20240601u + static_cast<unsigned>(v), v);
    std::vector<std::uint8_t> stream;
    std::vector<mc::packet> sent;
    for (int i = 0; i < 3000; ++i) {
        auto original = gen.any();
        SCOPED_TRACE("packet " + std::to_string(i) + " " + std::string(mc::to_string(mc::type_of(original))));
        const auto bytes = mc::encode(original, v);
        ASSERT_EQ(bytes.size(), mc::encoded_size(original, v));
        const auto decoded = mc::decode(bytes, v);
        ASSERT_TRUE(decoded.ok()) << mc::to_string(decoded.error.code) << ": " << decoded.error.message << " at "
                                  << decoded.error.offset << " in " << mc::to_hex(bytes);
        ASSERT_EQ(decoded.consumed, bytes.size());
        ASSERT_EQ(decoded.pkt, original) << mc::to_hex(bytes);
        ASSERT_EQ(mc::encode(decoded.pkt, v), bytes);
        stream.insert(stream.end(), bytes.begin(), bytes.end());
        sent.push_back(std::move(original));
    }

    // The same packets through a stream decoder fed in random chunks.
    mc::stream_decoder d(v);
    std::size_t pos = 0, received = 0;
    std::uniform_int_distribution<std::size_t> chunk(1, 64);
    while (pos < stream.size()) {
        const std::size_t n = std::min(chunk(gen.rng()), stream.size() - pos);
        d.feed(std::span(stream).subspan(pos, n));
        pos += n;
        for (auto r = d.next(); r.status != mc::decode_status::need_more; r = d.next()) {
            ASSERT_TRUE(r.ok()) << r.error.message << " at stream offset " << r.error.offset;
            ASSERT_LT(received, sent.size());
            ASSERT_EQ(r.pkt, sent[received]) << "packet " << received;
            ++received;
        }
    }
    EXPECT_EQ(received, sent.size());
}

INSTANTIATE_TEST_SUITE_P(AllVersions, RandomRoundTrip,
                         ::testing::Values(protocol_version::v3_1, protocol_version::v3_1_1, protocol_version::v5),
                         [](const auto& param_info) {
                             return std::string(param_info.param == protocol_version::v3_1     ? "v3_1"
                                                : param_info.param == protocol_version::v3_1_1 ? "v3_1_1"
                                                                                               : "v5");
                         });

}  // namespace
