#pragma once
#include <string>

namespace reachprobe::targets {

// A shared object opened with dlopen() when first needed (RTLD_NOW | RTLD_LOCAL), never
// closed: what ssh_library.cpp and net/curl_library.cpp stand on.
class SharedLibrary {
 public:
  explicit SharedLibrary(const char* soname);
  SharedLibrary(const SharedLibrary&) = delete;
  SharedLibrary& operator=(const SharedLibrary&) = delete;

  bool loaded() const { return handle_ != nullptr; }
  // The loader's message when it could not be opened ("libssh.so.4: cannot open shared
  // object file: No such file or directory").
  const std::string& error() const { return error_; }
  // The symbol of this name; null when absent or the library is not loaded.
  void* symbol(const char* name) const;

 private:
  void* handle_ = nullptr;
  std::string error_;
};

}  // namespace reachprobe::targets
