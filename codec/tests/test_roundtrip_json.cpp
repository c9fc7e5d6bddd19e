// Seeded random valid packets of every type and version: encode -> decode -> same packet -> same
// bytes, and the JSON mapping round trip (to_json -> text -> from_json -> same packet, same bytes).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "mqttspec/codec/codec.hpp"
#include "mqttspec/codec/json.hpp"

namespace mc = mqttspec::codec;
using mc::ordered_json;

namespace {

class generator {
public:
    generator(std::uint32_t seed, mc::arena& store) : rng_(seed), store_(store) {}

    int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
    bool coin() { return below(2) == 0; }
    std::uint32_t in(std::uint32_t lo, std::uint32_t hi) { return std::uniform_int_distribution<std::uint32_t>(lo, hi)(rng_); }

    // Well-formed UTF-8 without U+0000, wildcards or '/' (a topic level), 0..max code points.
    std::string level(int max = 6) {
        static const char* const pieces[] = {"a", "b", "Z", "9", "-", "_", " ", "$", "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                             "\xEF\xBB\xBF", "\x01", "\xEF\xBF\xBF"};
        std::string s;
        const int n = below(max + 1);
        for (int i = 0; i < n; ++i) s += pieces[below(static_cast<int>(std::size(pieces)))];
        return s;
    }
    std::string_view text(int max = 8) { return store_.keep(level(max)); }
    std::string_view binary(int max = 12) {
        std::string s;
        const int n = below(max + 1);
        for (int i = 0; i < n; ++i) s += static_cast<char>(below(256));
        return store_.keep(std::move(s));
    }
    std::string_view topic_name() {
        std::string t = level(4);
        for (int i = below(4); i > 0; --i) t += "/" + level(3);
        if (t.empty()) t = "t";
        return store_.keep(std::move(t));
    }
    std::string_view topic_filter(bool allow_shared) {
        std::string f;
        if (allow_shared && below(6) == 0) f = "$share/" + std::string(level(3).empty() ? "g" : "g" + level(2)) + "/";
        const int levels = 1 + below(4);
        for (int i = 0; i < levels; ++i) {
            if (i > 0) f += "/";
            const int kind = below(5);
            if (kind == 0) f += "+";
            else if (kind == 1 && i == levels - 1) f += "#";
            else f += level(3);
        }
        if (f.empty() || f.back() == '/') f += "x";
        return store_.keep(std::move(f));
    }

    mc::property_list properties(mc::packet_type t, bool will = false) {
        mc::property_list out;
        const std::uint32_t where = will ? mc::will_properties_bit : mc::packet_bit(t);
        bool have_method = false;
        for (const auto& info : mc::all_properties()) {
            if ((info.allowed_in & where) == 0 || below(3) != 0) continue;
            if (info.id == mc::property_id::authentication_data && !have_method) continue;
            int count = 1;
            if (info.id == mc::property_id::user_property) count = 1 + below(3);
            if (info.id == mc::property_id::subscription_identifier && t == mc::packet_type::publish) count = 1 + below(2);
            for (int i = 0; i < count; ++i) out.push_back(value_of(info));
            have_method = have_method || info.id == mc::property_id::authentication_method;
        }
        // Any wire order is kept, interleaved repeats included (the JSON then lists runs).
        if (coin()) std::shuffle(out.begin(), out.end(), rng_);
        return out;
    }

    mc::property value_of(const mc::property_info& info) {
        mc::property p;
        p.id = info.id;
        switch (info.type) {
        case mc::property_type::byte: p.integer = in(0, 1); break;  // every byte property is 0/1 valued
        case mc::property_type::two_byte: p.integer = in(1, 65535); break;
        case mc::property_type::four_byte: p.integer = coin() ? in(1, 100) : in(1, 0xFFFFFFFFu); break;
        case mc::property_type::varint: p.integer = coin() ? in(1, 127) : in(1, 268'435'455); break;
        case mc::property_type::utf8_string: p.data = info.id == mc::property_id::response_topic ? topic_name() : text(); break;
        case mc::property_type::binary: p.data = binary(); break;
        case mc::property_type::string_pair:
            p.data = text(4);
            p.value = text(6);
            break;
        }
        return p;
    }

    std::uint8_t reason(mc::packet_type t, mc::protocol_version v) {
        for (;;) {
            const auto code = static_cast<std::uint8_t>(below(6) == 0 ? below(256) : below(3));
            if (mc::is_valid_reason_code(t, v, code)) return code;
        }
    }

    mc::tail_form form(std::uint8_t reason_code, const mc::property_list& props) {
        const int needed = !props.empty() ? 2 : reason_code != 0 ? 1 : 0;
        const int chosen = below(3);
        // The decoder records a form only when it is longer than the content needs.
        return chosen > needed ? static_cast<mc::tail_form>(chosen) : mc::tail_form::shortest;
    }

    mc::packet packet(mc::protocol_version v) {
        const bool v5 = v == mc::protocol_version::v5;
        const int type = 1 + below(v5 ? 15 : 14);
        switch (static_cast<mc::packet_type>(type)) {
        case mc::packet_type::connect: {
            mc::connect_packet c;
            c.protocol_name = v == mc::protocol_version::v3_1 ? "MQIsdp" : "MQTT";
            c.protocol_level = static_cast<std::uint8_t>(v);
            c.clean_start = coin();
            c.keep_alive = static_cast<std::uint16_t>(in(0, 65535));
            if (v5) c.properties = properties(mc::packet_type::connect);
            c.client_id = text(23);
            if (coin()) {
                mc::will_message w;
                w.topic = topic_name();
                w.payload = binary();
                w.qos = static_cast<std::uint8_t>(below(3));
                w.retain = coin();
                if (v5) w.properties = properties(mc::packet_type::reserved, true);
                c.will = w;
            }
            if (coin()) c.username = text();
            if ((v5 || c.username) && coin()) c.password = binary();
            return c;
        }
        case mc::packet_type::connack: {
            mc::connack_packet c;
            c.reason_code = reason(mc::packet_type::connack, v);
            c.session_present = v != mc::protocol_version::v3_1 && c.reason_code == 0 && coin();  // 3.1: byte unused
            if (v5) c.properties = properties(mc::packet_type::connack);
            return c;
        }
        case mc::packet_type::publish: {
            mc::publish_packet p;
            p.qos = static_cast<std::uint8_t>(below(3));
            p.dup = p.qos > 0 && coin();
            p.retain = coin();
            p.topic = topic_name();
            if (p.qos > 0) p.packet_id = static_cast<std::uint16_t>(in(1, 65535));
            if (v5) {
                p.properties = properties(mc::packet_type::publish);
                if (mc::find(p.properties, mc::property_id::topic_alias) && below(3) == 0) p.topic = "";
            }
            p.payload = binary(40);
            return p;
        }
        case mc::packet_type::puback: return ack<mc::packet_type::puback>(v);
        case mc::packet_type::pubrec: return ack<mc::packet_type::pubrec>(v);
        case mc::packet_type::pubrel: return ack<mc::packet_type::pubrel>(v);
        case mc::packet_type::pubcomp: return ack<mc::packet_type::pubcomp>(v);
        case mc::packet_type::subscribe: {
            mc::subscribe_packet s;
            s.packet_id = static_cast<std::uint16_t>(in(1, 65535));
            if (v5) s.properties = properties(mc::packet_type::subscribe);
            for (int i = 1 + below(4); i > 0; --i) {
                mc::subscription sub;
                sub.filter = topic_filter(v5);
                sub.qos = static_cast<std::uint8_t>(below(3));
                if (v5) {
                    sub.no_local = !mc::is_shared_filter(sub.filter) && coin();
                    sub.retain_as_published = coin();
                    sub.retain_handling = static_cast<std::uint8_t>(below(3));
                }
                s.subscriptions.push_back(sub);
            }
            return s;
        }
        case mc::packet_type::suback: {
            mc::suback_packet s;
            s.packet_id = static_cast<std::uint16_t>(in(1, 65535));
            if (v5) s.properties = properties(mc::packet_type::suback);
            for (int i = 1 + below(5); i > 0; --i) s.reason_codes.push_back(reason(mc::packet_type::suback, v));
            return s;
        }
        case mc::packet_type::unsubscribe: {
            mc::unsubscribe_packet u;
            u.packet_id = static_cast<std::uint16_t>(in(1, 65535));
            if (v5) u.properties = properties(mc::packet_type::unsubscribe);
            for (int i = 1 + below(4); i > 0; --i) u.filters.push_back(topic_filter(v5));
            return u;
        }
        case mc::packet_type::unsuback: {
            mc::unsuback_packet u;
            u.packet_id = static_cast<std::uint16_t>(in(1, 65535));
            if (v5) {
                u.properties = properties(mc::packet_type::unsuback);
                for (int i = 1 + below(5); i > 0; --i) u.reason_codes.push_back(reason(mc::packet_type::unsuback, v));
            }
            return u;
        }
        case mc::packet_type::pingreq: return mc::pingreq_packet{};
        case mc::packet_type::pingresp: return mc::pingresp_packet{};
        case mc::packet_type::disconnect: {
            mc::disconnect_packet d;
            if (v5) {
                d.reason_code = reason(mc::packet_type::disconnect, v);
                d.properties = properties(mc::packet_type::disconnect);
                d.form = form(d.reason_code, d.properties);
            }
            return d;
        }
        case mc::packet_type::auth: {
            mc::auth_packet a;
            a.reason_code = reason(mc::packet_type::auth, v);
            // 3.15.2.2.2, MQTT-4.12.0-5: every AUTH names its Authentication Method.
            a.properties.push_back({mc::property_id::authentication_method, 0, text(6), {}});
            if (coin()) a.properties.push_back({mc::property_id::authentication_data, 0, binary(), {}});
            if (coin()) a.properties.push_back({mc::property_id::reason_string, 0, text(), {}});
            return a;
        }
        case mc::packet_type::reserved: break;
        }
        return mc::pingreq_packet{};
    }

    template <mc::packet_type T>
    mc::basic_ack_packet<T> ack(mc::protocol_version v) {
        mc::basic_ack_packet<T> a;
        a.packet_id = static_cast<std::uint16_t>(in(1, 65535));
        if (v == mc::protocol_version::v5) {
            a.reason_code = reason(T, v);
            a.properties = properties(T);
            a.form = form(a.reason_code, a.properties);
        }
        return a;
    }

private:
    std::mt19937 rng_;
    mc::arena& store_;
};

class random_round_trip : public ::testing::TestWithParam<mc::protocol_version> {};

TEST_P(random_round_trip, binary_and_json) {
    const mc::protocol_version v = GetParam();
    constexpr int count = 3000;
    mc::arena store;
    generator gen(20261125u + static_cast<std::uint32_t>(v), store);
    std::vector<std::uint8_t> stream;
    std::vector<ordered_json> expected;
    for (int i = 0; i < count; ++i) {
        const mc::packet p = gen.packet(v);
        mc::encode_options width;
        if (v != mc::protocol_version::v5 && gen.below(8) == 0) width.min_remaining_length_bytes = static_cast<std::uint8_t>(1 + gen.below(4));
        const auto bytes = mc::encode(p, v, width);
        SCOPED_TRACE("packet " + std::to_string(i) + ": " + mc::to_hex(bytes));

        const auto r = mc::decode(bytes, v);
        ASSERT_TRUE(r.ok()) << mc::to_json(r.error).dump();
        ASSERT_EQ(r.consumed, bytes.size());
        ASSERT_TRUE(r.pkt == p) << "decoded " << mc::to_json(r, v).dump() << "\nexpected " << mc::to_json(p, v).dump();
        mc::encode_options recorded;
        recorded.min_remaining_length_bytes = r.remaining_length_bytes;
        ASSERT_EQ(mc::to_hex(mc::encode(r.pkt, v, recorded)), mc::to_hex(bytes));

        // JSON, through text, back to the same packet and bytes.
        const ordered_json j = mc::to_json(r, v);
        const ordered_json reparsed = ordered_json::parse(j.dump());
        mc::arena json_store;
        mc::packet back;
        try {
            back = mc::from_json(reparsed, v, json_store);
        } catch (const mc::json_packet_error& e) {
            FAIL() << e.what() << " in " << j.dump();
        }
        ASSERT_TRUE(back == p) << j.dump();
        ASSERT_EQ(mc::to_hex(mc::encode(back, v, mc::encode_options_from_json(reparsed))), mc::to_hex(bytes)) << j.dump();
        ASSERT_EQ(mc::to_json(back, v), mc::to_json(p, v));

        stream.insert(stream.end(), bytes.begin(), bytes.end());
        expected.push_back(j);
    }

    // All of them back to back through the stream decoder, in random chunks.
    mc::stream_decoder d(v);
    std::size_t at = 0;
    std::size_t seen = 0;
    while (at < stream.size()) {
        const std::size_t n = std::min<std::size_t>(stream.size() - at, 1 + static_cast<std::size_t>(gen.below(300)));
        d.feed(std::span(stream).subspan(at, n));
        at += n;
        for (auto r = d.next(); r.status != mc::decode_status::need_more; r = d.next()) {
            ASSERT_TRUE(r.ok()) << mc::to_json(r.error).dump();
            ASSERT_LT(seen, expected.size());
            ASSERT_EQ(mc::to_json(r, v), expected[seen]) << "stream packet " << seen;
            ++seen;
        }
    }
    EXPECT_EQ(seen, expected.size());
    EXPECT_EQ(d.buffered(), 0u);
}

INSTANTIATE_TEST_SUITE_P(versions, random_round_trip,
                         ::testing::Values(mc::protocol_version::v3_1, mc::protocol_version::v3_1_1, mc::protocol_version::v5),
                         [](const ::testing::TestParamInfo<mc::protocol_version>& p) {
                             return p.param == mc::protocol_version::v5 ? std::string("v5")
                                    : p.param == mc::protocol_version::v3_1_1 ? std::string("v3_1_1")
                                                                               : std::string("v3_1");
                         });

}  // namespace
