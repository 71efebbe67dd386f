#pragma once
#include <cstddef>
#include <optional>
#include <string>

#include "targets/expected.hpp"

namespace reachprobe::targets {

// Size caps for the files a config or a flag names (README "Files named by the config").
// Secrets, request bodies, SSH keys, TLS files and the web config are small; the module file
// may hold many modules. A cap bounds memory and time, so /dev/zero or a 10 GB file is an error
// instead of a bad_alloc.
inline constexpr std::size_t kSmallFileCap = std::size_t{1} << 20;   // 1 MiB
inline constexpr std::size_t kLargeFileCap = std::size_t{16} << 20;  // 16 MiB: the config file

// Reads a whole regular file of at most `cap` bytes. The open never blocks (O_NONBLOCK: a FIFO
// with no writer opens at once) and the type is checked on the open descriptor (fstat), so a
// FIFO, directory, device or socket is refused before any read, and a file swapped after a
// stat() cannot slip through. At most cap + 1 bytes are read, so a file that grows or lies
// about its size is still bounded. The error is one line naming the file: "PATH is a FIFO, not
// a regular file", "PATH is larger than 1 MiB", "cannot read PATH: No such file or directory".
Expected<std::string> read_bounded_file(const std::string& path, std::size_t cap);

// The same checks without reading, for files a library opens later by name (TLS certificates,
// known_hosts). Nullopt when the file is a regular file within the cap.
std::optional<std::string> check_regular_file(const std::string& path, std::size_t cap);

// "1 MiB", "16 MiB", "4096 bytes": how the caps read in messages.
std::string describe_size(std::size_t bytes);

}  // namespace reachprobe::targets
