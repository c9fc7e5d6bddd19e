// mutant-proxy: an MQTT proxy in front of a real broker that breaks exactly one MQTT rule.
//
//   mutant-proxy --upstream-port PORT [--upstream-host 127.0.0.1] --fault NAME
//   mutant-proxy --list-faults
//
// It listens on 127.0.0.1 (kernel-chosen port, printed on stdout as "PORT\n"), opens one upstream
// connection per client connection, frames and decodes every packet in both directions with the
// codec, and changes, drops, holds or injects packets as the fault says. Packets the fault does not
// touch are forwarded byte for byte (never re-encoded), so fault "none" is a transparent proxy.
// A mutant broker made this way lets the suite prove that it notices each broken rule.
//
// Single-threaded Boost.Asio; it runs until SIGINT/SIGTERM.

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Standard headers first: Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <boost/asio.hpp>

#include "mqttspec/codec/codec.hpp"

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
namespace codec = mqttspec::codec;
using bytes = std::vector<std::uint8_t>;

// ---- the faults ------------------------------------------------------------------------------------

enum class fault {
    none,
    puback_wrong_packet_id,
    drop_puback,
    drop_pubrec,
    drop_pubcomp,
    pubrel_wrong_packet_id,
    suback_wrong_packet_id,
    suback_missing_code,
    suback_grant_higher_qos,
    unsuback_wrong_packet_id,
    connack_session_present_always,
    connack_session_present_never,
    malformed_connack,
    retain_flag_kept_on_live_delivery,
    retain_flag_cleared_on_new_subscription,
    drop_retained_delivery,
    deliver_qos_upgrade,
    duplicate_qos2_delivery,
    drop_qos1_delivery,
    drop_qos2_delivery,
    dup_flag_on_first_delivery,
    reorder_deliveries,
    accept_malformed,
    accept_second_connect,
    no_keepalive_enforcement,
    wildcard_leaks_dollar,
    pingresp_missing,
    send_will_on_disconnect,
    topic_alias_over_max,
    drop_user_properties,
    reorder_user_properties,
    drop_subscription_identifier,
    strip_message_expiry,
    no_local_ignored,
    receive_maximum_exceeded,
    disconnect_reason_wrong,
    unsubscribe_ignored,
    retain_not_cleared_by_empty_payload,
    session_never_kept,
    will_never_published,
    accept_unsupported_protocol_level,
    drop_assigned_client_id,
    drop_forwarded_properties,
    maximum_packet_size_ignored,
};

struct fault_info {
    fault which;
    std::string_view name;
    std::string_view what;
};

