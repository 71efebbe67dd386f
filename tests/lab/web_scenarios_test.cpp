// One test per TLS, HTTP and gRPC outcome: a real nginx, a real grpc++ health server and hostile
// HTTP peers in the lab's target namespace (web_fixture.hpp), the real reachprobe binary run
// against them, and a check that the verdict names the right layer and reason within the
// timeout.
//
// WebLabSelfCheck and GrpcLabSelfCheck first show with curl (and netprobe.py for the hostile
// peers) that every peer really behaves as its scenario claims, so a failure says which side is
// wrong: the lab or reachprobe.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <ctime>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "lab_test_util.hpp"
#include "netns_fixture.hpp"
#include "web_fixture.hpp"

namespace reachprobe::lab {
namespace {

using nlohmann::json;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

bool SkippedOrAbsent(const json& result, const std::string& layer) {
  const std::string status = StatusOf(result, layer);
  return status == "skipped" || status == "absent";
}

std::string WebUrl(const std::string& scheme, int port, const std::string& path,
                   const std::string& host = kWebHost) {
  return scheme + "://" + host + ":" + std::to_string(port) + path;
}

std::int64_t Now() {
  return std::int64_t{std::time(nullptr)};
}

// The peak RSS that `/usr/bin/time -f maxrss_kb=%M` wrote to stderr, in KiB; -1 if absent.
long MaxRssKib(const std::string& stderr_text) {
  const std::string marker = "maxrss_kb=";
  const auto at = stderr_text.rfind(marker);
  if (at == std::string::npos) return -1;
  return std::stol(stderr_text.substr(at + marker.size()));
}

// Blackbox's five HTTP phases, in seconds; a TLS phase only over TLS.
void ExpectPhases(const json& http, bool tls) {
  const json phases = Field(http, "phases");
  for (const char* phase : {"resolve", "connect", "tls", "processing", "transfer"}) {
    EXPECT_TRUE(Field(phases, phase).is_number()) << phase << " in " << phases.dump();
  }
  const json tls_seconds = Field(phases, "tls");
  if (tls_seconds.is_number()) {
    EXPECT_EQ(tls_seconds.get<double>() > 0.0, tls) << phases.dump();
  }
}

class WebLabTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& why : {MissingPrerequisite(), MissingWebPrerequisite()}) {
      if (!why.empty()) GTEST_SKIP() << why;
    }
    lab_ = std::make_unique<Lab>();
    web_ = std::make_unique<WebLab>(*lab_);
  }
  void TearDown() override {
    // What the peers saw is the other half of every failed scenario.
    if (HasFailure() && web_) std::cerr << web_->Logs() << "\n";
    web_.reset();
    lab_.reset();
  }

  // `reachprobe check --json --timeout <timeout> --dns.server 198.18.1.1 --tls.ca-file <ca>
  // <flags...> <target>`, after `prefix` (e.g. /usr/bin/time).
  CheckRun CheckWeb(const std::string& target, const std::vector<std::string>& flags = {},
                    const std::string& timeout = "5s",
                    const std::vector<std::string>& prefix = {}) {
    std::vector<std::string> args = {"--json",     "--timeout",     timeout,        "--dns.server",
                                     "198.18.1.1", "--tls.ca-file", web_->ca_file()};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back(target);
    CheckRun run = lab_->check(args, prefix);
    if (Verbose()) {
      std::cerr << "reachprobe check " << ::testing::PrintToString(args) << run << "\n";
    }
    return run;
  }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<WebLab> web_;
};

#define SKIP_WITHOUT_GRPC_SERVER()                                   \
  do {                                                               \
    if (const std::string why = MissingGrpcServer(); !why.empty()) { \
      GTEST_SKIP() << why;                                           \
    }                                                                \
  } while (false)

