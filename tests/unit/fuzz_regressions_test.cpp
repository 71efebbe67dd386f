// Inputs the fuzz targets (tests/fuzz) once failed on, replayed through the same parsers on every
// unit run: tests/fuzz/regressions/<target>/<input>. A new finding is a new file there; a
// directory without a replay below fails, so no finding is silently skipped.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <span>
#include <sstream>
#include <string>

#include "exporters/config_yaml.hpp"
#include "exporters/http_request.hpp"
#include "exporters/web_config.hpp"
#include "net/dns_message.hpp"
#include "net/icmp_packet.hpp"
#include "net/ssh_banner.hpp"
#include "targets/config_loader.hpp"
#include "targets/target_parser.hpp"

namespace reachprobe {
namespace {

namespace fs = std::filesystem;

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::span<const std::uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const std::uint8_t*>(s.data()), s.size()};
}

using exporters::kRequestHeaderLimit;

// The request as tests/fuzz/fuzz_http_request.cpp pads it: a header after the request line that
// brings the block to within a few bytes of the 16 KiB limit.
std::string padded_request(const std::string& raw) {
  auto line_end = raw.find("\r\n");
  if (raw.empty() || line_end == std::string::npos || raw.size() >= kRequestHeaderLimit - 64)
    return raw;
  std::size_t want = kRequestHeaderLimit - raw.size() - 28 +
                     static_cast<std::size_t>(static_cast<std::uint8_t>(raw[0]) % 32);
  return raw.substr(0, line_end + 2) + "X-Pad: " + std::string(want, 'a') + "\r\n" +
         raw.substr(line_end + 2);
}

// What must hold for any request: refused with 400/413/431, or parsed with the request line and
// the header fields each within the limit.
void expect_request_bounded(const std::string& raw) {
  auto parsed = exporters::parse_http_request(raw);
  if (!parsed.request) {
    EXPECT_TRUE(parsed.status == 400 || parsed.status == 413 || parsed.status == 431)
        << parsed.status;
    return;
  }
  auto line_end = raw.find("\r\n");
  auto end = raw.find("\r\n\r\n");
  ASSERT_NE(end, std::string::npos);
  EXPECT_LE(line_end + 2, kRequestHeaderLimit);
  EXPECT_LE(end + 4 - (line_end + 2), kRequestHeaderLimit);
}

// One replay per fuzz target: the parser it drives, with the checks that found the input.
const std::map<std::string, std::function<void(const std::string&)>>& replays() {
  static const std::map<std::string, std::function<void(const std::string&)>> table = {
      {"target_parser", [](const std::string& in) { (void)targets::parse_target(in); }},
      {"config_loader",
       [](const std::string& in) {
         auto config = targets::load_config_text(in, "fuzz.yml");
         if (!config) {
           EXPECT_EQ(config.error().rfind("fuzz.yml:", 0), 0u) << config.error();
           return;
         }
         // What /config prints loads again and prints the same.
         auto dump = exporters::config_to_yaml(*config);
         auto again = targets::load_config_text(dump, "dump.yml");
         ASSERT_TRUE(again) << again.error() << "\n" << dump;
         EXPECT_EQ(exporters::config_to_yaml(*again), dump);
       }},
      {"web_config",
       [](const std::string& in) {
         auto config = exporters::load_web_config_text(in, "web.yml");
         if (!config) {
           EXPECT_EQ(config.error().rfind("web.yml:", 0), 0u) << config.error();
         }
       }},
      {"dns_message", [](const std::string& in) { (void)net_io::parse_dns_message(as_bytes(in)); }},
      {"icmp_packet",
       [](const std::string& in) {
         (void)net_io::parse_ipv4_datagram(as_bytes(in));
         for (bool v6 : {false, true}) {
           (void)net_io::parse_icmp_message(as_bytes(in), v6);
           (void)net_io::parse_quoted_echo(as_bytes(in), v6);
         }
       }},
      {"ssh_banner",
       [](const std::string& in) {
         engine::SshBannerEvidence evidence;
         (void)net_io::judge_banner(in, evidence);
       }},
      {"http_request",
       [](const std::string& in) {
         expect_request_bounded(in);
         expect_request_bounded(padded_request(in));
       }},
  };
  return table;
}

TEST(FuzzRegressions, EveryRecordedInputReplays) {
  fs::path root = REACHPROBE_FUZZ_REGRESSIONS;
  ASSERT_TRUE(fs::is_directory(root)) << root;
  int replayed = 0;
  for (const auto& target : fs::directory_iterator(root)) {
    if (!target.is_directory()) continue;
    auto name = target.path().filename().string();
    auto replay = replays().find(name);
    ASSERT_NE(replay, replays().end()) << "no replay for fuzz target " << name;
    for (const auto& input : fs::directory_iterator(target.path())) {
      SCOPED_TRACE(input.path().string());
      replay->second(read_bytes(input.path()));
      ++replayed;
    }
  }
  EXPECT_GT(replayed, 0);
}

// The first finding (http_request, 45 k runs): a 16,385-byte header block was accepted although
// the limit reads "16 KiB, request line included". Beast 1.81 applies header_limit to the
// request line and to the fields separately. Each part is bounded: over the limit is 431.
TEST(FuzzRegressions, HttpRequestLineAndFieldsAreEachBoundedBy431) {
  std::string long_target = "GET /" + std::string(kRequestHeaderLimit, 'p') + " HTTP/1.1\r\n\r\n";
  EXPECT_EQ(exporters::parse_http_request(long_target).status, 431u);
  std::string long_fields =
      "GET / HTTP/1.1\r\nX-Big: " + std::string(kRequestHeaderLimit, 'a') + "\r\n\r\n";
  EXPECT_EQ(exporters::parse_http_request(long_fields).status, 431u);
  std::string within = "GET / HTTP/1.1\r\nX-Small: " + std::string(1000, 'a') + "\r\n\r\n";
  EXPECT_TRUE(exporters::parse_http_request(within).request);
}

// config_loader, 50 k runs after /config's output was checked to load again: a module name with
// a byte that is not UTF-8 ("smtp\x92starttls") was dumped as "smtp\x92starttls" in YAML's
// escape, which a YAML reader takes as U+0092, so the reloaded module had another name. Such
// text is refused at load, as Go's yaml (blackbox) refuses it, at its line.
TEST(FuzzRegressions, ConfigThatIsNotUtf8IsRefusedAtItsLine) {
  auto config =
      targets::load_config_text("modules:\n  smtp\x92starttls:\n    prober: tcp\n", "c.yml");
  ASSERT_FALSE(config);
  EXPECT_EQ(config.error(), "c.yml:2: invalid UTF-8");
  auto fine = targets::load_config_text("modules:\n  caf\xc3\xa9:\n    prober: tcp\n", "c.yml");
  ASSERT_TRUE(fine) << fine.error();
  EXPECT_EQ(fine->modules.count("caf\xc3\xa9"), 1u);
}

}  // namespace
}  // namespace reachprobe