constexpr std::array fault_table{
    fault_info{fault::none, "none", "transparent proxy"},
    fault_info{fault::puback_wrong_packet_id, "puback-wrong-packet-id", "PUBACK to the client carries packet id + 1"},
    fault_info{fault::drop_puback, "drop-puback", "PUBACKs to the client are dropped"},
    fault_info{fault::drop_pubrec, "drop-pubrec", "PUBRECs to the client are dropped"},
    fault_info{fault::drop_pubcomp, "drop-pubcomp", "PUBCOMPs to the client are dropped"},
    fault_info{fault::pubrel_wrong_packet_id, "pubrel-wrong-packet-id", "PUBREL to the client carries packet id + 1"},
    fault_info{fault::suback_wrong_packet_id, "suback-wrong-packet-id", "SUBACK carries packet id + 1"},
    fault_info{fault::suback_missing_code, "suback-missing-code", "SUBACK has one return code fewer than the SUBSCRIBE had filters"},
    fault_info{fault::suback_grant_higher_qos, "suback-grant-higher-qos", "SUBACK grants one QoS more than requested (requests below 2)"},
    fault_info{fault::unsuback_wrong_packet_id, "unsuback-wrong-packet-id", "UNSUBACK carries packet id + 1"},
    fault_info{fault::connack_session_present_always, "connack-session-present-always", "accepting CONNACK always says Session Present 1"},
    fault_info{fault::connack_session_present_never, "connack-session-present-never", "CONNACK always says Session Present 0"},
    fault_info{fault::malformed_connack, "malformed-connack", "CONNACK has a reserved acknowledge-flags bit set"},
    fault_info{fault::retain_flag_kept_on_live_delivery, "retain-flag-kept-on-live-delivery", "live deliveries of messages published with RETAIN 1 keep RETAIN 1"},
    fault_info{fault::retain_flag_cleared_on_new_subscription, "retain-flag-cleared-on-new-subscription", "every PUBLISH to a client has RETAIN 0 (retained messages sent on subscription too)"},
    fault_info{fault::drop_retained_delivery, "drop-retained-delivery", "PUBLISHes with RETAIN 1 to the client are dropped"},
    fault_info{fault::deliver_qos_upgrade, "deliver-qos-upgrade", "QoS 0 deliveries are sent at QoS 1"},
    fault_info{fault::duplicate_qos2_delivery, "duplicate-qos2-delivery", "every QoS 2 delivery is followed by a second copy with a new packet id"},
    fault_info{fault::drop_qos1_delivery, "drop-qos1-delivery", "QoS 1 deliveries are dropped (and acknowledged upstream)"},
    fault_info{fault::drop_qos2_delivery, "drop-qos2-delivery", "QoS 2 deliveries are dropped (and completed upstream)"},
    fault_info{fault::dup_flag_on_first_delivery, "dup-flag-on-first-delivery", "QoS 1/2 deliveries have DUP 1 on their first transmission"},
    fault_info{fault::reorder_deliveries, "reorder-deliveries", "two consecutive PUBLISHes to one client on the same topic are swapped"},
    fault_info{fault::accept_malformed, "accept-malformed", "a client packet the codec rejects is discarded; the connection stays open"},
    fault_info{fault::accept_second_connect, "accept-second-connect", "a second CONNECT on a connection is discarded; the connection stays open"},
    fault_info{fault::no_keepalive_enforcement, "no-keepalive-enforcement", "the broker is told Keep Alive 0: silent clients are never disconnected"},
    fault_info{fault::wildcard_leaks_dollar, "wildcard-leaks-dollar", "a client's PUBLISH to a $-topic reaches subscriptions whose filter starts with a wildcard"},
    fault_info{fault::pingresp_missing, "pingresp-missing", "PINGRESPs are dropped"},
    fault_info{fault::send_will_on_disconnect, "send-will-on-disconnect", "a normal DISCONNECT is turned into a connection loss: the will is published"},
    fault_info{fault::topic_alias_over_max, "topic-alias-over-max", "5.0: PUBLISHes to the client carry a Topic Alias one above the client's Topic Alias Maximum"},
    fault_info{fault::drop_user_properties, "drop-user-properties", "5.0: User Properties are removed from PUBLISHes to the client"},
    fault_info{fault::reorder_user_properties, "reorder-user-properties", "5.0: User Properties of PUBLISHes to the client are reversed"},
    fault_info{fault::drop_subscription_identifier, "drop-subscription-identifier", "5.0: Subscription Identifiers are removed from PUBLISHes to the client"},
    fault_info{fault::strip_message_expiry, "strip-message-expiry", "5.0: Message Expiry Interval is removed from PUBLISHes to the client"},
    fault_info{fault::no_local_ignored, "no-local-ignored", "5.0: a client's own PUBLISH is delivered back to it despite No Local"},
    fault_info{fault::receive_maximum_exceeded, "receive-maximum-exceeded", "5.0: the broker is not told the client's Receive Maximum"},
    fault_info{fault::disconnect_reason_wrong, "disconnect-reason-wrong", "5.0: a DISCONNECT with an error reason (>= 0x80) says 0x00 Normal disconnection"},
    fault_info{fault::unsubscribe_ignored, "unsubscribe-ignored", "UNSUBSCRIBE is acknowledged but the subscription stays"},
    fault_info{fault::retain_not_cleared_by_empty_payload, "retain-not-cleared-by-empty-payload", "a retained PUBLISH with an empty payload does not clear the retained message"},
    fault_info{fault::session_never_kept, "session-never-kept", "every CONNECT is treated as Clean Session/Clean Start 1"},
    fault_info{fault::will_never_published, "will-never-published", "the will of a CONNECT is forgotten: never published"},
    fault_info{fault::accept_unsupported_protocol_level, "accept-unsupported-protocol-level", "a CONNECT with an unsupported protocol level is accepted as 3.1.1"},
    fault_info{fault::drop_assigned_client_id, "drop-assigned-client-id", "5.0: CONNACK to an empty client id has no Assigned Client Identifier"},
    fault_info{fault::drop_forwarded_properties, "drop-forwarded-properties", "5.0: Payload Format Indicator, Content Type, Response Topic and Correlation Data are not forwarded"},
    fault_info{fault::maximum_packet_size_ignored, "maximum-packet-size-ignored", "5.0: the broker is not told the client's Maximum Packet Size"},
};

std::optional<fault> parse_fault(std::string_view name) {
    for (const auto& f : fault_table) {
        if (f.name == name) return f.which;
    }
    return std::nullopt;
}

// ---- framing ---------------------------------------------------------------------------------------

enum class frame_status { complete, need_more, broken };

struct frame {
    frame_status status = frame_status::need_more;
    std::size_t size = 0;  // whole packet, fixed header included
};

// The proxy frames packets itself (fixed header + Remaining Length) so that a packet the codec
// rejects still has known bounds: it can be forwarded or discarded and decoding resumes after it.
frame next_frame(std::span<const std::uint8_t> in) {
    std::uint32_t length = 0;
    for (std::size_t i = 1; i <= 4; ++i) {
        if (in.size() <= i) return {frame_status::need_more, 0};
        length |= static_cast<std::uint32_t>(in[i] & 0x7f) << (7 * (i - 1));
        if ((in[i] & 0x80) == 0) {
            const std::size_t total = 1 + i + length;
            if (in.size() < total) return {frame_status::need_more, total};
            return {frame_status::complete, total};
        }
    }
    return {frame_status::broken, 0};  // a fifth length byte: framing is lost for good
}

// Where a CONNECT's protocol level byte is (after the fixed header and the protocol name).
std::optional<std::size_t> protocol_level_offset(std::span<const std::uint8_t> pkt) {
    std::size_t pos = 1;
    while (pos < pkt.size() && (pkt[pos] & 0x80)) ++pos;
    ++pos;
    if (pos + 2 > pkt.size()) return std::nullopt;
    const std::size_t name_length = (std::size_t{pkt[pos]} << 8) | pkt[pos + 1];
    pos += 2 + name_length;
    if (pos >= pkt.size()) return std::nullopt;
    return pos;
}

