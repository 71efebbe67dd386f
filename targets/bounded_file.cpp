#include "targets/bounded_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace reachprobe::targets {
namespace {

// Closes the descriptor on every return path.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

const char* kind_of(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return nullptr;
}

std::string errno_text(const std::string& path, int error) {
  return "cannot read " + path + ": " + std::strerror(error);
}

// Opens `path` without blocking and checks it is a regular file within `cap`. O_NOCTTY: a
// terminal named by mistake must not become our controlling tty; O_CLOEXEC: probes' children
// (none today) never inherit it.
std::optional<std::string> open_checked(const std::string& path, std::size_t cap, int& fd) {
  fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return errno_text(path, errno);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return errno_text(path, errno);
  if (!S_ISREG(st.st_mode)) {
    const char* kind = kind_of(st.st_mode);
    return kind == nullptr ? path + " is not a regular file"
                           : path + " is " + kind + ", not a regular file";
  }
  if (st.st_size < 0 || static_cast<std::size_t>(st.st_size) > cap) {
    return path + " is larger than " + describe_size(cap);
  }
  return std::nullopt;
}

}  // namespace

std::string describe_size(std::size_t bytes) {
  if (bytes >= (std::size_t{1} << 20) && bytes % (std::size_t{1} << 20) == 0) {
    return std::to_string(bytes >> 20) + " MiB";
  }
  if (bytes >= 1024 && bytes % 1024 == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Expected<std::string> read_bounded_file(const std::string& path, std::size_t cap) {
  using Result = Expected<std::string>;
  int raw = -1;
  auto error = open_checked(path, cap, raw);
  Fd fd(raw);
  if (error) return Result::failure(*error);
  std::string content;
  char buffer[16384];
  // cap + 1: one byte past the cap proves the file is too large, whatever fstat said.
  while (content.size() <= cap) {
    std::size_t want = std::min(sizeof(buffer), cap + 1 - content.size());
    ssize_t n = ::read(fd.get(), buffer, want);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return Result::failure(errno_text(path, errno));
    }
    content.append(buffer, static_cast<std::size_t>(n));
  }
  if (content.size() > cap) return Result::failure(path + " is larger than " + describe_size(cap));
  return content;
}

std::optional<std::string> check_regular_file(const std::string& path, std::size_t cap) {
  int raw = -1;
  auto error = open_checked(path, cap, raw);
  Fd fd(raw);
  return error;
}

}  // namespace reachprobe::targets
