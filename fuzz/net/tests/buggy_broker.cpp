// A deliberately buggy MQTT server for the network fuzzer's self-test (run-buggy-broker).
//
//   buggy-broker --bug NAME [--port N]
//
// It speaks just enough MQTT 3.1 / 3.1.1 / 5.0 for the fuzzer's sessions (CONNECT, SUBSCRIBE,
// UNSUBSCRIBE, PUBLISH at every QoS with its acks, PINGREQ, DISCONNECT), closes the connection on
// anything it does not understand, and has exactly one planted parser bug, chosen by --bug:
//
//   crash-topic-overrun     a PUBLISH whose Topic Name length runs past the packet: abort()
//                           (stands for the out-of-bounds read a real parser would do)
//   crash-property-overrun  a 5.0 CONNECT/PUBLISH/SUBSCRIBE whose Property Length runs past the
//                           packet: abort()
//   hang-subscribe-qos3     a SUBSCRIBE requesting QoS 3: the (single) event loop spins forever
//   crash-qos2-id-reuse     a QoS 2 PUBLISH (DUP 0) reusing a packet id whose PUBREL has not come:
//                           abort() (a stateful bug: needs two packets on one connection)
//   crash-empty-client-id   a CONNECT with a zero-length Client Identifier and Clean Session /
//                           Clean Start 0: abort()
//   stall-pubrel-unknown-id a PUBREL for a packet id with no QoS 2 exchange pending: that one
//                           connection stalls (read and ignored, never answered, never closed),
//                           while the broker keeps serving every other connection
//   refuse-subscribe-qos3   a SUBSCRIBE requesting QoS 3: the broker closes its listening socket and
//                           opens it again 300 ms later (existing connections stay up), as a
//                           broker restarting its listener would: new connections are refused
//                           meanwhile
//   asan-topic-overrun      a PUBLISH whose Topic Name length runs past the packet: copy_topic_name
//                           writes one byte past a heap buffer (no crash; built with ASan, the
//                           buggy-broker-sanitized target, it is a heap-buffer-overflow report)
//   ubsan-publish-qos3      a PUBLISH with both QoS bits set: inflight_weight shifts a 32-bit int
//                           by 48 (undefined; a UBSan report in buggy-broker-sanitized)
//   malformed-retained      keeps the topics of retained PUBLISHes whose payload is "hello"; a later
//                           SUBSCRIBE matching one gets that message back with both QoS bits set
//                           (a malformed packet): a bug that spans sequences when the PUBLISH and
//                           the SUBSCRIBE come from different ones
//   none                    no bug (the fuzzer must report nothing)
//
// Before the bug fires it prints "buggy-broker: BUG <name>" on stderr, so the test can tell the
// planted bug from anything else. It prints its port on stdout once listening (--port 0: a free one).
// Standard library and POSIX only, single-threaded, non-blocking sockets under poll().
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

enum class bug { none, crash_topic_overrun, crash_property_overrun, hang_subscribe_qos3, crash_qos2_id_reuse, crash_empty_client_id,
                 stall_pubrel_unknown_id, refuse_subscribe_qos3, asan_topic_overrun, ubsan_publish_qos3, malformed_retained };

bug planted = bug::none;
const char* planted_name = "none";

[[noreturn]] void fire(const char* what) {
    std::fprintf(stderr, "buggy-broker: BUG %s\n", what);
    std::fflush(stderr);
    if (planted == bug::hang_subscribe_qos3) {
        volatile unsigned long spin = 0;
        for (;;) spin = spin + 1;
    }
    std::abort();
}

// A bug the process survives: reported on stderr (the first time), and the broker goes on.
void mark(const char* what) {
    static bool marked = false;
    if (marked) return;
    marked = true;
    std::fprintf(stderr, "buggy-broker: BUG %s\n", what);
    std::fflush(stderr);
}

std::set<std::string> retained_hello;  // malformed-retained: topics whose retained message is "hello"

bool listener_restart_due = false;  // refuse-subscribe-qos3 fired: main() closes and later reopens the listener

