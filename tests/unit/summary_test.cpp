// Issue 9 item 7: every time in a summary sentence is the measured time of what it names. Each
// report below is literal, with layer times that differ from the whole probe's duration (which
// also holds the DNS, ICMP and path evidence), so a sentence that states the total is caught.
#include "classify/summary.hpp"

#include <gtest/gtest.h>

#include "report_builder.hpp"

namespace reachprobe::testing {
namespace {

using namespace std::chrono_literals;
using classify::summarize;

// The whole probe's duration in every report: a value no layer below has.
constexpr auto kTotal = 1511ms;
constexpr const char* kTotalText = "1.5 s";

// A target at 198.18.3.2 that answers ICMP (0.4 ms) through two routers, probed for `kTotal`.
ProbeReport reached(const char* text, std::optional<std::uint16_t> port) {
  auto r = ReportBuilder(port.has_value()).icmp_replies(3, 3).path_hops({kRouter1}, true).build();
  r.target.text = text;
  r.target.port = port;
  r.duration = kTotal;
  r.find(Layer::icmp)->duration = 1s;  // the echo wait, not the round trip
  return r;
}

TcpEvidence connected(std::uint16_t port) {
  TcpEvidence ev{ip(kTarget), port, {}, 0, ""};
  ev.connected = true;
  return ev;
}

std::string success(const ProbeReport& r) {
  return summarize(r, Verdict{});
}

std::string failure(const ProbeReport& r, Layer layer, Reason reason) {
  Verdict v;
  v.layer = layer;
  v.reason = reason;
  return summarize(r, v);
}

// The sentence holds `expected` and never the whole probe's duration.
void expect_own_time(const std::string& sentence, const std::string& expected) {
  EXPECT_NE(sentence.find(expected), std::string::npos) << sentence;
  EXPECT_EQ(sentence.find(kTotalText), std::string::npos) << sentence;
}

ProbeReport http_report(const char* url, std::uint16_t port, long status, bool tls) {
  auto r = reached(url, port);
  r.target.scheme = tls ? targets::Scheme::https : targets::Scheme::http;
  add_layer(r, Layer::tcp, Status::ok, 200us, connected(port));
  if (tls) {
    TlsEvidence ev;
    ev.version = "TLS 1.3";
    add_layer(r, Layer::tls, Status::ok, 2100us, ev);
  }
  HttpEvidence ev;
  ev.status_code = status;
  ev.phases.processing = 0.0002;
  ev.phases.transfer = 0.0001;
  add_layer(r, Layer::http, status == 200 ? Status::ok : Status::fail, 300us, ev,
            status == 200 ? Reason::none : Reason::status);
  return r;
}

TEST(SummaryTimes, HttpSuccessStatesTheHttpLayerTime) {
  auto s = success(http_report("http://198.18.3.2/health", 80, 200, false));
  expect_own_time(s, "http://198.18.3.2/health answered HTTP 200 in 0.300 ms");
}

TEST(SummaryTimes, HttpsSuccessStatesHttpAndTlsLayerTimes) {
  auto s = success(http_report("https://198.18.3.2/", 443, 200, true));
  expect_own_time(s,
                  "https://198.18.3.2/ answered HTTP 200 in 0.300 ms (TLS handshake in 2.10 ms)");
}

TEST(SummaryTimes, HttpSuccessAfterRedirectsSaysSo) {
  auto r = http_report("http://198.18.3.2/", 80, 200, false);
  std::get<HttpEvidence>(r.find(Layer::http)->evidence).redirects = 2;
  expect_own_time(success(r), "answered HTTP 200 in 0.300 ms after 2 redirects");
}

ProbeReport ssh_report(bool auth, bool exec) {
  auto r = reached("ssh://monitor@198.18.3.2", 22);
  r.target.scheme = targets::Scheme::ssh;
  add_layer(r, Layer::tcp, Status::ok, 200us, connected(22));
  SshBannerEvidence banner;
  banner.software = "OpenSSH_9.2p1";
  add_layer(r, Layer::ssh_banner, Status::ok, 2ms, banner);
  SshHandshakeEvidence hs;
  hs.hostkey_type = "ssh-ed25519";
  add_layer(r, Layer::ssh_handshake, Status::ok, 60ms, hs);
  if (auth)
    add_layer(r, Layer::ssh_auth, Status::ok, 40ms, SshAuthEvidence{"monitor", {}, "publickey"});
  if (exec)
    add_layer(r, Layer::ssh_exec, Status::ok, 28ms, SshExecEvidence{"true", 0, 0, 0, false});
  return r;
}

TEST(SummaryTimes, SshWithCommandStatesEachSshLayerTime) {
  expect_own_time(success(ssh_report(true, true)),
                  "SSH to 198.18.3.2:22 works end to end: banner in 2.00 ms, key exchange in 60 ms "
                  "(ssh-ed25519 host key), login in 40 ms, command done in 28 ms");
}

// The host layer's findings follow the verdict's sentence as one clause (CONTRACT §8); the
// side door says which door it used.
TEST(SummaryHost, FindingsAreOneClauseAfterTheSentence) {
  auto r = ssh_report(true, true);
  HostEvidence host;
  host.findings = {{Reason::neighbor_failed, "the neighbour entry of 198.18.3.77 on tr is FAILED"},
                   {Reason::io_pressure, "tasks waited on I/O 42.0 % of the last 10 s"}};
  add_layer(r, Layer::host, Status::warn, 400ms, host, Reason::neighbor_failed).required = false;
  EXPECT_EQ(success(r),
            "SSH to 198.18.3.2:22 works end to end: banner in 2.00 ms, key exchange in 60 ms "
            "(ssh-ed25519 host key), login in 40 ms, command done in 28 ms; the host answers ICMP "
            "echo in 0.400 ms (3/3); the path reaches it in 2 hops; inside, the neighbour entry of "
            "198.18.3.77 on tr is FAILED; tasks waited on I/O 42.0 % of the last 10 s.");
}

TEST(SummaryHost, ATriageCutOffSaysSoAndNothingFoundSaysNothing) {
  auto quiet = ssh_report(true, true);
  add_layer(quiet, Layer::host, Status::ok, 400ms, HostEvidence{}).required = false;
  EXPECT_EQ(success(quiet).find("inside"), std::string::npos);
  auto cut = ssh_report(true, true);
  HostEvidence cut_off;
  cut_off.timed_out = true;
  add_layer(cut, Layer::host, Status::warn, 5s, cut_off, Reason::timeout).required = false;
  EXPECT_NE(success(cut).find("; inside, the triage did not finish in time."), std::string::npos);
}

TEST(SummaryTimes, SshLoginWithoutCommandStatesTheLoginTime) {
  expect_own_time(success(ssh_report(true, false)),
                  "SSH to 198.18.3.2:22 accepts the login: banner in 2.00 ms, key exchange in "
                  "60 ms (ssh-ed25519 host key), login in 40 ms");
}

TEST(SummaryTimes, SshWithoutCredentialsStatesBannerAndKeyExchangeTimes) {
  expect_own_time(success(ssh_report(false, false)),
                  "198.18.3.2:22 runs OpenSSH_9.2p1: banner in 2.00 ms, key exchange in 60 ms "
                  "(ssh-ed25519 host key)");
}

TEST(SummaryTimes, GrpcSuccessStatesTheGrpcLayerTime) {
  auto r = reached("grpc://198.18.3.2:50051", 50051);
  r.target.scheme = targets::Scheme::grpc;
  add_layer(r, Layer::tcp, Status::ok, 200us, connected(50051));
  add_layer(r, Layer::grpc, Status::ok, 500us, GrpcEvidence{"", 0, "SERVING", "HTTP/2.0"});
  expect_own_time(success(r),
                  "The gRPC health service of 198.18.3.2:50051 answered SERVING in 0.500 ms");
}

TEST(SummaryTimes, TcpSuccessStatesTheConnectTime) {
  auto r = reached("198.18.3.2:22", 22);
  add_layer(r, Layer::tcp, Status::ok, 200us, connected(22));
  expect_own_time(success(r), "198.18.3.2:22 accepted a TCP connection in 0.200 ms");
}

TEST(SummaryTimes, TcpConversationSuccessStatesTheTcpLayerTime) {
  auto r = reached("198.18.3.2:25", 25);
  auto ev = connected(25);
  ev.transcript = {"< 220 mail ESMTP", "> QUIT"};
  ev.last_line = "220 mail ESMTP";
  add_layer(r, Layer::tcp, Status::ok, 12ms, ev);
  expect_own_time(success(r),
                  "accepted a TCP connection and held the module's conversation in "
                  "12 ms, last line \"220 mail ESMTP\"");
}

ProbeReport dns_module_report(bool answered) {
  auto r = reached("198.18.3.2:53", 53);
  DnsEvidence dns;
  dns.name = "www.example.com";
  dns.query_types = "A";
  dns.rcode = answered ? 0 : -1;
  DnsQueryEvidence q;
  q.server = "198.18.3.2:53";
  q.transport = "udp";
  q.query_class = "IN";
  q.server_address = ip(kTarget);
  q.answered = answered;
  q.resolve_seconds = 0.9;  // the server's own name took most of the layer's time
  q.connect_seconds = 0.0001;
  q.request_seconds = answered ? 0.0012 : 0.3;
  if (answered) q.answer = {"www.example.com. 300 IN A 198.18.3.9"};
  dns.query = std::make_shared<const engine::DnsQueryEvidence>(q);
  auto& l = r.layers.front();
  l.status = answered ? Status::ok : Status::fail;
  l.reason = answered ? Reason::none : Reason::timeout;
  l.duration = 1200ms;
  l.evidence = dns;
  return r;
}

TEST(SummaryTimes, DnsModuleSuccessStatesTheRequestTime) {
  expect_own_time(success(dns_module_report(true)),
                  "The DNS server 198.18.3.2:53 (udp) answered www.example.com IN A with NOERROR "
                  "in 1.20 ms (1 answer records)");
}

TEST(SummaryTimes, IcmpSuccessStatesTheEchoRoundTripNotTheLayerTime) {
  auto r = reached("198.18.3.2", std::nullopt);
  auto s = success(r);
  expect_own_time(s, "198.18.3.2 is reachable; the host answers ICMP echo in 0.400 ms (3/3)");
  EXPECT_EQ(s.find("1.0 s"), std::string::npos) << s;
}

// Failures: the time named is the failing layer's.

TEST(SummaryTimes, HttpStatusFailureStatesTheHttpLayerTime) {
  expect_own_time(
      failure(http_report("http://198.18.3.2/", 80, 503, false), Layer::http, Reason::status),
      "http://198.18.3.2/ answered HTTP 503 in 0.300 ms, which the module does not "
      "accept");
}

TEST(SummaryTimes, HttpTimeoutStatesTheHttpLayerTime) {
  auto r = http_report("http://198.18.3.2/", 80, 0, false);
  auto& http = *r.find(Layer::http);
  http.reason = Reason::timeout;
  http.duration = 900ms;
  expect_own_time(failure(r, Layer::http, Reason::timeout),
                  "The answer from 198.18.3.2:80 did not complete in 900 ms");
}

TEST(SummaryTimes, TcpRefusedStatesTheConnectTime) {
  auto r = reached("198.18.3.2:22", 22);
  add_layer(r, Layer::tcp, Status::fail, 150us, TcpEvidence{ip(kTarget), 22, {}, 111, "refused"},
            Reason::refused);
  expect_own_time(failure(r, Layer::tcp, Reason::refused),
                  "198.18.3.2 answered the TCP SYN to port 22 with a reset in 0.150 ms");
}

TEST(SummaryTimes, TcpTimeoutStatesTheConnectTime) {
  auto r = reached("198.18.3.2:22", 22);
  add_layer(r, Layer::tcp, Status::fail, 1200ms, TcpEvidence{ip(kTarget), 22, {}, 110, "timed out"},
            Reason::timeout);
  expect_own_time(failure(r, Layer::tcp, Reason::timeout),
                  "TCP SYN to 198.18.3.2:22 got no answer in 1.2 s");
}

TEST(SummaryTimes, SshAuthTimeoutStatesTheAuthLayerTime) {
  auto r = ssh_report(true, false);
  auto& auth = *r.find(Layer::ssh_auth);
  auth.status = Status::fail;
  auth.reason = Reason::timeout;
  auth.duration = 700ms;
  expect_own_time(failure(r, Layer::ssh_auth, Reason::timeout),
                  "never answered the authentication request in 700 ms");
}

TEST(SummaryTimes, SshBannerTimeoutStatesTheBannerLayerTime) {
  auto r = ssh_report(false, false);
  r.layers.pop_back();
  auto& banner = *r.find(Layer::ssh_banner);
  banner.status = Status::fail;
  banner.reason = Reason::timeout;
  banner.duration = 800ms;
  expect_own_time(failure(r, Layer::ssh_banner, Reason::timeout),
                  "no SSH identification line came in 800 ms");
}

TEST(SummaryTimes, DnsModuleTimeoutStatesTheExchangeNotTheServerNameLookup) {
  // Before: "within 1.2 s", the layer's time including the 0.9 s lookup of the server's name.
  expect_own_time(failure(dns_module_report(false), Layer::dns, Reason::timeout),
                  "did not answer the query for www.example.com IN A within 300 ms");
}

TEST(SummaryTimes, ResolverTimeoutStatesTheDnsLayerTime) {
  auto r = ReportBuilder(false).icmp_skipped("dns failed").build();
  r.target.host = "www.example.com";
  r.duration = kTotal;
  auto& dns = r.layers.front();
  dns.status = Status::fail;
  dns.reason = Reason::timeout;
  dns.duration = 600ms;
  dns.evidence = DnsEvidence{"www.example.com", "system", "A", -1, false, {}};
  expect_own_time(failure(r, Layer::dns, Reason::timeout),
                  "The DNS resolver did not answer the A query for www.example.com within "
                  "600 ms");
}

TEST(SummaryTimes, ConversationTimeoutStatesTheConnectionTime) {
  auto r = reached("198.18.3.2:25", 25);
  auto ev = connected(25);
  ev.transcript = {"< 220 mail ESMTP"};
  ev.last_line = "220 mail ESMTP";
  auto& tcp = add_layer(r, Layer::tcp, Status::fail, 900ms, ev, Reason::timeout);
  tcp.detail = "no line matching \"^250\" before the deadline";
  expect_own_time(failure(r, Layer::tcp, Reason::timeout),
                  "but no line matching \"^250\" before the deadline (the connection lasted "
                  "900 ms)");
}

TEST(SummaryTimes, LostAfterHopStatesTheTcpLayerTime) {
  auto r = ReportBuilder().icmp_replies(0, 3).path_hops({kRouter1, kRouter2}, false).build();
  r.duration = kTotal;
  add_layer(r, Layer::tcp, Status::fail, 1200ms, TcpEvidence{ip(kTarget), 22, {}, 110, "timed out"},
            Reason::timeout);
  Verdict v;
  v.layer = Layer::path;
  v.reason = Reason::lost_after_hop;
  v.offender = ip(kRouter2);
  expect_own_time(summarize(r, v), "TCP SYNs to 198.18.3.2:22 got no answer in 1.2 s");
}

TEST(SummaryTimes, RouterUnreachableStatesWhenTcpGotIt) {
  auto r = ReportBuilder().icmp_replies(0, 3).path_hops({kRouter1, kRouter2}, false).build();
  r.duration = kTotal;
  auto& tcp = add_layer(r, Layer::tcp, Status::fail, 2ms,
                        TcpEvidence{ip(kTarget), 22, icmp_error(kRouter2, 3, 1), 113, "no route"},
                        Reason::host_unreachable);
  tcp.offender = ip(kRouter2);
  Verdict v;
  v.layer = Layer::path;
  v.reason = Reason::unreachable;
  v.offender = ip(kRouter2);
  auto s = summarize(r, v);
  expect_own_time(s, "Router 198.18.2.2 (hop 2) answered ICMP ");
  expect_own_time(s, " for 198.18.3.2 after 2.00 ms");
}

}  // namespace
}  // namespace reachprobe::testing