// Not a reachprobe scenario: every peer's behaviour, witnessed by curl and netprobe.py.
TEST_F(WebLabTest, WebLabSelfCheck) {
  EXPECT_EQ(lab_->netprobe("dns 198.18.1.1 web.lab"), "rcode 0 answers 1");
  EXPECT_EQ(lab_->netprobe("dns 198.18.1.1 other.lab"), "rcode 0 answers 1");

  const std::vector<std::string> code = {"-w", "%{http_code} %{http_version}", "-o", "/dev/null"};
  EXPECT_EQ(web_->Curl("http://web.lab/health", {}).stdout_text, "ok");
  EXPECT_EQ(web_->Curl("http://web.lab/broken", code).stdout_text, "500 1.1");
  EXPECT_EQ(web_->Curl("http://web.lab/", {}).stdout_text, kWebRootBody);
  const CmdResult https = web_->Curl("https://web.lab/health", {"-w", " %{http_version}"});
  EXPECT_EQ(https.stdout_text, "ok 2") << https.stderr_text;
  // TLS 1.3 and the valid certificate, by IP address too (the SAN has 198.18.3.2).
  const CmdResult tls13 =
      web_->Curl("https://198.18.3.2/health", {"--tlsv1.3", "-w", " %{ssl_verify_result}"});
  EXPECT_EQ(tls13.stdout_text, "ok 0") << tls13.stderr_text;

  // CURLE_PEER_FAILED_VERIFICATION (60) for each bad certificate, for the reason it is bad.
  const CmdResult expired = web_->Curl(WebUrl("https", kWebExpired, "/health"));
  EXPECT_EQ(expired.exit_code, 60);
  EXPECT_TRUE(Contains(expired.stderr_text, "certificate has expired")) << expired.stderr_text;
  const CmdResult wrong_name = web_->Curl(WebUrl("https", kWebWrongName, "/health"));
  EXPECT_EQ(wrong_name.exit_code, 60);
  EXPECT_TRUE(Contains(wrong_name.stderr_text, "no alternative certificate subject name"))
      << wrong_name.stderr_text;
  EXPECT_EQ(web_->Curl(WebUrl("https", kWebWrongName, "/health", "other.lab")).stdout_text, "ok");
  const CmdResult untrusted = web_->Curl(WebUrl("https", kWebUntrusted, "/health"));
  EXPECT_EQ(untrusted.exit_code, 60);
  EXPECT_TRUE(Contains(untrusted.stderr_text, "unable to get local issuer certificate"))
      << untrusted.stderr_text;
  // Without verification every TLS port serves the same locations.
  for (const int port : {kWebExpired, kWebUntrusted}) {
    EXPECT_EQ(web_->Curl(WebUrl("https", port, "/health"), {"-k"}).stdout_text, "ok") << port;
  }
  // CURLE_SSL_CONNECT_ERROR (35): nginx answers a ClientHello on port 80 in plain HTTP.
  const CmdResult not_tls = web_->Curl(WebUrl("https", kWebHttp, "/health"));
  EXPECT_EQ(not_tls.exit_code, 35);
  EXPECT_TRUE(Contains(not_tls.stderr_text, "wrong version number")) << not_tls.stderr_text;

  // The hostile peers, read raw: curl 7.88 takes the response cut inside its headers for a
  // complete 200 with an empty body (exit 0), so it cannot witness that one.
  const auto raw_get = [this](int port, const std::string& timeout) {
    return lab_->netprobe("http 198.18.3.2 " + std::to_string(port) + " --timeout " + timeout);
  };
  EXPECT_EQ(raw_get(kMidClose, "1"), "closed in headers after 38 bytes");
  const std::string drip = raw_get(kDrip, "2.5");
  EXPECT_TRUE(drip == "timeout after headers and 2 body bytes" ||
              drip == "timeout after headers and 3 body bytes")
      << drip;
  const std::string endless = raw_get(kEndless, "1");
  const std::string prefix = "timeout after headers and ";
  ASSERT_TRUE(endless.starts_with(prefix)) << endless;
  EXPECT_GT(std::stoll(endless.substr(prefix.size())), 10'000'000) << "body bytes in 1 s";
}

// Not a reachprobe scenario: the gRPC health server's four answers, witnessed by curl.
TEST_F(WebLabTest, GrpcLabSelfCheck) {
  SKIP_WITHOUT_GRPC_SERVER();
  // HealthCheckResponse field 1 (status): 08 01 SERVING, 08 02 NOT_SERVING.
  EXPECT_EQ(web_->CurlGrpcHealth(kGrpcPlain, "", false), "grpc-status 0 body 0801");
  EXPECT_EQ(web_->CurlGrpcHealth(kGrpcPlain, "svc.ok", false), "grpc-status 0 body 0801");
  EXPECT_EQ(web_->CurlGrpcHealth(kGrpcPlain, "svc.down", false), "grpc-status 0 body 0802");
  // NOT_FOUND, trailers-only.
  EXPECT_EQ(web_->CurlGrpcHealth(kGrpcPlain, "svc.missing", false), "grpc-status 5 body ");
  EXPECT_EQ(web_->CurlGrpcHealth(kGrpcTls, "svc.ok", true), "grpc-status 0 body 0801");
}

