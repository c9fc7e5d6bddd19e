// A plain-TCP transport for the fuzzer's hot path. Same interface and deadlines as the engine's
// transports, but: the address is resolved once (not per connection, which costs a resolver
// thread hop), reads re-arm TCP_QUICKACK (a broker that leaves Nagle on would otherwise stall
// ~40 ms on our delayed ACKs), and close() resets the connection so a few thousand connections
// a second leave no TIME_WAIT behind. Non-blocking sockets and poll(); one owner thread.
#pragma once

#include <memory>
#include <optional>
#include <sys/socket.h>

#include "mqttspec/net/target.hpp"
#include "mqttspec/net/transport.hpp"

namespace mqttspec::netfuzz {

struct resolved_address {
    sockaddr_storage storage{};
    socklen_t length = 0;
};

// nullopt when the host does not resolve (the caller falls back to the engine's transport, which
// reports the error in its words).
std::optional<resolved_address> resolve_once(const net::target& t);

std::unique_ptr<net::transport> make_fast_tcp_transport(const resolved_address& address, std::string url);

}  // namespace mqttspec::netfuzz