// asan-topic-overrun: copies the Topic Name into a buffer sized by what is left of the packet and
// terminates it one byte past that buffer.
__attribute__((noinline)) std::size_t copy_topic_name(const std::uint8_t* topic, std::size_t left) {
    char* name = new char[left];
    std::memcpy(name, topic, left);
    name[left] = '\0';
    const std::size_t n = name[0] != '\0' ? left : 0;
    delete[] name;
    return n;
}

volatile std::uint32_t inflight_budget = 0;

// ubsan-publish-qos3: the in-flight weight of a QoS, 1 << (16 * qos): for QoS 3 a shift by 48.
__attribute__((noinline)) std::uint32_t inflight_weight(int qos) {
    return static_cast<std::uint32_t>(1 << (16 * qos));
}

using bytes = std::vector<std::uint8_t>;

struct reader {
    const std::uint8_t* p;
    std::size_t n;
    std::size_t pos = 0;
    bool u8(std::uint8_t& v) {
        if (pos + 1 > n) return false;
        v = p[pos++];
        return true;
    }
    bool u16(std::uint16_t& v) {
        if (pos + 2 > n) return false;
        v = static_cast<std::uint16_t>(p[pos] << 8 | p[pos + 1]);
        pos += 2;
        return true;
    }
    bool skip(std::size_t k) {
        if (pos + k > n) return false;
        pos += k;
        return true;
    }
    bool varint(std::uint32_t& v) {
        v = 0;
        for (int i = 0; i < 4; ++i) {
            std::uint8_t b = 0;
            if (!u8(b)) return false;
            v |= static_cast<std::uint32_t>(b & 0x7F) << (7 * i);
            if ((b & 0x80) == 0) return true;
        }
        return false;
    }
    // Property Length then the properties (skipped). The planted bug: a length past the end.
    bool properties() {
        std::uint32_t len = 0;
        if (!varint(len)) return false;
        if (pos + len > n) {
            if (planted == bug::crash_property_overrun) fire("crash-property-overrun");
            return false;
        }
        pos += len;
        return true;
    }
};

struct connection {
    int fd = -1;
    bytes in, out;
    bool connected = false;
    int level = 4;
    bool closing = false;
    std::set<std::uint16_t> qos2_pending;  // PUBREC sent, PUBREL not yet received
    bool stalled = false;                  // stall-pubrel-unknown-id fired on this connection
};

void put_u16(bytes& b, std::uint16_t v) {
    b.push_back(static_cast<std::uint8_t>(v >> 8));
    b.push_back(static_cast<std::uint8_t>(v & 0xFF));
}

void put_length(bytes& b, std::size_t len) {
    do {
        std::uint8_t d = len % 128;
        len /= 128;
        if (len > 0) d |= 0x80;
        b.push_back(d);
    } while (len > 0);
}

void ack(connection& c, std::uint8_t first_byte, std::uint16_t id) {
    c.out.push_back(first_byte);
    c.out.push_back(2);
    put_u16(c.out, id);
}

