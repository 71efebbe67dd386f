// CONTRACT §4, the `check --json` shape, from literal reports (the lab suites need root).
#include "exporters/json_report.hpp"

#include <gtest/gtest.h>

#include "classify/classifier.hpp"
#include "report_builder.hpp"

namespace reachprobe::testing {
namespace {

using namespace std::chrono_literals;
using json = nlohmann::ordered_json;

// TCP/22 silently dropped while the host answers ICMP and the trace dies after hop 2.
ProbeReport filtered_port() {
  auto r = ReportBuilder()
               .icmp_replies(3, 3)
               .path_hops({kRouter1, kRouter2}, false)
               .tcp_fail(Reason::timeout)
               .build();
  r.module = "tcp_connect";
  r.duration = 3012345us;
  classify::apply_verdict(r);
  return r;
}

ProbeReport open_port() {
  auto r = ReportBuilder().icmp_replies(3, 3).path_hops({kRouter1}, true).tcp_ok().build();
  r.module = "tcp_connect";
  r.duration = 1234567ns;
  r.find(Layer::tcp)->duration = 250us;
  classify::apply_verdict(r);
  return r;
}

std::vector<std::string> keys(const json& object) {
  std::vector<std::string> out;
  for (const auto& [key, value] : object.items()) out.push_back(key);
  return out;
}

TEST(JsonReport, ResultHasTheContractKeysInOrder) {
  auto j = exporters::to_json(filtered_port());
  EXPECT_EQ(keys(j), (std::vector<std::string>{"target", "module", "success", "duration_seconds",
                                               "address", "verdict", "layers", "path"}));
  EXPECT_EQ(j["target"], "198.18.3.2:22");
  EXPECT_EQ(j["module"], "tcp_connect");
  EXPECT_EQ(j["success"], false);
  EXPECT_DOUBLE_EQ(j["duration_seconds"].get<double>(), 3.012345);
  EXPECT_EQ(j["address"], "198.18.3.2");
  EXPECT_EQ(keys(j["verdict"]),
            (std::vector<std::string>{"layer", "reason", "offender", "summary"}));
}

// Dual-stack divergence: the other family's evidence only when it was measured, and the
// summary's clause after the verdict's own sentence.
TEST(JsonReport, OtherFamilyOnlyWhenMeasured) {
  EXPECT_FALSE(exporters::to_json(filtered_port()).contains("other_family"));
  auto r = ReportBuilder()
               .icmp_replies(3, 3)
               .path_hops({kRouter1, kRouter2}, false)
               .tcp_fail(Reason::timeout)
               .build();
  r.address = ip("2001:2:0:3::2");
  engine::OtherFamilyProbe other;
  other.address = ip("198.18.3.2");
  other.success = true;
  other.duration = 1500us;
  other.tcp_connect_seconds = 0.0004;
  r.other_family = other;
  classify::apply_verdict(r);
  auto j = exporters::to_json(r);
  EXPECT_EQ(j["other_family"]["ip_protocol"], 4);
  EXPECT_EQ(j["other_family"]["address"], "198.18.3.2");
  EXPECT_EQ(j["other_family"]["success"], true);
  EXPECT_EQ(j["other_family"]["verdict"]["layer"], nullptr);
  EXPECT_DOUBLE_EQ(j["other_family"]["tcp_connect_seconds"].get<double>(), 0.0004);
  EXPECT_EQ(j["other_family"]["icmp_rtt_seconds"], nullptr);
  const std::string summary = j["verdict"]["summary"];
  EXPECT_NE(summary.find("; IPv4 to the same name works (198.18.3.2: TCP connect in 0.400 ms): "
                         "the IPv6 path is broken."),
            std::string::npos)
      << summary;
  r.other_family->success = false;
  r.other_family->layer = Layer::tcp;
  r.other_family->reason = Reason::timeout;
  classify::apply_verdict(r);
  EXPECT_NE(r.verdict.summary.find("; IPv4 to the same name fails too (198.18.3.2: tcp/timeout): "
                                   "both families fail."),
            std::string::npos)
      << r.verdict.summary;
}

TEST(JsonReport, FailureVerdictNamesLayerAndReason) {
  auto r = filtered_port();
  auto j = exporters::to_json(r);
  EXPECT_EQ(j["verdict"]["layer"], "tcp");
  EXPECT_EQ(j["verdict"]["reason"], "timeout");
  EXPECT_TRUE(j["verdict"]["offender"].is_null());
  EXPECT_EQ(j["verdict"]["summary"], r.verdict.summary);
  EXPECT_FALSE(r.verdict.summary.empty());
}

TEST(JsonReport, SuccessVerdictHasNullLayerAndReason) {
  auto j = exporters::to_json(open_port());
  EXPECT_EQ(j["success"], true);
  EXPECT_TRUE(j["verdict"]["layer"].is_null());
  EXPECT_TRUE(j["verdict"]["reason"].is_null());
  EXPECT_TRUE(j["verdict"]["offender"].is_null());
  EXPECT_NE(
      j["verdict"]["summary"].get<std::string>().find("accepted a TCP connection in 0.250 ms"),
      std::string::npos)
      << j["verdict"]["summary"];
  EXPECT_DOUBLE_EQ(j["duration_seconds"].get<double>(), 0.001235);  // rounded to the microsecond
}

TEST(JsonReport, LayersInPathOrderWithStatusReasonAndDuration) {
  auto j = exporters::to_json(filtered_port());
  const auto& layers = j["layers"];
  ASSERT_EQ(layers.size(), 4u);
  std::vector<std::string> names;
  for (const auto& l : layers) names.push_back(l["layer"]);
  EXPECT_EQ(names, (std::vector<std::string>{"dns", "icmp", "path", "tcp"}));
  const auto& tcp = layers[3];
  EXPECT_EQ(tcp["status"], "fail");
  EXPECT_EQ(tcp["reason"], "timeout");
  EXPECT_EQ(tcp["required"], true);
  EXPECT_DOUBLE_EQ(tcp["duration_seconds"].get<double>(), 3.0);
  EXPECT_EQ(tcp["address"], "198.18.3.2");
  EXPECT_EQ(tcp["port"], 22);
  // An ok layer carries no reason key at all.
  EXPECT_EQ(layers[1]["status"], "ok");
  EXPECT_FALSE(layers[1].contains("reason"));
  EXPECT_EQ(layers[1]["received"], 3);
  EXPECT_DOUBLE_EQ(layers[1]["rtt_avg_seconds"].get<double>(), 0.0004);
}

TEST(JsonReport, PathHopsWithRttsAndASilentHop) {
  auto j = exporters::to_json(filtered_port());
  const auto& path = j["path"];
  ASSERT_EQ(path.size(), 3u);
  EXPECT_EQ(path[0]["ttl"], 1);
  EXPECT_EQ(path[0]["address"], "198.18.1.1");
  EXPECT_EQ(path[0]["sent"], 3);
  EXPECT_EQ(path[0]["received"], 3);
  EXPECT_DOUBLE_EQ(path[0]["loss_ratio"].get<double>(), 0.0);
  EXPECT_DOUBLE_EQ(path[0]["rtt_best_seconds"].get<double>(), 0.0003);
  EXPECT_DOUBLE_EQ(path[0]["rtt_avg_seconds"].get<double>(), 0.0003);
  EXPECT_DOUBLE_EQ(path[0]["rtt_worst_seconds"].get<double>(), 0.0003);
  EXPECT_EQ(path[1]["address"], "198.18.2.2");
  // The hop after the last answering one: no address, full loss, no RTT (null, not 0).
  EXPECT_EQ(path[2]["ttl"], 3);
  EXPECT_TRUE(path[2]["address"].is_null());
  EXPECT_EQ(path[2]["received"], 0);
  EXPECT_DOUBLE_EQ(path[2]["loss_ratio"].get<double>(), 1.0);
  EXPECT_TRUE(path[2]["rtt_best_seconds"].is_null());
  EXPECT_TRUE(path[2]["rtt_avg_seconds"].is_null());
  EXPECT_TRUE(path[2]["rtt_worst_seconds"].is_null());
}

TEST(JsonReport, NoPathLayerIsAnEmptyPath) {
  auto r = ReportBuilder().tcp_ok().build();
  classify::apply_verdict(r);
  auto j = exporters::to_json(r);
  ASSERT_TRUE(j["path"].is_array());
  EXPECT_TRUE(j["path"].empty());
}

TEST(JsonReport, DocumentHoldsOneResultPerTargetInOrder) {
  auto doc = exporters::to_json_document({open_port(), filtered_port()});
  EXPECT_EQ(keys(doc), std::vector<std::string>{"results"});
  ASSERT_EQ(doc["results"].size(), 2u);
  EXPECT_EQ(doc["results"][0]["success"], true);
  EXPECT_EQ(doc["results"][1]["success"], false);
  EXPECT_TRUE(exporters::to_json_document({})["results"].empty());
}

TEST(JsonReport, StreamedDocumentIsTheDocumentsDumpByteForByte) {
  std::vector<ProbeReport> all = {open_port(), filtered_port(), open_port()};
  for (std::size_t n = 0; n <= all.size(); ++n) {
    std::vector<ProbeReport> reports(all.begin(), all.begin() + static_cast<long>(n));
    exporters::JsonDocumentStream stream;
    std::string streamed = stream.begin();
    for (const auto& r : reports) streamed += stream.element(r);
    streamed += stream.end();
    EXPECT_EQ(streamed, exporters::to_json_document(reports).dump(
                            2, ' ', false, nlohmann::json::error_handler_t::replace))
        << n << " reports";
  }
}

TEST(JsonReport, PeerBytesThatAreNotUtf8StillDump) {
  auto r = open_port();
  r.find(Layer::tcp)->detail = "peer said \xff\xfe";
  auto text = exporters::to_json(r).dump(-1, ' ', false, json::error_handler_t::replace);
  EXPECT_NE(text.find("peer said \xef\xbf\xbd\xef\xbf\xbd"), std::string::npos) << text;
  EXPECT_TRUE(json::accept(text)) << text;
}

}  // namespace
}  // namespace reachprobe::testing
