// The engine reaches brokers through the shared net library (net/: targets, TCP/TLS/WebSocket
// transports), which the network fuzzer uses too. Its names, as the engine's code spells them.
#pragma once

#include "mqttspec/net/target.hpp"
#include "mqttspec/net/transport.hpp"

namespace mqttspec::conformance {

using net::clock;
using net::deadline;
using net::default_port;
using net::make_transport;
using net::parse_url;
using net::read_outcome;
using net::read_status;
using net::target;
using net::target_error;
using net::tls_options;
using net::to_string;
using net::transport;
using net::transport_errc;
using net::transport_error;
using net::transport_kind;

}  // namespace mqttspec::conformance
