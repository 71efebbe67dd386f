// Config regexps as a drop-in replacement must read them: reachprobe compiles them with RE2
// (targets/pattern.hpp), blackbox_exporter 0.23 with Go's regexp. The same bodies, headers and
// line dialogues, and one module file with a module per table row, go through both exporters'
// /probe (serve_fixture.hpp), which must give the same probe_success and
// probe_failed_due_to_regex. The rows cover Go's syntax where POSIX ERE (or PCRE) would read
// the pattern otherwise: flags, Perl classes, Unicode classes, escapes, anchors over a whole
// multi-line body, repetition, non-greedy and ungreedy captures expanded into a send, case
// folding, and bytes that are not UTF-8. Each row's `go` column is what Go's
// regexp.MatchString says on that subject (checked with `go run`); blackbox must say the same
// (else the lab is wrong), and reachprobe must say what blackbox says.
//
// Then, without a lab: patterns that Go refuses or that would explode when compiled naively
// must make `reachprobe validate` finish (exit 0, or 2 naming the regexp's line), and accept or
// refuse exactly what blackbox's --config.check does.
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "netns_fixture.hpp"
#include "serve_fixture.hpp"

#ifndef REACHPROBE_BINARY
#error "REACHPROBE_BINARY must name the reachprobe executable"
#endif