TEST_F(WebLabTest, HttpHealthSucceeds) {
  const CheckRun run = CheckWeb("http://web.lab/health");
  ExpectSuccess(run, {"dns", "tcp", "http"});
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  const json http = Layer(result, "http");
  EXPECT_EQ(Field(http, "status_code"), json(200));
  EXPECT_EQ(Str(Field(http, "http_version")), "HTTP/1.1");
  EXPECT_EQ(Field(http, "body_bytes"), json(2)) << "the body is \"ok\"";
  ExpectPhases(http, /*tls=*/false);
  EXPECT_TRUE(SkippedOrAbsent(result, "tls")) << StatusOf(result, "tls");
}

TEST_F(WebLabTest, ServerErrorIsHttpStatus) {
  const CheckRun run = CheckWeb("http://web.lab/broken");
  ExpectFailure(run, "http/status", {"tcp"}, 5.0);
  DumpOnFailure dump(run);
  EXPECT_EQ(Field(Layer(Result(run, 0), "http"), "status_code"), json(500));
}

TEST_F(WebLabTest, BodyNotMatchingIsBodyMismatch) {
  ExpectFailure(CheckWeb("http://web.lab/", {"--http.fail-if-body-not-matches", "nomatch"}),
                "http/body_mismatch", {"tcp"}, 5.0);
}

TEST_F(WebLabTest, HttpsSucceedsWithCertificateDetails) {
  const CheckRun run = CheckWeb("https://web.lab/health");
  ExpectSuccess(run, {"dns", "tcp", "tls", "http"});
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  const json tls = Layer(result, "tls");
  EXPECT_EQ(Str(Field(tls, "version")), "TLS 1.3");
  EXPECT_FALSE(Str(Field(tls, "cipher")).empty());
  // The leaf expires before its CA, so it is the chain's earliest expiry.
  EXPECT_EQ(Field(tls, "earliest_cert_expiry"), json(web_->valid_not_after()));
  EXPECT_GT(web_->valid_not_after(), Now());
  const json leaf = Field(tls, "leaf");
  EXPECT_TRUE(Contains(Str(Field(leaf, "subject")), "web.lab")) << leaf.dump();
  EXPECT_TRUE(Contains(Str(Field(leaf, "issuer")), "reachprobe lab CA")) << leaf.dump();
  const json sans = Field(leaf, "sans");
  ASSERT_TRUE(sans.is_array()) << leaf.dump();
  EXPECT_TRUE(std::find(sans.begin(), sans.end(), "web.lab") != sans.end()) << sans.dump();
  EXPECT_EQ(Field(leaf, "not_after"), json(web_->valid_not_after()));
  const json http = Layer(result, "http");
  EXPECT_EQ(Field(http, "status_code"), json(200));
  // nginx offers h2 by ALPN on 443 only.
  EXPECT_TRUE(Str(Field(http, "http_version")).starts_with("HTTP/2")) << http.dump();
  ExpectPhases(http, /*tls=*/true);
}

TEST_F(WebLabTest, ExpiredCertIsCertExpired) {
  const CheckRun run = CheckWeb(WebUrl("https", kWebExpired, "/health"));
  ExpectFailure(run, "tls/cert_expired", {"tcp"}, 5.0);
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  // The expiry is evidence even when verification fails on it.
  EXPECT_EQ(Field(Layer(result, "tls"), "earliest_cert_expiry"), json(kExpiredNotAfter));
  EXPECT_TRUE(SkippedOrAbsent(result, "http")) << StatusOf(result, "http");
}

// The certificate is valid and trusted, but for other.lab, not for the name asked for.
TEST_F(WebLabTest, WrongNameIsHostnameMismatch) {
  const CheckRun run = CheckWeb(WebUrl("https", kWebWrongName, "/health"));
  ExpectFailure(run, "tls/hostname_mismatch", {"tcp"}, 5.0);
  DumpOnFailure dump(run);
  EXPECT_TRUE(SkippedOrAbsent(Result(run, 0), "http"));
}

TEST_F(WebLabTest, UnknownCaIsCertUntrusted) {
  const CheckRun run = CheckWeb(WebUrl("https", kWebUntrusted, "/health"));
  ExpectFailure(run, "tls/cert_untrusted", {"tcp"}, 5.0);
  DumpOnFailure dump(run);
  EXPECT_TRUE(SkippedOrAbsent(Result(run, 0), "http"));
}

