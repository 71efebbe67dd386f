#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "engine/asio.hpp"
#include "engine/icmp_error.hpp"
#include "engine/reason.hpp"
#include "engine/rtt_stats.hpp"

namespace reachprobe::engine {

// Layer-specific facts. The classifier reads them; reports print them. One struct per layer.

// A dns module's query to the DNS server under test (blackbox's dns prober).
struct DnsQueryEvidence {
  std::string server;     // "198.18.1.1:53"
  std::string transport;  // "udp", "tcp" or "tcp-tls"
  std::string query_class;
  std::optional<net::ip::address> server_address;
  double resolve_seconds = 0, connect_seconds = 0, request_seconds = 0;
  bool answered = false;  // a response arrived (blackbox's probe_dns_query_succeeded)
  std::vector<std::string> answer, authority, additional;  // records in zone-file text
  std::optional<std::uint32_t> soa_serial;
  bool soa_asked = false;
  std::string failed_check;  // which of valid_rcodes / validate_*_rrs refused the answer
};

struct DnsEvidence {
  std::string name;
  std::string server;       // "system" or the --dns.server value
  std::string query_types;  // "A", "AAAA" or "A+AAAA"
  int rcode = -1;           // of the decisive answer; -1 when no answer arrived
  bool ip_literal = false;  // no query was needed
  std::vector<net::ip::address> addresses;
  // Set for a dns module probing a DNS server. Out of line: it is most of this struct's size,
  // and every report's dns layer pays for the largest evidence type (Boxed below).
  std::shared_ptr<const DnsQueryEvidence> query = {};
};

struct IcmpEvidence {
  std::string socket_kind;  // "raw" or "dgram"; empty when no socket could be opened
  RttStats stats;
  std::optional<int> reply_ttl;
  std::vector<IcmpError> errors;  // unreachable/prohibited answers, with their senders
  std::size_t in_flight = 0;      // cut off by the deadline before their own timeout
  int local_error = 0;            // errno when echoes could not leave this host
};

struct HopStats {
  int ttl = 0;
  std::optional<net::ip::address> address;        // the first address that answered at this TTL
  std::vector<net::ip::address> other_addresses;  // ECMP or route changes
  RttStats stats;
  bool is_destination = false;
};

struct PathEvidence {
  std::string method;  // "tcp-syn" (toward the port) or "icmp-echo" (bare host)
  std::vector<HopStats> hops;
  std::optional<int> destination_ttl;    // TTL at which the target itself answered
  std::optional<IcmpError> unreachable;  // a router (or the target) refused to forward
  std::optional<int> unreachable_ttl;    // probe TTL that drew that error
  std::optional<int> local_error;        // errno when this host failed probes without any ICMP
  std::size_t in_flight = 0;
};

struct TcpEvidence {
  net::ip::address address;
  std::uint16_t port = 0;
  std::optional<IcmpError> icmp;  // the ICMP error that ended the connect, if any
  int error_number = 0;           // errno of the failed connect, 0 on success
  std::string error_text;
  // A tcp module's query_response conversation, when it has one.
  bool connected = false;                    // the connection was accepted (the target answered)
  std::vector<std::string> transcript = {};  // "< line" read, "> line" sent, "starttls"
  std::string expect = {};                   // the expect regexp that was not satisfied
  std::string last_line = {};                // the last line read before giving up
  bool failed_due_to_regex = false;          // an expect met end of stream (blackbox's metric)
  bool conversation_timed_out = false;       // the deadline passed waiting for a line or a write
};

struct SshBannerEvidence {
  std::string banner;    // the server's identification line, e.g. "SSH-2.0-OpenSSH_9.2p1 Debian-2"
  std::string software;  // "OpenSSH_9.2p1"
  std::vector<std::string> pre_banner_lines;  // lines sent before the identification (RFC 4253)
  std::string first_line;                     // what a non-SSH peer said first (not_ssh)
};

struct SshHandshakeEvidence {
  std::string kex;
  std::string cipher;
  std::string hostkey_type;
  std::string fingerprint_sha256;  // "SHA256:..."
  std::string hostkey_check;       // "verified", "mismatch", "not_in_known_hosts", "not_checked"
};

struct SshAuthEvidence {
  std::string user;
  std::vector<std::string> methods;  // offered by the server
  std::string method;                // the one that succeeded or was refused last
};

struct SshExecEvidence {
  std::string command;
  std::optional<int> exit_status;
  std::size_t stdout_bytes = 0;
  std::size_t stderr_bytes = 0;
  bool output_truncated = false;
};

// One thing the host layer found, with the clause the summary says about it.
struct HostFinding {
  Reason reason = Reason::none;  // one of reasons_for(Layer::host)
  std::string text;              // "the neighbour entry of 198.18.3.77 on tr is FAILED"
};

struct HostMount {
  std::string fstype;
  std::string mountpoint;          // as /proc/mounts writes it (octal escapes kept)
  std::optional<int> stat_status;  // exit status of `timeout 2 stat -f`; unset: never returned
  std::optional<double> stat_seconds;
};

struct HostBlockedTask {
  int pid = 0;
  std::string wait_channel;  // /proc/PID/wchan; "-" when the kernel does not show it
  std::string command;
};

// The inside evidence (CONTRACT §8): facts the triage script printed, as the parser read them,
// and the findings the module's thresholds made of them. Unset optionals: not measured.
struct HostEvidence {
  std::string via;             // the side-door ssh:// URL; empty: the target's own login
  std::string client, server;  // the addresses the return route was asked for
  std::string route;           // `ip route get` as printed
  std::string route_device, route_gateway;
  std::string address_device;                 // the interface that holds `server`
  std::string route_error;                    // ip's answer when there is no route back
  std::vector<std::string> failed_neighbors;  // "198.18.3.77 dev tr FAILED"
  std::optional<double> psi_cpu_some_avg10, psi_memory_some_avg10, psi_io_some_avg10,
      psi_io_full_avg10;
  std::optional<double> load1;
  std::optional<int> cpus;
  std::optional<int> blocked_tasks;  // D state in both samples
  std::vector<HostBlockedTask> blocked;
  std::vector<std::string> hung_task_lines;  // kernel lines of the last hour
  std::vector<HostMount> mounts;
  std::optional<int> home_stat_status;
  std::optional<double> home_stat_seconds;
  std::string home;
  std::optional<int> nss_status;
  std::optional<double> nss_seconds;
  std::optional<double> auth_seconds;     // the ssh_auth layer's own time, measured outside
  std::vector<std::string> not_measured;  // "psi_io: /proc/pressure/io not readable"
  std::optional<double> triage_seconds;   // how long the script ran, as the prober saw it
  bool complete = false;                  // the script's end marker arrived
  bool timed_out = false;                 // the triage hung, was refused or was cut off
  bool output_truncated = false;          // more output than the parser keeps
  std::size_t output_bytes = 0;
  std::vector<HostFinding> findings;
};

struct CertificateEvidence {
  std::string subject;
  std::string issuer;
  std::vector<std::string> sans;
  std::int64_t not_after = 0;
  // As blackbox's probe_ssl_last_chain_info labels them.
  std::string subject_rfc2253;
  std::string issuer_rfc2253;
  std::vector<std::string> dns_names;
  std::string fingerprint_sha256;
};

struct TlsEvidence {
  std::string version;  // "TLS 1.3" (blackbox's probe_tls_version_info label)
  std::string cipher;
  std::optional<std::int64_t> earliest_cert_expiry;  // min notAfter over the presented chain
  std::optional<CertificateEvidence> leaf;
  std::string verify_error;  // OpenSSL's text for the first verification failure
  bool verified = false;     // false with --tls.insecure or on failure
};

struct HttpPhases {
  double resolve = 0, connect = 0, tls = 0, processing = 0, transfer = 0;
};

struct HttpEvidence {
  std::string url;
  long status_code = 0;
  std::string http_version;  // "HTTP/1.1", "HTTP/2.0"
  HttpPhases phases;
  std::size_t body_bytes = 0;
  std::int64_t content_length = -1;
  long redirects = 0;
  bool redirect_refused = false;  // a hop outside allowed_targets was not followed
  bool ssl = false;
  std::optional<std::int64_t> last_modified;
  bool failed_due_to_regex = false;
};

struct GrpcEvidence {
  std::string service;
  std::optional<int> grpc_status;  // the RPC's status code
  std::string serving_status;      // UNKNOWN, SERVING, NOT_SERVING, SERVICE_UNKNOWN
  std::string http_version;
};

// A large evidence type kept out of line, immutable once made. Every LayerResult is as large
// as the largest alternative of Evidence: with the host layer's 624 bytes inline it was 720
// bytes, and `serve` keeps the latest report of each of 10,000 scheduled keys. Built
// implicitly from the evidence, so `result.evidence = host_evidence;` is unchanged;
// evidence_of<HostEvidence>() looks inside the box.
template <typename T>
class Boxed {
 public:
  Boxed(T value) : value_(std::make_shared<const T>(std::move(value))) {}  // NOLINT: implicit
  const T& get() const { return *value_; }

 private:
  std::shared_ptr<const T> value_;
};

// The evidence types held in a Boxed (evidence_of needs to know).
template <typename T>
inline constexpr bool kBoxedEvidence =
    std::is_same_v<T, HostEvidence> || std::is_same_v<T, TlsEvidence>;

using Evidence =
    std::variant<std::monostate, DnsEvidence, IcmpEvidence, PathEvidence, TcpEvidence,
                 SshBannerEvidence, SshHandshakeEvidence, SshAuthEvidence, SshExecEvidence,
                 Boxed<HostEvidence>, Boxed<TlsEvidence>, HttpEvidence, GrpcEvidence>;

}  // namespace reachprobe::engine
