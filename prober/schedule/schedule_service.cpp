#include "schedule/schedule_service.hpp"

#include <set>

namespace reachprobe::schedule {

ScheduleService::ScheduleService(std::shared_ptr<layers::Services> services,
                                 Scheduler::BugReporter on_bug, Warn warn)
    : services_(services), warn_(std::move(warn)), scheduler_(services, std::move(on_bug)) {}

std::optional<std::string> ScheduleService::configure(const targets::Config& config) {
  auto vantage = vantage_of(config.scheduler);
  auto keys = build_config_keys(config, vantage);
  if (!keys) return keys.error();
  config_ = std::make_shared<const targets::Config>(config);
  vantage_ = std::move(vantage);
  config_keys_.clear();
  for (auto& key : *keys) config_keys_.push_back(std::make_shared<const KeySpec>(std::move(key)));
  scheduler_.set_max_concurrency(config.scheduler.max_concurrency);
  // A new watcher for the new entries; the files' last keys stay until its first scan (at
  // once) replaces them, so unchanged keys keep their schedule across the reload.
  watcher_.reset();
  for (auto it = file_keys_.begin(); it != file_keys_.end();) {
    it = it->first.first >= config.file_sd.size() ? file_keys_.erase(it) : std::next(it);
  }
  if (!config.file_sd.empty()) {
    watcher_ = std::make_unique<FileSdWatcher>(
        services_->executor, config.file_sd,
        [this](std::size_t entry, SdScan scan) { on_scan(entry, std::move(scan)); });
    watcher_->start();
  }
  publish();
  return std::nullopt;
}

targets::Expected<KeyList> ScheduleService::file_keys(std::size_t entry,
                                                      const std::vector<targets::SdGroup>& groups,
                                                      const std::string& file) const {
  KeyList keys;
  for (const auto& sd : groups) {
    auto group = sd_group(sd, config_->file_sd[entry], file);
    if (!group) return targets::Expected<KeyList>::failure(group.error());
    auto built = build_keys(*group, *config_, vantage_);
    if (!built) return targets::Expected<KeyList>::failure(built.error());
    for (auto& key : *built) keys.push_back(std::make_shared<const KeySpec>(std::move(key)));
  }
  return keys;
}

void ScheduleService::on_scan(std::size_t entry, SdScan scan) {
  if (!config_ || entry >= config_->file_sd.size()) return;
  for (auto& [file, groups] : scan) {
    auto keys = groups ? file_keys(entry, *groups, file)
                       : targets::Expected<KeyList>::failure(groups.error());
    if (!keys) {
      // The file's last good keys stay (CONTRACT §7); the error is counted and logged.
      ++sd_errors_[file];
      warn_("Error reading file_sd file, keeping its previous targets", file + ": " + keys.error());
      continue;
    }
    file_keys_[{entry, file}] = std::move(keys).value();
  }
  for (auto it = file_keys_.begin(); it != file_keys_.end();) {
    bool gone = it->first.first == entry && !scan.contains(it->first.second);
    it = gone ? file_keys_.erase(it) : std::next(it);
  }
  publish();
}

void ScheduleService::publish() {
  if (!config_) return;
  KeyList all;
  std::set<std::string> ids;
  std::size_t duplicates = 0;
  auto take = [&](const std::shared_ptr<const KeySpec>& key) {
    if (!ids.insert(key->identity.id).second) {
      ++duplicates;
      return;
    }
    if (in_shard(*key, config_->scheduler)) all.push_back(key);
  };
  for (const auto& key : config_keys_) take(key);
  for (const auto& [where, keys] : file_keys_)
    for (const auto& key : keys) take(key);
  if (duplicates > 0) {
    warn_("Keys listed more than once; the first listing is probed",
          std::to_string(duplicates) + " duplicate (target, module) listings");
  }
  scheduler_.apply(all);
}

void ScheduleService::stop() {
  watcher_.reset();
  scheduler_.stop();
}

}  // namespace reachprobe::schedule
