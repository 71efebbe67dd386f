// Config conformance with blackbox_exporter: every file of blackbox 0.23's config/testdata,
// Debian's shipped blackbox.yml and example.yml, and reachprobe's own edge cases
// (tests/conformance/cases) go through `reachprobe validate` and Debian's
// `prometheus-blackbox-exporter --config.check`. Both must accept or both refuse, except the
// files listed in tests/conformance/differences.txt, where the listed side must be the one
// that accepts. A refusal by reachprobe names FILE:LINE with a real line, and the same line
// as blackbox when blackbox names one.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr const char* kBlackbox = "/usr/bin/prometheus-blackbox-exporter";

struct CommandRun {
  int status = -1;
  std::string output;
  double seconds = 0;
};

// Our own fixed paths only, so the shell sees no user input.
CommandRun RunCommand(const std::string& command) {
  CommandRun run;
  auto start = std::chrono::steady_clock::now();
  FILE* pipe = popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  while (std::size_t n = fread(buffer, 1, sizeof buffer, pipe)) run.output.append(buffer, n);
  int raw = pclose(pipe);
  run.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  run.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return run;
}

struct Difference {
  std::string accepts;  // "blackbox" or "reachprobe"
  std::string reason;
};

std::map<std::string, Difference> ReadDifferences() {
  std::map<std::string, Difference> out;
  std::ifstream in(std::string(CONFORMANCE_DIR) + "/differences.txt");
  for (std::string line; std::getline(in, line);) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream words(line);
    std::string file, accepts, reason;
    words >> file >> accepts;
    std::getline(words, reason);
    out[file] = {accepts, reason.substr(reason.find_first_not_of(' '))};
  }
  return out;
}

std::vector<std::string> ConfigFiles() {
  std::vector<std::string> files;
  for (const char* dir : {"blackbox-0.23", "cases"}) {
    for (const auto& entry : fs::directory_iterator(std::string(CONFORMANCE_DIR) + "/" + dir)) {
      if (entry.path().extension() == ".yml") files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  // Debian's own configs, read where the package installs them.
  for (const char* shipped : {"/etc/prometheus/blackbox.yml",
                              "/usr/share/doc/prometheus-blackbox-exporter/examples/example.yml"}) {
    if (fs::exists(shipped)) files.push_back(shipped);
  }
  return files;
}

int LineCount(const std::string& path) {
  std::ifstream in(path);
  int lines = 0;
  for (std::string line; std::getline(in, line);) ++lines;
  return std::max(lines, 1);
}

TEST(BlackboxConformance, ValidateAgreesWithBlackboxConfigCheck) {
  if (!fs::exists(kBlackbox))
    GTEST_SKIP() << kBlackbox << " missing (apt install prometheus-blackbox-exporter)";
  const auto differences = ReadDifferences();
  const auto files = ConfigFiles();
  ASSERT_GT(files.size(), 100u);
  std::map<std::string, bool> listed_seen;
  int agreed = 0, deliberate = 0;
  for (const auto& path : files) {
    const std::string name = fs::path(path).filename();
    CommandRun ours =
        RunCommand(std::string(REACHPROBE_BINARY) + " validate --config.file " + path);
    CommandRun theirs =
        RunCommand(std::string(kBlackbox) + " --config.check --config.file=" + path);
    bool we_accept = ours.status == 0, they_accept = theirs.status == 0;
    SCOPED_TRACE(path + "\n  reachprobe: " + ours.output + "  blackbox: " + theirs.output);
    EXPECT_TRUE(ours.status == 0 || ours.status == 2) << "validate exits 0 or 2";
    auto diff = differences.find(name);
    bool shipped = path.starts_with("/etc/") || path.starts_with("/usr/");
    if (diff != differences.end() && !shipped) {
      listed_seen[name] = true;
      ++deliberate;
      EXPECT_NE(we_accept, they_accept) << "a listed difference no longer holds";
      EXPECT_EQ(diff->second.accepts == "reachprobe", we_accept) << diff->second.reason;
      std::cout << "  deliberate  " << name << ": " << diff->second.reason << "\n";
    } else {
      EXPECT_EQ(we_accept, they_accept) << "reachprobe and blackbox disagree";
      if (we_accept == they_accept) ++agreed;
    }
    if (!we_accept) {
      // "reachprobe: PATH:LINE: reason", one line, the line inside the file.
      std::smatch m;
      std::regex shape("^reachprobe: " +
                       std::regex_replace(path, std::regex(R"([.^$|()\[\]{}*+?\\])"), R"(\$&)") +
                       R"(:([0-9]+): [^\n]+\n$)");
      ASSERT_TRUE(std::regex_match(ours.output, m, shape)) << "error shape";
      int line = std::stoi(m[1]);
      EXPECT_GE(line, 1);
      EXPECT_LE(line, LineCount(path));
      std::smatch theirs_line;
      if (std::regex_search(theirs.output, theirs_line, std::regex(R"(line ([0-9]+):)"))) {
        EXPECT_EQ(line, std::stoi(theirs_line[1])) << "the line blackbox names";
      }
    }
    if (name.starts_with("regexp-nested") || name == "regexp-huge.yml") {
      std::cout << "  pathological regexp " << name << ": validate took " << ours.seconds * 1000
                << " ms (exit " << ours.status << ")\n";
    }
  }
  for (const auto& [name, diff] : differences) {
    EXPECT_TRUE(listed_seen.contains(name))
        << name << " is listed in differences.txt but no such file";
  }
  std::cout << files.size() << " configs: " << agreed << " agree, " << deliberate
            << " differ as listed\n";
}

}  // namespace
