#include "mqttspec/net/transport.hpp"
#include "mqttspec/net/websocket_control.hpp"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <utility>  // before Asio: Boost 1.74 awaitable.hpp uses std::exchange without including it

#include <algorithm>
#include <array>
#include <boost/asio.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <optional>

namespace mqttspec::net {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using error_code = boost::system::error_code;

std::string_view to_string(transport_errc e) noexcept {
    switch (e) {
        case transport_errc::resolve: return "resolve";
        case transport_errc::connect: return "connect";
        case transport_errc::tls_handshake: return "tls_handshake";
        case transport_errc::ws_handshake: return "ws_handshake";
        case transport_errc::timeout: return "timeout";
        case transport_errc::io: return "io";
    }
    return "io";
}

namespace {

// Runs the io_context until `done` is set or the deadline passes. The io_context belongs to the
// calling thread, so handlers of other connections on it run here too; that is intended.
bool run_until(asio::io_context& io, const bool& done, deadline until) {
    while (!done) {
        if (io.stopped()) io.restart();
        if (io.run_one_until(until) == 0 && clock::now() >= until) return done;
    }
    return true;
}

// After cancelling, handlers complete promptly with operation_aborted; wait for them boundedly so
// no handler outlives what it refers to.
void drain(asio::io_context& io, const bool& done) {
    run_until(io, done, clock::now() + std::chrono::seconds(5));
}

bool is_closure(const error_code& ec) {
    return ec == asio::error::eof || ec == asio::error::connection_reset ||
           ec == asio::error::connection_aborted || ec == asio::error::broken_pipe ||
           ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor ||
           ec == ssl::error::stream_truncated || ec == websocket::error::closed ||
           ec == beast::error::timeout;
}

std::string describe_closure(const error_code& ec) {
    if (ec == asio::error::eof) return "end of stream";
    if (ec == asio::error::connection_reset) return "connection reset";
    if (ec == ssl::error::stream_truncated) return "end of stream (no TLS close_notify)";
    if (ec == websocket::error::closed) return "websocket closed";
    if (ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) return "closed locally";
    return ec.message();
}

struct read_state {
    bool pending = false;
    bool done = false;
    error_code ec;
    std::size_t n = 0;
    std::array<std::uint8_t, 16384> buffer{};
};

void configure_tls(ssl::context& ctx, const target& t) {
    const tls_options& o = t.tls;
    try {
        if (o.insecure) {
            ctx.set_verify_mode(ssl::verify_none);
        } else {
            ctx.set_verify_mode(ssl::verify_peer);
            if (!o.cafile.empty()) ctx.load_verify_file(o.cafile);
            if (!o.capath.empty()) ctx.add_verify_path(o.capath);
            if (o.cafile.empty() && o.capath.empty()) ctx.set_default_verify_paths();
        }
        if (!o.certfile.empty()) ctx.use_certificate_chain_file(o.certfile);
        if (!o.keyfile.empty()) ctx.use_private_key_file(o.keyfile, ssl::context::pem);
    } catch (const boost::system::system_error& e) {
        throw transport_error(transport_errc::tls_handshake,
                              std::string("cannot load TLS files (--cafile/--capath/--cert/--key): ") + e.what());
    }
    if (!o.version.empty()) {
        int v = 0;
        if (o.version == "tlsv1.2") v = TLS1_2_VERSION;
        else if (o.version == "tlsv1.3") v = TLS1_3_VERSION;
        else throw transport_error(transport_errc::tls_handshake, "unsupported --tls-version '" + o.version + "' (tlsv1.2 or tlsv1.3)");
        SSL_CTX_set_min_proto_version(ctx.native_handle(), v);
        SSL_CTX_set_max_proto_version(ctx.native_handle(), v);
    }
}

bool is_ip_address(const std::string& host) {
    error_code ec;
    asio::ip::make_address(host, ec);
    return !ec;
}

// Why certificate verification failed, in words a user can act on, with the option that helps.
std::string certificate_problem(long verify_result, const target& t) {
    std::string why = X509_verify_cert_error_string(verify_result);
    switch (verify_result) {
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
        case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
        case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
        case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return why + ": the broker's certificate is not signed by a CA this run trusts" +
                   (t.tls.cafile.empty() && t.tls.capath.empty() ? " (pass its CA with --cafile FILE" : " (check --cafile/--capath") +
                   ", or --insecure to skip verification)";
        case X509_V_ERR_HOSTNAME_MISMATCH:
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            return why + ": the certificate does not name '" + t.host +
                   "' (connect with a host name it names, or --insecure to skip verification)";
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return why + ": the broker's certificate has expired (renew it, or --insecure to skip verification)";
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return why + ": the broker's certificate is not valid yet (check the clocks, or --insecure)";
        default:
            return why;
    }
}

// One class for the four stacks; `Stream` is the outermost layer.
template <class Stream>
class stream_transport final : public transport {
    static constexpr bool has_tls =
        std::is_same_v<Stream, ssl::stream<tcp::socket>> ||
        std::is_same_v<Stream, websocket::stream<ssl::stream<tcp::socket>>>;
    static constexpr bool has_ws = !std::is_same_v<Stream, tcp::socket> &&
                                   !std::is_same_v<Stream, ssl::stream<tcp::socket>>;

public:
    stream_transport(asio::io_context& io, const target& t)
        : io_(io), target_(t), tls_(ssl::context::tls_client) {
        if constexpr (has_tls) configure_tls(tls_, target_);
        if constexpr (std::is_same_v<Stream, tcp::socket>) {
            stream_.emplace(io_);
        } else if constexpr (std::is_same_v<Stream, ssl::stream<tcp::socket>>) {
            stream_.emplace(io_, tls_);
        } else if constexpr (std::is_same_v<Stream, websocket::stream<tcp::socket>>) {
            stream_.emplace(io_);
        } else {
            stream_.emplace(io_, tls_);
        }
    }