// The version a CONNECT announces (protocol name and level), read from the bytes before decoding.
codec::protocol_version connect_version(std::span<const std::uint8_t> pkt) {
    std::size_t pos = 1;
    while (pos < pkt.size() && (pkt[pos] & 0x80)) ++pos;
    ++pos;  // past the last Remaining Length byte
    if (pos + 2 > pkt.size()) return codec::protocol_version::v3_1_1;
    const std::size_t name_length = (std::size_t{pkt[pos]} << 8) | pkt[pos + 1];
    pos += 2;
    if (pos + name_length + 1 > pkt.size()) return codec::protocol_version::v3_1_1;
    const std::string_view name(reinterpret_cast<const char*>(pkt.data() + pos), name_length);
    const std::uint8_t level = pkt[pos + name_length];
    if (name == "MQIsdp") return codec::protocol_version::v3_1;
    if (level == 5) return codec::protocol_version::v5;
    return codec::protocol_version::v3_1_1;
}

template <class Ack>
codec::packet ack(std::uint16_t packet_id) {
    Ack a;
    a.packet_id = packet_id;
    return codec::packet{a};
}

void remove_property(codec::property_list& props, codec::property_id id) {
    std::erase_if(props, [id](const codec::property& p) { return p.id == id; });
}

// ---- state shared by all connections ---------------------------------------------------------------

class session;

struct shared_state {
    // Every connection, for faults that deliver one client's PUBLISH to other clients.
    std::vector<std::weak_ptr<session>> sessions;
    // (topic, payload) of every PUBLISH a client sent with RETAIN 1: lets
    // retain-flag-kept-on-live-delivery recognise live deliveries of retained-published messages.
    std::set<std::pair<std::string, std::string>> retained_published;
};

// ---- one client connection and its upstream --------------------------------------------------------

struct peer {
    explicit peer(asio::io_context& io) : sock(io) {}
    tcp::socket sock;
    std::array<std::uint8_t, 16384> read_buffer{};
    bytes unframed;                 // received, not yet a whole packet
    std::deque<bytes> write_queue;  // complete packets (or raw chunks) to send
    bool writing = false;
    bool close_when_drained = false;
    bool closed = false;
    bool framing_lost = false;      // after a broken Remaining Length: pass bytes through untouched
};

enum class direction { to_broker, to_client };

class session : public std::enable_shared_from_this<session> {
public:
    session(asio::io_context& io, tcp::socket client_socket, tcp::endpoint upstream, fault f, shared_state& shared)
        : client_(io), broker_(io), upstream_(upstream), fault_(f), shared_(shared), hold_timer_(io) {
        client_.sock = std::move(client_socket);
    }

    void start() {
        auto self = shared_from_this();
        broker_.sock.async_connect(upstream_, [self](const boost::system::error_code& ec) {
            if (ec) {
                std::fprintf(stderr, "mutant-proxy: upstream connect failed: %s\n", ec.message().c_str());
                self->shut(self->client_);
                return;
            }
            boost::system::error_code ignored;
            self->broker_.sock.set_option(tcp::no_delay(true), ignored);
            self->read(self->client_, direction::to_broker);
            self->read(self->broker_, direction::to_client);
        });
    }

private:
    peer client_, broker_;
    tcp::endpoint upstream_;
    fault fault_;
    shared_state& shared_;

    codec::protocol_version version_ = codec::protocol_version::v3_1_1;
    bool connect_seen_ = false;
    bool discard_from_client_ = false;  // accept-malformed after the client's framing broke

    std::uint16_t client_topic_alias_maximum_ = 0;
    // Filters of SUBSCRIBEs waiting for their SUBACK, by packet id.
    std::map<std::uint16_t, std::vector<codec::subscription>> pending_subscribes_;
    std::vector<std::string> subscribe_filter_storage_;  // owns filter strings kept past the read buffer
    struct no_local_subscription {
        std::string filter;
        std::uint8_t qos;
    };
    std::vector<no_local_subscription> no_local_subscriptions_;
    std::vector<std::pair<std::string, std::uint8_t>> wildcard_subscriptions_;  // filters starting with + or #

    // Packet ids the proxy made up for PUBLISHes it injected; the client's acks for them stop here.
    std::set<std::uint16_t> injected_ids_;
    std::uint16_t next_injected_id_ = 65535;

    // reorder-deliveries: a PUBLISH held back to be sent after the next one on its topic.
    std::optional<bytes> held_publish_;
    std::string held_topic_;
    asio::steady_timer hold_timer_;

    // ---- plumbing -------------------------------------------------------------------------------

    peer& source(direction d) { return d == direction::to_broker ? client_ : broker_; }
    peer& destination(direction d) { return d == direction::to_broker ? broker_ : client_; }

    void read(peer& from, direction d) {
        auto self = shared_from_this();
        from.sock.async_read_some(asio::buffer(from.read_buffer),
                                  [self, &from, d](const boost::system::error_code& ec, std::size_t n) {
                                      if (ec) {
                                          self->on_closed(from, d);
                                          return;
                                      }
                                      from.unframed.insert(from.unframed.end(), from.read_buffer.begin(),
                                                           from.read_buffer.begin() + static_cast<std::ptrdiff_t>(n));
                                      self->process(from, d);
                                      if (!from.closed) self->read(from, d);
                                  });
    }

