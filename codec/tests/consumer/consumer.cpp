// Encodes and decodes one packet with the installed codec; exit 0 only if the round trip holds.
#include <cstdio>

#include <mqttspec/codec/codec.hpp>

int main() {
    namespace mc = mqttspec::codec;
    mc::publish_packet p;
    p.qos = 1;
    p.packet_id = 7;
    p.topic = "a/b";
    p.payload = "hi";
    const auto bytes = mc::encode(p, mc::protocol_version::v5);
    const auto r = mc::decode(bytes, mc::protocol_version::v5);
    if (!r.ok() || !(r.pkt == mc::packet(p))) {
        std::fprintf(stderr, "round trip failed: %s\n", r.error.message.c_str());
        return 1;
    }
    // A rejection comes with its reason.
    const std::uint8_t bad[] = {0x36, 0x02, 0x00, 0x00};  // QoS 3
    const auto e = mc::decode(bad, mc::protocol_version::v3_1_1);
    if (e.status != mc::decode_status::error || e.error.code != mc::errc::invalid_qos) return 1;
    std::printf("%s -> %s\n", mc::to_hex(bytes).c_str(), std::string(mc::to_string(e.error.code)).c_str());
    return 0;
}
