#pragma once
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "engine/asio.hpp"
#include "targets/expected.hpp"
#include "targets/file_sd.hpp"
#include "targets/schedule_spec.hpp"

namespace reachprobe::schedule {

// What one scan found for one file_sd_configs entry: each file its globs match now, with its
// groups or the one-line reason it could not be read or parsed.
using SdScan = std::map<std::string, targets::Expected<std::vector<targets::SdGroup>>>;

// Watches the directories of the file_sd_configs globs with inotify on the io_context and
// rescans shortly after a change (a write, an atomic rename, a delete), and every
// refresh_interval as a fallback (a directory that did not exist yet, a lost event). Files are
// globbed, read and parsed on a worker thread, never on the io_context; `on_scan(entry, scan)`
// runs on the io_context after each scan.
class FileSdWatcher {
 public:
  using OnScan = std::function<void(std::size_t entry, SdScan scan)>;

  FileSdWatcher(net::any_io_executor executor, std::vector<targets::FileSdSpec> specs,
                OnScan on_scan);
  ~FileSdWatcher();
  FileSdWatcher(const FileSdWatcher&) = delete;
  FileSdWatcher& operator=(const FileSdWatcher&) = delete;

  // Starts watching and runs the first scan at once.
  void start();

  struct State;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace reachprobe::schedule
