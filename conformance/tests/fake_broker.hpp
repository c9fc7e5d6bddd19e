// A tiny scripted MQTT peer for engine tests: listens on 127.0.0.1:0 and runs a script per accepted
// connection on its own thread. Scripts misbehave on purpose (wrong acks, silence, bad bytes) so
// tests can prove that cases and verifiers fail when the rule is broken. Every read is bounded by a
// socket timeout, so a wrong script fails the test instead of hanging it.
#pragma once

#include <sys/socket.h>
#include <sys/time.h>

#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>  // before Asio: Boost 1.74 needs std::exchange
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <vector>

#include "mqttspec/codec/codec.hpp"
#include "mqttspec/codec/json.hpp"
#include "mqttspec/conformance/runner.hpp"
#include "mqttspec/conformance/paths.hpp"

namespace mqttspec::conformance::testing {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

struct fake_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// One accepted connection, seen from the fake broker's side.
class fake_session {
public:
    fake_session(tcp::socket socket, std::size_t index, bool websocket)
        : socket_(std::move(socket)), index_(index) {
        timeval tv{5, 0};  // no read may block a test for longer
        ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        if (websocket) {
            ws_.emplace(std::move(socket_));
            ws_->set_option(boost::beast::websocket::stream_base::decorator([](boost::beast::websocket::response_type& res) {
                res.set(boost::beast::http::field::sec_websocket_protocol, "mqtt");
            }));
            ws_->accept();
            ws_->binary(true);
        }
    }

    std::size_t index() const { return index_; }  // 0 for the first connection

    // Reads one whole packet (fixed header + remaining length) and returns its bytes.
    std::vector<std::uint8_t> read_packet() {
        std::vector<std::uint8_t> out;
        out.push_back(read_byte());
        std::uint32_t length = 0, shift = 0;
        for (int i = 0; i < 4; ++i) {
            const std::uint8_t b = read_byte();
            out.push_back(b);
            length |= static_cast<std::uint32_t>(b & 0x7F) << shift;
            shift += 7;
            if ((b & 0x80) == 0) break;
            if (i == 3) return out;  // a fifth length byte: malformed (2.2.3), the caller's decoder says so
        }
        for (std::uint32_t i = 0; i < length; ++i) out.push_back(read_byte());
        return out;
    }

    // Reads a packet and decodes it as a client packet of `version` into JSON.
    codec::ordered_json read_json(codec::protocol_version version) {
        const auto bytes = read_packet();
        const auto r = codec::decode(bytes, version, {.sender = codec::sender::client});
        if (!r.ok()) throw fake_error("fake broker: client packet does not decode: " + r.error.message);
        return codec::to_json(r, version);
    }

    // Reads the CONNECT; returns its protocol version.
    codec::protocol_version expect_connect() {
        const auto bytes = read_packet();
        if (bytes.empty() || (bytes[0] >> 4) != 1) throw fake_error("fake broker: expected CONNECT");
        // Protocol level: after the fixed header and the protocol name "MQTT" (2 + 4 bytes).
        const std::size_t header = bytes[1] & 0x80 ? 3 : 2;
        version_ = static_cast<codec::protocol_version>(bytes.at(header + 6));
        return version_;
    }
    // Accepts the CONNECT with a minimal CONNACK of the right version.
    void accept_connect() {
        expect_connect();
        send_hex(version_ == codec::protocol_version::v5 ? "20 03 00 00 00" : "20 02 00 00");
    }

    // Scripts may forward to a session from another connection's thread: one write at a time.
    void send(std::span<const std::uint8_t> bytes) {
        std::lock_guard lock(send_mutex_);
        if (ws_) {
            ws_->write(asio::buffer(bytes.data(), bytes.size()));
        } else {
            asio::write(socket_, asio::buffer(bytes.data(), bytes.size()));
        }
    }
    void send_hex(std::string_view hex) { send(codec::from_hex(hex)); }
    void send_packet(const codec::packet& p) { send(codec::encode(p, version_)); }

    // Reads until the client closes (bounded by the socket timeout). Everything read is dropped.
    void wait_for_close() {
        try {
            for (;;) read_byte();
        } catch (const std::exception&) {
        }
    }
    void close() {
        boost::system::error_code ignored;
        auto& s = ws_ ? boost::beast::get_lowest_layer(*ws_) : socket_;
        s.shutdown(tcp::socket::shutdown_both, ignored);
        s.close(ignored);
    }
    // Ends the connection without releasing the socket: safe from another thread while this
    // session's own thread is blocked in a read (the read then fails and the script ends).
    void shutdown() {
        boost::system::error_code ignored;
        auto& s = ws_ ? boost::beast::get_lowest_layer(*ws_) : socket_;
        s.shutdown(tcp::socket::shutdown_both, ignored);
    }
    codec::protocol_version version() const { return version_; }

private:
    std::uint8_t read_byte() {
        if (pos_ == buffer_.size()) {
            buffer_.clear();
            pos_ = 0;
            if (ws_) {
                boost::beast::flat_buffer b;
                ws_->read(b);
                const auto* p = static_cast<const std::uint8_t*>(b.data().data());
                buffer_.assign(p, p + b.size());
            } else {
                std::uint8_t chunk[4096];
                const std::size_t n = socket_.read_some(asio::buffer(chunk));
                buffer_.assign(chunk, chunk + n);
            }
            if (buffer_.empty()) throw fake_error("fake broker: empty read");
        }
        return buffer_[pos_++];
    }

