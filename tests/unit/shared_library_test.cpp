// The libraries loaded on first use (targets/shared_library.hpp): a missing one is an error
// message, never a crash; a present one gives its symbols; the shims say nothing is wrong when
// the machine has both (what the bootstrap script installs).
#include <gtest/gtest.h>

#include "net/curl_library.hpp"
#include "targets/shared_library.hpp"
#include "targets/ssh_library.hpp"

namespace reachprobe::testing {
namespace {

TEST(SharedLibrary, AMissingLibraryIsTheLoadersMessage) {
  targets::SharedLibrary missing("libreachprobe-absent.so.9");
  EXPECT_FALSE(missing.loaded());
  EXPECT_NE(missing.error().find("libreachprobe-absent.so.9"), std::string::npos)
      << missing.error();
  EXPECT_EQ(missing.symbol("anything"), nullptr);
}

TEST(SharedLibrary, APresentLibraryGivesItsSymbols) {
  targets::SharedLibrary ssh("libssh.so.4");
  ASSERT_TRUE(ssh.loaded()) << ssh.error();
  EXPECT_NE(ssh.symbol("ssh_new"), nullptr);
  EXPECT_EQ(ssh.symbol("ssh_no_such_function"), nullptr);
}

TEST(SharedLibrary, LibsshAndLibcurlLoadOnThisMachine) {
  EXPECT_FALSE(targets::ssh_library_error()) << *targets::ssh_library_error();
  EXPECT_FALSE(net_io::curl_library_error()) << *net_io::curl_library_error();
}

}  // namespace
}  // namespace reachprobe::testing
