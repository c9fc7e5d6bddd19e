#include "mqttspec/netfuzz/fast_tcp.hpp"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace mqttspec::netfuzz {

using net::clock;
using net::deadline;
using net::read_outcome;
using net::read_status;
using net::transport_errc;
using net::transport_error;

std::optional<resolved_address> resolve_once(const net::target& t) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* list = nullptr;
    const std::string port = std::to_string(t.effective_port());
    if (getaddrinfo(t.host.c_str(), port.c_str(), &hints, &list) != 0 || list == nullptr) return std::nullopt;
    resolved_address a;
    std::memcpy(&a.storage, list->ai_addr, list->ai_addrlen);
    a.length = list->ai_addrlen;
    freeaddrinfo(list);
    return a;
}

namespace {

int remaining_ms(deadline until) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - clock::now()).count();
    return left <= 0 ? 0 : static_cast<int>(std::min<long long>(left, 1 << 30));
}

// Waits for `events` on fd until the deadline; false on timeout.
bool wait_for(int fd, short events, deadline until) {
    for (;;) {
        pollfd p{fd, events, 0};
        const int n = ::poll(&p, 1, remaining_ms(until));
        if (n > 0) return true;
        if (n == 0) return false;
        if (errno != EINTR) return true;  // let the following call report the error
    }
}

class fast_tcp_transport final : public net::transport {
public:
    fast_tcp_transport(const resolved_address& a, std::string url) : address_(a), url_(std::move(url)) {}
    ~fast_tcp_transport() override { close(); }

    void connect(deadline until) override {
        fd_ = ::socket(address_.storage.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd_ < 0) throw transport_error(transport_errc::connect, std::string("socket: ") + std::strerror(errno));
        const int one = 1;
        ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
        if (::connect(fd_, reinterpret_cast<const sockaddr*>(&address_.storage), address_.length) != 0) {
            if (errno != EINPROGRESS) fail_connect(errno);
            if (!wait_for(fd_, POLLOUT, until)) {
                close();
                throw transport_error(transport_errc::timeout, "TCP connect to " + url_ + " did not complete before the deadline");
            }
            int err = 0;
            socklen_t len = sizeof err;
            ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &err, &len);
            if (err != 0) fail_connect(err);
        }
        open_ = true;
    }

    void write(std::span<const std::uint8_t> bytes, deadline until) override {
        if (!open_) throw transport_error(transport_errc::io, "write on a closed connection");
        std::size_t done = 0;
        while (done < bytes.size()) {
            const auto n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
            if (n > 0) {
                done += static_cast<std::size_t>(n);
                continue;
            }
            if (n < 0 && errno == EINTR) continue;
            if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
                if (!wait_for(fd_, POLLOUT, until)) {
                    close();
                    throw transport_error(transport_errc::timeout, "write did not complete before the deadline");
                }
                continue;
            }
            const std::string why = std::strerror(errno);
            close();
            throw transport_error(transport_errc::io, "write failed: " + why);
        }
    }

    read_outcome read(std::vector<std::uint8_t>& out, deadline until) override {
        if (!open_) return {read_status::closed, detail_.empty() ? "closed locally" : detail_};
        std::uint8_t buffer[16384];
        for (;;) {
            const auto n = ::recv(fd_, buffer, sizeof buffer, 0);
            if (n > 0) {
                out.insert(out.end(), buffer, buffer + n);
                const int one = 1;
                ::setsockopt(fd_, IPPROTO_TCP, TCP_QUICKACK, &one, sizeof one);
                return {read_status::data, {}};
            }
            if (n == 0) return closed("end of stream");
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (clock::now() >= until || !wait_for(fd_, POLLIN, until)) return {read_status::timeout, {}};
                continue;
            }
            return closed(errno == ECONNRESET ? "connection reset" : std::strerror(errno));
        }
    }

    bool shutdown_send() noexcept override { return open_ && fd_ >= 0 && ::shutdown(fd_, SHUT_WR) == 0; }

    void close() noexcept override {
        open_ = false;
        if (fd_ >= 0) {
            const linger reset{1, 0};  // RST: no TIME_WAIT on our side
            ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
            ::close(fd_);
            fd_ = -1;
        }
    }

    bool is_open() const noexcept override { return open_; }

private:
    [[noreturn]] void fail_connect(int err) {
        close();
        throw transport_error(transport_errc::connect, "cannot connect to " + url_ + ": " + std::strerror(err));
    }
    read_outcome closed(std::string detail) {
        if (detail_.empty()) detail_ = std::move(detail);
        close();
        return {read_status::closed, detail_};
    }

    resolved_address address_;
    std::string url_;
    int fd_ = -1;
    bool open_ = false;
    std::string detail_;
};

}  // namespace

std::unique_ptr<net::transport> make_fast_tcp_transport(const resolved_address& address, std::string url) {
    return std::make_unique<fast_tcp_transport>(address, std::move(url));
}

}  // namespace mqttspec::netfuzz
