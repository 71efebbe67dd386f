#include "exporters/text_report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>
#include <vector>

#include "classify/summary.hpp"

namespace reachprobe::exporters {
namespace {

using classify::format_seconds;
using engine::Layer;
using engine::LayerResult;
using engine::Status;

double secs(std::chrono::nanoseconds d) {
  return std::chrono::duration<double>(d).count();
}

std::string pad(std::string s, std::size_t width) {
  if (s.size() < width) s.append(width - s.size(), ' ');
  return s;
}

// A table row without the padding of its last cell: no trailing blanks in a report that is
// copied into tickets and diffed.
std::string row(std::string s) {
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s + "\n";
}

std::string rtt_triplet(const engine::RttStats& s) {
  if (s.received == 0) return "-";
  return format_seconds(s.best_seconds) + " / " + format_seconds(s.avg_seconds) + " / " +
         format_seconds(s.worst_seconds);
}

std::string percent(double ratio) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.0f%%", ratio * 100.0);
  return buf;
}

// One line of facts per layer: what was measured, in a few words.
// The host layer's measurements in one line; the findings follow as the layer's detail.
std::string host_facts(const engine::HostEvidence& h) {
  auto fixed = [](double v) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.2f", v);
    return std::string(buffer);
  };
  std::vector<std::string> parts;
  if (!h.route_device.empty()) {
    parts.push_back(
        "route back via " + h.route_device +
        (h.address_device.empty() ? "" : " (" + h.server + " on " + h.address_device + ")"));
  }
  if (h.psi_io_some_avg10) parts.push_back("PSI io " + fixed(*h.psi_io_some_avg10) + " %");
  if (h.blocked_tasks) parts.push_back(std::to_string(*h.blocked_tasks) + " D-state");
  if (!h.mounts.empty()) parts.push_back(std::to_string(h.mounts.size()) + " network mount(s)");
  if (h.nss_seconds) parts.push_back("getent " + fixed(*h.nss_seconds) + " s");
  if (!h.complete) parts.push_back("incomplete");
  std::string facts;
  for (const auto& part : parts) facts += (facts.empty() ? "" : ", ") + part;
  return h.via.empty() ? facts : "by " + h.via + (facts.empty() ? "" : ": " + facts);
}

std::string layer_facts(const LayerResult& l) {
  std::string facts;
  if (const auto* dns = engine::evidence_of<engine::DnsEvidence>(l); dns && dns->query) {
    facts = dns->name + " " + dns->query_types + " to " + dns->query->server + "/" +
            dns->query->transport;
    if (dns->query->answered) {
      facts += " -> rcode " + std::to_string(dns->rcode) + ", " +
               std::to_string(dns->query->answer.size()) + " answer(s)";
    }
  } else if (dns) {
    if (!dns->ip_literal) {
      facts = dns->query_types + " via " + dns->server;
      if (!dns->addresses.empty()) facts += " -> " + dns->addresses.front().to_string();
    }
  } else if (const auto* icmp = engine::evidence_of<engine::IcmpEvidence>(l)) {
    facts = std::to_string(icmp->stats.received) + "/" + std::to_string(icmp->stats.sent) +
            " echoes, loss " + percent(icmp->stats.loss_ratio) + ", rtt " +
            rtt_triplet(icmp->stats) + " (" + icmp->socket_kind + " socket)";
  } else if (const auto* path = engine::evidence_of<engine::PathEvidence>(l)) {
    facts = path->method + ", " + std::to_string(path->hops.size()) + " hop" +
            (path->hops.size() == 1 ? "" : "s");
  } else if (const auto* tcp = engine::evidence_of<engine::TcpEvidence>(l)) {
    if (tcp->connected && !tcp->transcript.empty()) {
      facts = std::to_string(tcp->transcript.size()) + " conversation line(s)" +
              (tcp->last_line.empty() ? "" : ", last read \"" + tcp->last_line + "\"");
    } else {
      facts = l.status == Status::ok
                  ? "connected in " + format_seconds(secs(l.duration))
                  : tcp->error_text + " after " + format_seconds(secs(l.duration));
    }
  } else if (const auto* banner = engine::evidence_of<engine::SshBannerEvidence>(l)) {
    facts = banner->banner;
  } else if (const auto* hs = engine::evidence_of<engine::SshHandshakeEvidence>(l)) {
    if (!hs->fingerprint_sha256.empty()) {
      facts = hs->kex + ", " + hs->hostkey_type + " " + hs->fingerprint_sha256 + " (" +
              hs->hostkey_check + ")";
    }
  } else if (const auto* auth = engine::evidence_of<engine::SshAuthEvidence>(l)) {
    facts = "user " + auth->user;
    if (!auth->methods.empty()) {
      facts += ", offered:";
      for (const auto& m : auth->methods) facts += " " + m;
    }
    if (l.status == Status::ok) facts += ", in by " + auth->method;
  } else if (const auto* exec = engine::evidence_of<engine::SshExecEvidence>(l)) {
    facts = "\"" + exec->command + "\"";
    if (exec->exit_status) facts += " exit " + std::to_string(*exec->exit_status);
    facts += ", " + std::to_string(exec->stdout_bytes) + " bytes out";
  } else if (const auto* host = engine::evidence_of<engine::HostEvidence>(l)) {
    facts = host_facts(*host);
  } else if (const auto* tls = engine::evidence_of<engine::TlsEvidence>(l)) {
    facts = tls->version + " " + tls->cipher;
    if (tls->leaf) facts += ", leaf " + tls->leaf->subject;
  } else if (const auto* http = engine::evidence_of<engine::HttpEvidence>(l)) {
    if (http->status_code > 0) {
      facts = http->http_version + " " + std::to_string(http->status_code) + ", " +
              std::to_string(http->body_bytes) + " body bytes";
    }
  } else if (const auto* grpc = engine::evidence_of<engine::GrpcEvidence>(l)) {
    facts = "service \"" + grpc->service + "\"";
    if (!grpc->serving_status.empty()) facts += " " + grpc->serving_status;
  }
  if (!l.detail.empty()) facts += facts.empty() ? l.detail : "; " + l.detail;
  return facts;
}

