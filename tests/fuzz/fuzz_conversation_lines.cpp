// The tcp prober's query_response line reader (Go's bufio.ScanLines, 64 KiB limit), driven
// for real: ConversationStream::read_line is a coroutine over a socket, not a pure function,
// so the peer's bytes go through a socketpair on an io_context. Each line is then used as the
// prober uses it: matched by an expect with groups, and a `send` template expanded from them.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_check.hpp"
#include "net/conversation_stream.hpp"
#include "targets/pattern.hpp"

namespace {

namespace net = reachprobe::net;
using reachprobe::net_io::ConversationStream;
using LineStatus = ConversationStream::LineStatus;
constexpr std::size_t kMaxLine = ConversationStream::kMaxLine;

struct Outcome {
  std::vector<std::string> lines;
  LineStatus end = LineStatus::eof;
};

net::awaitable<void> read_all(ConversationStream stream, Outcome& out) {
  auto deadline = reachprobe::engine::Deadline::from_now(std::chrono::seconds(2));
  for (;;) {
    auto line = co_await stream.read_line(deadline);
    if (line.status != LineStatus::line) {
      out.end = line.status;
      co_return;
    }
    out.lines.push_back(std::move(line.text));
  }
}

// The same split written plainly: each "\n"-terminated line without one trailing "\r", and a
// last unterminated line when it is not empty. `raw` keeps each line's length before trimming.
void model_lines(const std::string& bytes, std::vector<std::string>& lines,
                 std::vector<std::size_t>& raw) {
  std::size_t start = 0;
  while (start < bytes.size()) {
    auto newline = bytes.find('\n', start);
    auto end = newline == std::string::npos ? bytes.size() : newline;
    std::string line = bytes.substr(start, end - start);
    raw.push_back(line.size());
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(std::move(line));
    if (newline == std::string::npos) break;
    start = newline + 1;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  // The first byte puts a long run in front, so the 64 KiB limit is reached without 64 KiB
  // inputs: none, just under, just over, and past the limit by more than one read.
  static constexpr std::size_t kPads[] = {0, kMaxLine - 16, kMaxLine + 1, kMaxLine + 4097};
  std::string bytes(kPads[data[0] & 3], 'a');
  bytes.append(reinterpret_cast<const char*>(data) + 1, size - 1);

  int fds[2];
  FUZZ_CHECK(socketpair(AF_UNIX, SOCK_STREAM, 0, fds) == 0);
  int buffer = 1 << 20;
  setsockopt(fds[1], SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
  for (std::size_t sent = 0; sent < bytes.size();) {
    auto n = ::write(fds[1], bytes.data() + sent, bytes.size() - sent);
    FUZZ_CHECK(n > 0);
    sent += static_cast<std::size_t>(n);
  }
  ::close(fds[1]);  // the peer's last words, then EOF

  static net::io_context io;
  net::ip::tcp::socket socket(io);
  socket.assign(net::ip::tcp::v4(), fds[0]);  // a stream socket is all the reader needs
  Outcome out;
  net::co_spawn(io, read_all(ConversationStream(std::move(socket)), out), net::detached);
  io.run();
  io.restart();

  std::vector<std::string> expected;
  std::vector<std::size_t> raw;
  model_lines(bytes, expected, raw);
  FUZZ_CHECK(out.end == LineStatus::eof || out.end == LineStatus::too_long);
  FUZZ_CHECK(out.lines.size() <= expected.size());
  for (std::size_t i = 0; i < out.lines.size(); ++i) {
    FUZZ_CHECK(out.lines[i] == expected[i]);
    FUZZ_CHECK(raw[i] <= kMaxLine + 4096);  // a line is refused within one read of the limit
  }
  if (out.end == LineStatus::eof) {
    FUZZ_CHECK(out.lines.size() == expected.size());
  } else {
    FUZZ_CHECK(out.lines.size() < expected.size() && raw[out.lines.size()] > kMaxLine);
  }

  // query_response: an SMTP-like `expect` with groups, then the next `send` expanded from them.
  static const auto expect =
      reachprobe::targets::Pattern::compile("^([0-9]{3})[ -]([^ ]{0,64})", true);
  FUZZ_CHECK(expect);
  // A `send` line from a config is short; the input's first line (or bytes) plays it.
  std::string send = (out.lines.empty() ? bytes : out.lines.front()).substr(0, 256);
  for (const auto& line : out.lines) {
    if (auto groups = expect->groups(line)) {
      FUZZ_CHECK(groups->size() == 3);
      (void)reachprobe::targets::expand_template(send, *groups);
    }
  }
  return 0;
}