    tcp::socket socket_;
    std::optional<boost::beast::websocket::stream<tcp::socket>> ws_;
    std::mutex send_mutex_;
    std::size_t index_;
    std::vector<std::uint8_t> buffer_;
    std::size_t pos_ = 0;
    codec::protocol_version version_ = codec::protocol_version::v5;
};

class fake_broker {
public:
    using script = std::function<void(fake_session&)>;

    explicit fake_broker(script s, bool websocket = false)
        : script_(std::move(s)), websocket_(websocket), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
        port_ = acceptor_.local_endpoint().port();
        thread_ = std::thread([this] { accept_loop(); });
    }
    ~fake_broker() {
        stopping_ = true;
        boost::system::error_code ignored;
        // Unblock accept() with a connection of our own.
        tcp::socket poke(io_);
        poke.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ignored);
        thread_.join();
        for (auto& t : sessions_) t.join();
    }

    std::uint16_t port() const { return port_; }
    conformance::target where() const {
        conformance::target t;
        t.kind = websocket_ ? transport_kind::ws : transport_kind::tcp;
        t.host = "127.0.0.1";
        t.port = port_;
        return t;
    }
    // What went wrong inside scripts (empty when they all ran to the end).
    std::vector<std::string> script_errors() {
        std::lock_guard lock(mutex_);
        return errors_;
    }

private:
    void accept_loop() {
        for (std::size_t index = 0;; ++index) {
            tcp::socket socket(io_);
            boost::system::error_code ec;
            acceptor_.accept(socket, ec);
            if (ec || stopping_) return;
            sessions_.emplace_back([this, index, s = std::move(socket)]() mutable {
                try {
                    fake_session session(std::move(s), index, websocket_);
                    script_(session);
                } catch (const std::exception& e) {
                    std::lock_guard lock(mutex_);
                    errors_.push_back(e.what());
                }
            });
        }
    }

    script script_;
    bool websocket_;
    asio::io_context io_;
    tcp::acceptor acceptor_;
    std::uint16_t port_ = 0;
    std::atomic<bool> stopping_{false};
    std::thread thread_;
    std::vector<std::thread> sessions_;
    std::mutex mutex_;
    std::vector<std::string> errors_;
};

// A delay of the simulated broker itself (its keep-alive timer, the latency of a loaded broker): blocks
// the fake session's thread for `d`. Nothing synchronises on it; the client under test only sees late bytes.
inline void broker_delay(std::chrono::milliseconds d) {
    asio::io_context io;
    asio::steady_timer timer(io, d);
    timer.wait();
}

// The environment a case sees when run directly against a fake broker (no probe).
inline run_environment fake_environment(const fake_broker& broker, std::chrono::milliseconds timeout = std::chrono::milliseconds(700)) {
    run_environment env;
    env.where = broker.where();
    env.nonce = "test";
    env.timeout = timeout;
    for (auto v : {codec::protocol_version::v3_1_1, codec::protocol_version::v5}) env.caps[v] = capabilities::from_profile(v, env.prof);
    return env;
}

inline const case_def& find_case(const std::string& id) {
    static const std::vector<case_def> cases = all_cases(fixtures_dir());
    for (const auto& c : cases) {
        if (c.info.id == id) return c;
    }
    throw std::invalid_argument("no case " + id);
}

// The proof log (fixtures/proofs.json is checked against it by conformance/tests/check-proofs): when
// MQTTSPEC_PROOF_LOG names a file, every case run against a fake peer appends one line
// "test<TAB>case<TAB>verdict", the test being the running gtest's Suite.Name.
inline void log_case_run(const std::string& id, verdict v) {
    const char* path = std::getenv("MQTTSPEC_PROOF_LOG");
    if (path == nullptr || *path == '\0') return;
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    const std::string name = test ? std::string(test->test_suite_name()) + "." + test->name() : "?";
    static std::mutex log_mutex;
    std::lock_guard lock(log_mutex);
    if (FILE* f = std::fopen(path, "a")) {
        std::fprintf(f, "%s\t%s\t%s\n", name.c_str(), id.c_str(), std::string(to_string(v)).c_str());
        std::fclose(f);
    }
}

inline case_result run_case_against(const fake_broker& broker, const std::string& id, const profile& prof = {}) {
    auto env = fake_environment(broker);
    env.prof = prof;
    auto r = run_case(find_case(id), env, 0);
    log_case_run(id, r.result);
    return r;
}

}  // namespace mqttspec::conformance::testing