std::string status_cell(const LayerResult& l) {
  std::string cell(engine::to_string(l.status));
  if (l.reason != engine::Reason::none) cell += " " + std::string(engine::to_string(l.reason));
  return cell;
}

std::string verdict_text(const engine::ProbeReport& r) {
  if (!r.verdict.layer) return r.prober_error ? "prober error (no layer blamed)" : "ok";
  return std::string(engine::to_string(*r.verdict.layer)) + "/" +
         std::string(engine::to_string(r.verdict.reason));
}

}  // namespace

std::string render_ladder(const engine::ProbeReport& r) {
  std::ostringstream out;
  out << r.target.text << "  (module " << r.module;
  if (r.address) out << ", " << r.address->to_string();
  out << ", " << format_seconds(secs(r.duration)) << ")\n";
  for (const auto& l : r.layers) {
    if (l.status == Status::skipped && l.detail == "not asked for") continue;
    out << row("  " + pad(std::string(engine::to_string(l.layer)), 13) + " " +
               pad(status_cell(l), 24) + " " + layer_facts(l));
  }
  const auto* path = r.find(Layer::path);
  const auto* ev = path ? engine::evidence_of<engine::PathEvidence>(*path) : nullptr;
  if (ev != nullptr && !ev->hops.empty()) {
    out << "  " << pad("hop", 5) << pad("address", 40) << pad("loss", 6) << pad("sent", 6)
        << "best / avg / worst\n";
    for (const auto& hop : ev->hops) {
      std::string addr = hop.address ? hop.address->to_string() : "???";
      for (const auto& other : hop.other_addresses) addr += " " + other.to_string();
      out << row("  " + pad(std::to_string(hop.ttl), 5) + pad(addr, 40) +
                 pad(percent(hop.stats.loss_ratio), 6) + pad(std::to_string(hop.stats.sent), 6) +
                 rtt_triplet(hop.stats));
    }
  }
  out << "verdict: " << verdict_text(r);
  if (r.verdict.offender) out << " (offender " << r.verdict.offender->to_string() << ")";
  out << "\n  " << r.verdict.summary << "\n";
  return out.str();
}

std::uint16_t SideBySideTable::intern(const std::string& text) {
  auto [it, added] = index_.emplace(text, static_cast<std::uint16_t>(texts_.size() + 1));
  if (added) texts_.push_back(text);
  return it->second;
}

void SideBySideTable::add(const engine::ProbeReport& report) {
  Column column{report.target.text, intern(verdict_text(report)), {}};
  for (std::size_t i = 0; i < engine::kAllLayers.size(); ++i) {
    if (const auto* l = report.find(engine::kAllLayers[i])) {
      bool makes_row = !(l->status == Status::skipped && l->detail == "not asked for");
      column.cells[i] =
          static_cast<std::uint16_t>(intern(status_cell(*l)) | (makes_row ? kMakesRow : 0));
    }
  }
  columns_.push_back(std::move(column));
}

std::string SideBySideTable::render() const {
  std::vector<std::size_t> rows;  // indexes into kAllLayers
  for (std::size_t i = 0; i < engine::kAllLayers.size(); ++i) {
    if (std::any_of(columns_.begin(), columns_.end(),
                    [i](const Column& c) { return (c.cells[i] & kMakesRow) != 0; }))
      rows.push_back(i);
  }
  std::vector<std::size_t> widths;
  widths.reserve(columns_.size());
  for (const auto& c : columns_) {
    std::size_t w = std::max(c.target.size(), text_of(c.verdict).size());
    for (auto i : rows) {
      if (c.cells[i] != 0) w = std::max(w, text_of(c.cells[i]).size());
    }
    widths.push_back(w + 2);
  }
  std::string header = pad("layer", 15);
  for (std::size_t i = 0; i < columns_.size(); ++i) header += pad(columns_[i].target, widths[i]);
  std::string out = row(header);
  static const std::string kAbsent = "-";
  for (auto layer : rows) {
    std::string line = pad(std::string(engine::to_string(engine::kAllLayers[layer])), 15);
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      auto cell = columns_[i].cells[layer];
      line += pad(cell != 0 ? text_of(cell) : kAbsent, widths[i]);
    }
    out += row(line);
  }
  std::string verdicts = pad("verdict", 15);
  for (std::size_t i = 0; i < columns_.size(); ++i)
    verdicts += pad(text_of(columns_[i].verdict), widths[i]);
  return out + row(verdicts);
}

std::string render_side_by_side(const std::vector<engine::ProbeReport>& reports) {
  SideBySideTable table;
  for (const auto& r : reports) table.add(r);
  return table.render();
}

std::string TextReportStream::add(const engine::ProbeReport& report) {
  std::string out = table_.size() == 0 ? "" : "\n";
  out += render_ladder(report);
  table_.add(report);
  return out;
}

std::string TextReportStream::finish() const {
  return table_.size() > 1 ? "\n" + table_.render() : "";
}

std::string render_text(const std::vector<engine::ProbeReport>& reports) {
  TextReportStream stream;
  std::string out;
  for (const auto& r : reports) out += stream.add(r);
  return out + stream.finish();
}

}  // namespace reachprobe::exporters
