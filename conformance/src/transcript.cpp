#include "mqttspec/conformance/transcript.hpp"

#include <algorithm>
#include <cstdio>
#include <mqttspec/codec/decoder.hpp>
#include <mqttspec/codec/json.hpp>
#include <mqttspec/codec/raw_builder.hpp>

namespace mqttspec::conformance {

namespace {

// Secrets shorter than this are masked in free text and unframed bytes only where they stand
// length-prefixed as on the wire: masking every "ab" in a transcript would hide everything else.
constexpr std::size_t min_bare_secret = 4;

int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

std::string bytes_of_hex(std::string_view hex) {
    std::string out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
        const int hi = hex_digit(hex[i]), lo = hex_digit(hex[i + 1]);
        if (hi < 0 || lo < 0) break;
        out.push_back(static_cast<char>(hi << 4 | lo));
    }
    return out;
}

// The value's secret bytes, replaced in place by the placeholder. Strings in the JSON shape are the
// bytes themselves, or hex when the key ends in _hex or the field is binary-as-hex.
std::string take_secret(json& value, bool hex) {
    if (!value.is_string()) return {};
    const auto text = value.get<std::string>();
    std::string secret = hex ? bytes_of_hex(text) : text;
    value = redacted_placeholder(secret.size());
    return secret;
}

void redact_properties(json& props, std::vector<std::string>& found) {
    if (props.is_array()) {  // interleaved form: a list of property objects
        for (auto& run : props) redact_properties(run, found);
        return;
    }
    if (!props.is_object()) return;
    const auto it = props.find("authentication_data");
    if (it == props.end()) return;
    if (it->is_array()) {  // repeated (a packet built to be invalid)
        for (auto& v : *it) found.push_back(take_secret(v, true));
    } else {
        found.push_back(take_secret(*it, true));
    }
}

void mark_view(std::span<const std::uint8_t> bytes, std::string_view view, std::vector<bool>& masked) {
    const auto* base = reinterpret_cast<const char*>(bytes.data());
    if (view.empty() || view.data() < base || view.data() + view.size() > base + bytes.size()) return;
    const auto from = static_cast<std::size_t>(view.data() - base);
    std::fill(masked.begin() + static_cast<std::ptrdiff_t>(from),
              masked.begin() + static_cast<std::ptrdiff_t>(from + view.size()), true);
}

void mark_properties(std::span<const std::uint8_t> bytes, const codec::property_list& props, std::vector<bool>& masked) {
    for (const auto& p : props) {
        if (p.id == codec::property_id::authentication_data) mark_view(bytes, p.data, masked);
    }
}

// Marks the bytes of every secret field of a packet decoded from `bytes` (its views point into them).
void mark_secret_fields(std::span<const std::uint8_t> bytes, const codec::packet& p, std::vector<bool>& masked) {
    std::visit(
        [&](const auto& pkt) {
            using packet_t = std::decay_t<decltype(pkt)>;
            if constexpr (requires { pkt.properties; }) mark_properties(bytes, pkt.properties, masked);
            if constexpr (std::is_same_v<packet_t, codec::connect_packet>) {
                if (pkt.password) mark_view(bytes, *pkt.password, masked);
                if (pkt.will) mark_properties(bytes, pkt.will->properties, masked);
            }
        },
        p);
}

std::string masked_hex(std::span<const std::uint8_t> bytes, const std::vector<bool>& masked, std::size_t limit) {
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    const std::size_t shown = std::min(bytes.size(), limit);
    out.reserve(shown * 2);
    for (std::size_t i = 0; i < shown; ++i) {
        if (masked[i]) {
            out += "**";
        } else {
            out.push_back(digits[bytes[i] >> 4]);
            out.push_back(digits[bytes[i] & 0x0F]);
        }
    }
    if (bytes.size() > limit) out += "... (" + std::to_string(bytes.size()) + " bytes)";
    return out;
}

}  // namespace

std::string transcript_hex(std::span<const std::uint8_t> bytes, std::size_t limit) {
    return masked_hex(bytes, std::vector<bool>(bytes.size(), false), limit);
}

std::string redacted_placeholder(std::size_t size) {
    return "<redacted, " + std::to_string(size) + (size == 1 ? " byte>" : " bytes>");
}

std::vector<std::string> redact_packet_json(json& packet) {
    std::vector<std::string> found;
    if (!packet.is_object()) return found;
    for (const char* key : {"password", "password_hex"}) {
        if (const auto it = packet.find(key); it != packet.end()) {
            found.push_back(take_secret(*it, std::string_view(key).ends_with("_hex")));
        }
    }
    if (const auto it = packet.find("properties"); it != packet.end()) redact_properties(*it, found);
    if (const auto will = packet.find("will"); will != packet.end() && will->is_object()) {
        if (const auto it = will->find("properties"); it != will->end()) redact_properties(*it, found);
    }
    std::erase_if(found, [](const std::string& s) { return s.empty(); });
    return found;
}