namespace reachprobe::lab {
namespace {

using Exporter = ServeLab::Exporter;

// lab_server.py's `body` mode serves plain, multi, unicode and letters; regexp_peer.py's `http`
// mode the other bodies, and its `lines` mode the query_response dialogue.
constexpr int kLabBodyPort = 8090;
constexpr int kPeerHttpPort = 8091;
constexpr int kPeerLinesPort = 8092;
const char* const kTargetAddress = "198.18.3.2";

bool ServedByLabServer(const std::string& body) {
  return body == "plain" || body == "multi" || body == "unicode" || body == "letters";
}

std::string BodyUrl(const std::string& body) {
  const int port = ServedByLabServer(body) ? kLabBodyPort : kPeerHttpPort;
  return "http://" + std::string(kTargetAddress) + ":" + std::to_string(port) + "/body/" + body;
}

// One http row: a regexp on the body (or the X-Lab header) of `body`, and whether Go's
// regexp.MatchString matches it there.
struct MatchRow {
  std::string name;
  std::string regexp;
  std::string body;  // the body name; the header's value for header rows
  bool go_match;
  bool header = false;
  // Why reachprobe disagrees, found when the row was written: printed with the DIFF, and the
  // row still asserts (a fix must turn it green, not this note).
  std::string known_bug = "";
};

// The bodies (see BODIES in lab_server.py and regexp_peer.py):
//   plain "lab http\n"  multi "first line\nSecond Line 42\nlast_word\n"
//   unicode "café αβγ word\n"  letters "ABC abc A*B\n"  digits "42 is 042\n"
//   crlf "alpha\r\nbeta\r\n"  vtab "a\vb a\tc\n"  latin1 "caf\xe9\n" (not UTF-8)
//   fold "\u212Aelvin \u017Fort\n" (Kelvin sign, long s)  braces "x{,3} a{2}\n"
//   nul "a\0b\n"  arabic "\u0664\u0662\n" (Arabic-Indic 4 2)
// Headers: X-Lab is the body's name at lab_server.py ("plain"), "v042-<name>" at the peer.
const std::vector<MatchRow> kMatchRows = {
    {"lit", R"(lab http)", "plain", true},
    {"dot_escaped", R"(lab\.http)", "plain", false},
    {"dot_any", R"(lab.http)", "plain", true},
    // (?m)^ also matches after the body's final \n; $ without (?m) only at the very end.
    {"m_empty_last_line", R"((?m)^$)", "plain", true},
    {"empty_body", R"(^$)", "plain", false},
    {"z_after_nl", R"([^\n]+\z)", "plain", false},
    {"rep_zero", R"(x{0})", "plain", true},
    // ERE has no inline flags; Go's (?i) folds case.
    {"flag_i", R"((?i)second line)", "multi", true},
    {"case_sensitive", R"(second line)", "multi", false},
    // blackbox matches the whole body: ^ and $ are its ends unless (?m).
    {"caret_body", R"(^Second)", "multi", false},
    {"caret_m", R"((?m)^Second)", "multi", true},
    {"dollar_body", R"(last_word$)", "multi", false},  // PCRE: matches before the last \n
    {"dollar_m", R"((?m)last_word$)", "multi", true},
    {"z_end", R"(last_word\n\z)", "multi", true},
    {"A_start", R"(\Afirst)", "multi", true},
    {"A_not_line_m", R"((?m)\ASecond)", "multi", false},
    {"dot_no_nl", R"(line.Second)", "multi", false},
    {"flag_s", R"((?s)line.Second)", "multi", true},
    {"flag_s_dollar", R"((?s)^first.*word$)", "multi", false},
    {"flag_ms", R"((?ms)^Second.*42$)", "multi", true},
    // \d is an ERE error or a literal d; in Go an ASCII digit.
    {"d3", R"(\d{3})", "digits", true},
    {"d3_start", R"(^\d{3})", "digits", false},
    {"d4", R"(\d{4})", "digits", false},
    {"word_boundary", R"(\b\d{2}\b)", "digits", true},
    {"not_boundary", R"(\B42)", "digits", true},
    {"rep_1_2", R"(^\d{1,2} )", "digits", true},
    {"flag_U", R"((?U)^\d+? is)", "digits", true},
    {"posix_upper", R"([[:upper:]]{3})", "letters", true},
    {"posix_alpha4", R"([[:alpha:]]{4})", "letters", false},
    {"posix_negated", R"([[:^alpha:]]{2})", "letters", false},
    {"flag_i_start", R"((?i)^abc abc)", "letters", true},
    {"quote", R"(\QA*B\E)", "letters", true},
    {"quote_miss", R"(\QA*C\E)", "letters", false},
    {"star_escaped", R"(A\*B)", "letters", true},
    {"hex_escapes", R"(\x41\x2aB)", "letters", true},
    {"alt", R"(^(xyz|ABC) )", "letters", true},
    {"alt_miss", R"(^(abc|xyz))", "letters", false},
    {"nongreedy", R"(ab+?c)", "letters", true},
    // Go's \w, \b and [[:alpha:]] are ASCII; \pL and . are Unicode (. is one code point).
    {"w_ascii", R"(caf\w)", "unicode", false},
    {"pL", R"(caf\pL)", "unicode", true},
    {"posix_ascii", R"(caf[[:alpha:]])", "unicode", false},
    {"greek", R"(\p{Greek}+ word)", "unicode", true},
    {"greek4", R"(\p{Greek}{4})", "unicode", false},
    {"dot_codepoint", R"(caf. )", "unicode", true},
    {"dot_two", R"(caf.. )", "unicode", false},
    {"b_ascii", R"(\bcaf\b)", "unicode", true},
    {"x_braced", R"(caf\x{e9})", "unicode", true},
    {"x_codepoint", R"(caf\xe9)", "unicode", true},
    {"not_letters", R"(^\PL+$)", "unicode", false},
    // Not UTF-8: Go reads the byte 0xE9 as U+FFFD, which . and [^a] match and \x{e9} does not.
    {"invalid_dot", R"(caf.\n)", "latin1", true,
     false},  // once a reachprobe bug (RE2 matched no such byte); fixed,
    {"invalid_x", R"(caf\x{e9})", "latin1", false},
    {"invalid_fffd", R"(caf\x{fffd})", "latin1", true,
     false},  // once a reachprobe bug (RE2 matched no such byte); fixed,
    {"invalid_negclass", R"(caf[^a])", "latin1", true,
     false},  // once a reachprobe bug (RE2 matched no such byte); fixed,
    // (?m)$ is before \n only, never before \r.
    {"crlf_m", R"((?m)alpha$)", "crlf", false},
    {"crlf_m_cr", R"((?m)alpha\r$)", "crlf", true},
    {"crlf_end", R"(beta\r\n$)", "crlf", true},
    // Go's \s is [\t\n\f\r ], without \v; [[:space:]] has it.
    {"s_no_vt", R"(a\sb)", "vtab", false},
    {"posix_space", R"(a[[:space:]]b)", "vtab", true},
    {"s_tab", R"(a\sc)", "vtab", true},
    {"v_escape", R"(a\vb)", "vtab", true},
    // Unicode simple folding: k matches the Kelvin sign, s the long s.
    {"fold_kelvin", R"((?i)kelvin)", "fold", true},
    {"no_fold", R"(kelvin)", "fold", false},
    {"fold_class", R"((?i)[k]elvin)", "fold", true},
    {"fold_long_s", R"((?i)SORT)", "fold", true},
    // {,3} is no repetition in Go: the literal text.
    {"brace_literal", R"(x{,3})", "braces", true},
    {"rep_exact", R"(a{2})", "braces", false},
    {"brace_escaped", R"(a\{2\})", "braces", true},
    {"dot_nul", R"(a.b)", "nul", true},
    {"x00", R"(a\x00b)", "nul", true},
    {"d_ascii", R"(\d)", "arabic", false},
    {"pNd", R"(\p{Nd}{2})", "arabic", true},
    {"posix_digit", R"([[:digit:]])", "arabic", false},
    {"hdr_exact", R"(^plain$)", "plain", true, true},
    {"hdr_i", R"((?i)^PLAIN$)", "plain", true, true},
    {"hdr_miss", R"(^lai)", "plain", false, true},
    {"hdr_d3", R"(\d{3}-)", "digits", true, true},
    {"hdr_d_start", R"(^\d)", "digits", false, true},
};

// A query_response dialogue with regexp_peer.py's `lines` peer, which sends
//   "220 lab.peer ready\r\n" "Token: abc123 xyz\r\n" "café αβγ\n" "end\n"
// and answers "ECHO <w>" with "OK <w>" (anything else with "ERR got <line>").
struct Step {
  std::string expect;
  std::string send;
};
struct TcpRow {
  std::string name;
  std::vector<Step> steps;
  bool go_success;             // per Go's regexp, bufio.ScanLines and Regexp.Expand
  std::string known_bug = "";  // as in MatchRow
};

const std::vector<TcpRow> kTcpRows = {
    {"first_line", {{R"(^220 )", ""}}, true},
    {"later_line", {{R"(^Token: (\w+))", ""}}, true},
    // bufio.ScanLines drops the \r of a \r\n line.
    {"cr_dropped", {{R"(ready$)", ""}}, true},
    {"cr_gone", {{R"(ready\r)", ""}}, false},
    {"echo_group", {{R"(^Token: (\w+))", "ECHO ${1}"}, {R"(^OK abc123$)", ""}}, true},
    {"echo_group2", {{R"(^Token: (\w+) (\w+))", "ECHO $2"}, {R"(^OK xyz$)", ""}}, true},
    // Captures make greediness visible: (?U) makes \w+ lazy and \w+? greedy.
    {"ungreedy_flag", {{R"((?U)^Token: (\w+))", "ECHO ${1}"}, {R"(^OK a$)", ""}}, true},
    {"ungreedy_inverts", {{R"((?U)^Token: (\w+?))", "ECHO ${1}"}, {R"(^OK abc123$)", ""}}, true},
    {"nongreedy_group", {{R"(^Token: (\w+?))", "ECHO ${1}"}, {R"(^OK a$)", ""}}, true},
    // Regexp.Expand knows named groups.
    {"named_group", {{R"(^Token: (?P<tok>\w+))", "ECHO ${tok}"}, {R"(^OK abc123$)", ""}}, true},
    // $1x is the group named "1x": none, so empty.
    {"expand_1x", {{R"(^Token: (\w+))", "ECHO $1x"}, {R"(^OK $)", ""}}, true},
    {"unicode_line", {{R"(^caf. \p{Greek}{3}$)", ""}}, true},
    {"flag_i", {{R"((?i)^TOKEN: ABC)", ""}}, true},
    // Lines are consumed: an expect only sees lines after the previous match.
    {"order", {{R"(^Token)", ""}, {R"(^220)", ""}}, false},
    {"no_line", {{R"(^250 )", ""}}, false},
    // Each line is matched alone, so (?s) cannot reach across lines.
    {"across_lines", {{R"((?s)ready.*Token)", ""}}, false},
};

// A regexp inside a single-quoted YAML scalar (no escapes but '' for ').
std::string Yaml(const std::string& text) {
  std::string out = "'";
  for (const char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string HttpModule(const std::string& name, const std::string& matcher) {
  return "  " + name +
         ":\n    prober: http\n    timeout: 5s\n    http:\n      preferred_ip_protocol: ip4\n" +
         matcher;
}

// Two modules per http row: one that fails when the regexp matches, one when it does not.
std::string MatchModules(const MatchRow& row) {
  if (row.header) {
    const std::string spec =
        "        - header: X-Lab\n          regexp: " + Yaml(row.regexp) + "\n";
    return HttpModule(row.name + "_m", "      fail_if_header_matches:\n" + spec) +
           HttpModule(row.name + "_nm", "      fail_if_header_not_matches:\n" + spec);
  }
  const std::string list = "        - " + Yaml(row.regexp) + "\n";
  return HttpModule(row.name + "_m", "      fail_if_body_matches_regexp:\n" + list) +
         HttpModule(row.name + "_nm", "      fail_if_body_not_matches_regexp:\n" + list);
}

std::string TcpModule(const TcpRow& row) {
  std::string yaml = "  tcp_" + row.name +
                     ":\n    prober: tcp\n    timeout: 5s\n    tcp:\n"
                     "      preferred_ip_protocol: ip4\n      query_response:\n";
  for (const Step& step : row.steps) {
    yaml += "        - expect: " + Yaml(step.expect) + "\n";
    if (!step.send.empty()) yaml += "          send: " + Yaml(step.send) + "\n";
  }
  return yaml;
}

std::string ModulesYaml() {
  std::string yaml = "modules:\n";
  for (const MatchRow& row : kMatchRows) yaml += MatchModules(row);
  for (const TcpRow& row : kTcpRows) yaml += TcpModule(row);
  return yaml;
}

// Bytes as a C string literal would show them, for the table.
std::string Escaped(const std::string& bytes) {
  std::string out;
  for (const char c : bytes) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\x%02x", u);
      out += hex;
    } else {
      out += c;  // UTF-8 shows as itself; a lone 0xE9 shows as the terminal's replacement
    }
  }
  return out;
}

// What one module gave on both sides.
struct Outcome {
  std::optional<double> bb_success, rp_success, bb_regex, rp_regex;
};

class RegexpDifferentialTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const std::string& why : {MissingPrerequisite(), MissingServePrerequisite()}) {
      if (!why.empty()) GTEST_SKIP() << why;
    }
    lab_ = std::make_unique<Lab>();
    const std::string address = std::string(" ") + kTargetAddress;
    lab_->spawn(Node::kTarget,
                LabToolCommand("lab_server.py") + address + " body:" + std::to_string(kLabBodyPort),
                "regexp_lab_server");
    lab_->spawn(Node::kTarget,
                LabToolCommand("regexp_peer.py") + address + " http:" +
                    std::to_string(kPeerHttpPort) + " lines:" + std::to_string(kPeerLinesPort),
                "regexp_peer");
    WaitForBody("plain");
    WaitForBody("digits");
    serve_ = std::make_unique<ServeLab>(*lab_, ModulesYaml());
  }
  void TearDown() override {
    if (HasFailure() && serve_) {
      std::cerr << serve_->Logs() << "\n--- regexp_peer log:\n"
                << lab_->log_tail("regexp_peer") << "\n";
    }
    serve_.reset();
    lab_.reset();
  }

  // The body as the prober namespace receives it (curl, not an exporter).
  CmdResult FetchBody(const std::string& body) {
    return lab_->run(Node::kProber, "curl -sS --noproxy '*' --max-time 3 " + BodyUrl(body));
  }

  void WaitForBody(const std::string& body) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    CmdResult last;
    while (std::chrono::steady_clock::now() < deadline) {
      last = FetchBody(body);
      if (last.exit_code == 0) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    throw std::runtime_error(BodyUrl(body) + " never answered: " + last.stderr_text);
  }

  Exposition Scrape(Exporter which, const std::string& target, const std::string& module) {
    const HttpAnswer answer = serve_->Probe(which, target, module);
    const char* name = which == Exporter::kReachprobe ? "reachprobe" : "blackbox";
    EXPECT_EQ(answer.status, 200) << name << " " << module << ": " << answer.body << answer.error;
    if (answer.status != 200) return {};
    try {
      return ParseExposition(answer.body);
    } catch (const std::exception& e) {
      ADD_FAILURE() << name << " wrote an unparsable exposition: " << e.what();
      return {};
    }
  }

  // Probes `module` on both exporters and checks them: blackbox against Go's answer (else the
  // lab is wrong), reachprobe against blackbox.
  Outcome Differential(const std::string& module, const std::string& target, bool go_success) {
    SCOPED_TRACE(module + " " + target);
    const Exposition bb = Scrape(Exporter::kBlackbox, target, module);
    const Exposition rp = Scrape(Exporter::kReachprobe, target, module);
    Outcome out{Find(bb, "probe_success"), Find(rp, "probe_success"),
                Find(bb, "probe_failed_due_to_regex"), Find(rp, "probe_failed_due_to_regex")};
    EXPECT_EQ(out.bb_success, go_success ? 1.0 : 0.0) << "blackbox disagrees with Go's regexp";
    EXPECT_EQ(out.rp_success, out.bb_success) << "probe_success: reachprobe vs blackbox";
    EXPECT_EQ(out.rp_regex, out.bb_regex) << "probe_failed_due_to_regex: reachprobe vs blackbox";
    return out;
  }

  std::unique_ptr<Lab> lab_;
  std::unique_ptr<ServeLab> serve_;
};