// Handles one whole packet; false closes the connection.
bool handle(connection& c, std::uint8_t header, const std::uint8_t* body, std::size_t len) {
    const int type = header >> 4;
    const int flags = header & 0x0F;
    reader r{body, len};
    if (!c.connected && type != 1) return false;
    switch (type) {
    case 1: {  // CONNECT
        if (c.connected) return false;
        std::uint16_t name_len = 0;
        std::uint8_t level = 0, connect_flags = 0;
        std::uint16_t keep_alive = 0;
        if (!r.u16(name_len) || !r.skip(name_len) || !r.u8(level) || !r.u8(connect_flags) || !r.u16(keep_alive)) return false;
        const std::string_view name(reinterpret_cast<const char*>(body) + 2, name_len);
        if (!((name == "MQTT" && (level == 4 || level == 5)) || (name == "MQIsdp" && level == 3))) return false;
        c.level = level;
        if (level == 5 && !r.properties()) return false;
        std::uint16_t id_len = 0;
        if (!r.u16(id_len) || !r.skip(id_len)) return false;
        if (id_len == 0 && (connect_flags & 0x02) == 0 && planted == bug::crash_empty_client_id) fire("crash-empty-client-id");
        c.connected = true;
        c.out.insert(c.out.end(), {0x20, static_cast<std::uint8_t>(level == 5 ? 3 : 2), 0x00, 0x00});
        if (level == 5) c.out.push_back(0x00);
        return true;
    }
    case 3: {  // PUBLISH
        const int qos = (flags >> 1) & 3;
        if (qos == 3 && planted == bug::ubsan_publish_qos3) {
            mark("ubsan-publish-qos3");
            inflight_budget = inflight_budget + inflight_weight(qos);
        }
        if (qos == 3) return false;
        std::uint16_t topic_len = 0;
        if (!r.u16(topic_len)) return false;
        if (r.pos + topic_len > len) {
            if (planted == bug::crash_topic_overrun) fire("crash-topic-overrun");
            if (planted == bug::asan_topic_overrun && len > 2) {
                mark("asan-topic-overrun");
                copy_topic_name(body + 2, len - 2);
            }
            return false;
        }
        const std::string topic(reinterpret_cast<const char*>(body) + r.pos, topic_len);
        r.skip(topic_len);
        std::uint16_t id = 0;
        if (qos > 0 && (!r.u16(id) || id == 0)) return false;
        if (c.level == 5 && !r.properties()) return false;
        if ((flags & 1) != 0 && planted == bug::malformed_retained) {
            const std::string_view payload(reinterpret_cast<const char*>(body) + r.pos, len - r.pos);
            if (payload == "hello") retained_hello.insert(topic);
            else retained_hello.erase(topic);  // replaced or deleted
        }
        if (qos == 1) ack(c, 0x40, id);
        if (qos == 2) {
            if (!c.qos2_pending.insert(id).second && (flags & 0x08) == 0 && planted == bug::crash_qos2_id_reuse)
                fire("crash-qos2-id-reuse");
            ack(c, 0x50, id);
        }
        return true;
    }
    case 4: case 5: case 7:  // PUBACK, PUBREC, PUBCOMP from the client: nothing was sent, ignore
        return flags == 0;
    case 6: {  // PUBREL
        std::uint16_t id = 0;
        if (flags != 2 || !r.u16(id) || id == 0) return false;
        if (!c.qos2_pending.count(id) && planted == bug::stall_pubrel_unknown_id) {
            std::fprintf(stderr, "buggy-broker: BUG stall-pubrel-unknown-id\n");
            std::fflush(stderr);
            // Answers to the packets before this one still go out; from here on nothing does, whatever
            // share of the stream arrived in the same read, so a replay stalls as the fuzz run did.
            c.stalled = true;
            return true;
        }
        c.qos2_pending.erase(id);
        ack(c, 0x70, id);
        return true;
    }
    case 8: {  // SUBSCRIBE
        std::uint16_t id = 0;
        if (flags != 2 || !r.u16(id) || id == 0) return false;
        if (c.level == 5 && !r.properties()) return false;
        bytes codes;
        std::vector<std::string> filters;
        while (r.pos < len) {
            std::uint16_t filter_len = 0;
            std::uint8_t options = 0;
            if (!r.u16(filter_len)) return false;
            filters.emplace_back(reinterpret_cast<const char*>(body) + r.pos, std::min<std::size_t>(filter_len, len - r.pos));
            if (!r.skip(filter_len) || !r.u8(options)) return false;
            if ((options & 3) == 3) {
                if (planted == bug::hang_subscribe_qos3) fire("hang-subscribe-qos3");
                if (planted == bug::refuse_subscribe_qos3 && !listener_restart_due) {
                    mark("refuse-subscribe-qos3");
                    listener_restart_due = true;
                }
                return false;
            }
            codes.push_back(options & 3);
        }
        if (codes.empty()) return false;
        bytes body_out;
        put_u16(body_out, id);
        if (c.level == 5) body_out.push_back(0);
        body_out.insert(body_out.end(), codes.begin(), codes.end());
        c.out.push_back(0x90);
        put_length(c.out, body_out.size());
        c.out.insert(c.out.end(), body_out.begin(), body_out.end());
        for (const auto& topic : retained_hello) {  // only malformed-retained stores any
            const bool matches = std::any_of(filters.begin(), filters.end(), [&](const std::string& f) {
                return f == topic || f == "#" || (f.size() >= 2 && f.ends_with("/#") && topic.starts_with(f.substr(0, f.size() - 1)));
            });
            if (!matches) continue;
            mark("malformed-retained");
            bytes message;
            put_u16(message, static_cast<std::uint16_t>(topic.size()));
            message.insert(message.end(), topic.begin(), topic.end());
            put_u16(message, 1);
            if (c.level == 5) message.push_back(0);
            message.insert(message.end(), {'h', 'e', 'l', 'l', 'o'});
            c.out.push_back(0x37);  // PUBLISH, QoS bits 11, RETAIN
            put_length(c.out, message.size());
            c.out.insert(c.out.end(), message.begin(), message.end());
        }
        return true;
    }
    case 10: {  // UNSUBSCRIBE
        std::uint16_t id = 0;
        if (flags != 2 || !r.u16(id) || id == 0) return false;
        if (c.level == 5 && !r.properties()) return false;
        std::size_t count = 0;
        while (r.pos < len) {
            std::uint16_t filter_len = 0;
            if (!r.u16(filter_len) || !r.skip(filter_len)) return false;
            ++count;
        }
        if (count == 0) return false;
        bytes body_out;
        put_u16(body_out, id);
        if (c.level == 5) {
            body_out.push_back(0);
            body_out.insert(body_out.end(), count, 0x11);  // No subscription existed
        }
        c.out.push_back(0xB0);
        put_length(c.out, body_out.size());
        c.out.insert(c.out.end(), body_out.begin(), body_out.end());
        return true;
    }
    case 12:  // PINGREQ
        if (flags != 0 || len != 0) return false;
        c.out.insert(c.out.end(), {0xD0, 0x00});
        return true;
    default:  // DISCONNECT, and everything a client may not send
        return false;
    }
}