TEST_F(WebLabTest, HttpsToPlainHttpPortIsNotTls) {
  ExpectFailure(CheckWeb(WebUrl("https", kWebHttp, "/health")), "tls/not_tls", {"tcp"}, 5.0);
}

// --tls.insecure skips verification, but the expired date is still measured and reported.
TEST_F(WebLabTest, InsecureAcceptsExpiredCertAndReportsExpiry) {
  const CheckRun run = CheckWeb(WebUrl("https", kWebExpired, "/health"), {"--tls.insecure"});
  ExpectSuccess(run, {"tcp", "tls", "http"});
  DumpOnFailure dump(run);
  EXPECT_EQ(Field(Layer(Result(run, 0), "tls"), "earliest_cert_expiry"), json(kExpiredNotAfter));
}

TEST_F(WebLabTest, GrpcOverallServingSucceeds) {
  SKIP_WITHOUT_GRPC_SERVER();
  const CheckRun run = CheckWeb("grpc://198.18.3.2:50051");
  ExpectSuccess(run, {"tcp", "grpc"});
  DumpOnFailure dump(run);
  const json grpc = Layer(Result(run, 0), "grpc");
  EXPECT_EQ(Str(Field(grpc, "serving_status")), "SERVING");
  EXPECT_EQ(Field(grpc, "grpc_status"), json(0));
}

TEST_F(WebLabTest, GrpcNotServingIsNotServing) {
  SKIP_WITHOUT_GRPC_SERVER();
  const CheckRun run = CheckWeb("grpc://198.18.3.2:50051/svc.down");
  ExpectFailure(run, "grpc/not_serving", {"tcp"}, 5.0);
  DumpOnFailure dump(run);
  EXPECT_EQ(Str(Field(Layer(Result(run, 0), "grpc"), "serving_status")), "NOT_SERVING");
}

TEST_F(WebLabTest, GrpcUnknownServiceIsServiceUnknown) {
  SKIP_WITHOUT_GRPC_SERVER();
  const CheckRun run = CheckWeb("grpc://198.18.3.2:50051/svc.missing");
  ExpectFailure(run, "grpc/service_unknown", {"tcp"}, 5.0);
  DumpOnFailure dump(run);
  EXPECT_EQ(Field(Layer(Result(run, 0), "grpc"), "grpc_status"), json(5));  // NOT_FOUND
}

TEST_F(WebLabTest, GrpcsServiceSucceeds) {
  SKIP_WITHOUT_GRPC_SERVER();
  const CheckRun run = CheckWeb(WebUrl("grpcs", kGrpcTls, "/svc.ok"));
  ExpectSuccess(run, {"tcp", "tls", "grpc"});
  DumpOnFailure dump(run);
  EXPECT_EQ(Str(Field(Layer(Result(run, 0), "grpc"), "serving_status")), "SERVING");
}

// A body that never ends must neither outlive the timeout nor fill reachprobe's memory: the
// body cap stops the read (a success) or the timeout does (http/timeout).
TEST_F(WebLabTest, EndlessBodyEndsInTimeWithBoundedMemory) {
  const CheckRun run =
      CheckWeb(WebUrl("http", kEndless, "/"), {}, "3s", {"/usr/bin/time", "-f", "maxrss_kb=%M"});
  DumpOnFailure dump(run);
  const json result = Result(run, 0);
  ASSERT_TRUE(result.is_object()) << "no results[0] in the JSON";
  const std::string verdict = VerdictOf(result);
  EXPECT_TRUE(verdict == "null/null" || verdict == "http/timeout") << verdict;
  EXPECT_LE(run.elapsed_seconds, 4.0);
  const long rss_kib = MaxRssKib(run.stderr_text);
  EXPECT_GT(rss_kib, 0) << "no maxrss_kb= from /usr/bin/time";
  EXPECT_LT(rss_kib, 100 * 1024) << "peak RSS in KiB";
}

// Headers, then one body byte per second: the transfer never completes and never stalls long
// enough for a per-read idle timer, so only the overall deadline ends it.
TEST_F(WebLabTest, DrippingBodyIsHttpTimeout) {
  const CheckRun run = CheckWeb(WebUrl("http", kDrip, "/"), {}, "3s");
  ExpectFailure(run, "http/timeout", {"tcp"}, 3.0);
}

TEST_F(WebLabTest, CloseInsideHeadersIsHttpClosed) {
  ExpectFailure(CheckWeb(WebUrl("http", kMidClose, "/")), "http/closed", {"tcp"}, 5.0);
}

}  // namespace
}  // namespace reachprobe::lab
