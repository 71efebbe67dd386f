// Summary sentences for the layers above TCP: SSH, TLS, HTTP and gRPC.
#include "classify/sentence_parts.hpp"
#include "classify/summary.hpp"

namespace reachprobe::classify::detail {

using engine::IcmpEvidence;
using engine::Layer;
using engine::LayerResult;
using engine::PathEvidence;
using engine::ProbeReport;
using engine::Reason;
using engine::Status;

std::string ssh_sentence(const ProbeReport& r, const engine::Verdict& v) {
  const auto* layer = r.find(*v.layer);
  std::string took = layer ? format_seconds(secs(layer->duration)) : "";
  std::string where = endpoint(r);
  std::string detail = layer && !layer->detail.empty() ? " (" + layer->detail + ")" : "";
  switch (v.reason) {
    case Reason::timeout:
      if (*v.layer == Layer::ssh_banner) {
        return "TCP to " + where + " was accepted but no SSH identification line came in " + took +
               ": sshd is overloaded (MaxStartups), hung, or a tarpit holds the port";
      }
      if (*v.layer == Layer::ssh_handshake) {
        return "The SSH key exchange with " + where + " did not finish in " + took +
               ": the server stalls after its banner (CPU starvation or a broken middlebox)";
      }
      if (*v.layer == Layer::ssh_auth) {
        return "The SSH server at " + where + " never answered the authentication request in " +
               took + detail +
               ": its account lookup hangs (PAM, LDAP, SSSD or a stalled "
               "AuthorizedKeysCommand)";
      }
      return "The login to " + where + " worked but the command did not finish in " + took +
             ": the session hangs (hung home directory, NFS, or a D-state host)";
    case Reason::closed:
      return where + " accepted TCP and closed it in " + took +
             " without an SSH identification: sshd refuses this client (tcp_wrappers, "
             "MaxStartups) or is crashing";
    case Reason::not_ssh:
      return "Something other than SSH answers on " + where + detail;
    case Reason::failed:
      return "The SSH key exchange with " + where + " failed" + detail +
             ": client and server share no algorithm, or the server dropped the connection";
    case Reason::hostkey_mismatch:
      return "The host key of " + where + " does not match known_hosts" + detail +
             ": the host was reinstalled, or someone is in the middle";
    case Reason::denied:
      return "The SSH server at " + where + " refused the credentials in " + took + detail;
    case Reason::no_method:
      return "The SSH server at " + where + detail;
    case Reason::exit_status:
    case Reason::output_mismatch:
      return "The SSH login to " + where + " worked but " +
             (layer ? layer->detail : std::string("the command failed"));
    case Reason::channel_refused:
      return "The SSH server at " + where + " accepted the login but refused a session channel" +
             detail;
    default:
      return std::string(engine::to_string(*v.layer)) + " failed" + detail;
  }
}

namespace {

// "key exchange in 2.10 ms" for a layer that worked; "" when it did not run or failed.
std::string phase(const ProbeReport& r, Layer layer, const char* what) {
  const auto* l = r.find(layer);
  if (l == nullptr || l->status != Status::ok) return "";
  return std::string(what) + " in " + format_seconds(secs(l->duration));
}

std::string listed(std::initializer_list<std::string> parts) {
  std::string out;
  for (const auto& p : parts) {
    if (!p.empty()) out += (out.empty() ? "" : ", ") + p;
  }
  return out;
}

// The whole probe's duration also holds the DNS, ICMP and path evidence, so each phase says
// its own layer's time (issue 9: "command done in 1.5 s" when SSH took 0.13 s).
std::string ssh_success(const ProbeReport& r) {
  std::string banner = phase(r, Layer::ssh_banner, "banner");
  std::string kex = phase(r, Layer::ssh_handshake, "key exchange");
  if (const auto* hs = r.find(Layer::ssh_handshake); hs && hs->status == Status::ok) {
    const auto* ev = engine::evidence_of<engine::SshHandshakeEvidence>(*hs);
    if (ev && !ev->hostkey_type.empty()) kex += " (" + ev->hostkey_type + " host key)";
  }
  std::string login = phase(r, Layer::ssh_auth, "login");
  std::string command = phase(r, Layer::ssh_exec, "command done");
  if (!command.empty()) {
    return "SSH to " + endpoint(r) + " works end to end: " + listed({banner, kex, login, command});
  }
  if (!login.empty()) {
    return "SSH to " + endpoint(r) + " accepts the login: " + listed({banner, kex, login});
  }
  if (kex.empty()) return "";
  const auto* banner_layer = r.find(Layer::ssh_banner);
  const auto* ev =
      banner_layer ? engine::evidence_of<engine::SshBannerEvidence>(*banner_layer) : nullptr;
  std::string software = ev && !ev->software.empty() ? ev->software : std::string("SSH");
  return endpoint(r) + " runs " + software + ": " + listed({banner, kex});
}

}  // namespace

std::string application_success(const ProbeReport& r) {
  if (const auto* l = r.find(Layer::http); l && l->status == Status::ok) {
    const auto* http = engine::evidence_of<engine::HttpEvidence>(*l);
    std::string redirects;
    if (http && http->redirects > 0) {
      redirects = " after " + std::to_string(http->redirects) +
                  (http->redirects == 1 ? " redirect" : " redirects");
    }
    std::string tls = phase(r, Layer::tls, "TLS handshake");
    return url_of(r) + " answered" +
           (http && http->status_code ? " HTTP " + std::to_string(http->status_code) : "") +
           " in " + format_seconds(secs(l->duration)) + redirects +
           (tls.empty() ? "" : " (" + tls + ")");
  }
  if (const auto* l = r.find(Layer::grpc); l && l->status == Status::ok) {
    std::string tls = phase(r, Layer::tls, "TLS handshake");
    return "The gRPC health service of " + endpoint(r) + " answered SERVING in " +
           format_seconds(secs(l->duration)) + (tls.empty() ? "" : " (" + tls + ")");
  }
  return ssh_success(r);
}

std::string url_of(const ProbeReport& r) {
  return r.target.text;
}

std::string web_sentence(const ProbeReport& r, const engine::Verdict& v) {
  const auto* layer = r.find(*v.layer);
  std::string detail = layer && !layer->detail.empty() ? " (" + layer->detail + ")" : "";
  std::string took = layer ? format_seconds(secs(layer->duration)) : "";
  const auto* tls_layer = r.find(Layer::tls);
  const auto* tls = tls_layer ? engine::evidence_of<engine::TlsEvidence>(*tls_layer) : nullptr;
  switch (v.reason) {
    case Reason::cert_expired:
      return "The TLS certificate of " + endpoint(r) + " has expired" + detail +
             ": renew it (the handshake itself works)";
    case Reason::cert_untrusted:
      return "The TLS certificate of " + endpoint(r) + " is not trusted" + detail +
             ": wrong CA, self-signed, or an incomplete chain";
    case Reason::hostname_mismatch: {
      std::string names;
      if (tls && tls->leaf) {
        for (const auto& san : tls->leaf->sans) names += (names.empty() ? "" : ", ") + san;
      }
      return "The TLS certificate of " + endpoint(r) + " is not valid for " + r.target.host +
             (names.empty() ? "" : " (it names " + names + ")") +
             ": the wrong certificate is installed, or the name points at the wrong host";
    }
    case Reason::not_tls:
      return endpoint(r) + " does not speak TLS" + detail + ": the port serves plain text";
    case Reason::handshake_failed:
      return "The TLS handshake with " + endpoint(r) + " failed" + detail;
    case Reason::status: {
      const auto* http = layer ? engine::evidence_of<engine::HttpEvidence>(*layer) : nullptr;
      return url_of(r) + " answered" +
             (http && http->status_code ? " HTTP " + std::to_string(http->status_code) : "") +
             " in " + took + ", which the module does not accept" + detail;
    }
    case Reason::body_mismatch:
      return url_of(r) + " answered, but" + detail;
    case Reason::header_mismatch:
      return url_of(r) + " answered, but" + detail;
    case Reason::redirects: {
      const auto* http = layer ? engine::evidence_of<engine::HttpEvidence>(*layer) : nullptr;
      if (http && http->redirect_refused) {
        return url_of(r) + " redirects outside allowed_targets, so the probe stopped" + detail;
      }
      return url_of(r) + " redirects too often" + detail;
    }
    case Reason::closed:
      return endpoint(r) + " closed the connection before a complete answer" + detail;
    case Reason::timeout:
      return (*v.layer == Layer::tls ? "The TLS handshake with " : "The answer from ") +
             endpoint(r) + " did not complete in " + took + detail;
    case Reason::not_serving:
    case Reason::service_unknown:
    case Reason::unimplemented:
    case Reason::rpc_error:
      return "The gRPC health check of " + endpoint(r) + " failed" + detail;
    default:
      return std::string(engine::to_string(*v.layer)) + " failed" + detail;
  }
}

}  // namespace reachprobe::classify::detail
