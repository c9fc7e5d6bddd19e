#include <algorithm>
#include "mqttspec/netfuzz/executor.hpp"

#include <utility>  // before Asio (see transport.cpp)

#include <boost/asio/io_context.hpp>
#include <optional>
#include <set>
#include <stdexcept>
#include <cstdio>
#include <cstdlib>

#include "mqttspec/codec/decoder.hpp"
#include "mqttspec/codec/encoder.hpp"
#include "mqttspec/codec/json.hpp"
#include "mqttspec/codec/packets.hpp"
#include "mqttspec/codec/raw_builder.hpp"

namespace mqttspec::netfuzz {

namespace {

using net::clock;
using net::read_status;
using net::transport_errc;
using net::transport_error;
using codec::protocol_version;

std::uint64_t fnv(std::uint64_t h, std::string_view s) {
    for (const char c : s) {
        h ^= static_cast<std::uint8_t>(c);
        h *= 0x100000001B3ull;
    }
    return h;
}

// "CONNACK(0)", "SUBACK(0,128)", "PUBLISH(q1)": enough to tell broker behaviours apart.
std::string token_of(const codec::packet& p) {
    std::string t(codec::to_string(codec::type_of(p)));
    std::visit(
        [&](const auto& x) {
            using T = std::decay_t<decltype(x)>;
            if constexpr (std::is_same_v<T, codec::connack_packet> || std::is_same_v<T, codec::disconnect_packet> ||
                          std::is_same_v<T, codec::auth_packet>) {
                t += "(" + std::to_string(x.reason_code) + ")";
            } else if constexpr (std::is_same_v<T, codec::puback_packet> || std::is_same_v<T, codec::pubrec_packet> ||
                                 std::is_same_v<T, codec::pubrel_packet> || std::is_same_v<T, codec::pubcomp_packet>) {
                t += "(" + std::to_string(x.reason_code) + ")";
            } else if constexpr (std::is_same_v<T, codec::suback_packet> || std::is_same_v<T, codec::unsuback_packet>) {
                t += "(";
                for (std::size_t i = 0; i < x.reason_codes.size(); ++i) t += (i ? "," : "") + std::to_string(x.reason_codes[i]);
                t += ")";
            } else if constexpr (std::is_same_v<T, codec::publish_packet>) {
                t += "(q" + std::to_string(x.qos) + ")";
            }
        },
        p);
    return t;
}

// The versions a broker may answer in, from the CONNECT it was sent. A CONNECT whose protocol
// name and level agree fixes the version; anything else (no CONNECT first, a mutated name or
// level) lets the broker answer as 3.1.1 or 5.0, so both are accepted (and 3.1 for "MQIsdp" with the
// bridge bit, below).
std::vector<protocol_version> reply_versions(const std::vector<std::uint8_t>& written) {
    const std::vector<protocol_version> either{protocol_version::v3_1_1, protocol_version::v5};
    if (written.size() < 2 || (written[0] & 0xF0) != 0x10) return either;
    std::size_t pos = 1;
    while (pos < written.size() && (written[pos] & 0x80u) && pos < 4) ++pos;
    ++pos;
    if (pos + 2 > written.size()) return either;
    const std::size_t name_len = static_cast<std::size_t>(written[pos] << 8 | written[pos + 1]);
    pos += 2;
    if (pos + name_len + 1 > written.size()) return either;
    const std::string name(written.begin() + static_cast<std::ptrdiff_t>(pos),
                           written.begin() + static_cast<std::ptrdiff_t>(pos + name_len));
    const auto level = written[pos + name_len];
    if (name == "MQTT" && level == 4) return {protocol_version::v3_1_1};
    if (name == "MQTT" && level == 5) return {protocol_version::v5};
    if (name == "MQIsdp" && level == 3) return {protocol_version::v3_1};
    // 3.1 with the top bit set is mosquitto's bridge marker, no standard's level. A broker may refuse
    // it (in 3.1.1 or 5.0 form) or, as the name "MQIsdp" lets it (MQTT-3.1.2-1: continue "in
    // accordance with some other specification"), run a 3.1 session whose replies 3.1 judges.
    if (name == "MQIsdp" && level == (0x80 | 3)) return {protocol_version::v3_1, protocol_version::v3_1_1, protocol_version::v5};
    return either;
}

// The fixed header of the packet starting at `offset`, read without judging it: the Remaining
// Length from the at most 4 of its bytes that arrived, and where the body starts after them.
struct fixed_header_view {
    std::size_t body_at = 0;
    std::uint64_t length = 0;
    bool complete = false;  // the length's last byte arrived
    bool overlong = false;  // a 4th length byte still announced another
};
fixed_header_view read_fixed_header(const std::vector<std::uint8_t>& stream, std::size_t offset) {
    fixed_header_view h;
    h.body_at = offset + 1;
    std::uint64_t multiplier = 1;
    for (int i = 0; i < 4 && h.body_at < stream.size(); ++i) {
        const auto b = stream[h.body_at++];
        h.length += (b & 0x7Fu) * multiplier;
        multiplier *= 128;
        if ((b & 0x80u) == 0) {
            h.complete = true;
            return h;
        }
        h.overlong = i == 3;
    }
    return h;
}

// The packet starting at `offset` of a received stream: its fixed header says how long it is; what
// did not arrive (or a broken length) ends it at the end of the stream.
std::vector<std::uint8_t> failing_packet(const std::vector<std::uint8_t>& stream, std::size_t offset) {
    if (offset >= stream.size()) return {};
    const auto h = read_fixed_header(stream, offset);
    const auto end = static_cast<std::size_t>(std::min<std::uint64_t>(stream.size(), h.body_at + h.length));
    return {stream.begin() + static_cast<std::ptrdiff_t>(offset), stream.begin() + static_cast<std::ptrdiff_t>(end)};
}

struct reply_decoder {
    protocol_version version;
    codec::stream_decoder decoder;
    bool failed = false;
    bool exempt = false;  // stopped on a reply the version permits though the codec rejects it
    codec::decode_error error;
    std::size_t failed_at = 0;  // stream offset of the packet that failed
    unsigned pingresps = 0;
    std::vector<std::string> tokens;
};

struct connection {
    std::unique_ptr<net::transport> t;
    bool opened = false;
    bool finished = false;  // closed by the peer or by us
    frame_tracker framing;
    std::vector<std::uint8_t> written_head;  // first bytes written: which versions may answer
    std::vector<reply_decoder> decoders;
    std::vector<std::uint8_t> received;
    bool malformed_reported = false;
    std::string end;  // how the connection ended: "answered", "closed: ...", "abandoned", "timeout"