    ~stream_transport() override {
        close();
        if (read_ && read_->pending) drain(io_, read_->done);
    }

    void connect(deadline until) override {
        tcp::resolver resolver(io_);
        bool done = false;
        error_code ec;
        tcp::resolver::results_type endpoints;
        resolver.async_resolve(target_.host, std::to_string(target_.effective_port()),
                               [&](const error_code& e, tcp::resolver::results_type r) {
                                   ec = e;
                                   endpoints = std::move(r);
                                   done = true;
                               });
        if (!run_until(io_, done, until)) {
            resolver.cancel();
            drain(io_, done);
            throw transport_error(transport_errc::timeout, "resolving " + target_.host + " timed out");
        }
        if (ec) throw transport_error(transport_errc::resolve, "cannot resolve " + target_.host + ": " + ec.message());

        done = false;
        asio::async_connect(lowest(), endpoints, [&](const error_code& e, const tcp::endpoint&) {
            ec = e;
            done = true;
        });
        wait(done, until, "TCP connect to " + target_.url());
        if (ec) throw transport_error(transport_errc::connect, "cannot connect to " + target_.url() + ": " + ec.message());
        lowest().set_option(tcp::no_delay(true), ec);

        if constexpr (has_tls) {
            auto& tls_stream = tls_layer();
            if (!is_ip_address(target_.host)) {
                SSL_set_tlsext_host_name(tls_stream.native_handle(), target_.host.c_str());
            }
            long first_rejection = X509_V_OK;  // why verification failed, as OpenSSL saw it
            if (!target_.tls.insecure) {
                // OpenSSL's own name check, so that a mismatch reaches the callback with its reason.
                X509_VERIFY_PARAM* param = SSL_get0_param(tls_stream.native_handle());
                if (is_ip_address(target_.host)) X509_VERIFY_PARAM_set1_ip_asc(param, target_.host.c_str());
                else SSL_set1_host(tls_stream.native_handle(), target_.host.c_str());
                tls_stream.set_verify_callback([&first_rejection](bool preverified, ssl::verify_context& ctx) {
                    if (!preverified && first_rejection == X509_V_OK) first_rejection = X509_STORE_CTX_get_error(ctx.native_handle());
                    return preverified;
                });
            }
            done = false;
            tls_stream.async_handshake(ssl::stream_base::client, [&](const error_code& e) {
                ec = e;
                done = true;
            });
            wait(done, until, "TLS handshake with " + target_.url());
            if (ec) {
                std::string why = ec.message();
                if (first_rejection != X509_V_OK) why += ": " + certificate_problem(first_rejection, target_);
                throw transport_error(transport_errc::tls_handshake, "TLS handshake with " + target_.url() + " failed: " + why);
            }
        }
        if constexpr (has_ws) {
            auto& ws = *stream_;
            ws.binary(true);
            ws.set_option(websocket::stream_base::decorator([](websocket::request_type& req) {
                req.set(beast::http::field::sec_websocket_protocol, "mqtt");
            }));
            websocket::response_type response;
            done = false;
            const std::string host_header = target_.host + ":" + std::to_string(target_.effective_port());
            ws.async_handshake(response, host_header, target_.path, [&](const error_code& e) {
                ec = e;
                done = true;
            });
            wait(done, until, "WebSocket handshake with " + target_.url());
            if (ec) {
                throw transport_error(transport_errc::ws_handshake,
                                      "WebSocket handshake with " + target_.url() + " failed: " + ec.message());
            }
            const auto subprotocol = response[beast::http::field::sec_websocket_protocol];
            websocket_.subprotocol.assign(subprotocol.data(), subprotocol.size());
        }
        open_ = true;
    }

