#include "mqttspec/conformance/transcript.hpp"

#include <cstdio>

namespace mqttspec::conformance {

double transcript::now_ms() const {
    return std::chrono::duration<double, std::milli>(clock::now() - start_).count();
}

void transcript::sent(const std::string& client, json packet, std::string hex) {
    entries_.push_back({now_ms(), client, direction::sent, std::move(packet), std::move(hex), {}});
}

void transcript::received(const std::string& client, json packet, std::string hex) {
    entries_.push_back({now_ms(), client, direction::received, std::move(packet), std::move(hex), {}});
}

void transcript::event(const std::string& client, std::string text, std::string hex) {
    entries_.push_back({now_ms(), client, direction::event, nullptr, std::move(hex), std::move(text)});
}

json transcript::to_json() const {
    json out = json::array();
    for (const auto& e : entries_) {
        json j;
        j["t_ms"] = static_cast<double>(static_cast<long long>(e.t_ms * 1000)) / 1000.0;
        j["client"] = e.client;
        j["dir"] = e.dir == direction::sent ? "sent" : e.dir == direction::received ? "received" : "event";
        if (!e.packet.is_null()) j["packet"] = e.packet;
        if (!e.hex.empty()) j["hex"] = e.hex;
        if (!e.text.empty()) j["text"] = e.text;
        out.push_back(std::move(j));
    }
    return out;
}

std::string transcript::to_text() const {
    std::string out;
    char stamp[32];
    for (const auto& e : entries_) {
        std::snprintf(stamp, sizeof stamp, "%+9.1fms ", e.t_ms);
        out += "    ";
        out += stamp;
        out += e.client;
        out += e.dir == direction::sent ? " -> " : e.dir == direction::received ? " <- " : " -- ";
        if (!e.packet.is_null()) out += e.packet.dump();
        if (!e.text.empty()) out += (e.packet.is_null() ? "" : " ") + e.text;
        if (!e.hex.empty()) out += (e.packet.is_null() && e.text.empty() ? "" : " ") + std::string("[") + e.hex + "]";
        out += '\n';
    }
    return out;
}

}  // namespace mqttspec::conformance