std::string Verdict(const Outcome& o) {
  return o.rp_success == o.bb_success && o.rp_regex == o.bb_regex ? "same" : "DIFF";
}

// "success/regex" of one side.
std::string Pair(const std::optional<double>& success, const std::optional<double>& regex) {
  return Show(success) + "/" + Show(regex);
}

TEST_F(RegexpDifferentialTest, HttpBodyAndHeaderRegexpsMatchAsGoDoes) {
  std::ostringstream table;
  table << "bodies as served:\n";
  for (const char* body : {"plain", "multi", "unicode", "letters", "digits", "crlf", "vtab",
                           "latin1", "fold", "braces", "nul", "arabic"}) {
    table << "  " << std::left << std::setw(8) << body << " \""
          << Escaped(FetchBody(body).stdout_text) << "\"\n";
  }
  table << std::left << std::setw(18) << "row" << std::setw(22) << "regexp" << std::setw(13)
        << "subject" << std::setw(6) << "go" << std::setw(22) << "matches-module bb rp"
        << std::setw(22) << "not-matches bb rp"
        << "(success/failed_due_to_regex)\n";
  for (const MatchRow& row : kMatchRows) {
    const std::string url = BodyUrl(row.body);
    const Outcome m = Differential(row.name + "_m", url, !row.go_match);
    const Outcome nm = Differential(row.name + "_nm", url, row.go_match);
    table << std::left << std::setw(18) << row.name << std::setw(22) << row.regexp << std::setw(13)
          << (row.header ? "X-Lab@" : "") + row.body << std::setw(6)
          << (row.go_match ? "match" : "no") << std::setw(22)
          << Pair(m.bb_success, m.bb_regex) + " " + Pair(m.rp_success, m.rp_regex) << std::setw(22)
          << Pair(nm.bb_success, nm.bb_regex) + " " + Pair(nm.rp_success, nm.rp_regex)
          << (Verdict(m) == "same" && Verdict(nm) == "same" ? "same" : "DIFF " + row.known_bug)
          << "\n";
  }
  std::cout << table.str();
}

