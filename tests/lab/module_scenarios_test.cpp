// blackbox-style modules run by `reachprobe check --config.file F --module M`: a dns module
// querying the lab's dnsmasq, and tcp modules holding a conversation (TLS from connect, a line
// dialogue, STARTTLS, an SSH banner check) with the web lab's nginx and its SMTP-like peer.
// Each fault must give exactly its layer and reason, within the module's timeout; the serve
// suite compares the same modules' metrics with blackbox_exporter.
#include <gtest/gtest.h>
#include <signal.h>

#include <memory>
#include <string>
#include <vector>

#include "lab_test_util.hpp"
#include "netns_fixture.hpp"
#include "web_fixture.hpp"

namespace reachprobe::lab {
namespace {

using nlohmann::json;

// Every module these scenarios use; CA_FILE becomes the web lab's CA.
constexpr const char* kModules = R"(modules:
  dns_web:
    prober: dns
    timeout: 3s
    dns:
      query_name: web.lab
      query_type: A
      preferred_ip_protocol: ip4
      validate_answer_rrs:
        fail_if_not_matches_regexp: ["IN\tA\t198\\.18\\.3\\.2$"]
  dns_web_tcp:
    prober: dns
    timeout: 3s
    dns:
      query_name: web.lab
      query_type: A
      transport_protocol: tcp
      preferred_ip_protocol: ip4
  dns_missing:
    prober: dns
    timeout: 3s
    dns:
      query_name: missing.lab
      preferred_ip_protocol: ip4
  dns_over_tls:
    prober: dns
    timeout: 3s
    dns:
      query_name: web.lab
      query_type: A
      transport_protocol: tcp
      dns_over_tls: true
      preferred_ip_protocol: ip4
      tls_config:
        ca_file: CA_FILE
        server_name: web.lab
  dns_over_tls_no_ca:
    prober: dns
    timeout: 3s
    dns:
      query_name: web.lab
      query_type: A
      transport_protocol: tcp
      dns_over_tls: true
      preferred_ip_protocol: ip4
  tls_connect:
    prober: tcp
    timeout: 3s
    tcp:
      tls: true
      preferred_ip_protocol: ip4
      tls_config:
        ca_file: CA_FILE
  smtp_starttls:
    prober: tcp
    timeout: 3s
    tcp:
      preferred_ip_protocol: ip4
      tls_config:
        ca_file: CA_FILE
      query_response:
        - expect: "^220 ([^ ]+) ESMTP"
          send: "EHLO ${1}"
        - expect: "^250 STARTTLS"
          send: "STARTTLS"
        - expect: "^220"
          starttls: true
        - send: "EHLO prober"
        - expect: "^250 secure"
          send: "QUIT"
  smtp_starttls_no_ca:
    prober: tcp
    timeout: 3s
    tcp:
      preferred_ip_protocol: ip4
      query_response:
        - expect: "^220"
          send: "STARTTLS"
        - expect: "^220"
          starttls: true
  tls_then_greeting:
    prober: tcp
    timeout: 3s
    tcp:
      tls: true
      preferred_ip_protocol: ip4
      tls_config:
        ca_file: CA_FILE
      query_response:
        - expect: "^220 "
  icmp_ttl1:
    prober: icmp
    timeout: 3s
    icmp:
      ttl: 1
  smtp_greeting:
    prober: tcp
    timeout: 3s
    tcp:
      preferred_ip_protocol: ip4
      query_response:
        - expect: "^220 "
  icmp_ttl5:
    prober: icmp
    timeout: 3s
    icmp:
      ttl: 5
  smtp_greeting_after_request:
    prober: tcp
    timeout: 3s
    tcp:
      preferred_ip_protocol: ip4
      query_response:
        - send: "GET /health HTTP/1.0\n"
        - expect: "^220 "
)";

class ModuleLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& why : {MissingPrerequisite(), MissingWebPrerequisite()}) {
      if (!why.empty()) GTEST_SKIP() << why;
    }
    lab_ = std::make_unique<Lab>();
    web_ = std::make_unique<WebLab>(*lab_);
    config_ = lab_->scratch_dir() + "/modules.yml";
    std::string yaml = kModules;
    for (auto at = yaml.find("CA_FILE"); at != std::string::npos; at = yaml.find("CA_FILE")) {
      yaml.replace(at, 7, web_->ca_file());
    }
    WriteFile(config_, yaml);
  }
  void TearDown() override {
    if (HasFailure() && web_) std::cerr << web_->Logs() << "\n";
    web_.reset();
    lab_.reset();
  }

  json Check(const std::string& module, const std::string& target) {
    module_ = module + " " + target;
    last_ = lab_->check({"--json", "--dns.server", "198.18.1.1", "--config.file", config_,
                         "--module", module, target});
    if (Verbose() || last_.json.is_null()) std::cerr << last_ << "\n";
    return Result(last_, 0);
  }

  // The verdict, the summary's key words and the time bound (3 s module timeout).
  void Expect(const json& result, const std::string& verdict, const std::string& summary_has) {
    EXPECT_EQ(VerdictOf(result), verdict) << last_;
    const std::string summary = Str(Field(Field(result, "verdict"), "summary"));
    EXPECT_NE(summary.find(summary_has), std::string::npos) << summary;
    EXPECT_LE(last_.elapsed_seconds, 3.0 + 0.7) << last_;
    std::cout << module_ << ": " << verdict << ": " << summary << "\n";
  }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<WebLab> web_;
  std::string config_;
  std::string module_;
  CheckRun last_;
};

