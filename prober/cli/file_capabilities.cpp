#include "cli/file_capabilities.hpp"

#include <linux/capability.h>
#include <sys/syscall.h>
#include <unistd.h>

namespace reachprobe::cli {

void raise_permitted_capabilities() noexcept {
  // The raw system calls: libcap is one more runtime library for two calls.
  __user_cap_header_struct header{_LINUX_CAPABILITY_VERSION_3, 0};
  __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3] = {};
  if (syscall(SYS_capget, &header, data) != 0) return;
  bool changed = false;
  for (auto& word : data) {
    if ((word.effective & word.permitted) != word.permitted) {
      word.effective |= word.permitted;
      changed = true;
    }
  }
  // A failure leaves the process as it was: probes that need a capability then say so.
  if (changed) syscall(SYS_capset, &header, data);
}

}  // namespace reachprobe::cli