TEST_F(RegexpDifferentialTest, TcpQueryResponseExpectsAndExpansionAsGoDoes) {
  const std::string target = std::string(kTargetAddress) + ":" + std::to_string(kPeerLinesPort);
  std::ostringstream table;
  table << std::left << std::setw(18) << "row" << std::setw(68) << "steps" << std::setw(6) << "go"
        << std::setw(10) << "blackbox" << std::setw(12) << "reachprobe"
        << "(success/failed_due_to_regex)\n";
  for (const TcpRow& row : kTcpRows) {
    const Outcome o = Differential("tcp_" + row.name, target, row.go_success);
    std::string steps;
    for (const Step& step : row.steps) {
      steps += (steps.empty() ? "" : "; ") + std::string("expect ") + step.expect;
      if (!step.send.empty()) steps += ", send " + step.send;
    }
    table << std::left << std::setw(18) << row.name << std::setw(68) << steps << std::setw(6)
          << (row.go_success ? "ok" : "fail") << std::setw(10) << Pair(o.bb_success, o.bb_regex)
          << std::setw(12) << Pair(o.rp_success, o.rp_regex)
          << (Verdict(o) == "same" ? "same" : "DIFF " + row.known_bug) << "\n";
  }
  std::cout << table.str();
}

// Patterns Go refuses, or whose naive compilation (nested counted repetition) would take
// unbounded time or memory. No lab: only the two config checkers.
struct ValidateRow {
  std::string regexp;
  bool go_accepts;             // regexp.Compile in Go 1.19, blackbox 0.23's
  std::string known_bug = "";  // as in MatchRow
};

