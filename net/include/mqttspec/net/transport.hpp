// Byte transports to a broker (TCP, TLS, WebSocket, WebSocket over TLS) on Boost.Asio/Beast.
//
// Every operation takes an absolute deadline and runs the caller's io_context until the operation
// completes or the deadline passes, so code on top reads sequentially and can never hang. One
// transport belongs to one thread (the io_context is not run concurrently by anyone else).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "mqttspec/net/target.hpp"

namespace boost::asio {
class io_context;
}

namespace mqttspec::net {

using clock = std::chrono::steady_clock;
using deadline = clock::time_point;

enum class transport_errc : std::uint8_t {
    resolve,        // host name did not resolve
    connect,        // TCP connect refused/unreachable
    tls_handshake,  // certificate rejected, protocol mismatch, ...
    ws_handshake,   // HTTP upgrade refused, subprotocol missing
    timeout,        // the deadline passed (connect, handshake or write)
    io,             // write failed, or the stream was used after close
};
std::string_view to_string(transport_errc e) noexcept;

struct transport_error : std::runtime_error {
    transport_error(transport_errc c, const std::string& what) : std::runtime_error(what), code(c) {}
    transport_errc code;
};

enum class read_status : std::uint8_t {
    data,     // at least one byte was appended
    closed,   // the peer closed (FIN, TLS close_notify, WebSocket close, or reset)
    timeout,  // nothing arrived before the deadline; the read stays armed for the next call
};

struct read_outcome {
    read_status status = read_status::timeout;
    std::string detail;  // for closed: "end of stream", "connection reset", "websocket close 1000", ...
};

class transport {
public:
    virtual ~transport() = default;

    // TCP connect, then the TLS and/or WebSocket handshake. Throws transport_error.
    virtual void connect(deadline until) = 0;
    // Writes all bytes (WebSocket: as one binary message). Throws transport_error; after a timeout
    // the transport is closed.
    virtual void write(std::span<const std::uint8_t> bytes, deadline until) = 0;
    // Waits for bytes and appends what arrived to `out`. WebSocket message boundaries are not kept:
    // MQTT packets may span frames and the caller reassembles them with the codec's decoder.
    virtual read_outcome read(std::vector<std::uint8_t>& out, deadline until) = 0;
    // Half-close: a FIN after everything written, while reading goes on (the peer then has every
    // byte and can answer and close). False when the transport cannot (TLS and WebSocket have no
    // half-close), and then nothing is done.
    virtual bool shutdown_send() noexcept { return false; }
    // Closes without ceremony (no TLS/WebSocket close handshake): what a misbehaving client does.
    virtual void close() noexcept = 0;
    virtual bool is_open() const noexcept = 0;
};

// A transport of the target's kind bound to `io`. Nothing happens until connect().
std::unique_ptr<transport> make_transport(boost::asio::io_context& io, const target& t);

}  // namespace mqttspec::net