    unsigned pingresps() const {
        unsigned n = 0;
        for (const auto& d : decoders) if (!d.failed) n = std::max(n, d.pingresps);
        return n;
    }
    const std::vector<std::string>* tokens() const {
        for (const auto& d : decoders) if (!d.failed) return &d.tokens;
        return decoders.empty() ? nullptr : &decoders.front().tokens;
    }
};

}  // namespace

executor::executor(executor_options options)
    : options_(std::move(options)), io_(std::make_unique<boost::asio::io_context>()) {
    if (options_.where.kind == net::transport_kind::tcp && !options_.generic_transport) {
        resolved_ = resolve_once(options_.where);
    }
}

std::unique_ptr<net::transport> executor::open_transport() {
    if (resolved_) return make_fast_tcp_transport(*resolved_, options_.where.url());
    return net::make_transport(*io_, options_.where);
}

executor::~executor() = default;

outcome executor::run(const sequence& s) {
    outcome out;
    std::vector<connection> conns(s.connection_count());
    std::vector<std::uint8_t> chunk;

    auto absorb = [&](std::size_t index, connection& c) {
        if (chunk.empty()) return;
        c.received.insert(c.received.end(), chunk.begin(), chunk.end());
        if (c.decoders.empty()) {
            codec::decode_options o;
            o.sender = codec::sender::server;
            for (const auto v : reply_versions(c.written_head)) c.decoders.push_back({v, codec::stream_decoder(v, o), false, false, {}, 0, 0, {}});
        }
        for (auto& d : c.decoders) {
            if (d.failed) continue;
            d.decoder.feed(chunk);
            for (;;) {
                auto r = d.decoder.next();
                if (r.status == codec::decode_status::need_more) break;
                if (r.status == codec::decode_status::error) {
                    d.failed = true;
                    d.error = r.error;
                    d.failed_at = d.decoder.stream_offset();
                    // MQTT 3.1 never required a SUBSCRIBE to carry a topic (the rule is 3.1.1's
                    // MQTT-3.8.3-3), so an empty SUBACK answering an empty 3.1 SUBSCRIBE is no
                    // broker bug; this connection's later replies go unchecked.
                    d.exempt = d.version == codec::protocol_version::v3_1 && r.error.code == codec::errc::empty_suback_payload;
                    break;
                }
                if (codec::type_of(r.pkt) == codec::packet_type::pingresp) ++d.pingresps;
                auto token = token_of(r.pkt);
                if (d.tokens.empty() || d.tokens.back() != token) d.tokens.push_back(std::move(token));
            }
        }
        chunk.clear();
        bool all_failed = true;
        for (const auto& d : c.decoders) all_failed = all_failed && d.failed && !d.exempt;
        if (all_failed && !c.malformed_reported) {
            c.malformed_reported = true;
            malformed_reply m;
            m.conn = index;
            const auto& first = c.decoders.front();
            m.error_code = std::string(codec::to_string(first.error.code));
            m.error = codec::to_json(first.error);
            m.received_hex = codec::to_hex(c.received);
            m.packet_hex = codec::to_hex(failing_packet(c.received, first.failed_at));
            for (const auto& d : c.decoders) m.version += (m.version.empty() ? "" : " and ") + std::string(codec::to_string(d.version));
            if (c.decoders.size() > 1) {
                for (std::size_t k = 1; k < c.decoders.size(); ++k) {
                    m.error["also_as_" + std::string(codec::to_string(c.decoders[k].version))] = codec::to_json(c.decoders[k].error);
                }
            }
            out.malformed.push_back(std::move(m));
        }
    };

    auto read_once = [&](std::size_t index, connection& c, net::deadline until) -> read_status {
        const auto r = c.t->read(chunk, until);
        if (r.status == read_status::data) absorb(index, c);
        if (r.status == read_status::closed) {
            c.finished = true;
            c.end = "closed: " + r.detail;
        }
        return r.status;
    };

    // Collects what has already arrived without waiting.
    auto collect_ready = [&](std::size_t index, connection& c) {
        for (int guard = 0; guard < 64 && !c.finished; ++guard) {
            if (io_->stopped()) io_->restart();
            io_->poll();
            if (read_once(index, c, clock::now()) != read_status::data) break;
        }
    };

    // Where the transport can half-close (fast TCP): a FIN after the bytes written, then the broker's
    // replies until it closes (bounded by the barrier timeout), so it has handled all of them before
    // the sequence ends. A reset instead makes the broker drop what it had not read yet (or fail a
    // reply it was sending) at a moment that depends on load: a replay would not see what the run
    // saw. A connection still not closed after this stays unproven and is reset, as before.
    auto end_stream = [&](std::size_t index, connection& c) {
        if (!c.t->shutdown_send()) return;
        const auto until = clock::now() + options_.barrier_timeout;
        while (!c.finished) {
            if (read_once(index, c, until) == read_status::timeout) break;
        }
    };

    for (const auto& st : s.steps) {
        auto& c = conns[st.conn];
        if (st.kind == step_kind::write) {
            if (c.finished) continue;
            if (!c.opened) {
                c.t = open_transport();
                try {
                    c.t->connect(clock::now() + options_.connect_timeout);
                } catch (const transport_error& e) {
                    out.connect_failed = true;
                    out.refused = e.code == transport_errc::connect;
                    out.connect_error = e.what();
                    return out;
                }
                c.opened = true;
            } else {
                collect_ready(st.conn, c);
                if (c.finished) continue;
            }
            if (c.written_head.size() < 64) c.written_head.insert(c.written_head.end(), st.bytes.begin(), st.bytes.end());
            c.framing.feed(st.bytes);
            try {
                c.t->write(st.bytes, clock::now() + options_.barrier_timeout);
            } catch (const transport_error&) {
                // The broker closed first (usually on a malformed packet); read what it said.
                read_once(st.conn, c, clock::now() + options_.barrier_timeout);
                c.finished = true;
                if (c.end.empty()) c.end = "closed before write";
            }
            continue;
        }
        // Barrier.
        if (!c.opened || c.finished) continue;
        const auto until = clock::now() + options_.barrier_timeout;
        switch (c.framing.status()) {
            case frame_tracker::state::inside:
                end_stream(st.conn, c);
                collect_ready(st.conn, c);
                if (!c.finished) {
                    c.t->close();
                    c.finished = true;
                    c.end = "abandoned inside a packet";
                }
                break;
            case frame_tracker::state::boundary: {
                const unsigned before = c.pingresps();
                static const std::vector<std::uint8_t> pingreq{0xC0, 0x00};
                try {
                    c.t->write(pingreq, until);
                } catch (const transport_error&) {
                }
                // Once no decoder follows the replies (a malformed reply, or the exempt empty SUBACK
                // of 3.1), a PINGRESP can no longer be recognised: the barrier cannot judge a stall.
                const auto lost = [&c] {
                    return !c.decoders.empty() && std::all_of(c.decoders.begin(), c.decoders.end(), [](const reply_decoder& d) { return d.failed; });
                };
                while (!c.finished && c.pingresps() <= before && !lost()) {
                    if (read_once(st.conn, c, until) == read_status::timeout) break;
                }
                if (!c.finished && c.pingresps() > before) c.end = "answered";
                if (!c.finished && c.end.empty() && lost()) c.end = "replies not decodable: barrier not judged";
                break;
            }
            case frame_tracker::state::invalid:
                while (!c.finished) {
                    if (read_once(st.conn, c, until) == read_status::timeout) break;
                }
                break;
        }
        if (c.end.empty()) {
            out.suspect_hang = true;
            out.suspect_conn = st.conn;
            out.suspect_detail = "connection " + std::to_string(st.conn) + ": no PINGRESP and no close within " +
                                 std::to_string(options_.barrier_timeout.count()) + " ms";
            c.end = "timeout";
            c.t->close();
            c.finished = true;
        }
    }

    for (std::size_t i = 0; i < conns.size(); ++i) {
        if (conns[i].opened && !conns[i].finished) end_stream(i, conns[i]);  // still open: reset as the vector goes
    }

    std::uint64_t h = 0xCBF29CE484222325ull;
    for (std::size_t i = 0; i < conns.size(); ++i) {
        const auto& c = conns[i];
        if (!c.opened) continue;
        std::string line = "conn " + std::to_string(i) + ":";
        if (const auto* tokens = c.tokens()) {
            for (const auto& t : *tokens) line += " " + t;
        }
        line += " | " + (c.end.empty() ? std::string("open") : c.end);
        if (c.end.empty() || c.end.rfind("abandoned", 0) == 0) out.unproven = true;
        // The close reason's wording varies (reset vs end of stream) with timing: keep it out of the hash.
        h = fnv(h, line.substr(0, line.find(" | ")));
        h = fnv(h, c.end == "answered" ? "A" : c.end == "timeout" ? "T" : c.end.rfind("abandoned", 0) == 0 ? "W" : "C");
        out.transcript.push_back(std::move(line));
    }
    out.signature = h;
    return out;  // connections close here, as the vector goes
}

namespace {

// One 3.1.1 client of the end-of-run cleanup: CONNECT with the target's credentials, then packets
// read in order up to a wanted type; retained PUBLISHes met on the way are noted.
class cleanup_client {
public:
    cleanup_client(std::unique_ptr<net::transport> t, clock::time_point until) : t_(std::move(t)), until_(until) {}

