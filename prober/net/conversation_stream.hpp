#pragma once
// A line-oriented conversation on one TCP connection, in clear or upgraded to TLS part way
// (STARTTLS): what blackbox's tcp prober does with its bufio.Scanner and query_response.
#include <memory>
#include <optional>
#include <string>

#include "engine/asio.hpp"
#include "engine/deadline.hpp"
#include "net/tls_client.hpp"

namespace reachprobe::net_io {

class ConversationStream {
 public:
  explicit ConversationStream(net::ip::tcp::socket socket);
  // Continues on a connection that is already TLS (tcp `tls: true`).
  explicit ConversationStream(std::unique_ptr<TlsConnection> tls);

  enum class LineStatus { line, eof, timeout, error, too_long };
  struct Line {
    LineStatus status = LineStatus::eof;
    std::string text;   // without "\n" and a trailing "\r"
    std::string error;  // for LineStatus::error
  };
  // The next line as Go's bufio.ScanLines splits it (a last line without "\n" at EOF counts);
  // lines longer than 64 KiB are refused as bufio.Scanner refuses them.
  net::awaitable<Line> read_line(engine::Deadline deadline);

  struct Written {
    bool ok = false;
    bool timed_out = false;
    std::string error;
  };
  net::awaitable<Written> write(std::string data, engine::Deadline deadline);

  // Upgrades the clear connection to TLS; on failure the stream is unusable.
  net::awaitable<TlsHandshakeOutcome> start_tls(const targets::TlsSpec& spec,
                                                const std::string& server_name,
                                                engine::Deadline deadline);
  bool is_tls() const { return tls_ != nullptr; }
  void close();

  static constexpr std::size_t kMaxLine = 64 * 1024;

 private:
  std::optional<net::ip::tcp::socket> plain_;
  std::unique_ptr<TlsConnection> tls_;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace reachprobe::net_io