    void write(std::span<const std::uint8_t> bytes, deadline until) override {
        if (!open_) throw transport_error(transport_errc::io, "write on a closed connection");
        bool done = false;
        error_code ec;
        auto handler = [&](const error_code& e, std::size_t) {
            ec = e;
            done = true;
        };
        if constexpr (has_ws) {
            stream_->async_write(asio::buffer(bytes.data(), bytes.size()), handler);
        } else {
            asio::async_write(*stream_, asio::buffer(bytes.data(), bytes.size()), handler);
        }
        wait(done, until, "write");
        if (ec) {
            close();
            throw transport_error(transport_errc::io, "write failed: " + ec.message());
        }
    }

    read_outcome read(std::vector<std::uint8_t>& out, deadline until) override {
        if (!read_) read_ = std::make_shared<read_state>();
        for (;;) {
            if (!read_->pending) {
                if (!open_) return {read_status::closed, close_detail_.empty() ? "closed locally" : close_detail_};
                read_->pending = true;
                read_->done = false;
                auto state = read_;
                stream_->async_read_some(asio::buffer(state->buffer), [state](const error_code& e, std::size_t n) {
                    state->ec = e;
                    state->n = n;
                    state->done = true;
                });
            }
            if (!run_until(io_, read_->done, until)) return {read_status::timeout, {}};
            read_->pending = false;
            // An empty WebSocket frame carries no bytes: read on until the deadline, since a timeout
            // here would tell the caller that nothing came in all that time.
            if (read_->n > 0 || read_->ec) break;
        }
        if constexpr (has_ws) {
            if (read_->n > 0 && stream_->got_text()) websocket_.received_text = true;
        }
        if (read_->n > 0) {
            out.insert(out.end(), read_->buffer.begin(), read_->buffer.begin() + static_cast<std::ptrdiff_t>(read_->n));
            return {read_status::data, {}};
        }
        if (close_detail_.empty()) {
            close_detail_ = is_closure(read_->ec) ? describe_closure(read_->ec) : read_->ec.message();
        }
        close();
        return {read_status::closed, close_detail_};
    }

    // Plain TCP only: a FIN inside TLS or WebSocket would cut their own framing short.
    bool shutdown_send() noexcept override {
        if constexpr (!std::is_same_v<Stream, tcp::socket>) {
            return false;
        } else {
            if (!open_) return false;
            error_code ec;
            lowest().shutdown(tcp::socket::shutdown_send, ec);
            return !ec;
        }
    }

