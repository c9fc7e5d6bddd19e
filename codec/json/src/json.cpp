// The JSON mapping of packets (see json.hpp for the shape).
#include "mqttspec/codec/json.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <utility>

#include "mqttspec/codec/properties.hpp"
#include "mqttspec/codec/raw_builder.hpp"
#include "mqttspec/codec/reason_codes.hpp"

namespace mqttspec::codec {
namespace {

// RFC 3629 well-formedness, U+0000 allowed: it only decides whether JSON can carry the bytes as a
// string (JSON strings can hold U+0000 but not ill-formed sequences), not whether MQTT accepts them.
bool is_well_formed_utf8(std::string_view s) noexcept {
    std::size_t i = 0;
    const std::size_t n = s.size();
    while (i < n) {
        const auto b0 = static_cast<std::uint8_t>(s[i]);
        if (b0 < 0x80) {
            ++i;
            continue;
        }
        std::size_t len = 0;
        std::uint8_t lo = 0x80;
        std::uint8_t hi = 0xBF;
        if (b0 >= 0xC2 && b0 <= 0xDF) {
            len = 2;
        } else if (b0 >= 0xE0 && b0 <= 0xEF) {
            len = 3;
            if (b0 == 0xE0) lo = 0xA0;  // overlong
            if (b0 == 0xED) hi = 0x9F;  // surrogates
        } else if (b0 >= 0xF0 && b0 <= 0xF4) {
            len = 4;
            if (b0 == 0xF0) lo = 0x90;  // overlong
            if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
        } else {
            return false;
        }
        if (i + len > n) return false;
        const auto b1 = static_cast<std::uint8_t>(s[i + 1]);
        if (b1 < lo || b1 > hi) return false;
        for (std::size_t k = 2; k < len; ++k) {
            const auto bk = static_cast<std::uint8_t>(s[i + k]);
            if (bk < 0x80 || bk > 0xBF) return false;
        }
        i += len;
    }
    return true;
}

std::string hex_of(std::string_view s) {
    return to_hex(std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

bool is_v5(protocol_version v) noexcept { return v == protocol_version::v5; }

// "name": "text" when JSON can hold it, else "name_hex": "..." (also used for UTF-8 fields of
// deliberately broken packets, so reports of what was sent stay printable).
void put_text_or_hex(ordered_json& j, const char* name, std::string_view value) {
    if (is_well_formed_utf8(value)) {
        j[name] = std::string(value);
    } else {
        j[std::string(name) + "_hex"] = hex_of(value);
    }
}

// A string inside properties: "text", or {"hex": "..."} when not well-formed UTF-8.
ordered_json text_value(std::string_view value) {
    if (is_well_formed_utf8(value)) return std::string(value);
    return ordered_json{{"hex", hex_of(value)}};
}

ordered_json property_value(const property& p, const property_info* info) {
    if (info == nullptr) return p.integer;
    switch (info->type) {
    case property_type::byte:
    case property_type::two_byte:
    case property_type::four_byte:
    case property_type::varint:
        return p.integer;
    case property_type::utf8_string:
        return text_value(p.data);
    case property_type::binary:
        return hex_of(p.data);
    case property_type::string_pair:
        return ordered_json::array({text_value(p.data), text_value(p.value)});
    }
    return nullptr;
}

std::string property_key(const property& p, const property_info* info) {
    if (info != nullptr) return std::string(info->name);
    const auto id = static_cast<char>(p.id);
    return "unknown_0x" + hex_of(std::string_view(&id, 1));
}

// One object for properties [first, last): a key per property; User Property is always a list of
// pairs; any other property given more than once (Subscription Identifier in PUBLISH, or an invalid
// repeat in a packet built for a test) becomes a list in wire order.
ordered_json group_properties(const property* first, const property* last) {
    ordered_json out = ordered_json::object();
    std::vector<std::pair<std::string, int>> seen;  // key, count
    for (const property* p = first; p != last; ++p) {
        const property_info* info = find_property(static_cast<std::uint8_t>(p->id));
        const std::string key = property_key(*p, info);
        ordered_json value = property_value(*p, info);
        if (info != nullptr && info->id == property_id::user_property) {
            if (!out.contains(key)) out[key] = ordered_json::array();
            out[key].push_back(std::move(value));
            continue;
        }
        auto count = std::find_if(seen.begin(), seen.end(), [&](const auto& e) { return e.first == key; });
        if (count == seen.end()) {
            out[key] = std::move(value);
            seen.emplace_back(key, 1);
            continue;
        }
        if (count->second++ == 1) out[key] = ordered_json::array({std::move(out[key])});
        out[key].push_back(std::move(value));
    }
    return out;
}

// An object keyed by property name. When the wire interleaves a property with others (user_property,
// topic_alias, user_property), one object cannot keep that order: then a list of one-key objects,
// one per run of equal identifiers, so that encoding the JSON reproduces the bytes.
ordered_json properties_to_json(const property_list& props) {
    std::vector<property_id> run_ids;
    bool interleaved = false;
    for (std::size_t i = 0; i < props.size(); ++i) {
        if (i > 0 && props[i].id == props[i - 1].id) continue;
        interleaved = interleaved || std::find(run_ids.begin(), run_ids.end(), props[i].id) != run_ids.end();
        run_ids.push_back(props[i].id);
    }
    if (!interleaved) return group_properties(props.data(), props.data() + props.size());
    ordered_json runs = ordered_json::array();
    for (std::size_t i = 0; i < props.size();) {
        std::size_t j = i + 1;
        while (j < props.size() && props[j].id == props[i].id) ++j;
        runs.push_back(group_properties(props.data() + i, props.data() + j));
        i = j;
    }
    return runs;
}

void put_reason(ordered_json& j, packet_type t, protocol_version v, std::uint8_t code) {
    j["reason_code"] = code;
    if (is_v5(v)) {
        const std::string_view name = reason_code_name(t, v, code);
        if (!name.empty()) j["reason_name"] = std::string(name);
    }
}

// The least tail a 5.0 ack/DISCONNECT/AUTH needs for its content; wire_form is printed only when
// the packet used more than that.
tail_form required_form(std::uint8_t reason_code, const property_list& props) noexcept {
    if (!props.empty()) return tail_form::reason_code_and_properties;
    if (reason_code != 0) return tail_form::reason_code;
    return tail_form::shortest;
}

void put_tail(ordered_json& j, packet_type t, protocol_version v, std::uint8_t reason_code,
              const property_list& props, tail_form form) {
    put_reason(j, t, v, reason_code);
    j["properties"] = properties_to_json(props);
    if (static_cast<int>(form) > static_cast<int>(required_form(reason_code, props))) {
        j["wire_form"] = form == tail_form::reason_code ? "reason_code" : "reason_code_and_properties";
    }
}

void put_reason_list(ordered_json& j, packet_type t, protocol_version v, const std::vector<std::uint8_t>& codes) {
    j["reason_codes"] = codes;
    if (is_v5(v)) {
        ordered_json names = ordered_json::array();
        for (auto c : codes) names.push_back(std::string(reason_code_name(t, v, c)));
        j["reason_names"] = std::move(names);
    }
}

struct to_json_visitor {
    protocol_version v;
    ordered_json& j;

    void operator()(const connect_packet& p) const {
        j["protocol_name"] = std::string(p.protocol_name);
        j["protocol_level"] = p.protocol_level;
        j["clean_start"] = p.clean_start;
        if (p.reserved_flag) j["reserved_flag"] = true;
        j["keep_alive"] = p.keep_alive;
        if (is_v5(v)) j["properties"] = properties_to_json(p.properties);
        put_text_or_hex(j, "client_id", p.client_id);
        if (p.will) {
            ordered_json w = ordered_json::object();
            put_text_or_hex(w, "topic", p.will->topic);
            put_text_or_hex(w, "payload", p.will->payload);
            w["qos"] = p.will->qos;
            w["retain"] = p.will->retain;
            if (is_v5(v)) w["properties"] = properties_to_json(p.will->properties);
            j["will"] = std::move(w);
        }
        if (p.username) put_text_or_hex(j, "username", *p.username);
        if (p.password) put_text_or_hex(j, "password", *p.password);
    }
    void operator()(const connack_packet& p) const {
        j["session_present"] = p.session_present;
        put_reason(j, packet_type::connack, v, p.reason_code);
        if (is_v5(v)) j["properties"] = properties_to_json(p.properties);
    }
    void operator()(const publish_packet& p) const {
        j["dup"] = p.dup;
        j["qos"] = p.qos;
        j["retain"] = p.retain;
        put_text_or_hex(j, "topic", p.topic);
        if (p.qos > 0) j["packet_id"] = p.packet_id;
        if (is_v5(v)) j["properties"] = properties_to_json(p.properties);
        put_text_or_hex(j, "payload", p.payload);
    }
    template <packet_type T>
    void operator()(const basic_ack_packet<T>& p) const {
        j["packet_id"] = p.packet_id;
        if (is_v5(v)) put_tail(j, T, v, p.reason_code, p.properties, p.form);
    }
    void operator()(const subscribe_packet& p) const {
        j["packet_id"] = p.packet_id;
        if (is_v5(v)) j["properties"] = properties_to_json(p.properties);
        ordered_json subs = ordered_json::array();
        for (const auto& s : p.subscriptions) {
            ordered_json o = ordered_json::object();
            put_text_or_hex(o, "filter", s.filter);
            o["qos"] = s.qos;
            if (is_v5(v)) {
                o["no_local"] = s.no_local;
                o["retain_as_published"] = s.retain_as_published;
                o["retain_handling"] = s.retain_handling;
            }
            if (s.reserved_bits != 0) o["reserved_bits"] = s.reserved_bits;
            subs.push_back(std::move(o));
        }
        j["subscriptions"] = std::move(subs);
    }
    void operator()(const suback_packet& p) const {
        j["packet_id"] = p.packet_id;
        if (is_v5(v)) j["properties"] = properties_to_json(p.properties);
        put_reason_list(j, packet_type::suback, v, p.reason_codes);
    }
    void operator()(const unsubscribe_packet& p) const {
        j["packet_id"] = p.packet_id;
        if (is_v5(v)) j["properties"] = properties_to_json(p.properties);
        ordered_json filters = ordered_json::array();
        for (auto f : p.filters) filters.push_back(text_value(f));
        j["filters"] = std::move(filters);
    }
    void operator()(const unsuback_packet& p) const {
        j["packet_id"] = p.packet_id;
        if (is_v5(v)) {
            j["properties"] = properties_to_json(p.properties);
            put_reason_list(j, packet_type::unsuback, v, p.reason_codes);
        }
    }
    void operator()(const pingreq_packet&) const {}
    void operator()(const pingresp_packet&) const {}
    void operator()(const disconnect_packet& p) const {
        if (is_v5(v)) put_tail(j, packet_type::disconnect, v, p.reason_code, p.properties, p.form);
    }
    void operator()(const auth_packet& p) const {
        if (is_v5(v)) put_tail(j, packet_type::auth, v, p.reason_code, p.properties, p.form);
    }
};

// ---------------------------------------------------------------------------------------------
// from_json

std::string child(const std::string& path, std::string_view key) { return path + "/" + std::string(key); }
std::string child(const std::string& path, std::size_t index) { return path + "/" + std::to_string(index); }

[[noreturn]] void fail(const std::string& path, const std::string& what) { throw json_packet_error(path, what); }

std::string_view version_name(protocol_version v) { return to_string(v); }

class reader {
public:
    reader(const ordered_json& j, std::string path, arena& store) : j_(j), path_(std::move(path)), store_(store) {
        if (!j_.is_object()) fail(path_.empty() ? "/" : path_, "expected a JSON object");
    }

    bool has(std::string_view key) const { return j_.contains(std::string(key)); }

    // Marks a key as understood; unknown keys are reported by finish().
    const ordered_json* take(std::string_view key) {
        seen_.emplace_back(key);
        auto it = j_.find(std::string(key));
        return it == j_.end() ? nullptr : &*it;
    }

    std::uint64_t number(std::string_view key, std::uint64_t max, std::uint64_t fallback) {
        const ordered_json* v = take(key);
        if (v == nullptr) return fallback;
        return number_value(*v, child(path_, key), max);
    }
    static std::uint64_t number_value(const ordered_json& v, const std::string& path, std::uint64_t max) {
        if (!v.is_number_integer()) fail(path, "expected an integer, got " + std::string(v.type_name()));
        if (v.is_number_integer() && !v.is_number_unsigned() && v.get<std::int64_t>() < 0) {
            fail(path, "must not be negative");
        }
        const auto n = v.get<std::uint64_t>();
        if (n > max) fail(path, std::to_string(n) + " is out of range (0.." + std::to_string(max) + ")");
        return n;
    }

    bool boolean(std::string_view key, bool fallback) {
        const ordered_json* v = take(key);
        if (v == nullptr) return fallback;
        if (!v->is_boolean()) fail(child(path_, key), "expected true or false, got " + std::string(v->type_name()));
        return v->get<bool>();
    }

    // "key": "text" or "key_hex": "..."; nullopt when neither is present.
    std::optional<std::string_view> text_or_hex(std::string_view key) {
        const std::string hex_key = std::string(key) + "_hex";
        const ordered_json* text = take(key);
        const ordered_json* hex = take(hex_key);
        if (text != nullptr && hex != nullptr) fail(child(path_, key), "give either " + std::string(key) + " or " + hex_key + ", not both");
        if (text != nullptr) {
            if (!text->is_string()) fail(child(path_, key), "expected a string, got " + std::string(text->type_name()));
            return store_.keep(text->get<std::string>());
        }
        if (hex != nullptr) return hex_string(*hex, child(path_, hex_key));
        return std::nullopt;
    }

    std::string_view hex_string(const ordered_json& v, const std::string& path) {
        if (!v.is_string()) fail(path, "expected a hex string, got " + std::string(v.type_name()));
        std::vector<std::uint8_t> bytes;
        try {
            bytes = from_hex(v.get_ref<const std::string&>());
        } catch (const std::invalid_argument& e) {
            fail(path, std::string("bad hex: ") + e.what());
        }
        return store_.keep(std::string(bytes.begin(), bytes.end()));
    }

    // A string value inside properties or lists: "text" or {"hex": "..."}.
    std::string_view text_value(const ordered_json& v, const std::string& path) {
        if (v.is_string()) return store_.keep(v.get<std::string>());
        if (v.is_object() && v.size() == 1 && v.contains("hex")) return hex_string(v["hex"], child(path, "hex"));
        fail(path, "expected a string or {\"hex\": \"...\"}, got " + std::string(v.type_name()));
    }

    const ordered_json* array(std::string_view key) {
        const ordered_json* v = take(key);
        if (v != nullptr && !v->is_array()) fail(child(path_, key), "expected an array, got " + std::string(v->type_name()));
        return v;
    }

    // Fields a version does not have must not be given (they would be dropped silently).
    void forbid(std::string_view key, protocol_version v) {
        if (has(key)) fail(child(path_, key), "MQTT " + std::string(version_name(v)) + " has no such field");
        seen_.emplace_back(key);
    }

    void finish() const {
        for (auto it = j_.begin(); it != j_.end(); ++it) {
            bool known = false;
            for (const auto& k : seen_) known = known || k == it.key();
            if (!known) fail(child(path_, it.key()), "unknown field");
        }
    }

    const std::string& path() const { return path_; }
    arena& store() { return store_; }

private:
    const ordered_json& j_;
    std::string path_;
    arena& store_;
    std::vector<std::string> seen_;
};

std::uint32_t max_for(property_type t) {
    switch (t) {
    case property_type::byte: return 0xFF;
    case property_type::two_byte: return 0xFFFF;
    case property_type::four_byte: return 0xFFFFFFFF;
    case property_type::varint: return 268'435'455;
    default: return 0;
    }
}

property_list properties_from_json(reader& r, protocol_version v) {
    property_list out;
    const ordered_json* props = r.take("properties");
    if (props == nullptr) return out;
    const std::string path = child(r.path(), "properties");
    if (!is_v5(v)) fail(path, "MQTT " + std::string(version_name(v)) + " has no properties");
    // An object keyed by property name, or (to keep an interleaved wire order) a list of such objects.
    auto read_object = [&](const ordered_json& object, const std::string& opath) {
        if (!object.is_object()) fail(opath, "expected an object keyed by property name");
        for (auto it = object.begin(); it != object.end(); ++it) {
            const std::string ppath = child(opath, it.key());
            const property_info* info = find_property(std::string_view(it.key()));
            if (info == nullptr) fail(ppath, "unknown property (names are snake_case, e.g. message_expiry_interval)");
            auto one = [&](const ordered_json& value, const std::string& vpath) {
                property p;
                p.id = info->id;
                switch (info->type) {
                case property_type::byte:
                case property_type::two_byte:
                case property_type::four_byte:
                case property_type::varint:
                    p.integer = static_cast<std::uint32_t>(reader::number_value(value, vpath, max_for(info->type)));
                    break;
                case property_type::utf8_string:
                    p.data = r.text_value(value, vpath);
                    break;
                case property_type::binary:
                    p.data = r.hex_string(value, vpath);
                    break;
                case property_type::string_pair:
                    if (!value.is_array() || value.size() != 2) fail(vpath, "expected a [name, value] pair");
                    p.data = r.text_value(value[0], child(vpath, std::size_t{0}));
                    p.value = r.text_value(value[1], child(vpath, std::size_t{1}));
                    break;
                }
                out.push_back(p);
            };
            const ordered_json& value = it.value();
            if (info->type == property_type::string_pair) {
                if (!value.is_array()) fail(ppath, "expected a list of [name, value] pairs");
                for (std::size_t i = 0; i < value.size(); ++i) one(value[i], child(ppath, i));
            } else if (value.is_array()) {
                // A list means the property is repeated (valid only for Subscription Identifier in
                // PUBLISH; allowed here so tests can send the invalid repeats).
                if (value.empty()) fail(ppath, "empty list");
                for (std::size_t i = 0; i < value.size(); ++i) one(value[i], child(ppath, i));
            } else {
                one(value, ppath);
            }
        }
    };
    if (props->is_array()) {
        for (std::size_t i = 0; i < props->size(); ++i) read_object((*props)[i], child(path, i));
    } else {
        read_object(*props, path);
    }
    return out;
}

std::uint8_t reason_from_json(reader& r) {
    r.take("reason_name");  // informational only
    return static_cast<std::uint8_t>(r.number("reason_code", 0xFF, 0));
}

// A form no longer than the content needs is the canonical one, recorded as `shortest` (what the
// decoder records), so a packet read back from its JSON compares equal to the decoded one.
tail_form form_from_json(reader& r, std::uint8_t reason_code, const property_list& props) {
    const ordered_json* f = r.take("wire_form");
    if (f == nullptr) return tail_form::shortest;
    const std::string path = child(r.path(), "wire_form");
    if (!f->is_string()) fail(path, "expected a string");
    const auto& s = f->get_ref<const std::string&>();
    tail_form given = tail_form::shortest;
    if (s == "reason_code") given = tail_form::reason_code;
    else if (s == "reason_code_and_properties") given = tail_form::reason_code_and_properties;
    else if (s != "shortest") fail(path, "expected \"shortest\", \"reason_code\" or \"reason_code_and_properties\"");
    const bool longer = static_cast<int>(given) > static_cast<int>(required_form(reason_code, props));
    return longer ? given : tail_form::shortest;
}

std::vector<std::uint8_t> reason_list_from_json(reader& r) {
    r.take("reason_names");  // informational only
    std::vector<std::uint8_t> out;
    if (const ordered_json* a = r.array("reason_codes")) {
        for (std::size_t i = 0; i < a->size(); ++i) {
            out.push_back(static_cast<std::uint8_t>(
                reader::number_value((*a)[i], child(child(r.path(), "reason_codes"), i), 0xFF)));
        }
    }
    return out;
}

template <packet_type T>
basic_ack_packet<T> ack_from_json(reader& r, protocol_version v) {
    basic_ack_packet<T> p;
    p.packet_id = static_cast<std::uint16_t>(r.number("packet_id", 0xFFFF, 0));
    if (is_v5(v)) {
        p.reason_code = reason_from_json(r);
        p.properties = properties_from_json(r, v);
        p.form = form_from_json(r, p.reason_code, p.properties);
    } else {
        r.forbid("reason_code", v);
        r.forbid("reason_name", v);
        r.forbid("wire_form", v);
        properties_from_json(r, v);
    }
    return p;
}

template <typename P>
P tail_packet_from_json(reader& r, protocol_version v) {
    P p;
    if (is_v5(v)) {
        p.reason_code = reason_from_json(r);
        p.properties = properties_from_json(r, v);
        p.form = form_from_json(r, p.reason_code, p.properties);
    } else {
        r.forbid("reason_code", v);
        r.forbid("reason_name", v);
        r.forbid("wire_form", v);
        properties_from_json(r, v);
    }
    return p;
}

connect_packet connect_from_json(reader& r, protocol_version v) {
    connect_packet p;
    // Defaults follow the version the packet is encoded for, so {"type": "CONNECT"} is a valid
    // CONNECT of that version.
    p.protocol_name = v == protocol_version::v3_1 ? "MQIsdp" : "MQTT";
    p.protocol_level = static_cast<std::uint8_t>(v);
    if (auto name = r.text_or_hex("protocol_name")) p.protocol_name = *name;
    p.protocol_level = static_cast<std::uint8_t>(r.number("protocol_level", 0xFF, p.protocol_level));
    p.clean_start = r.boolean("clean_start", p.clean_start);
    p.reserved_flag = r.boolean("reserved_flag", false);
    p.keep_alive = static_cast<std::uint16_t>(r.number("keep_alive", 0xFFFF, p.keep_alive));
    p.properties = properties_from_json(r, v);
    if (auto id = r.text_or_hex("client_id")) p.client_id = *id;
    if (const ordered_json* w = r.take("will")) {
        reader wr(*w, child(r.path(), "will"), r.store());
        will_message will;
        will.topic = wr.text_or_hex("topic").value_or("");
        will.payload = wr.text_or_hex("payload").value_or("");
        will.qos = static_cast<std::uint8_t>(wr.number("qos", 3, 0));
        will.retain = wr.boolean("retain", false);
        will.properties = properties_from_json(wr, v);
        wr.finish();
        p.will = will;
    }
    p.username = r.text_or_hex("username");
    p.password = r.text_or_hex("password");
    return p;
}

publish_packet publish_from_json(reader& r, protocol_version v) {
    publish_packet p;
    p.dup = r.boolean("dup", false);
    p.qos = static_cast<std::uint8_t>(r.number("qos", 3, 0));
    p.retain = r.boolean("retain", false);
    p.topic = r.text_or_hex("topic").value_or("");
    p.packet_id = static_cast<std::uint16_t>(r.number("packet_id", 0xFFFF, 0));
    if (p.qos == 0 && r.has("packet_id")) {
        fail(child(r.path(), "packet_id"), "a QoS 0 PUBLISH has no packet identifier");
    }
    p.properties = properties_from_json(r, v);
    p.payload = r.text_or_hex("payload").value_or("");
    return p;
}

subscribe_packet subscribe_from_json(reader& r, protocol_version v) {
    subscribe_packet p;
    p.packet_id = static_cast<std::uint16_t>(r.number("packet_id", 0xFFFF, 0));
    p.properties = properties_from_json(r, v);
    if (const ordered_json* subs = r.array("subscriptions")) {
        for (std::size_t i = 0; i < subs->size(); ++i) {
            reader sr((*subs)[i], child(child(r.path(), "subscriptions"), i), r.store());
            subscription s;
            s.filter = sr.text_or_hex("filter").value_or("");
            s.qos = static_cast<std::uint8_t>(sr.number("qos", 3, 0));
            if (is_v5(v)) {
                s.no_local = sr.boolean("no_local", false);
                s.retain_as_published = sr.boolean("retain_as_published", false);
                s.retain_handling = static_cast<std::uint8_t>(sr.number("retain_handling", 3, 0));
                s.reserved_bits = static_cast<std::uint8_t>(sr.number("reserved_bits", 3, 0));
            } else {
                sr.forbid("no_local", v);
                sr.forbid("retain_as_published", v);
                sr.forbid("retain_handling", v);
                s.reserved_bits = static_cast<std::uint8_t>(sr.number("reserved_bits", 63, 0));
            }
            sr.finish();
            p.subscriptions.push_back(s);
        }
    }
    return p;
}

unsubscribe_packet unsubscribe_from_json(reader& r, protocol_version v) {
    unsubscribe_packet p;
    p.packet_id = static_cast<std::uint16_t>(r.number("packet_id", 0xFFFF, 0));
    p.properties = properties_from_json(r, v);
    if (const ordered_json* filters = r.array("filters")) {
        for (std::size_t i = 0; i < filters->size(); ++i) {
            p.filters.push_back(r.text_value((*filters)[i], child(child(r.path(), "filters"), i)));
        }
    }
    return p;
}

}  // namespace

ordered_json to_json(const packet& p, protocol_version version) {
    ordered_json j = ordered_json::object();
    j["type"] = std::string(to_string(type_of(p)));
    std::visit(to_json_visitor{version, j}, p);
    return j;
}

ordered_json to_json(const decode_result& r, protocol_version version) {
    ordered_json j = to_json(r.pkt, version);
    if (r.ok() && r.consumed > r.remaining_length_bytes) {
        const auto remaining = static_cast<std::uint32_t>(r.consumed - 1 - r.remaining_length_bytes);
        if (r.remaining_length_bytes > varint_size(remaining)) j["remaining_length_bytes"] = r.remaining_length_bytes;
    }
    return j;
}

ordered_json to_json(const decode_error& e) {
    ordered_json j = ordered_json::object();
    j["error"] = std::string(to_string(e.code));
    j["kind"] = std::string(to_string(e.kind));
    j["offset"] = e.offset;
    j["reason_code"] = e.reason_code;
    j["statement"] = e.statement.empty() ? ordered_json(nullptr) : ordered_json(std::string(e.statement));
    j["message"] = e.message;
    return j;
}

packet from_json(const ordered_json& j, protocol_version version, arena& store) {
    reader r(j, "", store);
    const ordered_json* type = r.take("type");
    if (type == nullptr) fail("/type", "missing (e.g. \"PUBLISH\")");
    if (!type->is_string()) fail("/type", "expected a string such as \"PUBLISH\"");
    const auto t = parse_packet_type(type->get_ref<const std::string&>());
    if (!t || *t == packet_type::reserved) fail("/type", "unknown packet type \"" + type->get<std::string>() + "\"");
    r.take("remaining_length_bytes");  // read by encode_options_from_json
    packet p;
    switch (*t) {
    case packet_type::connect: p = connect_from_json(r, version); break;
    case packet_type::connack: {
        connack_packet c;
        c.session_present = r.boolean("session_present", false);
        c.reason_code = reason_from_json(r);
        c.properties = properties_from_json(r, version);
        p = c;
        break;
    }
    case packet_type::publish: p = publish_from_json(r, version); break;
    case packet_type::puback: p = ack_from_json<packet_type::puback>(r, version); break;
    case packet_type::pubrec: p = ack_from_json<packet_type::pubrec>(r, version); break;
    case packet_type::pubrel: p = ack_from_json<packet_type::pubrel>(r, version); break;
    case packet_type::pubcomp: p = ack_from_json<packet_type::pubcomp>(r, version); break;
    case packet_type::subscribe: p = subscribe_from_json(r, version); break;
    case packet_type::suback: {
        suback_packet s;
        s.packet_id = static_cast<std::uint16_t>(r.number("packet_id", 0xFFFF, 0));
        s.properties = properties_from_json(r, version);
        s.reason_codes = reason_list_from_json(r);
        p = s;
        break;
    }
    case packet_type::unsubscribe: p = unsubscribe_from_json(r, version); break;
    case packet_type::unsuback: {
        unsuback_packet u;
        u.packet_id = static_cast<std::uint16_t>(r.number("packet_id", 0xFFFF, 0));
        if (is_v5(version)) {
            u.properties = properties_from_json(r, version);
            u.reason_codes = reason_list_from_json(r);
        } else {
            properties_from_json(r, version);
            r.forbid("reason_codes", version);
            r.forbid("reason_names", version);
        }
        p = u;
        break;
    }
    case packet_type::pingreq: p = pingreq_packet{}; break;
    case packet_type::pingresp: p = pingresp_packet{}; break;
    case packet_type::disconnect: p = tail_packet_from_json<disconnect_packet>(r, version); break;
    case packet_type::auth: p = tail_packet_from_json<auth_packet>(r, version); break;
    case packet_type::reserved: break;
    }
    r.finish();
    return p;
}

encode_options encode_options_from_json(const ordered_json& j) {
    encode_options o;
    if (!j.is_object()) return o;
    auto it = j.find("remaining_length_bytes");
    if (it != j.end()) {
        o.min_remaining_length_bytes =
            static_cast<std::uint8_t>(reader::number_value(*it, "/remaining_length_bytes", 4));
        if (o.min_remaining_length_bytes == 0) fail("/remaining_length_bytes", "must be 1..4");
    }
    return o;
}

}  // namespace mqttspec::codec
