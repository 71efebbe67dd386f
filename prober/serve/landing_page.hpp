#pragma once
#include <string>
#include <string_view>

#include "serve/probe_history.hpp"

namespace reachprobe::serve {

// The HTML landing page: links to Metrics and Configuration, then the recent probes, newest
// first, each linking to its debug output. Links start with `link_prefix` ("/" or "/a/b/").
std::string landing_page(const ProbeHistory& history, const std::string& link_prefix);

}  // namespace reachprobe::serve