double transcript::now_ms() const {
    return std::chrono::duration<double, std::milli>(clock::now() - start_).count();
}

void transcript::add_known_secret(std::string secret) {
    if (secret.empty() || std::find(secrets_.begin(), secrets_.end(), secret) != secrets_.end()) return;
    secrets_.push_back(std::move(secret));
}

json transcript::redact(json packet) {
    if (show_secrets_) return packet;
    for (auto& secret : redact_packet_json(packet)) add_known_secret(std::move(secret));
    return packet;
}

// Masks the known secrets in unframed bytes: wherever one stands with its two-byte length in front (as
// in CONNECT and properties), and anywhere when it is long enough not to be a coincidence.
void transcript::mask_known_secrets(std::span<const std::uint8_t> bytes, std::vector<bool>& masked) const {
    const std::string_view haystack(reinterpret_cast<const char*>(bytes.data()), bytes.size());
    for (const auto& secret : secrets_) {
        std::string framed;
        if (secret.size() <= 0xFFFF) {
            framed = {static_cast<char>(secret.size() >> 8), static_cast<char>(secret.size() & 0xFF)};
            framed += secret;
        }
        for (std::size_t at = framed.empty() ? haystack.npos : haystack.find(framed); at != haystack.npos;
             at = haystack.find(framed, at + 1)) {
            std::fill(masked.begin() + static_cast<std::ptrdiff_t>(at + 2),
                      masked.begin() + static_cast<std::ptrdiff_t>(at + framed.size()), true);
        }
        if (secret.size() < min_bare_secret) continue;
        for (auto at = haystack.find(secret); at != haystack.npos; at = haystack.find(secret, at + 1)) {
            std::fill(masked.begin() + static_cast<std::ptrdiff_t>(at),
                      masked.begin() + static_cast<std::ptrdiff_t>(at + secret.size()), true);
        }
    }
}

std::string transcript::mask_hex(std::string hex) const {
    if (show_secrets_ || secrets_.empty() || hex.empty()) return hex;
    // Only the leading run of hex digits is bytes; keep any "... (N bytes)" tail as it is.
    std::size_t digits = 0;
    while (digits < hex.size() && hex_digit(hex[digits]) >= 0) ++digits;
    digits -= digits % 2;
    const std::string raw = bytes_of_hex(std::string_view(hex).substr(0, digits));
    const std::vector<std::uint8_t> bytes(raw.begin(), raw.end());
    std::vector<bool> masked(bytes.size(), false);
    mask_known_secrets(bytes, masked);
    if (std::find(masked.begin(), masked.end(), true) == masked.end()) return hex;
    return masked_hex(bytes, masked, bytes.size()) + hex.substr(digits);
}

std::string transcript::mask_text(std::string text) const {
    if (show_secrets_) return text;
    for (const auto& secret : secrets_) {
        if (secret.size() < min_bare_secret) continue;
        const std::string placeholder = "<redacted>";
        for (auto at = text.find(secret); at != std::string::npos; at = text.find(secret, at + placeholder.size())) {
            text.replace(at, secret.size(), placeholder);
        }
    }
    return text;
}

void transcript::sent(const std::string& client, json packet, std::string hex) {
    packet = redact(std::move(packet));
    entries_.push_back({now_ms(), client, direction::sent, std::move(packet), mask_hex(std::move(hex)), {}});
}

void transcript::sent_raw(const std::string& client, std::span<const std::uint8_t> bytes, codec::protocol_version version) {
    // Show what the bytes mean when they decode; the hex is the point either way.
    const auto r = codec::decode(bytes, version, {.sender = codec::sender::client});
    const bool decoded = r.ok() && r.consumed == bytes.size();
    json packet = decoded ? redact(codec::to_json(r, version)) : json(nullptr);
    std::vector<bool> masked(bytes.size(), false);
    if (!show_secrets_) {
        if (decoded) mark_secret_fields(bytes, r.pkt, masked);
        mask_known_secrets(bytes, masked);
    }
    entries_.push_back({now_ms(), client, direction::sent, std::move(packet), masked_hex(bytes, masked, 256), {}});
}

void transcript::received(const std::string& client, json packet, std::string hex) {
    packet = redact(std::move(packet));
    entries_.push_back({now_ms(), client, direction::received, std::move(packet), mask_hex(std::move(hex)), {}});
}

void transcript::event(const std::string& client, std::string text, std::string hex) {
    entries_.push_back({now_ms(), client, direction::event, nullptr, mask_hex(std::move(hex)), mask_text(std::move(text))});
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