    // One side went away: the other side gets what is queued for it, then is closed too.
    void on_closed(peer& from, direction d) {
        if (from.closed) return;
        if (d == direction::to_client) flush_held();
        close_now(from);
        shut(destination(d));
    }

    void close_now(peer& p) {
        if (p.closed) return;
        p.closed = true;
        boost::system::error_code ignored;
        p.sock.shutdown(tcp::socket::shutdown_both, ignored);
        p.sock.close(ignored);
        if (client_.closed && broker_.closed) hold_timer_.cancel();
    }

    void shut(peer& p) {
        p.close_when_drained = true;
        if (!p.writing) close_now(p);
    }

    void send(peer& to, bytes data) {
        if (to.closed || data.empty()) return;
        to.write_queue.push_back(std::move(data));
        if (!to.writing) write_next(to);
    }

    void write_next(peer& to) {
        if (to.write_queue.empty()) {
            to.writing = false;
            if (to.close_when_drained) close_now(to);
            return;
        }
        to.writing = true;
        auto self = shared_from_this();
        asio::async_write(to.sock, asio::buffer(to.write_queue.front()),
                          [self, &to](const boost::system::error_code& ec, std::size_t) {
                              if (ec) {
                                  to.write_queue.clear();
                                  to.writing = false;
                                  self->close_now(to);
                                  return;
                              }
                              to.write_queue.pop_front();
                              self->write_next(to);
                          });
    }

    void to_client(bytes b) { send(client_, std::move(b)); }
    void to_broker(bytes b) { send(broker_, std::move(b)); }
    void to_client(const codec::packet& p) { to_client(codec::encode(p, version_)); }
    void to_broker(const codec::packet& p) { to_broker(codec::encode(p, version_)); }

    // ---- framing and decoding -------------------------------------------------------------------

    void process(peer& from, direction d) {
        std::size_t used = 0;
        while (!from.closed) {
            std::span<const std::uint8_t> rest(from.unframed.data() + used, from.unframed.size() - used);
            if (rest.empty()) break;
            if (from.framing_lost) {
                if (!(d == direction::to_broker && discard_from_client_)) {
                    pass_raw(d, bytes(rest.begin(), rest.end()));
                }
                used = from.unframed.size();
                break;
            }
            const frame f = next_frame(rest);
            if (f.status == frame_status::need_more) break;
            if (f.status == frame_status::broken) {
                from.framing_lost = true;
                if (d == direction::to_broker && fault_ == fault::accept_malformed) {
                    discard_from_client_ = true;
                    std::fprintf(stderr, "mutant-proxy: accept-malformed: client framing broken, discarding the rest\n");
                }
                continue;
            }
            const auto packet_bytes = rest.first(f.size);
            on_packet(d, packet_bytes);
            used += f.size;
        }
        from.unframed.erase(from.unframed.begin(), from.unframed.begin() + static_cast<std::ptrdiff_t>(used));
    }

    // Bytes that are not a packet the proxy understands go on unchanged (except reorder, which must
    // not let them overtake a held PUBLISH).
    void pass_raw(direction d, bytes b) {
        if (d == direction::to_client) flush_held();
        send(destination(d), std::move(b));
    }

    void on_packet(direction d, std::span<const std::uint8_t> raw) {
        const auto type = static_cast<codec::packet_type>(raw[0] >> 4);
        if (d == direction::to_broker && type == codec::packet_type::connect && !connect_seen_) {
            version_ = connect_version(raw);
        }
        if (fault_ == fault::accept_unsupported_protocol_level && d == direction::to_broker &&
            type == codec::packet_type::connect && !connect_seen_) {
            if (auto level = protocol_level_offset(raw); level && raw[*level] != 3 && raw[*level] != 4 && raw[*level] != 5) {
                bytes rewritten(raw.begin(), raw.end());
                rewritten[*level] = 4;
                version_ = codec::protocol_version::v3_1_1;
                auto retry = codec::decode(rewritten, version_, {});
                if (retry.ok()) {
                    connect_seen_ = true;
                    to_broker(std::move(rewritten));
                    return;
                }
            }
        }
        codec::decode_options options;
        options.sender = d == direction::to_broker ? codec::sender::client : codec::sender::server;
        auto result = codec::decode(raw, version_, options);
        if (!result.ok()) {
            if (d == direction::to_broker && fault_ == fault::accept_malformed) {
                std::fprintf(stderr, "mutant-proxy: accept-malformed: discarded a client packet (%s)\n",
                             std::string(codec::to_string(result.error.code)).c_str());
                return;
            }
            pass_raw(d, bytes(raw.begin(), raw.end()));
            return;
        }
        if (d == direction::to_broker) {
            from_client(result.pkt, raw);
        } else {
            from_broker(result.pkt, raw);
        }
    }

    // ---- client -> broker -----------------------------------------------------------------------

