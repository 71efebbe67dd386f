#include "net/conversation_stream.hpp"

#include <array>

namespace reachprobe::net_io {
namespace {

using ReadResult = std::tuple<boost::system::error_code, std::size_t>;

// Both operations report errors as values, so `||` returns whichever finishes first; the
// loser is cancelled (Asio's ssl::stream forwards the cancellation to its socket).
template <typename Stream>
net::awaitable<std::optional<ReadResult>> read_some(Stream& stream, net::mutable_buffer buffer,
                                                    engine::Deadline deadline) {
  using namespace net::experimental::awaitable_operators;
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_at(deadline.when());
  auto done = co_await (stream.async_read_some(buffer, use_result) || timer.async_wait(use_result));
  if (done.index() == 1) co_return std::nullopt;
  co_return std::get<0>(done);
}

template <typename Stream>
net::awaitable<std::optional<ReadResult>> write_all(Stream& stream, const std::string& data,
                                                    engine::Deadline deadline) {
  using namespace net::experimental::awaitable_operators;
  net::steady_timer timer(co_await net::this_coro::executor);
  timer.expires_at(deadline.when());
  auto done = co_await (net::async_write(stream, net::buffer(data), use_result) ||
                        timer.async_wait(use_result));
  if (done.index() == 1) co_return std::nullopt;
  co_return std::get<0>(done);
}

}  // namespace

ConversationStream::ConversationStream(net::ip::tcp::socket socket) : plain_(std::move(socket)) {}
ConversationStream::ConversationStream(std::unique_ptr<TlsConnection> tls) : tls_(std::move(tls)) {}

net::awaitable<ConversationStream::Line> ConversationStream::read_line(engine::Deadline deadline) {
  std::array<char, 4096> chunk{};
  for (;;) {
    if (auto newline = buffer_.find('\n'); newline != std::string::npos) {
      Line line{LineStatus::line, buffer_.substr(0, newline), ""};
      buffer_.erase(0, newline + 1);
      if (!line.text.empty() && line.text.back() == '\r') line.text.pop_back();
      co_return line;
    }
    if (buffer_.size() > kMaxLine) co_return Line{LineStatus::too_long, "", ""};
    if (eof_) {
      if (buffer_.empty()) co_return Line{LineStatus::eof, "", ""};
      Line line{LineStatus::line, std::move(buffer_), ""};
      buffer_.clear();
      if (!line.text.empty() && line.text.back() == '\r') line.text.pop_back();
      co_return line;
    }
    std::optional<ReadResult> got;
    if (tls_)
      got = co_await read_some(tls_->stream, net::buffer(chunk), deadline);
    else
      got = co_await read_some(*plain_, net::buffer(chunk), deadline);
    if (!got) co_return Line{LineStatus::timeout, "", ""};
    auto [ec, n] = *got;
    buffer_.append(chunk.data(), n);
    if (ec == net::error::eof || ec == net::ssl::error::stream_truncated) {
      eof_ = true;
    } else if (ec) {
      // A reset after the peer's last words still leaves those words to judge.
      if (ec == net::error::connection_reset && !buffer_.empty()) {
        eof_ = true;
        continue;
      }
      co_return Line{LineStatus::error, "", ec.message()};
    }
  }
}

net::awaitable<ConversationStream::Written> ConversationStream::write(std::string data,
                                                                      engine::Deadline deadline) {
  std::optional<ReadResult> done;
  if (tls_)
    done = co_await write_all(tls_->stream, data, deadline);
  else
    done = co_await write_all(*plain_, data, deadline);
  if (!done) co_return Written{false, true, "the write did not finish before the deadline"};
  auto [ec, n] = *done;
  if (ec) co_return Written{false, false, ec.message()};
  co_return Written{true, false, ""};
}

net::awaitable<TlsHandshakeOutcome> ConversationStream::start_tls(const targets::TlsSpec& spec,
                                                                  const std::string& server_name,
                                                                  engine::Deadline deadline) {
  // Bytes already read past the STARTTLS answer would be TLS records; blackbox's scanner drops
  // them too, and a well-behaved server sends none.
  buffer_.clear();
  if (!plain_) {
    // `tls: true` and then `starttls`, or two `starttls` steps: TLS inside TLS is not offered.
    TlsHandshakeOutcome refused;
    refused.facts.attempted = true;
    refused.error = "starttls on a connection that is already TLS";
    co_return refused;
  }
  auto outcome = co_await tls_handshake(std::move(*plain_), spec, server_name, deadline);
  plain_.reset();
  if (outcome.connection) tls_ = std::move(outcome.connection);
  co_return outcome;
}

void ConversationStream::close() {
  boost::system::error_code ignored;
  if (plain_) {
    plain_->shutdown(net::socket_base::shutdown_both, ignored);
    plain_->close(ignored);
  }
  if (tls_) {
    tls_->stream.next_layer().shutdown(net::socket_base::shutdown_both, ignored);
    tls_->stream.next_layer().close(ignored);
  }
}

}  // namespace reachprobe::net_io
