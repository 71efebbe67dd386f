#pragma once
#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "targets/pattern.hpp"
#include "targets/schedule_spec.hpp"
#include "targets/ssh_spec.hpp"
#include "targets/web_spec.hpp"

namespace reachprobe::targets {

enum class ProberKind { http, tcp, icmp, dns, grpc, ssh, path };
const char* to_string(ProberKind kind);

// Options every network prober of blackbox_exporter shares.
struct AddressSpec {
  std::string preferred_ip_protocol = "ip6";  // blackbox: anything but "ip4" means ip6
  bool ip_protocol_fallback = true;
  std::string source_ip_address;
};

struct QueryResponse {
  Pattern expect;  // the empty pattern: no expect in this step
  std::string send;
  bool starttls = false;
};

struct TcpModuleSpec {
  AddressSpec address;
  bool tls = false;
  TlsSpec tls_config;
  std::vector<QueryResponse> query_response;

  bool has_conversation() const { return tls || !query_response.empty(); }
  bool uses_tls() const {
    if (tls) return true;
    for (const auto& step : query_response) {
      if (step.starttls) return true;
    }
    return false;
  }
  // blackbox's ssh_banner module: the first step waits for an SSH identification line, and
  // is then judged as reachprobe's ssh_banner layer.
  bool expects_ssh_banner() const {
    return !query_response.empty() && query_response.front().expect.text().rfind("^SSH-", 0) == 0;
  }
};

struct IcmpModuleSpec {
  AddressSpec address;
  int payload_size = 0;
  bool dont_fragment = false;
  int ttl = 64;
};

// blackbox's DNSRRValidator: regexps (POSIX ERE here) applied to each record's zone-file text.
struct DnsRecordValidator {
  std::vector<Pattern> fail_if_matches_regexp;
  std::vector<Pattern> fail_if_all_match_regexp;
  std::vector<Pattern> fail_if_not_matches_regexp;
  std::vector<Pattern> fail_if_none_matches_regexp;
  bool empty() const {
    return fail_if_matches_regexp.empty() && fail_if_all_match_regexp.empty() &&
           fail_if_not_matches_regexp.empty() && fail_if_none_matches_regexp.empty();
  }
};

struct DnsModuleSpec {
  AddressSpec address;
  std::string query_name;
  std::string query_type = "ANY";
  std::string query_class = "IN";
  bool recursion_desired = true;
  std::string transport_protocol = "udp";
  bool dns_over_tls = false;
  TlsSpec tls_config;
  std::vector<std::string> valid_rcodes = {"NOERROR"};
  DnsRecordValidator validate_answer_rrs;
  DnsRecordValidator validate_authority_rrs;
  DnsRecordValidator validate_additional_rrs;
};

// One entry of `modules:`: blackbox's schema, plus reachprobe's ssh and path kinds and an
// optional `layers:` list.
struct Module {
  std::string name;
  ProberKind prober = ProberKind::http;
  std::chrono::nanoseconds timeout{0};  // 0: not set (the scrape timeout decides)
  AddressSpec http_address;
  HttpSpec http;
  TcpModuleSpec tcp;
  IcmpModuleSpec icmp;
  DnsModuleSpec dns;
  GrpcSpec grpc;
  AddressSpec grpc_address;
  SshSpec ssh;
  std::vector<std::string> layers;  // empty: the prober's own layers
};

struct Config {
  std::string file;
  std::map<std::string, Module> modules;
  // `allowed_targets:` CIDRs ("198.18.0.0/15") and host patterns ("*.example.com"); when set,
  // /probe refuses any other target, so the exporter cannot be used to reach arbitrary hosts.
  // Judged through targets::AllowList (allow_list.hpp).
  std::vector<std::string> allowed_targets;
  // Scheduled probing (CONTRACT §7): checked for shape, module names and intervals here; the
  // targets themselves are parsed against their modules when the keys are built.
  SchedulerSpec scheduler;
  std::vector<ScheduledGroup> target_groups;
  std::vector<FileSdSpec> file_sd;
};

// blackbox_exporter's default modules, used when no config file exists.
Config default_config();

}  // namespace reachprobe::targets
