#pragma once
#include <string>
#include <string_view>

namespace reachprobe::host {

// host_triage.sh as compiled into the binary (CMake embeds the reviewed file unchanged).
std::string_view triage_script_text();

// The exec request that runs it: `sh -c '<script>' reachprobe-triage '<client>' '<server>'
// '<nonce>'`, quoted for any POSIX-style login shell. Empty client/server: the script reads
// SSH_CONNECTION. The nonce goes back on the begin and end markers.
std::string triage_command(const std::string& client, const std::string& server,
                           const std::string& nonce = "0");

}  // namespace reachprobe::host
