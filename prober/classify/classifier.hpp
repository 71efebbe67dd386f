#pragma once
#include "engine/probe_report.hpp"

namespace reachprobe::classify {

// CONTRACT §3 rules 1-5 as a pure function of the layer results (no I/O, no clock):
// 1 first required failing layer in path order; 2 a transport failure refined by lower-layer
// evidence; 3 an ICMP error names its sender; 4 optional layers only warn; 5 timeouts are
// charged to the layer whose share ran out (the layers already report them that way).
engine::Verdict classify(const engine::ProbeReport& report);

// Sets verdict, success, the summary sentence, and turns failures of optional layers that the
// verdict does not name into warnings (rule 4).
void apply_verdict(engine::ProbeReport& report);

}  // namespace reachprobe::classify
