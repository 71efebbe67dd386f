#pragma once
// Shared by the fuzz targets. FUZZ_CHECK: a property the parser promises, checked on every
// input; a broken one aborts, so libFuzzer keeps the input as it does a sanitizer report.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(condition)                                                                 \
  do {                                                                                        \
    if (!(condition)) {                                                                       \
      std::fprintf(stderr, "%s:%d: fuzz check failed: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                           \
    }                                                                                         \
  } while (false)

namespace fuzz {

// Configs name files (body_file, password_file, cert_file, ...): relative names are looked up
// in an empty directory, so a run neither depends on nor reads the tree it started in.
inline void enter_scratch_directory() {
  static char dir[] = "/tmp/rp-fuzz-cwd-XXXXXX";
  if (mkdtemp(dir) == nullptr || chdir(dir) != 0) std::abort();
  std::atexit([] { rmdir(dir); });
}

}  // namespace fuzz
