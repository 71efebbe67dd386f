#pragma once

namespace reachprobe::cli {

// Makes the capabilities this process was granted (permitted) effective. The container image
// gives the binary `cap_net_raw+p` rather than `+ep`: with the effective bit set, exec fails
// outright when the container's bounding set lacks NET_RAW (`--cap-drop=ALL`), whereas a
// permitted-only capability is simply absent there, and ICMP falls back to ping sockets
// (`net.ipv4.ping_group_range`). Does nothing when nothing more is permitted than effective.
void raise_permitted_capabilities() noexcept;

}  // namespace reachprobe::cli
