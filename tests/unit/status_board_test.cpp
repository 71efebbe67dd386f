// The status board (prober/history/status_board) and the pages rendered from it: states and
// their since-when, availability windows, worst-first order, filters, and escaping.
#include <gtest/gtest.h>

#include "exporters/html_text.hpp"
#include "exporters/status_json.hpp"
#include "exporters/status_page.hpp"
#include "exporters/text_report.hpp"
#include "history/status_board.hpp"

namespace reachprobe::history {
namespace {

constexpr std::int64_t kT0 = 1'780'000'000'000;

// A report told apart by its sentence.
engine::ReportPtr report(const std::string& summary) {
  auto r = std::make_shared<engine::ProbeReport>();
  r->verdict.summary = summary;
  return r;
}

RunRecord run(const std::string& id, std::int64_t t, bool ok,
              engine::Layer layer = engine::Layer::tcp) {
  RunRecord r;
  r.key_id = id;
  r.time_ms = t;
  r.success = ok;
  if (!ok) {
    r.layer = layer;
    r.reason = engine::Reason::timeout;
  }
  r.summary = ok ? "fine" : "it timed out";
  return r;
}

StatusBoard three_keys() {
  StatusBoard board;
  board.add({"a000000000000000", "198.18.0.1:22", "tcp_connect", {{"team", "db"}}});
  board.add({"b000000000000000", "198.18.0.2:22", "tcp_connect", {{"team", "<script>x</script>"}}});
  board.add({"c000000000000000", "198.18.0.3", "icmp", {}});
  board.record(run("a000000000000000", kT0, true), report("ladder a"));
  board.record(run("b000000000000000", kT0, true), report("ladder b"));
  board.record(run("b000000000000000", kT0 + 10'000, false), report("ladder b2"));
  board.record(run("c000000000000000", kT0, false, engine::Layer::icmp), report(""));
  return board;
}

TEST(StatusBoard, StateSinceAndAvailability) {
  auto board = three_keys();
  const KeyStatus* b = board.find("b000000000000000");
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(b->state, KeyState::down);
  EXPECT_EQ(b->verdict, "tcp/timeout");
  EXPECT_EQ(b->since_ms, kT0 + 10'000);
  ASSERT_NE(b->latest, nullptr);
  EXPECT_EQ(b->latest->verdict.summary, "ladder b2");
  EXPECT_DOUBLE_EQ(*b->availability(kT0 + 20'000, 6), 0.5);
  EXPECT_EQ(board.state("b000000000000000"), KeyState::down);
  EXPECT_EQ(board.state("not there"), KeyState::unknown);
  // A day later the 1 h window is empty, and the 24 h one only just holds it.
  EXPECT_FALSE(b->availability(kT0 + 2 * 3'600'000, 6));
  EXPECT_TRUE(b->availability(kT0 + 23 * 3'600'000, kTimelineSlots));
  EXPECT_FALSE(b->availability(kT0 + 25 * 3'600'000, kTimelineSlots));
}

TEST(StatusBoard, WorstFirstAndFilters) {
  auto board = three_keys();
  auto all = board.select({}, kT0 + 20'000);
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0]->info.id, "c000000000000000");  // down, 0 %
  EXPECT_EQ(all[1]->info.id, "b000000000000000");  // down, 50 %
  EXPECT_EQ(all[2]->info.id, "a000000000000000");
  BoardFilter tcp;
  tcp.layer = "tcp";
  auto by_layer = board.select(tcp, kT0 + 20'000);
  ASSERT_EQ(by_layer.size(), 1u);
  EXPECT_EQ(by_layer[0]->info.id, "b000000000000000");
  BoardFilter up;
  up.state = "up";
  EXPECT_EQ(board.select(up, kT0)[0]->info.id, "a000000000000000");
  BoardFilter label;
  label.label = "team=db";
  EXPECT_EQ(board.select(label, kT0).size(), 1u);
  label.label = "module=icmp";
  EXPECT_EQ(board.select(label, kT0).size(), 1u);
  auto counts = board.counts();
  EXPECT_EQ(counts.up, 1u);
  EXPECT_EQ(counts.down, 2u);
  EXPECT_EQ(counts.down_by_layer["tcp"], 1u);
  EXPECT_EQ(counts.down_by_layer["icmp"], 1u);
}

TEST(StatusBoard, RestoreFillsKeysThatHaveNotRunAndAddsTheTimeline) {
  StatusBoard board;
  board.add({"d000000000000000", "198.18.0.4:22", "tcp_connect", {}});
  BoardSnapshot snapshot;
  KeySnapshot stored;
  stored.success = false;
  stored.verdict = "tcp/refused";
  stored.since_ms = kT0 - 3'600'000;
  stored.last_ms = kT0 - 10'000;
  stored.fine.push_back({(kT0 - 600'000) / 1000 / 600 * 600, 60, 60, 0, 0});
  snapshot["d000000000000000"] = stored;
  snapshot["gone000000000000"] = stored;  // removed since: not brought back
  board.restore(snapshot);
  const KeyStatus* d = board.find("d000000000000000");
  EXPECT_EQ(d->state, KeyState::down);
  EXPECT_EQ(d->verdict, "tcp/refused");
  EXPECT_EQ(d->since_ms, kT0 - 3'600'000);
  EXPECT_DOUBLE_EQ(*d->availability(kT0, 6), 0.0);
  EXPECT_EQ(board.size(), 1u);
}

TEST(StatusPage, EscapesEveryTextAndCarriesTheRowsData) {
  auto board = three_keys();
  exporters::StatusOverview view;
  view.now_ms = kT0 + 20'000;
  for (const auto* key : board.select({}, view.now_ms)) view.rows.push_back({key, {}});
  view.counts = board.counts();
  view.matched = view.rows.size();
  view.filter.label = "\"><script>y</script>";
  view.banner = "cannot open <path>";
  view.link_prefix = "/";
  auto html = exporters::render_status_overview(view);
  EXPECT_EQ(html.find("<script"), std::string::npos) << html;
  EXPECT_NE(html.find("&lt;script&gt;x&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(html.find("data-key=\"b000000000000000\" data-state=\"down\" data-layer=\"tcp\""),
            std::string::npos);
  EXPECT_NE(html.find("<td class=\"verdict\" title=\"it timed out\">tcp/timeout</td>"),
            std::string::npos);
  EXPECT_NE(html.find("id=\"storage-banner\""), std::string::npos);
  EXPECT_NE(html.find("1 up, 2 down (failing at icmp: 1, tcp: 1)"), std::string::npos);
  auto json = exporters::status_overview_json(view);
  EXPECT_EQ(json["summary"]["down"], 2);
  EXPECT_EQ(json["targets"][0]["verdict"], "icmp/timeout");
  EXPECT_EQ(json["targets"][2]["availability"]["1h"], 1.0);
}

TEST(StatusPage, KeyPageOfAnUnknownKeyAndOfAFailingOne) {
  auto board = three_keys();
  exporters::KeyPageView view;
  view.now_ms = kT0 + 20'000;
  EXPECT_NE(exporters::render_key_page(view).find("Unknown key"), std::string::npos);
  view.live = board.find("b000000000000000");
  view.history.events.push_back(
      {kT0 + 10'000, kT0 + 10'000, 1, true, false, "tcp/timeout", "it <timed> out", "{}", ""});
  auto html = exporters::render_key_page(view);
  EXPECT_NE(html.find("id=\"state\" data-state=\"down\""), std::string::npos);
  // The ladder is rendered from the latest report when the page is asked for.
  const std::string ladder = exporters::render_ladder(*view.live->latest);
  EXPECT_NE(html.find("<pre id=\"ladder\">" + exporters::html_escape(ladder) + "</pre>"),
            std::string::npos);
  EXPECT_NE(html.find("it &lt;timed&gt; out"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
}

TEST(KeyPage, TheHostLayersFindingsHaveTheirOwnListEscaped) {
  StatusBoard board;
  auto latest = std::make_shared<engine::ProbeReport>();
  engine::LayerResult host;
  host.layer = engine::Layer::host;
  host.status = engine::Status::warn;
  host.reason = engine::Reason::hung_mount;
  engine::HostEvidence evidence;
  evidence.via = "ssh://monitor@198.18.3.2:22";
  evidence.findings = {{engine::Reason::hung_mount, "the nfs4 mount at /srv/<data> hangs"}};
  host.evidence = evidence;
  latest->layers.push_back(host);
  board.add({"d000000000000000", "ssh://monitor@198.18.4.2:22", "ssh", {}});
  board.record(run("d000000000000000", kT0, true), latest);
  exporters::KeyPageView view;
  view.now_ms = kT0 + 1000;
  view.live = board.find("d000000000000000");
  auto html = exporters::render_key_page(view);
  EXPECT_NE(html.find("<ul id=\"host-findings\"><li class=\"via\">by the side door "
                      "ssh://monitor@198.18.3.2:22</li><li class=\"finding\" "
                      "data-reason=\"hung_mount\"><b>hung_mount</b> the nfs4 mount at "
                      "/srv/&lt;data&gt; hangs</li></ul>"),
            std::string::npos)
      << html;
}

}  // namespace
}  // namespace reachprobe::history
