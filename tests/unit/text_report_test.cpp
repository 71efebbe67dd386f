// The human report of `check` (CONTRACT §4): the layer ladder, the hop table, the verdict and
// its sentence, and with several targets the side-by-side table; from literal reports.
#include "exporters/text_report.hpp"

#include <gtest/gtest.h>

#include <sstream>

#include "classify/classifier.hpp"
#include "report_builder.hpp"

namespace reachprobe::testing {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

ProbeReport filtered_port() {
  auto r = ReportBuilder()
               .icmp_replies(3, 3)
               .path_hops({kRouter1, kRouter2}, false)
               .tcp_fail(Reason::timeout)
               .build();
  r.module = "tcp_connect";
  r.duration = 3012ms;
  classify::apply_verdict(r);
  return r;
}

ProbeReport open_port() {
  auto r = ReportBuilder().icmp_replies(3, 3).path_hops({kRouter1}, true).tcp_ok().build();
  r.target.text = "198.18.3.9:22";
  r.module = "tcp_connect";
  r.duration = 1500ms;
  r.find(Layer::tcp)->duration = 250us;
  classify::apply_verdict(r);
  return r;
}

TEST(TextReport, LadderHeaderLayersHopsVerdictAndSentence) {
  auto r = filtered_port();
  auto lines = lines_of(exporters::render_ladder(r));
  ASSERT_GE(lines.size(), 9u);
  EXPECT_EQ(lines[0], "198.18.3.2:22  (module tcp_connect, 198.18.3.2, 3.0 s)");
  EXPECT_EQ(lines[1].rfind("  dns ", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("  icmp ", 0), 0u) << lines[2];
  EXPECT_NE(lines[2].find("3/3 echoes, loss 0%, rtt 0.400 ms / 0.400 ms / 0.400 ms"),
            std::string::npos)
      << lines[2];
  EXPECT_EQ(lines[3].rfind("  path ", 0), 0u) << lines[3];
  EXPECT_EQ(lines[4].rfind("  tcp ", 0), 0u) << lines[4];
  EXPECT_NE(lines[4].find("fail timeout"), std::string::npos) << lines[4];
  EXPECT_NE(lines[4].find("after 3.0 s"), std::string::npos) << lines[4];
  EXPECT_EQ(lines[5].rfind("  hop  address", 0), 0u) << lines[5];
  EXPECT_NE(lines[6].find("198.18.1.1"), std::string::npos) << lines[6];
  EXPECT_NE(lines[6].find("0.300 ms / 0.300 ms / 0.300 ms"), std::string::npos) << lines[6];
  EXPECT_NE(lines[8].find("???"), std::string::npos) << lines[8];  // the silent hop
  EXPECT_NE(lines[8].find("100%"), std::string::npos) << lines[8];
  EXPECT_EQ(lines[9], "verdict: tcp/timeout");
  EXPECT_EQ(lines[10], "  " + r.verdict.summary);
}

TEST(TextReport, SuccessVerdictIsOkWithItsSentence) {
  auto r = open_port();
  auto text = exporters::render_ladder(r);
  EXPECT_NE(text.find("\nverdict: ok\n"), std::string::npos) << text;
  EXPECT_NE(text.find("connected in 0.250 ms"), std::string::npos) << text;
  EXPECT_NE(text.find("accepted a TCP connection in 0.250 ms"), std::string::npos) << text;
}

TEST(TextReport, OffenderIsNamedOnTheVerdictLine) {
  auto r = ReportBuilder()
               .icmp_replies(3, 3)
               .path_hops({kRouter1}, true)
               .tcp_fail(Reason::admin_prohibited, icmp_error(kRouter1, 3, 13))
               .build();
  classify::apply_verdict(r);
  auto text = exporters::render_ladder(r);
  EXPECT_NE(text.find("verdict: tcp/admin_prohibited (offender 198.18.1.1)\n"), std::string::npos)
      << text;
}

TEST(TextReport, LayersNotAskedForAreLeftOut) {
  auto r = open_port();
  r.layers.push_back(LayerResult::skipped(Layer::tls, "not asked for"));
  auto text = exporters::render_ladder(r);
  EXPECT_EQ(text.find("  tls "), std::string::npos) << text;
  EXPECT_EQ(exporters::render_side_by_side({r, filtered_port()}).find("\ntls "), std::string::npos);
}

TEST(TextReport, SideBySideOneColumnPerTargetOneRowPerLayer) {
  auto table = exporters::render_side_by_side({open_port(), filtered_port()});
  auto lines = lines_of(table);
  ASSERT_EQ(lines.size(), 6u) << table;
  EXPECT_EQ(lines[0].rfind("layer", 0), 0u);
  EXPECT_NE(lines[0].find("198.18.3.9:22"), std::string::npos);
  EXPECT_NE(lines[0].find("198.18.3.2:22"), std::string::npos);
  EXPECT_LT(lines[0].find("198.18.3.9:22"), lines[0].find("198.18.3.2:22"));
  EXPECT_EQ(lines[1].rfind("dns", 0), 0u);
  EXPECT_EQ(lines[4].rfind("tcp", 0), 0u);
  EXPECT_NE(lines[4].find("ok"), std::string::npos);
  EXPECT_NE(lines[4].find("fail timeout"), std::string::npos);
  EXPECT_EQ(lines[5].rfind("verdict", 0), 0u);
  EXPECT_NE(lines[5].find("tcp/timeout"), std::string::npos);
  // Columns line up: each target's cell starts where its header starts.
  auto column = lines[0].find("198.18.3.2:22");
  EXPECT_EQ(lines[4].find("fail timeout"), column) << table;
  EXPECT_EQ(lines[5].find("tcp/timeout"), column) << table;
  for (const auto& line : lines) {
    EXPECT_NE(line.back(), ' ') << "trailing blanks: \"" << line << "\"";
  }
}

TEST(TextReport, SeveralTargetsEndWithTheTable) {
  auto text = exporters::render_text({open_port(), filtered_port()});
  auto table = exporters::render_side_by_side({open_port(), filtered_port()});
  ASSERT_GE(text.size(), table.size());
  EXPECT_EQ(text.substr(text.size() - table.size()), table);
  EXPECT_NE(text.find("198.18.3.9:22  (module"), std::string::npos);
  EXPECT_NE(text.find("198.18.3.2:22  (module"), std::string::npos);
  // One target: the ladder alone.
  EXPECT_EQ(exporters::render_text({open_port()}), exporters::render_ladder(open_port()));
}

}  // namespace
}  // namespace reachprobe::testing
