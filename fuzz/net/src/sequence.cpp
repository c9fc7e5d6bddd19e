#include "mqttspec/netfuzz/sequence.hpp"

#include <algorithm>

#include "mqttspec/codec/raw_builder.hpp"

namespace mqttspec::netfuzz {

std::size_t sequence::connection_count() const noexcept {
    std::size_t n = 0;
    for (const auto& s : steps) n = std::max<std::size_t>(n, s.conn + 1u);
    return n;
}

std::size_t sequence::write_count() const noexcept {
    return static_cast<std::size_t>(
        std::count_if(steps.begin(), steps.end(), [](const step& s) { return s.kind == step_kind::write; }));
}

void frame_tracker::feed(const std::vector<std::uint8_t>& bytes) {
    std::size_t i = 0;
    while (i < bytes.size() && state_ != state::invalid) {
        if (body_left_ > 0) {
            const auto take = std::min<std::uint64_t>(body_left_, bytes.size() - i);
            body_left_ -= take;
            i += static_cast<std::size_t>(take);
            if (body_left_ == 0) state_ = state::boundary;
            continue;
        }
        const std::uint8_t b = bytes[i++];
        if (!in_length_) {  // first byte of a packet
            in_length_ = true;
            length_bytes_ = 0;
            length_ = 0;
            multiplier_ = 1;
            state_ = state::inside;
            continue;
        }
        length_ += (b & 0x7Fu) * multiplier_;
        multiplier_ *= 128;
        if (++length_bytes_ > 4) {  // a fifth length byte: no broker can frame this
            state_ = state::invalid;
            return;
        }
        if ((b & 0x80u) == 0) {
            in_length_ = false;
            body_left_ = length_;
            state_ = length_ == 0 ? state::boundary : state::inside;
        }
    }
}

nlohmann::ordered_json to_json(const sequence& s) {
    nlohmann::ordered_json j;
    j["iteration"] = s.iteration;
    j["version"] = std::string(codec::to_string(s.version));
    auto& steps = j["steps"] = nlohmann::ordered_json::array();
    for (const auto& st : s.steps) {
        nlohmann::ordered_json o;
        o["conn"] = st.conn;
        if (st.kind == step_kind::write) {
            o["write"] = codec::to_hex(st.bytes);
        } else {
            o["barrier"] = true;
        }
        if (!st.note.empty()) o["note"] = st.note;
        steps.push_back(std::move(o));
    }
    return j;
}

nlohmann::ordered_json to_reproducer_json(const sequence& s, const std::optional<std::string>& password) {
    auto j = to_json(s);
    if (!password || password->empty()) return j;
    const std::vector<std::uint8_t> secret(password->begin(), password->end());
    for (std::size_t i = 0; i < s.steps.size(); ++i) {
        const auto& st = s.steps[i];
        if (st.kind != step_kind::write) continue;
        auto bytes = st.bytes;
        auto offsets = nlohmann::ordered_json::array();
        for (auto it = std::search(bytes.begin(), bytes.end(), secret.begin(), secret.end()); it != bytes.end();
             it = std::search(it + static_cast<std::ptrdiff_t>(secret.size()), bytes.end(), secret.begin(), secret.end())) {
            offsets.push_back(static_cast<std::size_t>(it - bytes.begin()));
            std::fill(it, it + static_cast<std::ptrdiff_t>(secret.size()), std::uint8_t{0});
        }
        if (offsets.empty()) continue;
        auto& o = j["steps"][i];
        o["write"] = codec::to_hex(bytes);
        o["password_at"] = std::move(offsets);
        o["password_length"] = secret.size();
    }
    return j;
}

void fill_password(sequence& s, const nlohmann::ordered_json& j, const std::optional<std::string>& password,
                   const std::string& where) {
    const auto& steps = j.at("steps");
    for (std::size_t i = 0; i < steps.size() && i < s.steps.size(); ++i) {
        const auto& o = steps[i];
        if (!o.contains("password_at")) continue;
        const std::string path = where + "/steps/" + std::to_string(i);
        if (!o["password_at"].is_array() || !o.contains("password_length") || !o["password_length"].is_number_unsigned()) {
            throw reproducer_error(path + ": password_at must be a list of offsets, with password_length");
        }
        const auto length = o["password_length"].get<std::size_t>();
        if (!password || password->size() != length) {
            throw reproducer_error(path + ": this sequence was recorded with a " + std::to_string(length) +
                                   "-byte password, left out of the file: give the same one with -P");
        }
        auto& bytes = s.steps[i].bytes;
        for (const auto& at : o["password_at"]) {
            if (!at.is_number_unsigned() || at.get<std::size_t>() + length > bytes.size()) {
                throw reproducer_error(path + "/password_at: offset outside the write");
            }
            std::copy(password->begin(), password->end(), bytes.begin() + static_cast<std::ptrdiff_t>(at.get<std::size_t>()));
        }
    }
}

sequence sequence_from_json(const nlohmann::ordered_json& j, const std::string& where) {
    auto fail = [&](const std::string& path, const std::string& what) -> reproducer_error {
        return reproducer_error(where + path + ": " + what);
    };
    if (!j.is_object()) throw fail("", "a sequence must be a JSON object");
    sequence s;
    if (j.contains("iteration")) {
        if (!j["iteration"].is_number_unsigned()) throw fail("/iteration", "must be a non-negative integer");
        s.iteration = j["iteration"].get<std::uint64_t>();
    }
    if (!j.contains("version") || !j["version"].is_string()) throw fail("/version", "missing or not a string (3.1, 3.1.1 or 5)");
    const auto v = codec::parse_protocol_version(j["version"].get<std::string>());
    if (!v) throw fail("/version", "unknown protocol version '" + j["version"].get<std::string>() + "'");
    s.version = *v;
    if (!j.contains("steps") || !j["steps"].is_array()) throw fail("/steps", "missing or not an array");
    std::size_t index = 0;
    for (const auto& o : j["steps"]) {
        const std::string path = "/steps/" + std::to_string(index++);
        if (!o.is_object()) throw fail(path, "a step must be an object");
        step st;
        if (!o.contains("conn") || !o["conn"].is_number_unsigned() || o["conn"].get<unsigned>() > 15) {
            throw fail(path + "/conn", "missing or not a connection number 0..15");
        }
        st.conn = static_cast<std::uint8_t>(o["conn"].get<unsigned>());
        if (o.contains("write")) {
            if (!o["write"].is_string()) throw fail(path + "/write", "must be a hex string");
            try {
                st.bytes = codec::from_hex(o["write"].get<std::string>());
            } catch (const std::invalid_argument& e) {
                throw fail(path + "/write", e.what());
            }
            st.kind = step_kind::write;
        } else if (o.contains("barrier")) {
            st.kind = step_kind::barrier;
        } else {
            throw fail(path, "a step needs \"write\" (hex) or \"barrier\"");
        }
        if (o.contains("note") && o["note"].is_string()) st.note = o["note"].get<std::string>();
        s.steps.push_back(std::move(st));
    }
    return s;
}

}  // namespace mqttspec::netfuzz