    void from_client(codec::packet& pkt, std::span<const std::uint8_t> raw) {
        const bytes original(raw.begin(), raw.end());
        const bool v5 = version_ == codec::protocol_version::v5;

        if (auto* c = std::get_if<codec::connect_packet>(&pkt)) {
            if (connect_seen_) {
                if (fault_ == fault::accept_second_connect) return;  // swallowed: no close
                to_broker(original);
                return;
            }
            connect_seen_ = true;
            if (const auto* p = codec::find(c->properties, codec::property_id::topic_alias_maximum)) {
                client_topic_alias_maximum_ = static_cast<std::uint16_t>(p->integer);
            }
            if (fault_ == fault::session_never_kept && !c->clean_start) {
                c->clean_start = true;
                to_broker(pkt);
                return;
            }
            if (fault_ == fault::will_never_published && c->will) {
                c->will.reset();
                to_broker(pkt);
                return;
            }
            if (fault_ == fault::maximum_packet_size_ignored && v5 &&
                codec::find(c->properties, codec::property_id::maximum_packet_size)) {
                remove_property(c->properties, codec::property_id::maximum_packet_size);
                to_broker(pkt);
                return;
            }
            if (fault_ == fault::no_keepalive_enforcement && c->keep_alive != 0) {
                c->keep_alive = 0;
                to_broker(pkt);
                return;
            }
            if (fault_ == fault::receive_maximum_exceeded && v5 &&
                codec::find(c->properties, codec::property_id::receive_maximum)) {
                remove_property(c->properties, codec::property_id::receive_maximum);
                to_broker(pkt);
                return;
            }
            to_broker(original);
            return;
        }

        if (auto* s = std::get_if<codec::subscribe_packet>(&pkt)) {
            auto& kept = pending_subscribes_[s->packet_id];
            kept.clear();
            for (const auto& sub : s->subscriptions) {
                auto copy = sub;
                copy.filter = subscribe_filter_storage_.emplace_back(sub.filter);
                kept.push_back(copy);
                if (!sub.filter.empty() && (sub.filter[0] == '+' || sub.filter[0] == '#')) {
                    std::erase_if(wildcard_subscriptions_, [&](const auto& w) { return w.first == sub.filter; });
                    wildcard_subscriptions_.emplace_back(std::string(sub.filter), sub.qos);
                }
                if (fault_ == fault::no_local_ignored && v5) {
                    std::erase_if(no_local_subscriptions_, [&](const auto& n) { return n.filter == sub.filter; });
                    if (sub.no_local) no_local_subscriptions_.push_back({std::string(sub.filter), sub.qos});
                }
            }
            to_broker(original);
            return;
        }

        if (auto* u = std::get_if<codec::unsubscribe_packet>(&pkt)) {
            for (const auto f : u->filters) {
                std::erase_if(no_local_subscriptions_, [&](const auto& n) { return n.filter == f; });
                std::erase_if(wildcard_subscriptions_, [&](const auto& w) { return w.first == f; });
            }
            if (fault_ == fault::unsubscribe_ignored) {
                // Acknowledged as if each filter had been removed; the broker never hears of it.
                codec::unsuback_packet ack;
                ack.packet_id = u->packet_id;
                if (v5) ack.reason_codes.assign(u->filters.size(), codec::reason::success);
                to_client(codec::packet{ack});
                return;
            }
            to_broker(original);
            return;
        }

        if (auto* p = std::get_if<codec::publish_packet>(&pkt)) {
            if (p->retain && !p->payload.empty()) {
                shared_.retained_published.emplace(std::string(p->topic), std::string(p->payload));
            }
            if (fault_ == fault::retain_not_cleared_by_empty_payload && p->retain && p->payload.empty()) {
                p->retain = false;  // forwarded live, the stored message survives
                to_broker(pkt);
            } else {
                to_broker(original);
            }
            if (fault_ == fault::no_local_ignored && v5 && !p->topic.empty()) echo_to_publisher(*p);
            if (fault_ == fault::wildcard_leaks_dollar && !p->topic.empty() && p->topic[0] == '$') {
                std::erase_if(shared_.sessions, [](const auto& w) { return w.expired(); });
                for (const auto& w : shared_.sessions) {
                    if (auto other = w.lock()) other->leak_dollar_topic(*p);
                }
            }
            return;
        }

        // Acks for PUBLISHes the proxy injected never reach the broker, which knows nothing of them.
        if (auto* a = std::get_if<codec::puback_packet>(&pkt); a && injected_ids_.count(a->packet_id)) {
            injected_ids_.erase(a->packet_id);
            return;
        }
        if (auto* a = std::get_if<codec::pubrec_packet>(&pkt); a && injected_ids_.count(a->packet_id)) {
            to_client(ack<codec::pubrel_packet>(a->packet_id));
            return;
        }
        if (auto* a = std::get_if<codec::pubcomp_packet>(&pkt); a && injected_ids_.count(a->packet_id)) {
            injected_ids_.erase(a->packet_id);
            return;
        }

        if (auto* disc = std::get_if<codec::disconnect_packet>(&pkt)) {
            if (fault_ == fault::send_will_on_disconnect && disc->reason_code == codec::reason::normal_disconnection) {
                // The broker sees the connection drop without DISCONNECT, so it publishes the will.
                close_now(broker_);
                shut(client_);
                return;
            }
        }
        to_broker(original);
    }

    std::uint16_t injected_id() {
        // Counts down from 65535 so it stays clear of the broker's ids, which count up from 1.
        while (injected_ids_.count(next_injected_id_) || next_injected_id_ == 0) --next_injected_id_;
        const auto id = next_injected_id_--;
        injected_ids_.insert(id);
        return id;
    }

