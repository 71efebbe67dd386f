#pragma once
// Pieces the summary sentences share across files (classify/ internal).
#include <chrono>
#include <string>

#include "engine/probe_report.hpp"

namespace reachprobe::classify::detail {

double secs(std::chrono::nanoseconds d);
std::string target_address(const engine::ProbeReport& r);
std::string endpoint(const engine::ProbeReport& r);  // "198.18.3.2:22", "[::1]:22"
std::string url_of(const engine::ProbeReport& r);
std::string ssh_sentence(const engine::ProbeReport& r, const engine::Verdict& v);
std::string web_sentence(const engine::ProbeReport& r, const engine::Verdict& v);
// The lead of a success sentence for http, grpc and ssh, each time that of the layer it names;
// "" when none of those layers worked.
std::string application_success(const engine::ProbeReport& r);
std::string conversation_sentence(const engine::ProbeReport& r, const engine::Verdict& v);
std::string dns_query_sentence(const engine::ProbeReport& r, engine::Reason reason);
std::string rcode_text(int rcode);  // "NXDOMAIN", as miekg/dns names it

}  // namespace reachprobe::classify::detail
