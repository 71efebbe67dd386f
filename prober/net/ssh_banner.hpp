#pragma once
#include <string>

#include "engine/evidence.hpp"

namespace reachprobe::net_io {

enum class BannerVerdict { waiting, banner, not_ssh };

// Judges the bytes a server sent before the key exchange (RFC 4253 §4.2): the identification
// line ("SSH-..."), lines allowed before it, or something that is not SSH at all (binary data,
// an HTTP status line, or too much text without an identification). Fills the evidence.
// Pure, so hostile input is unit-tested.
BannerVerdict judge_banner(const std::string& seen, engine::SshBannerEvidence& evidence);

}  // namespace reachprobe::net_io