    void connect(const std::string& client_id, const net::target& where) {
        t_->connect(until_);
        codec::connect_packet c;
        c.protocol_level = 4;
        c.client_id = client_id;  // the packet holds views: client_id outlives the write
        c.clean_start = true;
        c.keep_alive = 30;
        if (where.username) c.username = *where.username;
        if (where.password) c.password = *where.password;
        t_->write(codec::encode(c, protocol_version::v3_1_1), until_);
        read_until(codec::packet_type::connack);
    }
    void write(const std::vector<std::uint8_t>& bytes) { t_->write(bytes, until_); }
    // Reads until a packet of type `want`; returns the topics of the retained messages seen before it.
    // Packets are framed by hand, not decoded strictly: a retained message the broker sends
    // malformed (what the fuzzer may just have found) must still be found and deleted.
    std::set<std::string> read_until(codec::packet_type want) {
        std::set<std::string> retained;
        for (;;) {
            while (const auto packet = next_packet()) {
                const auto type = static_cast<codec::packet_type>(packet->front() >> 4);
                if (type == codec::packet_type::publish && (packet->front() & 0x01) != 0) {
                    if (auto topic = retained_topic(*packet)) retained.insert(std::move(*topic));
                }
                if (type == want) return retained;
            }
            chunk_.clear();
            const auto r = t_->read(chunk_, until_);
            if (r.status == read_status::timeout) throw std::runtime_error("no answer before the deadline");
            if (r.status == read_status::closed) throw std::runtime_error("the broker closed the connection (" + r.detail + ")");
            buffer_.insert(buffer_.end(), chunk_.begin(), chunk_.end());
        }
    }

private:
    // The next whole packet in buffer_ (fixed header included), if one has arrived.
    std::optional<std::vector<std::uint8_t>> next_packet() {
        if (buffer_.empty()) return std::nullopt;
        const auto h = read_fixed_header(buffer_, 0);
        if (h.overlong) throw std::runtime_error("a packet from the broker has a Remaining Length of more than 4 bytes");
        if (!h.complete || buffer_.size() - h.body_at < h.length) return std::nullopt;
        const auto total = static_cast<std::size_t>(h.body_at + h.length);
        std::vector<std::uint8_t> packet(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(total));
        buffer_.erase(buffer_.begin(), buffer_.begin() + static_cast<std::ptrdiff_t>(total));
        return packet;
    }
    // The topic of a 3.1.1 PUBLISH with a payload (an empty one deletes, it holds nothing to clear).
    static std::optional<std::string> retained_topic(const std::vector<std::uint8_t>& packet) {
        const std::size_t at = read_fixed_header(packet, 0).body_at;
        if (at + 2 > packet.size()) return std::nullopt;
        const std::size_t topic_length = static_cast<std::size_t>(packet[at] << 8 | packet[at + 1]);
        const std::size_t topic_end = at + 2 + topic_length;
        const std::size_t payload_at = topic_end + ((packet[0] & 0x06) != 0 ? 2 : 0);  // a packet id when QoS bits are set
        if (payload_at >= packet.size()) return std::nullopt;
        return std::string(packet.begin() + static_cast<std::ptrdiff_t>(at + 2), packet.begin() + static_cast<std::ptrdiff_t>(topic_end));
    }

