#include "net/ssh_banner.hpp"

#include <gtest/gtest.h>

#include <random>

namespace reachprobe::net_io {
namespace {

TEST(SshBanner, IdentificationLineGivesSoftware) {
  engine::SshBannerEvidence ev;
  EXPECT_EQ(judge_banner("SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n", ev), BannerVerdict::banner);
  EXPECT_EQ(ev.banner, "SSH-2.0-OpenSSH_9.2p1 Debian-2");
  EXPECT_EQ(ev.software, "OpenSSH_9.2p1");
}

TEST(SshBanner, LinesBeforeTheIdentificationAreReported) {
  engine::SshBannerEvidence ev;
  EXPECT_EQ(judge_banner("Welcome\r\nauthorized use only\r\nSSH-2.0-dropbear_2022.83\r\n", ev),
            BannerVerdict::banner);
  EXPECT_EQ(ev.pre_banner_lines, (std::vector<std::string>{"Welcome", "authorized use only"}));
  EXPECT_EQ(ev.software, "dropbear_2022.83");
}

TEST(SshBanner, IncompleteLineKeepsWaiting) {
  engine::SshBannerEvidence ev;
  EXPECT_EQ(judge_banner("", ev), BannerVerdict::waiting);
  EXPECT_EQ(judge_banner("SSH-2.0-Open", ev), BannerVerdict::waiting);
}

TEST(SshBanner, HttpBinaryAndEndlessTextAreNotSsh) {
  engine::SshBannerEvidence http;
  EXPECT_EQ(judge_banner("HTTP/1.0 400 Bad Request\r\n", http), BannerVerdict::not_ssh);
  EXPECT_EQ(http.first_line, "HTTP/1.0 400 Bad Request");
  engine::SshBannerEvidence tls;
  EXPECT_EQ(judge_banner(std::string("\x15\x03\x01\x00\x02\x02\x46", 7), tls),
            BannerVerdict::not_ssh);
  engine::SshBannerEvidence chatty;
  std::string lines;
  for (int i = 0; i < 40; ++i) lines += "line " + std::to_string(i) + "\n";
  EXPECT_EQ(judge_banner(lines, chatty), BannerVerdict::not_ssh);
}

TEST(SshBanner, RandomBytesNeverCrash) {
  std::mt19937 rng(7);
  for (int i = 0; i < 5000; ++i) {
    std::string junk(rng() % 600, '\0');
    for (auto& c : junk) c = static_cast<char>(rng() % 128);
    engine::SshBannerEvidence ev;
    (void)judge_banner(junk, ev);
    EXPECT_LE(ev.banner.size(), 200u);
  }
}

}  // namespace
}  // namespace reachprobe::net_io
