// Codec throughput on a few representative packets. Each case reports bytes/s and packets/s.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <string_view>
#include <string>
#include <vector>

#include "mqttspec/codec/codec.hpp"

namespace mc = mqttspec::codec;

namespace {

// QoS 0, 10-byte topic, 16-byte payload (3.1.1): the typical telemetry message.
mc::packet publish_small() {
    mc::publish_packet p;
    p.topic = "sensors/t1";
    p.payload = "0123456789abcdef";
    return p;
}

// QoS 1 with a 1 KiB payload (3.1.1).
mc::packet publish_1k() {
    static const std::string payload(1024, 'x');
    mc::publish_packet p;
    p.qos = 1;
    p.packet_id = 42;
    p.topic = "bench/topic/1k";
    p.payload = payload;
    return p;
}

// SUBSCRIBE with 10 filters (3.1.1).
mc::packet subscribe_10() {
    static const char* const filters[] = {"a/b/c", "sport/tennis/#", "+/status", "home/+/temp", "$SYS/#",
                                          "x", "fleet/+/gps/+", "logs/#", "a/+/c/+/e", "metrics/cpu"};
    mc::subscribe_packet p;
    p.packet_id = 7;
    for (int i = 0; i < 10; ++i) p.subscriptions.push_back({filters[i], static_cast<std::uint8_t>(i % 3)});
    return p;
}

// CONNECT 5.0 with several properties, user properties and will properties.
mc::packet connect_v5_props() {
    mc::connect_packet c;
    c.protocol_level = 5;
    c.client_id = "bench-client-0001";
    c.keep_alive = 30;
    c.properties = {
        {mc::property_id::session_expiry_interval, 3600, {}, {}},
        {mc::property_id::receive_maximum, 100, {}, {}},
        {mc::property_id::maximum_packet_size, 1 << 20, {}, {}},
        {mc::property_id::topic_alias_maximum, 16, {}, {}},
        {mc::property_id::user_property, 0, "app", "bench"},
        {mc::property_id::user_property, 0, "region", "eu-west"},
    };
    mc::will_message w;
    w.topic = "clients/bench-client-0001/status";
    w.payload = "offline";
    w.qos = 1;
    w.retain = true;
    w.properties = {
        {mc::property_id::will_delay_interval, 10, {}, {}},
        {mc::property_id::payload_format_indicator, 1, {}, {}},
        {mc::property_id::content_type, 0, "text/plain", {}},
        {mc::property_id::user_property, 0, "reason", "lost"},
    };
    c.will = w;
    c.username = "bench";
    c.password = "secret";
    return c;
}

void run_decode(benchmark::State& state, const mc::packet& p, mc::protocol_version v) {
    const std::vector<std::uint8_t> bytes = mc::encode(p, v);
    if (!mc::decode(bytes, v).ok()) {
        state.SkipWithError("benchmark packet does not decode");
        return;
    }
    for (auto _ : state) {
        mc::decode_result r = mc::decode(bytes, v);
        benchmark::DoNotOptimize(r);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * bytes.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void run_encode(benchmark::State& state, const mc::packet& p, mc::protocol_version v) {
    std::vector<std::uint8_t> out;
    const std::size_t size = mc::encoded_size(p, v);
    out.reserve(size);
    for (auto _ : state) {
        out.clear();
        mc::encode(p, v, out);
        benchmark::DoNotOptimize(out.data());
        benchmark::ClobberMemory();
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * size));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// Many small packets back to back through the stream decoder, in 1460-byte chunks (a TCP segment).
void BM_stream_decode_publish_small(benchmark::State& state) {
    const auto one = mc::encode(publish_small(), mc::protocol_version::v3_1_1);
    std::vector<std::uint8_t> stream;
    constexpr int packets = 1000;
    for (int i = 0; i < packets; ++i) stream.insert(stream.end(), one.begin(), one.end());
    for (auto _ : state) {
        mc::stream_decoder d(mc::protocol_version::v3_1_1);
        int seen = 0;
        for (std::size_t at = 0; at < stream.size(); at += 1460) {
            d.feed(std::span(stream).subspan(at, std::min<std::size_t>(1460, stream.size() - at)));
            for (auto r = d.next(); r.ok(); r = d.next()) ++seen;
        }
        if (seen != packets) state.SkipWithError("stream decoder lost packets");
        benchmark::DoNotOptimize(seen);
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * stream.size()));
    state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * packets));
}

constexpr auto v311 = mc::protocol_version::v3_1_1;
constexpr auto v5 = mc::protocol_version::v5;

void BM_decode_publish_small(benchmark::State& s) { run_decode(s, publish_small(), v311); }
void BM_encode_publish_small(benchmark::State& s) { run_encode(s, publish_small(), v311); }
void BM_decode_publish_1k(benchmark::State& s) { run_decode(s, publish_1k(), v311); }
void BM_encode_publish_1k(benchmark::State& s) { run_encode(s, publish_1k(), v311); }
void BM_decode_subscribe_10(benchmark::State& s) { run_decode(s, subscribe_10(), v311); }
void BM_encode_subscribe_10(benchmark::State& s) { run_encode(s, subscribe_10(), v311); }
void BM_decode_connect_v5_props(benchmark::State& s) { run_decode(s, connect_v5_props(), v5); }
void BM_encode_connect_v5_props(benchmark::State& s) { run_encode(s, connect_v5_props(), v5); }

}  // namespace

BENCHMARK(BM_decode_publish_small);
BENCHMARK(BM_encode_publish_small);
BENCHMARK(BM_decode_publish_1k);
BENCHMARK(BM_encode_publish_1k);
BENCHMARK(BM_decode_subscribe_10);
BENCHMARK(BM_encode_subscribe_10);
BENCHMARK(BM_decode_connect_v5_props);
BENCHMARK(BM_encode_connect_v5_props);
BENCHMARK(BM_stream_decode_publish_small);

// `mqttspec-bench --print-cases` prints "name version hex" per case, so other implementations can
// be timed on exactly these bytes (codec/bench/compare/mqtt_packet_bench.js does).
int main(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::string_view(argv[i]) == "--print-cases") {
            const struct {
                const char* name;
                mc::packet p;
                mc::protocol_version v;
            } cases[] = {{"publish_small", publish_small(), v311},
                         {"publish_1k", publish_1k(), v311},
                         {"subscribe_10", subscribe_10(), v311},
                         {"connect_v5_props", connect_v5_props(), v5}};
            for (const auto& c : cases) {
                std::printf("%s %s %s\n", c.name, std::string(mc::to_string(c.v)).c_str(), mc::to_hex(mc::encode(c.p, c.v)).c_str());
            }
            return 0;
        }
    }
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