    void close() noexcept override {
        open_ = false;
        error_code ignored;
        lowest().shutdown(tcp::socket::shutdown_both, ignored);
        lowest().close(ignored);
    }

    bool is_open() const noexcept override { return open_; }

    // websocket_control.hpp
    const websocket_details* websocket_state() const noexcept {
        if constexpr (has_ws) return &websocket_;
        return nullptr;
    }

    void write_websocket(std::span<const std::uint8_t> bytes, websocket_framing framing, deadline until) {
        if constexpr (!has_ws) {
            throw transport_error(transport_errc::io, "WebSocket framing asked of a transport that is not WebSocket");
        } else {
            if (!open_) throw transport_error(transport_errc::io, "write on a closed connection");
            stream_->text(framing.text);
            const std::size_t step = framing.fragment > 0 ? framing.fragment : bytes.size();
            std::size_t offset = 0;
            error_code ec;
            do {
                const std::size_t n = std::min(step, bytes.size() - offset);
                const bool last = offset + n == bytes.size();
                bool done = false;
                stream_->async_write_some(last, asio::buffer(bytes.data() + offset, n), [&](const error_code& e, std::size_t) {
                    ec = e;
                    done = true;
                });
                wait(done, until, "write");
                offset += n;
                if (ec) break;
            } while (offset < bytes.size());
            stream_->binary(true);
            if (ec) {
                close();
                throw transport_error(transport_errc::io, "write failed: " + ec.message());
            }
        }
    }

private:
    tcp::socket& lowest() { return beast::get_lowest_layer(*stream_); }

    ssl::stream<tcp::socket>& tls_layer() {
        if constexpr (std::is_same_v<Stream, ssl::stream<tcp::socket>>) {
            return *stream_;
        } else {
            return stream_->next_layer();
        }
    }

    // Waits for `done`; on timeout closes the socket (which aborts the operation) and throws.
    void wait(const bool& done, deadline until, const std::string& what) {
        if (run_until(io_, done, until)) return;
        close();
        drain(io_, done);
        throw transport_error(transport_errc::timeout, what + " did not complete before the deadline");
    }

    asio::io_context& io_;
    target target_;
    ssl::context tls_;
    std::optional<Stream> stream_;
    std::shared_ptr<read_state> read_;
    bool open_ = false;
    std::string close_detail_;
    websocket_details websocket_;
};

}  // namespace

namespace {

using ws_transport = stream_transport<websocket::stream<tcp::socket>>;
using wss_transport = stream_transport<websocket::stream<ssl::stream<tcp::socket>>>;

}  // namespace

const websocket_details* websocket_details_of(const transport& t) noexcept {
    if (const auto* ws = dynamic_cast<const ws_transport*>(&t)) return ws->websocket_state();
    if (const auto* wss = dynamic_cast<const wss_transport*>(&t)) return wss->websocket_state();
    return nullptr;
}

void write_websocket(transport& t, std::span<const std::uint8_t> bytes, websocket_framing framing, deadline until) {
    if (auto* ws = dynamic_cast<ws_transport*>(&t)) return ws->write_websocket(bytes, framing, until);
    if (auto* wss = dynamic_cast<wss_transport*>(&t)) return wss->write_websocket(bytes, framing, until);
    throw transport_error(transport_errc::io, "WebSocket framing asked of a transport that is not WebSocket");
}

std::unique_ptr<transport> make_transport(asio::io_context& io, const target& t) {
    switch (t.kind) {
        case transport_kind::tcp: return std::make_unique<stream_transport<tcp::socket>>(io, t);
        case transport_kind::tls: return std::make_unique<stream_transport<ssl::stream<tcp::socket>>>(io, t);
        case transport_kind::ws: return std::make_unique<stream_transport<websocket::stream<tcp::socket>>>(io, t);
        case transport_kind::wss:
            return std::make_unique<stream_transport<websocket::stream<ssl::stream<tcp::socket>>>>(io, t);
    }
    throw transport_error(transport_errc::io, "unknown transport kind");
}

}  // namespace mqttspec::net