// Consumes whole packets from c.in; false closes the connection.
bool consume(connection& c) {
    std::size_t at = 0;
    for (;;) {
        if (c.in.size() - at < 2) break;
        std::size_t len = 0, i = 1;
        bool complete = false;
        for (int k = 0; k < 4; ++k, ++i) {
            if (at + i >= c.in.size()) break;
            len |= static_cast<std::size_t>(c.in[at + i] & 0x7F) << (7 * k);
            if ((c.in[at + i] & 0x80) == 0) {
                complete = true;
                ++i;
                break;
            }
            if (k == 3) return false;  // a fifth length byte
        }
        if (!complete) break;
        if (len > 1 << 20) return false;
        if (c.in.size() - at - i < len) break;
        if (!handle(c, c.in[at], c.in.data() + at + i, len)) return false;
        at += i + len;
        if (c.stalled) {
            c.in.clear();
            return true;
        }
    }
    c.in.erase(c.in.begin(), c.in.begin() + static_cast<std::ptrdiff_t>(at));
    return true;
}

int usage(const char* msg) {
    std::fprintf(stderr, "buggy-broker: %s\nusage: buggy-broker --bug NAME (see the top of buggy_broker.cpp) [--port N]\n", msg);
    return 2;
}

// A non-blocking listener on 127.0.0.1:port (0: a free port); -1 on failure.
int open_listener(std::uint16_t port) {
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(port);
    if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 512) != 0) {
        ::close(fd);
        return -1;
    }
    return fd;
}

}  // namespace

