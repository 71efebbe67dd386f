#pragma once
#include <string>
#include <unordered_map>

#include "engine/result_sink.hpp"
#include "history/history_store.hpp"
#include "history/status_board.hpp"

namespace reachprobe::serve {

// Scheduled results into the history (STYLE R20): the status board gets every run at once, the
// store gets it in the next one-second batch. The scheduler's key ids become the history's
// stable hex ids here.
class HistorySink : public engine::ResultSink {
 public:
  HistorySink(history::StatusBoard& board, history::HistoryStore* store)
      : board_(board), store_(store) {}
  void key_added(const engine::KeyIdentity& key) override;
  void key_removed(const std::string& id) override;
  void run_finished(const std::string& id, const engine::ReportPtr& report) override;
  void run_skipped(const std::string&) override {}

 private:
  history::StatusBoard& board_;
  history::HistoryStore* store_;  // null: no store (a failed start keeps the board going)
  std::unordered_map<std::string, std::string> hex_by_id_;
};

// The key's history id: key_hash(target, module) in 16 hex digits.
std::string history_id(const std::string& target, const std::string& module);

}  // namespace reachprobe::serve