TEST_F(ModuleLabTest, DnsModuleQueriesTheServer) {
  json r = Check("dns_web", "198.18.1.1");
  Expect(r, "null/null", "answered web.lab IN A with NOERROR");
  const json query = Field(Layer(r, "dns"), "query");
  EXPECT_EQ(Str(Field(query, "transport")), "udp") << query;
  EXPECT_EQ(Field(query, "answer").size(), 1u) << query;
  EXPECT_EQ(last_.exit_code, 0);
  Expect(Check("dns_web_tcp", "198.18.1.1:53"), "null/null", "(tcp) answered");
}

TEST_F(ModuleLabTest, DnsModuleNxdomainIsDnsNxdomain) {
  Expect(Check("dns_missing", "198.18.1.1"), "dns/nxdomain", "NXDOMAIN");
  EXPECT_EQ(last_.exit_code, 1);
}

TEST_F(ModuleLabTest, DnsModuleStoppedServerIsDnsTimeout) {
  ASSERT_EQ(kill(lab_->dnsmasq_pid(), SIGSTOP), 0);  // teardown sends SIGCONT before SIGKILL
  Expect(Check("dns_web", "198.18.1.1"), "dns/timeout", "did not answer");
  EXPECT_GE(last_.elapsed_seconds, 2.9) << "the query gets the whole module timeout";
}

TEST_F(ModuleLabTest, DnsModuleWithoutServerIsDnsRefused) {
  // Nothing listens on 198.18.3.2:53/udp: the target answers ICMP port unreachable.
  Expect(Check("dns_web", "198.18.3.2"), "dns/refused", "refused");
}

TEST_F(ModuleLabTest, DnsOverTls) {
  // Port 853 by default; the certificate names web.lab, set as tls_config.server_name.
  json r = Check("dns_over_tls", "198.18.3.2");
  Expect(r, "null/null", "(tcp-tls) answered web.lab IN A with NOERROR");
  // Without the lab's CA the handshake fails: the server gave no usable answer.
  Expect(Check("dns_over_tls_no_ca", "web.lab"), "dns/servfail", "TLS handshake failed");
}

TEST_F(ModuleLabTest, TlsFromConnectToPlainPortIsNotTls) {
  Expect(Check("tls_connect", "web.lab:443"), "null/null", "accepted a TCP connection");
  Expect(Check("tls_connect", "web.lab:80"), "tls/not_tls", "");
  Expect(Check("tls_connect", "web.lab:9443"), "tls/hostname_mismatch", "");
}

TEST_F(ModuleLabTest, StarttlsConversationSucceeds) {
  json r = Check("smtp_starttls", "web.lab:2525");
  Expect(r, "null/null", "");
  const json tcp = Layer(r, "tcp");
  const json lines = Field(tcp, "conversation");
  ASSERT_TRUE(lines.is_array()) << tcp;
  // Sends show their first word only (the rest may be a credential); ${1} is unit-tested.
  EXPECT_EQ(Str(lines[1]), "> EHLO ... (13 bytes)") << lines;
  EXPECT_EQ(StatusOf(r, "tls"), "ok");
}

TEST_F(ModuleLabTest, StarttlsWithUnknownCaIsCertUntrusted) {
  Expect(Check("smtp_starttls_no_ca", "web.lab:2525"), "tls/cert_untrusted", "");
}

TEST_F(ModuleLabTest, SilentServiceIsTcpTimeoutNotPath) {
  // The endless peer waits for an HTTP request and says nothing first: the connection is
  // accepted, so the silence is the service's, never the path's.
  Expect(Check("smtp_greeting", "web.lab:8081"), "tcp/timeout", "accepted the TCP connection");
  EXPECT_GE(last_.elapsed_seconds, 2.9);
}

TEST_F(ModuleLabTest, SilenceOverTlsEndsAtTheDeadline) {
  // nginx completes the handshake, then waits for a request for a minute: the read on the TLS
  // stream must be cut at the module's deadline.
  json r = Check("tls_then_greeting", "web.lab:443");
  Expect(r, "tcp/timeout", "accepted the TCP connection and the TLS handshake");
  EXPECT_EQ(StatusOf(r, "tls"), "ok") << last_;
}

TEST_F(ModuleLabTest, GarbageGreetingIsReportedPrintably) {
  // Invalid UTF-8 and control bytes must not break the JSON report (nor /probe's debug page).
  json r = Check("smtp_greeting", "web.lab:2526");
  Expect(r, "tcp/refused", "closed the connection without a line matching");
  EXPECT_EQ(Str(Field(Layer(r, "tcp"), "last_line")), "??? bin?ary ?[31m gr?eting") << last_;
}

TEST_F(ModuleLabTest, WrongAnswerIsTcpRefusedWithTheLastLine) {
  // nginx answers HTTP, not an SMTP greeting, and closes: the service refused the dialogue.
  json r = Check("smtp_greeting_after_request", "web.lab:80");
  Expect(r, "tcp/refused", "closed the connection without a line matching");
  EXPECT_EQ(Field(Layer(r, "tcp"), "failed_due_to_regex"), true) << r;
}

TEST_F(ModuleLabTest, IcmpModuleTtlIsHonoured) {
  // The target is three hops away: blackbox's shipped icmp_ttl5 reaches it, TTL 1 dies at r1,
  // whose time-exceeded answer names it.
  Expect(Check("icmp_ttl5", "198.18.3.2"), "null/null", "");
  json r = Check("icmp_ttl1", "198.18.3.2");
  EXPECT_NE(Str(Field(Field(r, "verdict"), "summary")).find("TTL ran out"), std::string::npos)
      << last_;
  EXPECT_EQ(Str(Field(Field(r, "verdict"), "offender")), "198.18.1.1") << last_;
  EXPECT_EQ(StatusOf(r, "icmp"), "fail") << last_;
}

}  // namespace
}  // namespace reachprobe::lab
