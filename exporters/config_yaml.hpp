#pragma once
#include <chrono>
#include <string>
#include <string_view>

#include "targets/module.hpp"

namespace reachprobe::exporters {

// The running config as blackbox_exporter's /config prints it: `modules:` with, for every
// module, its prober and timeout and the http, tcp and icmp sections filled with their
// defaults (plus dns, grpc and reachprobe's ssh where the module uses or sets them), in
// blackbox's key order and four-space indentation. Defaults blackbox leaves implicit ("" for
// GET, ip6, ANY, IN, udp, NOERROR) are written as the values reachprobe uses; false, zero and
// empty values are left out as Go's omitempty does. Every targets::Secret is written as
// "<secret>". The text loads again with targets::load_config_text (a dns section is written
// only when it has a query_name, which the loader, like blackbox's, requires).
std::string config_to_yaml(const targets::Config& config);

// One module's body (what follows "name:" in config_to_yaml), unindented: the "Module
// configuration" part of a probe's debug output.
std::string module_to_yaml(const targets::Module& module);

// A tcp module's query_response `send` line as every dump shows it: the first word only, as the
// conversation transcript shows it, since the rest may be a credential ("AUTH hunter2" is
// written "AUTH <secret>"). Redacting a redacted line changes nothing, so /config still loads
// and dumps to the same text.
std::string redacted_send(std::string_view line);

// A duration as the config accepts it: "5s", "1m30s", "1s500ms"; "0s" for zero.
std::string format_duration(std::chrono::nanoseconds duration);

}  // namespace reachprobe::exporters