    std::unique_ptr<net::transport> t_;
    clock::time_point until_;
    std::vector<std::uint8_t> buffer_;
    std::vector<std::uint8_t> chunk_;
};

const std::vector<std::uint8_t> pingreq_bytes{0xC0, 0x00};
const std::vector<std::uint8_t> disconnect_bytes{0xE0, 0x00};

}  // namespace

std::size_t executor::clear_retained(const std::string& filter, const std::vector<std::string>& session_ids, std::string& problem) {
    const auto until = clock::now() + options_.probe_timeout * 4;
    std::set<std::string> cleared;
    try {
        // A session left by the run can still publish a will (a 5.0 Will Delay Interval, or a close
        // the broker has not processed yet). A clean-session CONNECT with its client id ends it
        // before the CONNACK: its will is published now or never (MQTT-3.1.3-9), and any persistent
        // session state goes with it.
        for (const auto& id : session_ids) {
            cleanup_client takeover(open_transport(), until);
            takeover.connect(id, options_.where);
            takeover.write(disconnect_bytes);
        }
        cleanup_client cleaner(open_transport(), until);
        cleaner.connect(options_.probe_client_id + "-cleanup", options_.where);
        // Each pass (re)subscribes, which makes the broker send every retained message again
        // (MQTT-3.8.4-3), up to a PINGRESP, then deletes what came. The empty retained PUBLISHes
        // precede the next pass's SUBSCRIBE on this connection, so a pass that finds nothing shows
        // that the deletions took effect and nothing else arrived meanwhile.
        constexpr std::uint16_t max_passes = 4;
        bool clean = false;
        for (std::uint16_t pass = 1; pass <= max_passes && !clean; ++pass) {
            codec::subscribe_packet sub;
            sub.packet_id = pass;
            sub.subscriptions.push_back({.filter = filter, .qos = 0});
            cleaner.write(codec::encode(sub, protocol_version::v3_1_1));
            auto found = cleaner.read_until(codec::packet_type::suback);
            cleaner.write(pingreq_bytes);
            found.merge(cleaner.read_until(codec::packet_type::pingresp));  // retained messages precede it in practice
            clean = found.empty();
            for (const auto& topic : found) {
                codec::publish_packet clear;
                clear.retain = true;
                clear.topic = topic;
                cleaner.write(codec::encode(clear, protocol_version::v3_1_1));
                cleared.insert(topic);
            }
        }
        if (!clean) problem = "retained messages still arrived after " + std::to_string(max_passes) + " passes";
        cleaner.write(disconnect_bytes);
    } catch (const std::exception& e) {
        problem = e.what();
    }
    return cleared.size();
}

probe_result executor::probe() {
    probe_result result;
    const auto start = clock::now();
    const auto until = start + options_.probe_timeout;
    auto t = open_transport();
    try {
        t->connect(until);
    } catch (const transport_error& e) {
        result.refused = e.code == transport_errc::connect;
        result.detail = e.what();
        return result;
    }
    codec::connect_packet c;
    c.protocol_level = 4;
    c.client_id = options_.probe_client_id;
    c.keep_alive = 30;
    if (options_.where.username) c.username = *options_.where.username;
    if (options_.where.password) c.password = *options_.where.password;
    auto bytes = codec::encode(c, protocol_version::v3_1_1);
    bytes.push_back(0xC0);
    bytes.push_back(0x00);
    try {
        t->write(bytes, until);
    } catch (const transport_error& e) {
        result.detail = std::string("probe write failed: ") + e.what();
        return result;
    }
    codec::decode_options o;
    o.sender = codec::sender::server;
    codec::stream_decoder decoder(protocol_version::v3_1_1, o);
    bool connack = false, pingresp = false;
    std::vector<std::uint8_t> chunk;
    while (!(connack && pingresp)) {
        chunk.clear();
        const auto r = t->read(chunk, until);
        if (r.status == read_status::timeout) {
            result.detail = std::string("liveness probe: ") + (connack ? "CONNACK but no PINGRESP" : "no CONNACK") +
                            " within " + std::to_string(options_.probe_timeout.count()) + " ms on a fresh connection";
            return result;
        }
        if (r.status == read_status::closed) {
            if (connack) break;  // CONNACK then close (e.g. not authorised): the broker is alive
            result.detail = "liveness probe: the broker closed a fresh connection before CONNACK (" + r.detail + ")";
            return result;
        }
        decoder.feed(chunk);
        for (;;) {
            auto d = decoder.next();
            if (d.status != codec::decode_status::ok) break;
            if (codec::type_of(d.pkt) == codec::packet_type::connack) connack = true;
            if (codec::type_of(d.pkt) == codec::packet_type::pingresp) pingresp = true;
        }
    }
    result.ok = true;
    result.round_trip = std::chrono::duration_cast<std::chrono::microseconds>(clock::now() - start);
    static const std::vector<std::uint8_t> disconnect{0xE0, 0x00};
    try {
        t->write(disconnect, until);
    } catch (const transport_error&) {
    }
    return result;
}

}  // namespace mqttspec::netfuzz
