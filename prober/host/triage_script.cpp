#include "host/triage_script.hpp"

namespace reachprobe::host {
namespace {

// Single quotes hold everything literally; a quote itself is closed, escaped and reopened.
std::string single_quoted(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'')
      out += "'\\''";
    else
      out += c;
  }
  return out + "'";
}

}  // namespace

std::string triage_command(const std::string& client, const std::string& server,
                           const std::string& nonce) {
  return "sh -c " + single_quoted(triage_script_text()) + " reachprobe-triage " +
         single_quoted(client) + " " + single_quoted(server) + " " + single_quoted(nonce);
}

}  // namespace reachprobe::host