    // no-local-ignored: a copy of the client's own PUBLISH, as a broker ignoring No Local would send.
    void echo_to_publisher(const codec::publish_packet& p) {
        for (const auto& n : no_local_subscriptions_) {
            if (!codec::topic_matches(n.filter, p.topic)) continue;
            codec::publish_packet echo;
            echo.topic = p.topic;
            echo.payload = p.payload;
            echo.qos = std::min(p.qos, n.qos);
            echo.properties = p.properties;
            remove_property(echo.properties, codec::property_id::topic_alias);
            if (echo.qos > 0) echo.packet_id = injected_id();
            to_client(codec::packet{echo});
            return;
        }
    }

    // ---- broker -> client -----------------------------------------------------------------------

    void from_broker(codec::packet& pkt, std::span<const std::uint8_t> raw) {
        bytes original(raw.begin(), raw.end());

        // The broker's PUBREL for a QoS 2 delivery the proxy dropped: complete it upstream.
        if (auto* rel = std::get_if<codec::pubrel_packet>(&pkt); rel && dropped_qos2_ids_.count(rel->packet_id)) {
            dropped_qos2_ids_.erase(rel->packet_id);
            to_broker(ack<codec::pubcomp_packet>(rel->packet_id));
            return;
        }
        if (auto* p = std::get_if<codec::publish_packet>(&pkt)) {
            publish_to_client(*p, std::move(original));
            return;
        }
        // Anything else must not overtake a held PUBLISH (a PINGRESP ends a barrier).
        flush_held();

        switch (fault_) {
            case fault::puback_wrong_packet_id:
                if (auto* a = std::get_if<codec::puback_packet>(&pkt)) {
                    a->packet_id = static_cast<std::uint16_t>(a->packet_id == 65535 ? 1 : a->packet_id + 1);
                    return to_client(pkt);
                }
                break;
            case fault::pubrel_wrong_packet_id:
                if (auto* a = std::get_if<codec::pubrel_packet>(&pkt)) {
                    a->packet_id = static_cast<std::uint16_t>(a->packet_id == 65535 ? 1 : a->packet_id + 1);
                    return to_client(pkt);
                }
                break;
            case fault::drop_puback:
                if (std::holds_alternative<codec::puback_packet>(pkt)) return;
                break;
            case fault::drop_pubrec:
                if (std::holds_alternative<codec::pubrec_packet>(pkt)) return;
                break;
            case fault::drop_pubcomp:
                if (std::holds_alternative<codec::pubcomp_packet>(pkt)) return;
                break;
            case fault::suback_wrong_packet_id:
                if (auto* a = std::get_if<codec::suback_packet>(&pkt)) {
                    a->packet_id = static_cast<std::uint16_t>(a->packet_id == 65535 ? 1 : a->packet_id + 1);
                    return to_client(pkt);
                }
                break;
            case fault::suback_missing_code:
                if (auto* a = std::get_if<codec::suback_packet>(&pkt)) {
                    a->reason_codes.pop_back();  // may leave it empty: one code fewer all the same
                    return to_client(pkt);
                }
                break;
            case fault::suback_grant_higher_qos:
                if (auto* a = std::get_if<codec::suback_packet>(&pkt)) {
                    const auto it = pending_subscribes_.find(a->packet_id);
                    if (it != pending_subscribes_.end()) {
                        for (std::size_t i = 0; i < a->reason_codes.size() && i < it->second.size(); ++i) {
                            const auto requested = it->second[i].qos;
                            if (a->reason_codes[i] < 0x80 && requested < 2) {
                                a->reason_codes[i] = static_cast<std::uint8_t>(requested + 1);
                            }
                        }
                    }
                    return to_client(pkt);
                }
                break;
            case fault::unsuback_wrong_packet_id:
                if (auto* a = std::get_if<codec::unsuback_packet>(&pkt)) {
                    a->packet_id = static_cast<std::uint16_t>(a->packet_id == 65535 ? 1 : a->packet_id + 1);
                    return to_client(pkt);
                }
                break;
            case fault::connack_session_present_always:
                if (auto* a = std::get_if<codec::connack_packet>(&pkt); a && a->reason_code == 0) {
                    a->session_present = true;
                    return to_client(pkt);
                }
                break;
            case fault::connack_session_present_never:
                if (auto* a = std::get_if<codec::connack_packet>(&pkt)) {
                    a->session_present = false;
                    return to_client(pkt);
                }
                break;
            case fault::malformed_connack:
                if (std::holds_alternative<codec::connack_packet>(pkt)) {
                    // [type][length][acknowledge flags][...]: bit 1 of the flags is reserved.
                    original[2] |= 0x02;
                    return to_client(std::move(original));
                }
                break;
            case fault::pingresp_missing:
                if (std::holds_alternative<codec::pingresp_packet>(pkt)) return;
                break;
            case fault::drop_assigned_client_id:
                if (auto* a = std::get_if<codec::connack_packet>(&pkt);
                    a && codec::find(a->properties, codec::property_id::assigned_client_identifier)) {
                    remove_property(a->properties, codec::property_id::assigned_client_identifier);
                    return to_client(pkt);
                }
                break;
            case fault::disconnect_reason_wrong:
                if (auto* a = std::get_if<codec::disconnect_packet>(&pkt); a && a->reason_code >= 0x80) {
                    a->reason_code = codec::reason::normal_disconnection;
                    return to_client(pkt);
                }
                break;
            case fault::no_keepalive_enforcement:
                // 5.0: the broker may answer Keep Alive 0 with its own Server Keep Alive; the client
                // asked for a keep-alive and must not learn that the broker was told otherwise.
                if (auto* a = std::get_if<codec::connack_packet>(&pkt);
                    a && codec::find(a->properties, codec::property_id::server_keep_alive)) {
                    remove_property(a->properties, codec::property_id::server_keep_alive);
                    return to_client(pkt);
                }
                break;
            default:
                break;
        }
        if (auto* s = std::get_if<codec::suback_packet>(&pkt)) pending_subscribes_.erase(s->packet_id);
        to_client(std::move(original));
    }

public:
    // wildcard-leaks-dollar: a PUBLISH to a $-topic reaches this client when one of its filters
    // starting with '+' or '#' matches the topic, as if 4.7.2 did not exist.
    void leak_dollar_topic(const codec::publish_packet& p) {
        if (client_.closed) return;
        std::string as_if_not_dollar(p.topic);
        as_if_not_dollar[0] = '_';  // same levels, no leading '$'
        for (const auto& [filter, qos] : wildcard_subscriptions_) {
            if (!codec::topic_matches(filter, as_if_not_dollar)) continue;
            codec::publish_packet leak;
            leak.topic = p.topic;
            leak.payload = p.payload;
            leak.qos = std::min(p.qos, qos);
            if (leak.qos > 0) leak.packet_id = injected_id();
            to_client(codec::packet{leak});
            return;
        }
    }

private:
    void publish_to_client(codec::publish_packet& p, bytes original) {
        const bool v5 = version_ == codec::protocol_version::v5;
        switch (fault_) {
            case fault::retain_flag_kept_on_live_delivery:
                if (!p.retain && shared_.retained_published.count({std::string(p.topic), std::string(p.payload)})) {
                    p.retain = true;
                    return forward_publish(codec::encode(codec::packet{p}, version_), p.topic);
                }
                break;
            case fault::retain_flag_cleared_on_new_subscription:
                if (p.retain) {
                    p.retain = false;
                    return forward_publish(codec::encode(codec::packet{p}, version_), p.topic);
                }
                break;
            case fault::drop_retained_delivery:
                if (p.retain) {
                    acknowledge_upstream(p);
                    return;
                }
                break;
            case fault::deliver_qos_upgrade:
                if (p.qos == 0) {
                    p.qos = 1;
                    p.packet_id = injected_id();
                    return forward_publish(codec::encode(codec::packet{p}, version_), p.topic);
                }
                break;
            case fault::duplicate_qos2_delivery:
                if (p.qos == 2) {
                    forward_publish(std::move(original), p.topic);
                    auto copy = p;
                    copy.dup = false;
                    copy.packet_id = injected_id();
                    return forward_publish(codec::encode(codec::packet{copy}, version_), p.topic);
                }
                break;
            case fault::drop_qos1_delivery:
                if (p.qos == 1) return acknowledge_upstream(p);
                break;
            case fault::drop_qos2_delivery:
                if (p.qos == 2) return acknowledge_upstream(p);
                break;
            case fault::dup_flag_on_first_delivery:
                if (p.qos > 0 && !p.dup) {
                    p.dup = true;
                    return forward_publish(codec::encode(codec::packet{p}, version_), p.topic);
                }
                break;
            case fault::topic_alias_over_max:
                if (v5 && !codec::find(p.properties, codec::property_id::topic_alias) && !p.topic.empty() &&
                    client_topic_alias_maximum_ < 65535) {
                    codec::property alias;
                    alias.id = codec::property_id::topic_alias;
                    alias.integer = client_topic_alias_maximum_ + 1u;
                    p.properties.push_back(alias);
                    return forward_publish(codec::encode(codec::packet{p}, version_), p.topic);
                }
                break;
            case fault::drop_user_properties:
                if (v5 && codec::find(p.properties, codec::property_id::user_property)) {
                    remove_property(p.properties, codec::property_id::user_property);
                    return forward_publish(codec::encode(codec::packet{p}, version_), p.topic);
                }
                break;
            case fault::reorder_user_properties:
                if (v5 && reverse_user_properties(p.properties)) {
                    return forward_publish(codec::encode(codec::packet{p}, version_), p.topic);
                }
                break;
            case fault::drop_subscription_identifier:
                if (v5 && codec::find(p.properties, codec::property_id::subscription_identifier)) {
                    remove_property(p.properties, codec::property_id::subscription_identifier);
                    return forward_publish(codec::encode(codec::packet{p}, version_), p.topic);
                }
                break;
            case fault::strip_message_expiry:
                if (v5 && codec::find(p.properties, codec::property_id::message_expiry_interval)) {
                    remove_property(p.properties, codec::property_id::message_expiry_interval);
                    return forward_publish(codec::encode(codec::packet{p}, version_), p.topic);
                }
                break;
            case fault::drop_forwarded_properties:
                if (v5) {
                    const auto before = p.properties.size();
                    for (auto id : {codec::property_id::payload_format_indicator, codec::property_id::content_type,
                                    codec::property_id::response_topic, codec::property_id::correlation_data}) {
                        remove_property(p.properties, id);
                    }
                    if (p.properties.size() != before) {
                        return forward_publish(codec::encode(codec::packet{p}, version_), p.topic);
                    }
                }
                break;
            case fault::reorder_deliveries:
                return reorder(std::move(original), p.topic);
            default:
                break;
        }
        forward_publish(std::move(original), p.topic);
    }