int main(int argc, char** argv) {
    int port = 0;
    std::optional<std::string> bug_name;
    for (int i = 1; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--bug" && i + 1 < argc) {
            bug_name = argv[++i];
        } else if (a == "--port" && i + 1 < argc) {
            port = std::atoi(argv[++i]);
        } else {
            return usage(("unknown argument " + std::string(a)).c_str());
        }
    }
    if (!bug_name) return usage("--bug is required");
    const std::map<std::string, bug> bugs = {{"none", bug::none},
                                             {"crash-topic-overrun", bug::crash_topic_overrun},
                                             {"crash-property-overrun", bug::crash_property_overrun},
                                             {"hang-subscribe-qos3", bug::hang_subscribe_qos3},
                                             {"crash-qos2-id-reuse", bug::crash_qos2_id_reuse},
                                             {"crash-empty-client-id", bug::crash_empty_client_id},
                                             {"stall-pubrel-unknown-id", bug::stall_pubrel_unknown_id},
                                             {"refuse-subscribe-qos3", bug::refuse_subscribe_qos3},
                                             {"asan-topic-overrun", bug::asan_topic_overrun},
                                             {"ubsan-publish-qos3", bug::ubsan_publish_qos3},
                                             {"malformed-retained", bug::malformed_retained}};
    const auto it = bugs.find(*bug_name);
    if (it == bugs.end()) return usage(("unknown bug " + *bug_name).c_str());
    planted = it->second;
    planted_name = it->first.c_str();
    std::signal(SIGPIPE, SIG_IGN);

    const int one = 1;
    int listener = open_listener(static_cast<std::uint16_t>(port));
    if (listener < 0) {
        std::perror("buggy-broker: bind/listen");
        return 1;
    }
    sockaddr_in addr{};
    socklen_t addr_len = sizeof addr;
    ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &addr_len);
    const std::uint16_t bound_port = ntohs(addr.sin_port);
    std::printf("%d\n", bound_port);
    std::fflush(stdout);
    std::fprintf(stderr, "buggy-broker: listening on 127.0.0.1:%d with bug %s\n", bound_port, planted_name);
    constexpr auto listener_outage = std::chrono::milliseconds(300);
    std::chrono::steady_clock::time_point reopen_at{};

    std::vector<connection> conns;
    std::vector<pollfd> fds;
    std::uint8_t buf[65536];
    for (;;) {
        if (listener_restart_due && listener >= 0) {  // refuse-subscribe-qos3: the listener goes away for a while
            ::close(listener);
            listener = -1;
            reopen_at = std::chrono::steady_clock::now() + listener_outage;
        }
        int timeout_ms = -1;
        if (listener < 0) {
            const auto left = std::chrono::ceil<std::chrono::milliseconds>(reopen_at - std::chrono::steady_clock::now());
            if (left.count() <= 0) {
                listener = open_listener(bound_port);
                if (listener < 0) {
                    std::perror("buggy-broker: reopening the listener");
                    return 1;
                }
                listener_restart_due = false;
                std::fprintf(stderr, "buggy-broker: listening again on 127.0.0.1:%d\n", bound_port);
                std::fflush(stderr);
            } else {
                timeout_ms = static_cast<int>(left.count());
            }
        }
        fds.clear();
        fds.push_back({listener, POLLIN, 0});  // poll() skips a negative descriptor
        for (const auto& c : conns) fds.push_back({c.fd, static_cast<short>(POLLIN | (c.out.empty() ? 0 : POLLOUT)), 0});
        if (::poll(fds.data(), fds.size(), timeout_ms) < 0) {
            if (errno == EINTR) continue;
            std::perror("buggy-broker: poll");
            return 1;
        }
        for (std::size_t k = 1; k < fds.size(); ++k) {
            connection& c = conns[k - 1];
            if (fds[k].revents & (POLLIN | POLLHUP | POLLERR)) {
                const ssize_t got = ::recv(c.fd, buf, sizeof buf, 0);
                if (got <= 0) {
                    if (got < 0 && (errno == EAGAIN || errno == EINTR)) continue;
                    c.closing = true;
                    continue;
                }
                if (c.stalled) continue;  // read and ignored
                c.in.insert(c.in.end(), buf, buf + got);
                if (!consume(c)) c.closing = true;
            }
            if (!c.out.empty()) {
                const ssize_t sent = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
                if (sent > 0) c.out.erase(c.out.begin(), c.out.begin() + sent);
                else if (sent < 0 && errno != EAGAIN && errno != EINTR) c.closing = true;
            }
        }
        for (auto& c : conns) {
            if (c.closing) ::close(c.fd);
        }
        std::erase_if(conns, [](const connection& c) { return c.closing; });
        if (listener >= 0 && (fds[0].revents & POLLIN)) {
            for (;;) {
                const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
                if (fd < 0) break;
                ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
                conns.push_back(connection{fd, {}, {}, false, 4, false, {}, false});
            }
        }
    }
}
