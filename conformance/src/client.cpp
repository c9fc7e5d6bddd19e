#include "mqttspec/conformance/client.hpp"

#include <algorithm>
#include <mqttspec/codec/json.hpp>

namespace mqttspec::conformance {

namespace {

std::string ms(std::chrono::milliseconds d) { return std::to_string(d.count()) + " ms"; }

// What a barrier and the busy-broker probe wait for.
const pattern& pingresp() {
    static const pattern p(json{{"type", "PINGRESP"}});
    return p;
}

}  // namespace

std::string describe_packets(const std::deque<received_packet>& packets) {
    if (packets.empty()) return "nothing";
    std::string out;
    for (const auto& p : packets) {
        if (!out.empty()) out += ", ";
        out += p.as_json.dump();
    }
    return out;
}

client::client(boost::asio::io_context& io, const target& where, client_options options, transcript* log)
    : io_(io), target_(where), options_(std::move(options)), log_(log) {}

client::~client() = default;

void client::open() {
    transport_ = make_transport(io_, target_);
    try {
        transport_->connect(default_deadline());
    } catch (const transport_error& e) {
        if (log_) log_->event(options_.name, std::string("connection failed: ") + e.what());
        throw;
    }
    if (log_) log_->event(options_.name, "connected to " + target_.url());
}

void client::close() noexcept {
    if (transport_ && transport_->is_open()) {
        transport_->close();
        if (log_) log_->event(options_.name, "closed by the client");
    }
}

bool client::is_open() const noexcept { return transport_ && transport_->is_open() && !closed_by_broker_; }

void client::send(const codec::packet& p, const codec::encode_options& options) {
    const auto bytes = codec::encode(p, options_.version, options);
    // After its own DISCONNECT or a fresh CONNECT a client may not send PINGREQ of its own accord.
    if (codec::type_of(p) == codec::packet_type::disconnect || codec::type_of(p) == codec::packet_type::connect) session_live_ = false;
    if (codec::type_of(p) == codec::packet_type::connect) awaiting_connack_ = true;
    if (log_) log_->sent(options_.name, codec::to_json(p, options_.version));
    if (!transport_) throw std::logic_error("client '" + options_.name + "' sends before open()");
    try {
        transport_->write(bytes, default_deadline());
    } catch (const transport_error& e) {
        throw case_failure("the connection failed while sending " + std::string(codec::to_string(codec::type_of(p))) +
                               ": " + e.what(),
                           "an open connection", closed_by_broker_ ? "closed by the broker: " + close_detail_ : e.what());
    }
}

void client::send_json(const json& packet) {
    const codec::packet p = codec::from_json(packet, options_.version, arena_);
    send(p, codec::encode_options_from_json(packet));
}

void client::send_raw(std::span<const std::uint8_t> bytes) {
    session_live_ = false;  // raw bytes may be half a packet or a malformed one: no PINGREQ after them
    if (!bytes.empty() && bytes[0] == 0x10) awaiting_connack_ = true;  // a CONNECT, however broken
    if (log_) log_->sent_raw(options_.name, bytes, options_.version);  // masks secrets in the JSON and the hex
    if (!transport_) throw std::logic_error("client '" + options_.name + "' sends before open()");
    try {
        transport_->write(bytes, default_deadline());
    } catch (const transport_error& e) {
        throw case_failure(std::string("the connection failed while sending raw bytes: ") + e.what(),
                           "an open connection", e.what());
    }
}

bool client::pump(deadline until) {
    if (!transport_) throw std::logic_error("client '" + options_.name + "' reads before open()");
    const auto outcome = transport_->read(pending_, until);
    if (outcome.status == read_status::timeout) return false;
    if (outcome.status == read_status::closed) {
        if (!closed_by_broker_ && close_detail_.empty()) {
            closed_by_broker_ = outcome.detail != "closed locally";
            close_detail_ = outcome.detail;
            if (log_) log_->event(options_.name, "connection closed: " + outcome.detail);
        }
        return true;
    }
    if (malformed_) {  // framing is lost after a malformed packet: keep nothing more
        pending_.clear();
        return true;
    }
    codec::decode_options options;
    options.sender = codec::sender::server;
    options.maximum_packet_size = options_.maximum_packet_size;
    std::size_t offset = 0;
    while (offset < pending_.size()) {
        const std::span<const std::uint8_t> rest(pending_.data() + offset, pending_.size() - offset);
        const auto r = codec::decode(rest, options_.version, options);
        if (r.status == codec::decode_status::need_more) break;
        if (r.status == codec::decode_status::error) {
            malformed_ = r.error;
            malformed_hex_ = transcript_hex(rest);
            if (log_) {
                log_->event(options_.name,
                            "malformed packet from the broker: " + std::string(codec::to_string(r.error.code)) + " - " +
                                r.error.message,
                            malformed_hex_);
            }
            pending_.clear();
            return true;
        }
        // Re-decode from an owned copy so the packet's views outlive pending_.
        auto owned = std::make_shared<const std::vector<std::uint8_t>>(rest.begin(), rest.begin() + static_cast<std::ptrdiff_t>(r.consumed));
        auto again = codec::decode(*owned, options_.version, options);
        json as_json = codec::to_json(again, options_.version);  // before the packet is moved from `again`
        received_packet rp{owned, std::move(again.pkt), std::move(as_json), clock::now(), ++received_count_};
        if (log_) log_->received(options_.name, rp.as_json);
        awaiting_connack_ = false;
        if (const auto* connack = std::get_if<codec::connack_packet>(&rp.packet)) session_live_ = connack->reason_code == 0;
        if (rp.type() == codec::packet_type::disconnect) session_live_ = false;
        inbox_.push_back(std::move(rp));
        offset += r.consumed;
    }
    pending_.erase(pending_.begin(), pending_.begin() + static_cast<std::ptrdiff_t>(offset));
    return true;
}

void client::fail_malformed() const {
    const auto& e = *malformed_;
    throw case_failure("the broker sent a malformed packet: " + e.message + " (" + std::string(codec::to_string(e.code)) +
                           " at byte " + std::to_string(e.offset) + ")",
                       "packets that decode strictly", malformed_hex_, std::string(e.statement));
}

std::string client::describe_inbox() const { return describe_packets(inbox_); }

received_packet client::expect(const pattern& p) { return expect_after(p, 0); }

received_packet client::expect_acknowledging(const pattern& p) { return expect_after(p, 0, true); }

received_packet client::expect_after(const pattern& p, std::uint64_t after_sequence, bool acknowledge_others) {
    auto until = default_deadline();
    int graces = 0;
    for (;;) {
        if (acknowledge_others) {
            // Copies: acknowledging a QoS 2 message reads its PUBREL, which changes the inbox.
            std::vector<received_packet> unanswered;
            for (const auto& r : inbox_) {
                if (r.type() != codec::packet_type::publish || acknowledged_.count(r.sequence) || p.matches(r.as_json)) continue;
                if (r.as<codec::publish_packet>().qos > 0) unanswered.push_back(r);
            }
            for (const auto& r : unanswered) acknowledge(r);
        }
        if (auto r = take_first(p, after_sequence)) return std::move(*r);
        if (malformed_) fail_malformed();
        if (closed_by_broker_ || !transport_->is_open()) {
            throw case_failure("the connection was closed (" + close_detail_ + ") before the expected packet arrived",
                               p.str(), "received " + describe_inbox() + ", then the connection closed");
        }
        if (!pump(until)) {
            if (graces == 0 && connack_grace()) {
                ++graces;
                until = default_deadline();
                continue;
            }
            if (graces < 2 && busy_broker_grace(p)) {
                ++graces;
                until = default_deadline();
                continue;
            }
            throw case_failure("the expected packet did not arrive within " + ms(options_.timeout * (graces + 1)), p.str(),
                               "received " + describe_inbox());
        }
    }
}

std::optional<received_packet> client::take_first(const pattern& p, std::uint64_t after_sequence) {
    for (auto it = inbox_.begin(); it != inbox_.end(); ++it) {
        if (it->sequence > after_sequence && p.matches(it->as_json)) {
            received_packet r = std::move(*it);
            inbox_.erase(it);
            return r;
        }
    }
    return std::nullopt;
}

// Nothing at all came after a CONNECT. The standard sets no time for the CONNACK, and before it no
// PINGREQ may test whether the broker is merely slow (the busy-broker grace), so a loaded broker or
// machine gets one more deadline here; a broker that never answers still fails, after two.
bool client::connect_unanswered() const {
    return awaiting_connack_ && !malformed_ && !closed_by_broker_ && transport_ && transport_->is_open();
}

bool client::connack_grace() {
    if (!connect_unanswered()) return false;
    if (log_) log_->event(options_.name, "no CONNACK within " + ms(options_.timeout) + "; the standard sets no limit: waiting once more");
    return true;
}

bool client::busy_broker_grace(const pattern& p) {
    if (!session_live_ || malformed_ || closed_by_broker_ || !transport_ || !transport_->is_open()) return false;
    if (p.matches(json{{"type", "PINGRESP"}})) return false;
    const auto start = clock::now();
    // Only a PINGRESP that arrives after this PINGREQ answers it: one a case left unconsumed earlier
    // would read as an instant answer and end the grace for a broker that is in fact slow.
    const auto sent_after = received_count_;
    try {
        send(codec::pingreq_packet{});
    } catch (const case_failure&) {
        return false;
    }
    const auto until = start + options_.timeout;
    for (;;) {
        if (take_first(pingresp(), sent_after)) {
            const auto took = std::chrono::duration_cast<std::chrono::milliseconds>(clock::now() - start);
            const bool arrived = std::any_of(inbox_.begin(), inbox_.end(), [&](const received_packet& r) { return p.matches(r.as_json); });
            const bool loaded = took * 100 > options_.timeout;
            if (log_) {
                log_->event(options_.name, "nothing matched within " + ms(options_.timeout) + "; PINGREQ answered in " +
                                               std::to_string(took.count()) + " ms" +
                                               (arrived ? ", the packet came meanwhile"
                                                        : loaded ? ": the broker or machine is loaded, waiting once more" : ": not waiting longer"));
            }
            return arrived || loaded;
        }
        if (malformed_ || closed_by_broker_ || !transport_->is_open()) return false;
        if (!pump(until)) {
            if (log_) log_->event(options_.name, "nothing matched within " + ms(options_.timeout) + ", and no PINGRESP to a PINGREQ either");
            return false;
        }
    }
}

received_packet client::expect(codec::packet_type t) { return expect(pattern(json{{"type", codec::to_string(t)}})); }

received_packet client::expect_next(const pattern& p) {
    const auto until = default_deadline();
    while (inbox_.empty()) {
        if (malformed_) fail_malformed();
        if (closed_by_broker_ || !transport_->is_open()) {
            throw case_failure("the connection was closed (" + close_detail_ + ") before the expected packet arrived",
                               p.str(), "nothing, then the connection closed");
        }
        if (!pump(until)) {
            throw case_failure("the expected packet did not arrive within " + ms(options_.timeout), p.str(), "nothing");
        }
    }
    received_packet r = std::move(inbox_.front());
    inbox_.pop_front();
    if (auto why = p.mismatch(r.as_json); !why.empty()) {
        throw case_failure("the next packet is not the expected one (" + why + ")", p.str(), r.as_json.dump());
    }
    return r;
}

void client::expect_closed(const std::optional<pattern>& allowed_before) {
    const auto until = default_deadline();
    for (;;) {
        while (!inbox_.empty()) {
            received_packet r = std::move(inbox_.front());
            inbox_.pop_front();
            if (!allowed_before || !allowed_before->matches(r.as_json)) {
                throw case_failure("the broker sent a packet where it must close the connection",
                                   allowed_before ? "connection closed, optionally after " + allowed_before->str()
                                                  : "connection closed",
                                   r.as_json.dump());
            }
        }
        if (malformed_) fail_malformed();
        if (closed_by_broker_) return;
        if (!transport_->is_open()) throw std::logic_error("expect_closed() on a connection the client closed");
        if (!pump(until)) {
            throw case_failure("the connection was still open " + ms(options_.timeout) + " later",
                               "connection closed", "connection open");
        }
    }
}

void client::barrier() {
    // The PINGRESP that answers this PINGREQ, not one left unconsumed from earlier: only the answer
    // proves that everything the broker sent before it has been read.
    const auto sent_after = received_count_;
    send(codec::pingreq_packet{});
    expect_after(pingresp(), sent_after);
}

void client::expect_none(const pattern& p) {
    barrier();
    for (const auto& r : inbox_) {
        if (p.matches(r.as_json)) {
            throw case_failure("the broker sent a packet it must not send", "no packet matching " + p.str(),
                               r.as_json.dump());
        }
    }
}

std::vector<received_packet> client::take_all(const pattern& p) {
    std::vector<received_packet> out;
    for (auto it = inbox_.begin(); it != inbox_.end();) {
        if (p.matches(it->as_json)) {
            out.push_back(std::move(*it));
            it = inbox_.erase(it);
        } else {
            ++it;
        }
    }
    return out;
}

received_packet client::handshake(const codec::connect_packet& connect) {
    send(connect);
    try {
        return expect(pattern(json{{"type", "CONNACK"}}));
    } catch (case_failure& f) {
        // Nothing at all came back and the connection stayed open: whatever rule the case is about,
        // the broker broke the one that says a CONNECT is acknowledged.
        if (connect_unanswered()) {
            f.message = "the broker did not answer the CONNECT: " + f.message + ", and the connection stayed open";
            f.statement = options_.version == codec::protocol_version::v5 ? "MQTT-3.1.4-5" : "MQTT-3.1.4-4";
        }
        throw;
    }
}

std::uint16_t client::publish(std::string_view topic, std::string_view payload, std::uint8_t qos, bool retain,
                              codec::property_list properties) {
    codec::publish_packet p;
    p.qos = qos;
    p.retain = retain;
    p.topic = topic;
    p.packet_id = qos > 0 ? next_packet_id() : 0;
    p.properties = std::move(properties);
    p.payload = payload;
    send(p);
    return p.packet_id;
}

received_packet client::subscribe(std::string_view filter, std::uint8_t qos, codec::property_list properties) {
    codec::subscription s;
    s.filter = filter;
    s.qos = qos;
    return subscribe(std::vector<codec::subscription>{s}, std::move(properties));
}

received_packet client::subscribe(std::vector<codec::subscription> subscriptions, codec::property_list properties) {
    codec::subscribe_packet p;
    p.packet_id = next_packet_id();
    p.properties = std::move(properties);
    p.subscriptions = std::move(subscriptions);
    send(p);
    return expect(pattern(json{{"type", "SUBACK"}, {"packet_id", p.packet_id}}));
}

received_packet client::unsubscribe(std::string_view filter) {
    codec::unsubscribe_packet p;
    p.packet_id = next_packet_id();
    p.filters.push_back(filter);
    send(p);
    return expect(pattern(json{{"type", "UNSUBACK"}, {"packet_id", p.packet_id}}));
}

void client::acknowledge(const received_packet& publish) {
    const auto& p = publish.as<codec::publish_packet>();
    if (p.qos == 0) return;
    // Sequence 0: a packet not read by this client (built by a test); always answered.
    if (publish.sequence != 0 && !acknowledged_.insert(publish.sequence).second) return;
    if (p.qos == 1) {
        codec::puback_packet ack;
        ack.packet_id = p.packet_id;
        send(ack);
    } else if (p.qos == 2) {
        codec::pubrec_packet rec;
        rec.packet_id = p.packet_id;
        send(rec);
        expect(pattern(json{{"type", "PUBREL"}, {"packet_id", p.packet_id}}));
        codec::pubcomp_packet comp;
        comp.packet_id = p.packet_id;
        send(comp);
    }
}

void client::disconnect() {
    send(codec::disconnect_packet{});
    close();
}

std::uint16_t client::next_packet_id() noexcept {
    last_packet_id_ = static_cast<std::uint16_t>(last_packet_id_ == 65535 ? 1 : last_packet_id_ + 1);
    return last_packet_id_;
}

client_event client::next_event(deadline until) {
    for (;;) {
        if (!inbox_.empty()) {
            client_event e{event_kind::packet, std::move(inbox_.front()), {}, {}};
            inbox_.pop_front();
            return e;
        }
        if (malformed_) return {event_kind::malformed, std::nullopt, *malformed_, malformed_hex_};
        if (closed_by_broker_ || !transport_ || !transport_->is_open()) {
            return {event_kind::closed, std::nullopt, {}, close_detail_};
        }
        if (!pump(until)) return {event_kind::timeout, std::nullopt, {}, {}};
    }
}

}  // namespace mqttspec::conformance