const std::vector<ValidateRow> kValidateRows = {
    {R"(a{1,1000}{1,1000})", false},
    {R"((((a{100}){100}){100}))", false},
    {R"(((a{1000}){1000}){1000})", false},
    {R"((a{1000}){1000})", false},
    {R"(a{1000})", true},
    {R"(a{1001})", false},
    {R"(x**)", false},
    {R"(a++)", false},
    {R"((a*)*)", true},
    {R"((?=a))", false},
    {R"((?<n>a))", false},  // Go 1.22 accepts this; blackbox 0.23's Go does not
    {R"((?P<n>a))", true},
    {R"(\Z)", false},
    {R"(\C)", false},  // RE2 takes \C (one byte); Go refuses it, and so does Pattern
    {R"(\8)", false},
    {R"(\p{Foo})", false},
};

constexpr int kRegexpLine = 6;  // the line of the regexp in ValidateConfig's text

std::string ValidateConfig(const std::string& regexp) {
  return "modules:\n  m:\n    prober: http\n    http:\n      fail_if_body_matches_regexp:\n"
         "        - " +
         Yaml(regexp) + "\n";
}

TEST(RegexpValidate, HostileAndNonGoPatternsFinishAndAgreeWithBlackbox) {
  const bool have_blackbox = access(kBlackboxBinary, X_OK) == 0;
  char dir_template[] = "/tmp/rp-regexp-validate-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  const std::string dir = dir_template;
  std::ostringstream table;
  table << std::left << std::setw(28) << "regexp" << std::setw(8) << "go" << std::setw(10)
        << "blackbox" << std::setw(12) << "reachprobe" << std::setw(10) << "time"
        << "reachprobe's message\n";
  int n = 0;
  for (const ValidateRow& row : kValidateRows) {
    SCOPED_TRACE(row.regexp);
    const std::string file = dir + "/c" + std::to_string(++n) + ".yml";
    WriteFile(file, ValidateConfig(row.regexp));
    const auto started = std::chrono::steady_clock::now();
    // Behaviour, not speed: the deadline only turns a hang into a failure.
    const CmdResult rp =
        RunArgv({REACHPROBE_BINARY, "validate", "--config.file", file}, std::chrono::seconds(10));
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    EXPECT_TRUE(rp.exit_code == 0 || rp.exit_code == 2)
        << "exit " << rp.exit_code << " (137 = killed at the deadline): " << rp.stderr_text;
    if (rp.exit_code == 2) {
      EXPECT_NE(rp.stderr_text.find(file + ":" + std::to_string(kRegexpLine) + ":"),
                std::string::npos)
          << "the error must name the regexp's line: " << rp.stderr_text;
    }
    std::string bb = "-";
    if (have_blackbox) {
      const CmdResult check = RunArgv({kBlackboxBinary, "--config.check", "--config.file", file},
                                      std::chrono::seconds(10));
      bb = check.exit_code == 0 ? "accepts" : "refuses";
      EXPECT_EQ(check.exit_code == 0, row.go_accepts) << "blackbox disagrees with Go's regexp";
      EXPECT_EQ(rp.exit_code == 0, check.exit_code == 0)
          << "reachprobe must accept exactly what blackbox accepts: " << rp.stderr_text;
    }
    std::string message = rp.exit_code == 0 ? rp.stdout_text : rp.stderr_text;
    message = message.substr(0, message.find('\n'));
    if (const auto at = message.find(": invalid"); at != std::string::npos) {
      message = message.substr(at + 2);
    }
    table << std::left << std::setw(28) << row.regexp << std::setw(8)
          << (row.go_accepts ? "accepts" : "refuses") << std::setw(10) << bb << std::setw(12)
          << (rp.exit_code == 0   ? "accepts"
              : rp.exit_code == 2 ? "refuses"
                                  : "exit " + std::to_string(rp.exit_code))
          << std::setw(10) << std::to_string(ms) + " ms" << message
          << (row.known_bug.empty() ? "" : "  <- " + row.known_bug) << "\n";
  }
  std::cout << table.str();
  std::error_code ignored;
  std::filesystem::remove_all(dir, ignored);
}

}  // namespace
}  // namespace reachprobe::lab
