#include "exporters/config_yaml.hpp"

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exporters/yaml_writer.hpp"

namespace reachprobe::exporters {
namespace {

using targets::Secret;

// A secret is never written, only that it is set.
void secret_if(YamlWriter& w, std::string_view key, const std::optional<Secret>& value) {
  if (value) w.raw(key, Secret::redacted());
}

// A proxy URL's password ("http://user:pw@proxy:3128") is a secret: "user:<secret>@".
std::string without_password(const std::string& url) {
  auto scheme_end = url.find("://");
  if (scheme_end == std::string::npos) return url;
  auto authority_end = url.find_first_of("/?#", scheme_end + 3);
  auto at = url.rfind('@', authority_end == std::string::npos ? url.size() : authority_end);
  if (at == std::string::npos || at < scheme_end + 3) return url;
  auto colon = url.find(':', scheme_end + 3);
  if (colon == std::string::npos || colon > at) return url;
  return url.substr(0, colon + 1) + Secret::redacted() + url.substr(at);
}

void duration_if(YamlWriter& w, std::string_view key, std::chrono::nanoseconds value) {
  if (value.count() != 0) w.text(key, format_duration(value));
}

bool tls_set(const targets::TlsSpec& tls) {
  return tls.ca_file || tls.cert_file || tls.key_file || tls.server_name ||
         tls.insecure_skip_verify || tls.min_version || tls.max_version;
}

void write_tls(YamlWriter& w, const targets::TlsSpec& tls) {
  if (!tls_set(tls)) return;
  w.begin("tls_config");
  w.text_set("ca_file", tls.ca_file);
  w.text_set("cert_file", tls.cert_file);
  w.text_set("key_file", tls.key_file);
  w.text_set("server_name", tls.server_name);
  w.boolean("insecure_skip_verify", tls.insecure_skip_verify);
  w.text_set("min_version", tls.min_version);
  w.text_set("max_version", tls.max_version);
  w.end();
}

void write_address(YamlWriter& w, const targets::AddressSpec& address, bool with_source) {
  w.text("preferred_ip_protocol", address.preferred_ip_protocol);
  w.boolean("ip_protocol_fallback", address.ip_protocol_fallback);
  if (with_source) w.text_if("source_ip_address", address.source_ip_address);
}

// The texts the config gave; the compiled forms stay with the module.
std::vector<std::string> texts(const std::vector<targets::Pattern>& patterns) {
  std::vector<std::string> out;
  for (const auto& p : patterns) out.push_back(p.text());
  return out;
}

std::vector<YamlWriter::Fields> header_matches(const std::vector<targets::HeaderMatch>& matches) {
  std::vector<YamlWriter::Fields> out;
  for (const auto& m : matches) {
    YamlWriter::Fields fields = {{"header", yaml_scalar(m.header)}};
    if (!m.regexp.text().empty()) fields.emplace_back("regexp", yaml_scalar(m.regexp.text()));
    if (m.allow_missing) fields.emplace_back("allow_missing", "true");
    out.push_back(std::move(fields));
  }
  return out;
}

void write_http(YamlWriter& w, const targets::Module& module) {
  const auto& http = module.http;
  w.begin("http");
  w.numbers("valid_status_codes", http.valid_status_codes);
  w.strings("valid_http_versions", http.valid_http_versions);
  write_address(w, module.http_address, false);
  w.true_if("skip_resolve_phase_with_proxy", http.skip_resolve_phase_with_proxy);
  w.true_if("fail_if_ssl", http.fail_if_ssl);
  w.true_if("fail_if_not_ssl", http.fail_if_not_ssl);
  w.text("method", http.method);
  if (!http.headers.empty()) {
    w.begin("headers");
    for (const auto& [name, value] : http.headers) w.text(name, value);
    w.end();
  }
  w.strings("fail_if_body_matches_regexp", texts(http.fail_if_body_matches_regexp));
  w.strings("fail_if_body_not_matches_regexp", texts(http.fail_if_body_not_matches_regexp));
  w.mappings("fail_if_header_matches", header_matches(http.fail_if_header_matches));
  w.mappings("fail_if_header_not_matches", header_matches(http.fail_if_header_not_matches));
  w.text_if("body", http.body);
  if (http.basic_auth_username || http.basic_auth_password) {
    w.begin("basic_auth");
    w.text_set("username", http.basic_auth_username);
    secret_if(w, "password", http.basic_auth_password);
    w.end();
  }
  if (http.authorization_type) {
    w.begin("authorization");
    w.text("type", *http.authorization_type);
    secret_if(w, "credentials", http.authorization_credentials);
    w.end();
  }
  secret_if(w, "bearer_token", http.bearer_token);
  w.text_if("proxy_url", without_password(http.proxy_url));
  if (!http.proxy_connect_headers.empty()) {
    w.begin("proxy_connect_header");
    std::map<std::string, std::vector<std::string>> lists;
    for (const auto& [name, value] : http.proxy_connect_headers)
      lists[name].push_back(Secret::redacted());
    for (const auto& [name, values] : lists) w.strings(name, values);
    w.end();
  }
  write_tls(w, http.tls);
  w.boolean("follow_redirects", http.follow_redirects);
  w.boolean("enable_http2", http.enable_http2);
  w.text_if("compression", http.compression);
  if (http.body_size_limit > 0)
    w.number("body_size_limit", static_cast<std::int64_t>(http.body_size_limit));
  w.end();
}

void write_tcp(YamlWriter& w, const targets::TcpModuleSpec& tcp) {
  w.begin("tcp");
  write_address(w, tcp.address, true);
  std::vector<YamlWriter::Fields> steps;
  for (const auto& step : tcp.query_response) {
    YamlWriter::Fields fields;
    if (!step.expect.text().empty()) fields.emplace_back("expect", yaml_scalar(step.expect.text()));
    if (!step.send.empty()) fields.emplace_back("send", yaml_scalar(redacted_send(step.send)));
    if (step.starttls) fields.emplace_back("starttls", "true");
    steps.push_back(std::move(fields));
  }
  w.mappings("query_response", steps);
  w.true_if("tls", tcp.tls);
  write_tls(w, tcp.tls_config);
  w.end();
}

void write_icmp(YamlWriter& w, const targets::IcmpModuleSpec& icmp) {
  w.begin("icmp");
  write_address(w, icmp.address, true);
  if (icmp.payload_size != 0) w.number("payload_size", icmp.payload_size);
  w.true_if("dont_fragment", icmp.dont_fragment);
  w.number("ttl", icmp.ttl);
  w.end();
}

void write_validator(YamlWriter& w, std::string_view key, const targets::DnsRecordValidator& v) {
  if (v.empty()) return;
  w.begin(key);
  w.strings("fail_if_matches_regexp", texts(v.fail_if_matches_regexp));
  w.strings("fail_if_all_match_regexp", texts(v.fail_if_all_match_regexp));
  w.strings("fail_if_not_matches_regexp", texts(v.fail_if_not_matches_regexp));
  w.strings("fail_if_none_matches_regexp", texts(v.fail_if_none_matches_regexp));
  w.end();
}

void write_dns(YamlWriter& w, const targets::DnsModuleSpec& dns) {
  w.begin("dns");
  w.text("preferred_ip_protocol", dns.address.preferred_ip_protocol);
  w.boolean("ip_protocol_fallback", dns.address.ip_protocol_fallback);
  w.true_if("dns_over_tls", dns.dns_over_tls);
  write_tls(w, dns.tls_config);
  w.text_if("source_ip_address", dns.address.source_ip_address);
  w.text("transport_protocol", dns.transport_protocol);
  w.text("query_class", dns.query_class);
  w.text("query_name", dns.query_name);
  w.text("query_type", dns.query_type);
  w.boolean("recursion_desired", dns.recursion_desired);
  w.strings("valid_rcodes", dns.valid_rcodes, true);
  write_validator(w, "validate_answer_rrs", dns.validate_answer_rrs);
  write_validator(w, "validate_authority_rrs", dns.validate_authority_rrs);
  write_validator(w, "validate_additional_rrs", dns.validate_additional_rrs);
  w.end();
}

bool grpc_configured(const targets::Module& module) {
  const targets::GrpcSpec defaults;
  const targets::AddressSpec address;
  return !module.grpc.service.empty() || module.grpc.tls != defaults.tls ||
         tls_set(module.grpc.tls_config) ||
         module.grpc_address.preferred_ip_protocol != address.preferred_ip_protocol ||
         module.grpc_address.ip_protocol_fallback != address.ip_protocol_fallback;
}

void write_grpc(YamlWriter& w, const targets::Module& module) {
  w.begin("grpc");
  w.text_if("service", module.grpc.service);
  w.true_if("tls", module.grpc.tls);
  write_tls(w, module.grpc.tls_config);
  w.boolean("ip_protocol_fallback", module.grpc_address.ip_protocol_fallback);
  w.text("preferred_ip_protocol", module.grpc_address.preferred_ip_protocol);
  w.end();
}

bool ssh_configured(const targets::SshSpec& ssh) {
  return ssh.user || ssh.key_file || ssh.key_passphrase || ssh.password || ssh.known_hosts ||
         ssh.command || ssh.expect || ssh.banner_timeout.count() != 0 ||
         ssh.handshake_timeout.count() != 0 || ssh.auth_timeout.count() != 0 ||
         ssh.exec_timeout.count() != 0 || ssh.triage.enabled;
}

// The host layer's options, only where they differ from the defaults (README "Inside
// evidence"); `triage_via` implies `triage`, which is written all the same.
void write_triage(YamlWriter& w, const targets::HostTriageSpec& triage) {
  const targets::HostTriageSpec defaults;
  w.true_if("triage", triage.enabled);
  w.text_set("triage_via", triage.via);
  w.strings("fail_on", triage.fail_on);
  w.strings("critical_peers", triage.critical_peers);
  if (triage.psi_io_some_avg10 != defaults.psi_io_some_avg10) {
    std::ostringstream percent;
    percent << triage.psi_io_some_avg10;
    w.raw("psi_io_threshold", percent.str());
  }
  if (triage.blocked_tasks != defaults.blocked_tasks)
    w.number("blocked_tasks_threshold", triage.blocked_tasks);
  if (triage.nss_threshold != defaults.nss_threshold)
    duration_if(w, "nss_threshold", triage.nss_threshold);
  duration_if(w, "triage_timeout", triage.timeout);
}

void write_ssh(YamlWriter& w, const targets::SshSpec& ssh) {
  w.begin("ssh");
  w.text_set("user", ssh.user);
  w.text_set("key_file", ssh.key_file);
  // The config names the files the secrets were read from; the paths are not kept, and the
  // values never leave the process.
  secret_if(w, "key_passphrase_file", ssh.key_passphrase);
  secret_if(w, "password_file", ssh.password);
  w.text_set("known_hosts", ssh.known_hosts);
  w.text_set("command", ssh.command);
  w.text_set("expect", ssh.expect ? std::optional<std::string>(ssh.expect->text()) : std::nullopt);
  duration_if(w, "banner_timeout", ssh.banner_timeout);
  duration_if(w, "handshake_timeout", ssh.handshake_timeout);
  duration_if(w, "auth_timeout", ssh.auth_timeout);
  duration_if(w, "exec_timeout", ssh.exec_timeout);
  write_triage(w, ssh.triage);
  w.end();
}

void write_module(YamlWriter& w, const targets::Module& module) {
  w.text("prober", targets::to_string(module.prober));
  duration_if(w, "timeout", module.timeout);
  w.strings("layers", module.layers);
  write_http(w, module);
  write_tcp(w, module.tcp);
  write_icmp(w, module.icmp);
  if (module.prober == targets::ProberKind::dns || !module.dns.query_name.empty()) {
    write_dns(w, module.dns);
  }
  if (module.prober == targets::ProberKind::grpc || grpc_configured(module)) write_grpc(w, module);
  if (module.prober == targets::ProberKind::ssh || ssh_configured(module.ssh)) {
    write_ssh(w, module.ssh);
  }
}

}  // namespace

std::string format_duration(std::chrono::nanoseconds duration) {
  if (duration.count() <= 0) return "0s";
  static constexpr std::pair<std::int64_t, const char*> kUnits[] = {
      {3'600'000'000'000, "h"}, {60'000'000'000, "m"}, {1'000'000'000, "s"},
      {1'000'000, "ms"},        {1'000, "us"},         {1, "ns"}};
  std::int64_t left = duration.count();
  std::string out;
  for (const auto& [size, unit] : kUnits) {
    if (left >= size) {
      out += std::to_string(left / size) + unit;
      left %= size;
    }
  }
  return out;
}

std::string redacted_send(std::string_view line) {
  auto blank = line.find_first_of(" \t");
  if (blank == std::string_view::npos) return std::string(line);
  return std::string(line.substr(0, blank)) + " " + Secret::redacted();
}

namespace {

// Always double-quoted: inside a flow collection a plain scalar may not hold `,` `[` `{` and
// friends. A JSON string is a valid YAML double-quoted scalar.
std::string quoted(const std::string& text) {
  return nlohmann::json(text).dump();
}

// A list in flow style: ["a", "b"].
std::string flow_list(const std::vector<std::string>& items) {
  std::string out = "[";
  for (std::size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + quoted(items[i]);
  return out + "]";
}

// scheduler:, targets: and file_sd_configs: (CONTRACT §7), when the config has them.
void write_schedule(YamlWriter& w, const targets::Config& config) {
  const auto& s = config.scheduler;
  targets::SchedulerSpec defaults;
  if (!s.vantage.empty() || s.shard_count != 1 || s.max_concurrency != defaults.max_concurrency) {
    w.begin("scheduler");
    w.text_if("vantage", s.vantage);
    if (s.shard_count != 1)
      w.text("shard", std::to_string(s.shard_index) + "/" + std::to_string(s.shard_count));
    if (s.max_concurrency > 0) w.number("max_concurrency", s.max_concurrency);
    w.end();
  }
  std::vector<YamlWriter::Fields> groups;
  for (const auto& g : config.target_groups) {
    YamlWriter::Fields fields = {{"targets", flow_list(g.targets)}};
    if (!g.modules.empty()) fields.emplace_back("modules", flow_list(g.modules));
    fields.emplace_back("interval", yaml_scalar(format_duration(g.interval)));
    if (!g.labels.empty()) {
      std::string labels = "{";
      for (const auto& [name, value] : g.labels)
        labels += (labels.size() > 1 ? ", " : "") + quoted(name) + ": " + quoted(value);
      fields.emplace_back("labels", labels + "}");
    }
    groups.push_back(std::move(fields));
  }
  w.mappings("targets", groups);
  std::vector<YamlWriter::Fields> entries;
  for (const auto& f : config.file_sd) {
    YamlWriter::Fields fields = {
        {"files", flow_list(f.files)},
        {"refresh_interval", yaml_scalar(format_duration(f.refresh_interval))}};
    if (!f.modules.empty()) fields.emplace_back("modules", flow_list(f.modules));
    fields.emplace_back("interval", yaml_scalar(format_duration(f.interval)));
    entries.push_back(std::move(fields));
  }
  w.mappings("file_sd_configs", entries);
}

}  // namespace

std::string module_to_yaml(const targets::Module& module) {
  YamlWriter w;
  write_module(w, module);
  return w.take();
}

std::string config_to_yaml(const targets::Config& config) {
  YamlWriter w;
  if (config.modules.empty()) {
    w.raw("modules", "{}");
  } else {
    w.begin("modules");
    for (const auto& [name, module] : config.modules) {
      w.begin(name);
      write_module(w, module);
      w.end();
    }
    w.end();
  }
  w.strings("allowed_targets", config.allowed_targets);
  write_schedule(w, config);
  return w.take();
}

}  // namespace reachprobe::exporters
