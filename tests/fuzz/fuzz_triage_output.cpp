// What a target's shell prints back for the host layer's triage (issue 15), read by the parser
// and judged by the assessment as the host layer does.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "engine/reason.hpp"
#include "fuzz_check.hpp"
#include "host/triage_assessment.hpp"
#include "host/triage_parser.hpp"

namespace {

bool printable(const std::string& s) {
  if (s.size() > 2 * reachprobe::host::kMaxTriageLineBytes) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view output(reinterpret_cast<const char*>(data), size);
  auto e = reachprobe::host::parse_triage_output(output);
  e.triage_seconds = size % 2 == 0 ? 0.5 : 3.0;
  e.auth_seconds = static_cast<double>(size % 5);
  reachprobe::targets::HostTriageSpec spec;
  if (size % 3 == 0) spec.critical_peers = {"198.18.3.77"};
  reachprobe::host::assess(e, spec);
  // Facts go into JSON, HTML, metrics and log lines: printable and bounded, lists capped.
  for (const std::string* s : {&e.client, &e.server, &e.route, &e.route_device, &e.route_gateway,
                               &e.address_device, &e.route_error, &e.home})
    FUZZ_CHECK(printable(*s));
  FUZZ_CHECK(e.failed_neighbors.size() <= 64 && e.mounts.size() <= 16 && e.blocked.size() <= 20 &&
             e.hung_task_lines.size() <= 5 && e.not_measured.size() <= 16);
  for (const auto& n : e.failed_neighbors) FUZZ_CHECK(printable(n));
  for (const auto& m : e.mounts) FUZZ_CHECK(printable(m.fstype) && printable(m.mountpoint));
  for (const auto& t : e.blocked) FUZZ_CHECK(printable(t.wait_channel) && printable(t.command));
  for (const auto& l : e.hung_task_lines) FUZZ_CHECK(printable(l));
  // Findings: host reasons only, each at most once, each clause bounded.
  FUZZ_CHECK(e.findings.size() <= 6);
  for (const auto& f : e.findings) {
    FUZZ_CHECK(reachprobe::engine::is_allowed(reachprobe::engine::Layer::host, f.reason));
    FUZZ_CHECK(!f.text.empty() && f.text.size() < 8 * reachprobe::host::kMaxTriageLineBytes);
  }
  return 0;
}