    // Reverses the User Properties among the other properties; false when that changes nothing
    // (fewer than two, or a palindrome).
    static bool reverse_user_properties(codec::property_list& props) {
        std::vector<std::size_t> where;
        for (std::size_t i = 0; i < props.size(); ++i) {
            if (props[i].id == codec::property_id::user_property) where.push_back(i);
        }
        std::vector<codec::property> users;
        for (auto i : where) users.push_back(props[i]);
        std::vector<codec::property> reversed(users.rbegin(), users.rend());
        if (reversed == users) return false;
        for (std::size_t k = 0; k < where.size(); ++k) props[where[k]] = reversed[k];
        return true;
    }

    // A dropped delivery is acknowledged to the broker as if the client had received it.
    void acknowledge_upstream(const codec::publish_packet& p) {
        if (p.qos == 1) to_broker(ack<codec::puback_packet>(p.packet_id));
        if (p.qos == 2) {
            // PUBREC now; the broker's PUBREL is answered with PUBCOMP in from_broker_pubrel.
            dropped_qos2_ids_.insert(p.packet_id);
            to_broker(ack<codec::pubrec_packet>(p.packet_id));
        }
    }
    std::set<std::uint16_t> dropped_qos2_ids_;

    void forward_publish(bytes b, std::string_view) {
        flush_held();
        to_client(std::move(b));
    }

