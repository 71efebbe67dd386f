#pragma once
#include <optional>
#include <string>

namespace reachprobe::targets {

// libssh is loaded with dlopen() the first time a key is imported or an SSH probe starts, not
// linked: a process start with it linked cost about 1.2 ms more of every `check`, SSH or not.
// ssh_library.cpp defines the ssh_* functions this program calls and forwards each to the
// loaded library (the same as net/curl_library.hpp for libcurl).

// Why libssh could not be loaded, once a load was tried and failed; nullopt otherwise.
std::optional<std::string> ssh_library_error();

// The loaded library's symbol of this name; null when absent or the library is not loaded.
void* ssh_library_symbol(const char* name);

}  // namespace reachprobe::targets