    void reorder(bytes b, std::string_view topic) {
        if (held_publish_ && held_topic_ == topic) {
            // The later message first, then the held one: the two are swapped.
            hold_timer_.cancel();
            to_client(std::move(b));
            to_client(std::move(*held_publish_));
            held_publish_.reset();
            return;
        }
        flush_held();
        held_publish_ = std::move(b);
        held_topic_ = std::string(topic);
        // A lone message is not held for ever: after 300 ms it goes out unswapped.
        hold_timer_.expires_after(std::chrono::milliseconds(300));
        auto self = shared_from_this();
        hold_timer_.async_wait([self](const boost::system::error_code& ec) {
            if (!ec) self->flush_held();
        });
    }

    void flush_held() {
        if (!held_publish_) return;
        hold_timer_.cancel();
        auto b = std::move(*held_publish_);
        held_publish_.reset();
        to_client(std::move(b));
    }

};

}  // namespace

int usage(const char* message) {
    std::fprintf(stderr,
                 "mutant-proxy: %s\n"
                 "usage: mutant-proxy --upstream-port PORT [--upstream-host ADDR] --fault NAME\n"
                 "       mutant-proxy --list-faults\n",
                 message);
    return 2;
}

int main(int argc, char** argv) {
    std::string upstream_host = "127.0.0.1";
    std::optional<unsigned> upstream_port;
    std::optional<fault> chosen;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        const bool has_value = i + 1 < argc;
        if (a == "--list-faults") {
            for (const auto& f : fault_table) std::printf("%-42s %s\n", std::string(f.name).c_str(), std::string(f.what).c_str());
            return 0;
        } else if (a == "--upstream-host" && has_value) {
            upstream_host = argv[++i];
        } else if (a == "--upstream-port" && has_value) {
            char* end = nullptr;
            const unsigned long v = std::strtoul(argv[++i], &end, 10);
            if (*end != '\0' || v == 0 || v > 65535) return usage("--upstream-port needs a port number 1..65535");
            upstream_port = static_cast<unsigned>(v);
        } else if (a == "--fault" && has_value) {
            chosen = parse_fault(argv[++i]);
            if (!chosen) {
                std::fprintf(stderr, "mutant-proxy: unknown fault '%s'; known faults:\n", argv[i]);
                for (const auto& f : fault_table) std::fprintf(stderr, "  %s\n", std::string(f.name).c_str());
                return 2;
            }
        } else {
            return usage(("unknown option or missing value: " + std::string(a)).c_str());
        }
    }
    if (!upstream_port) return usage("--upstream-port is required");
    if (!chosen) return usage("--fault is required (--list-faults shows them)");

    try {
        asio::io_context io;
        boost::system::error_code ec;
        const auto address = asio::ip::make_address(upstream_host, ec);
        if (ec) return usage(("--upstream-host is not an IP address: " + upstream_host).c_str());
        const tcp::endpoint upstream(address, static_cast<std::uint16_t>(*upstream_port));
        tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
        std::printf("%u\n", static_cast<unsigned>(acceptor.local_endpoint().port()));
        std::fflush(stdout);

        shared_state shared;
        std::function<void()> accept_next = [&] {
            acceptor.async_accept([&](const boost::system::error_code& aec, tcp::socket socket) {
                if (aec) {
                    if (aec != asio::error::operation_aborted) accept_next();
                    return;
                }
                boost::system::error_code ignored;
                socket.set_option(tcp::no_delay(true), ignored);
                auto s = std::make_shared<session>(io, std::move(socket), upstream, *chosen, shared);
                shared.sessions.push_back(s);
                s->start();
                accept_next();
            });
        };
        accept_next();

        asio::signal_set signals(io, SIGINT, SIGTERM);
        signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
        io.run();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "mutant-proxy: %s\n", e.what());
        return 1;
    }
    return 0;
}
