#include "web_fixture.hpp"

#include <unistd.h>

#include <array>
#include <cctype>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iomanip>
#include <sstream>
#include <stdexcept>

namespace reachprobe::lab {
namespace {

namespace fs = std::filesystem;

// The gRPC health server's path, or "" when grpc++ was missing at configure time.
#ifdef GRPC_HEALTH_SERVER
constexpr const char* kGrpcServer = GRPC_HEALTH_SERVER;
#else
constexpr const char* kGrpcServer = "";
#endif

constexpr std::array<int, 13> kAllPorts = {
    kGarbage, kWebHttp,  kWebHttps, kWebExpired, kWebWrongName, kWebUntrusted, kEndless,
    kDrip,    kMidClose, kSmtp,     kDnsOverTls, kGrpcPlain,    kGrpcTls};

bool OnPath(const char* tool) {
  return RunArgv({"sh", "-c", std::string("command -v ") + tool}, std::chrono::seconds(5))
             .exit_code == 0;
}

// A certificate's notAfter as unix time, read back with openssl rather than trusted from the
// command line that made it.
std::int64_t NotAfter(const std::string& cert) {
  // "notAfter=2027-11-23 10:15:09Z"
  const std::string line =
      Must({"openssl", "x509", "-noout", "-enddate", "-dateopt", "iso_8601", "-in", cert});
  std::tm tm{};
  std::istringstream in(line.substr(line.find('=') + 1));
  in >> std::get_time(&tm, "%Y-%m-%d %H:%M:%S");
  if (in.fail()) throw std::runtime_error("cannot parse the notAfter of " + cert + ": " + line);
  return std::int64_t{timegm(&tm)};
}

// Config text: one line per element.
std::string Lines(std::initializer_list<std::string> lines) {
  std::string out;
  for (const auto& line : lines) out += line + "\n";
  return out;
}

// Extensions of a leaf as a public CA issues them (serverAuth, SANs), so that only the one
// fault a port is for can fail verification.
std::string LeafSection(const std::string& name, const std::string& sans) {
  return Lines({"[" + name + "]", "basicConstraints = critical, CA:FALSE",
                "keyUsage = critical, digitalSignature", "extendedKeyUsage = serverAuth",
                "subjectKeyIdentifier = hash", "authorityKeyIdentifier = keyid",
                "subjectAltName = " + sans});
}

// openssl's config for every certificate of the lab.
std::string OpensslConfig(const std::string& dir) {
  return Lines({"[req]", "distinguished_name = dn", "prompt = no", "[dn]", "CN = unused",
                "[ca_ext]", "basicConstraints = critical, CA:TRUE",
                "keyUsage = critical, keyCertSign, cRLSign", "subjectKeyIdentifier = hash"}) +
         LeafSection("web_ext", "DNS:web.lab, IP:198.18.3.2") +
         LeafSection("other_ext", "DNS:other.lab") +
         // `openssl ca` is only for the expired certificate: unlike `x509 -req` it takes an
         // explicit start and end date, so no clock needs faking.
         Lines({"[ca]", "default_ca = lab_ca", "[lab_ca]", "database = " + dir + "/index.txt",
                "new_certs_dir = " + dir, "serial = " + dir + "/serial", "default_md = sha256",
                "policy = any_name", "unique_subject = no", "[any_name]", "commonName = supplied"});
}

// kWebRootBody as an nginx string literal body (nginx unescapes \n in quoted strings).
std::string NginxEscaped(const std::string& text) {
  std::string out;
  for (const char c : text) out += c == '\n' ? std::string("\\n") : std::string(1, c);
  return out;
}

// The same locations on every port, plain or TLS.
std::string Locations() {
  return Lines({"    location = /health { return 200 \"ok\"; }",
                "    location = /broken { return 500 \"broken\\n\"; }",
                "    location = / { return 200 \"" + NginxEscaped(kWebRootBody) + "\"; }",
                "    location / { return 404; }"});
}

std::string Listen(int port, const std::string& options = "") {
  return "    listen " + std::string(kWebIp) + ":" + std::to_string(port) + options + ";\n";
}

std::string TlsServer(int port, const std::string& cert, const std::string& key) {
  return "  server {\n" + Listen(port, " ssl") +
         Lines({"    ssl_certificate " + cert + ";", "    ssl_certificate_key " + key + ";"}) +
         Locations() + "  }\n";
}

// A gRPC message frame (uncompressed, big-endian length) holding a HealthCheckRequest.
std::string HealthRequestFrame(const std::string& service) {
  std::string message;
  if (!service.empty()) {  // field 1 (service), length-delimited; names here are < 128 bytes
    message += '\x0a';
    message += static_cast<char>(service.size());
    message += service;
  }
  std::string frame(4, '\0');
  frame += static_cast<char>(message.size());
  return frame + message;
}

std::string Hex(const std::string& bytes) {
  std::ostringstream out;
  for (const char c : bytes) {
    out << std::hex << std::setw(2) << std::setfill('0')
        << static_cast<int>(static_cast<unsigned char>(c));
  }
  return out.str();
}

}  // namespace

std::string MissingWebPrerequisite() {
  for (const char* tool : {"nginx", "openssl", "curl"}) {
    if (!OnPath(tool)) return std::string("the web lab needs '") + tool + "' in PATH";
  }
  return "";
}

std::string MissingGrpcServer() {
  if (*kGrpcServer == '\0') {
    return "grpc++ was not found at configure time (libgrpc++-dev): no gRPC health server";
  }
  if (access(kGrpcServer, X_OK) != 0) {
    return std::string("the gRPC health server was not built: ") + kGrpcServer;
  }
  return "";
}

WebLab::WebLab(Lab& lab) : lab_(lab), dir_(lab.scratch_dir() + "/web") {
  fs::create_directories(dir_ + "/tmp");
  GenerateCertificates();
  WriteNginxConfig();
  Start();
}

void WebLab::GenerateCertificates() {
  const std::string config = dir_ + "/openssl.cnf";
  WriteFile(config, OpensslConfig(dir_));
  WriteFile(dir_ + "/index.txt", "");
  WriteFile(dir_ + "/serial", "1000\n");

  auto key = [this](const std::string& name) {
    const std::string path = dir_ + "/" + name + ".key";
    Must({"openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out",
          path});
    return path;
  };
  auto make_ca = [&](const std::string& name, const std::string& common_name) {
    Must({"openssl", "req", "-x509", "-new", "-key", key(name), "-subj", "/CN=" + common_name,
          "-days", "3650", "-config", config, "-extensions", "ca_ext", "-out",
          dir_ + "/" + name + ".pem"});
  };
  auto csr = [&](const std::string& name, const std::string& common_name) {
    const std::string path = dir_ + "/" + name + ".csr";
    Must({"openssl", "req", "-new", "-key", key(name), "-subj", "/CN=" + common_name, "-config",
          config, "-out", path});
    return path;
  };
  int serial = 1;
  auto sign = [&](const std::string& name, const std::string& common_name,
                  const std::string& extensions, const std::string& ca) {
    Must({"openssl", "x509", "-req", "-in", csr(name, common_name), "-CA", dir_ + "/" + ca + ".pem",
          "-CAkey", dir_ + "/" + ca + ".key", "-set_serial", std::to_string(++serial), "-days",
          "365", "-extfile", config, "-extensions", extensions, "-out",
          dir_ + "/" + name + ".pem"});
  };

  make_ca("ca", "reachprobe lab CA");
  make_ca("rogue-ca", "reachprobe lab rogue CA");  // never given to the client
  sign("web", "web.lab", "web_ext", "ca");
  sign("other", "other.lab", "other_ext", "ca");
  sign("untrusted", "web.lab", "web_ext", "rogue-ca");
  Must({"openssl",     "ca",
        "-batch",      "-notext",
        "-config",     config,
        "-cert",       dir_ + "/ca.pem",
        "-keyfile",    dir_ + "/ca.key",
        "-in",         csr("expired", "web.lab"),
        "-extensions", "web_ext",
        "-startdate",  "20200101000000Z",
        "-enddate",    "20200201000000Z",
        "-out",        dir_ + "/expired.pem"});

  ca_file_ = dir_ + "/ca.pem";
  valid_not_after_ = NotAfter(dir_ + "/web.pem");
  const std::int64_t expired = NotAfter(dir_ + "/expired.pem");
  if (expired != kExpiredNotAfter || expired >= std::int64_t{std::time(nullptr)}) {
    throw std::runtime_error("the expired certificate ends at " + std::to_string(expired) +
                             ", not at " + std::to_string(kExpiredNotAfter));
  }
}

void WebLab::WriteNginxConfig() {
  std::string temp_paths;
  for (const char* kind : {"client_body", "proxy", "fastcgi", "uwsgi", "scgi"}) {
    temp_paths += "  " + std::string(kind) + "_temp_path " + dir_ + "/tmp/" + kind + ";\n";
  }
  const std::string config =
      Lines({// Workers as root: everything nginx touches lives in root's scratch directory.
             "user root;", "worker_processes 1;", "pid " + dir_ + "/nginx.pid;",
             "error_log " + dir_ + "/nginx-error.log info;", "events { worker_connections 512; }",
             "http {", "  access_log " + dir_ + "/nginx-access.log;", "  default_type text/plain;",
             // nginx 1.22 leaves TLS 1.3 off unless asked.
             "  ssl_protocols TLSv1.2 TLSv1.3;"}) +
      temp_paths + "  server {\n" + Listen(kWebHttp) +
      // The plain server on the target's IPv6 address too, for the IPv6 differential cases.
      "    listen [" + std::string(kWebIp6) + "]:" + std::to_string(kWebHttp) + ";\n" +
      Listen(kWebHttps, " ssl http2") +
      Lines({"    ssl_certificate " + dir_ + "/web.pem;",
             "    ssl_certificate_key " + dir_ + "/web.key;"}) +
      Locations() + "  }\n" + TlsServer(kWebExpired, dir_ + "/expired.pem", dir_ + "/expired.key") +
      TlsServer(kWebWrongName, dir_ + "/other.pem", dir_ + "/other.key") +
      TlsServer(kWebUntrusted, dir_ + "/untrusted.pem", dir_ + "/untrusted.key") + "}\n";
  WriteFile(dir_ + "/nginx.conf", config);
}

void WebLab::Start() {
  // The Lab's accept-and-close listeners hold 198.18.3.2:80 and [2001:2:0:3::2]:80, which
  // nginx needs.
  lab_.stop(lab_.listeners_pid());
  lab_.stop(lab_.listeners6_pid());
  // -e: the error log before the config is read (the default is under /var/log).
  lab_.spawn(Node::kTarget,
             "nginx -p " + dir_ + "/ -c " + dir_ + "/nginx.conf -e " + dir_ +
                 "/nginx-error.log -g 'daemon off;'",
             "nginx");
  const std::string ip = kWebIp;
  const bool grpc = MissingGrpcServer().empty();
  if (grpc) {
    lab_.spawn(Node::kTarget,
               std::string(kGrpcServer) + " --insecure " + ip + ":" + std::to_string(kGrpcPlain) +
                   " --tls " + ip + ":" + std::to_string(kGrpcTls) + " --cert " + dir_ +
                   "/web.pem --key " + dir_ + "/web.key",
               "grpc");
  }
  lab_.spawn(Node::kTarget,
             "env LAB_TLS_CERT=" + dir_ + "/web.pem LAB_TLS_KEY=" + dir_ + "/web.key " +
                 LabToolCommand("lab_server.py") + " " + ip +
                 " endless:" + std::to_string(kEndless) + " drip:" + std::to_string(kDrip) +
                 " midclose:" + std::to_string(kMidClose) + " smtp:" + std::to_string(kSmtp) +
                 " dot:" + std::to_string(kDnsOverTls) + " garbage:" + std::to_string(kGarbage),
             "web-peers");

  std::string wait = "wait --timeout 10 --dns 198.18.1.1 web.lab --tcp";
  for (const int port : kAllPorts) {
    if (!grpc && (port == kGrpcPlain || port == kGrpcTls)) continue;
    wait += " " + ip + ":" + std::to_string(port);
  }
  wait += " [" + std::string(kWebIp6) + "]:" + std::to_string(kWebHttp);
  const std::string ready = lab_.netprobe(wait);
  if (ready != "ready") throw std::runtime_error("web lab did not come up: " + ready + Logs());
}

CmdResult WebLab::Curl(const std::string& url, const std::vector<std::string>& args,
                       double max_seconds) {
  std::vector<std::string> argv = {"ip", "netns", "exec", lab_.ns(Node::kProber), "curl", "-sS",
                                   "--noproxy", "*", "--max-time", std::to_string(max_seconds),
                                   "--cacert", ca_file_,
                                   // Any host, any port: to 198.18.3.2, the port unchanged.
                                   "--connect-to", std::string("::") + kWebIp + ":"};
  argv.insert(argv.end(), args.begin(), args.end());
  argv.push_back(url);
  const auto deadline = std::chrono::milliseconds(static_cast<long>(max_seconds * 1000) + 5000);
  return RunArgv(argv, deadline);
}

std::string WebLab::CurlGrpcHealth(int port, const std::string& service, bool tls) {
  const std::string request = dir_ + "/grpc-request-" + service + ".bin";
  const std::string response = dir_ + "/grpc-response.bin";
  WriteFile(request, HealthRequestFrame(service));
  fs::remove(response);
  const std::string url = std::string(tls ? "https://web.lab:" : "http://198.18.3.2:") +
                          std::to_string(port) + "/grpc.health.v1.Health/Check";
  // -D -: response headers and then the trailers (where grpc-status usually is) on stdout.
  const CmdResult r = Curl(url, {tls ? "--http2" : "--http2-prior-knowledge", "-X", "POST", "-H",
                                 "content-type: application/grpc", "-H", "te: trailers",
                                 "--data-binary", "@" + request, "-D", "-", "-o", response});
  if (r.exit_code != 0) return "curl exit " + std::to_string(r.exit_code) + ": " + r.stderr_text;
  std::string status = "none";
  std::istringstream headers(r.stdout_text);
  for (std::string line; std::getline(headers, line);) {
    if (line.rfind("grpc-status:", 0) != 0) continue;
    status = line.substr(std::string("grpc-status:").size());
    status.erase(0, status.find_first_not_of(' '));
    while (!status.empty() && std::isspace(static_cast<unsigned char>(status.back()))) {
      status.pop_back();
    }
  }
  const std::string body = ReadFile(response);
  return "grpc-status " + status + " body " + Hex(body.size() > 5 ? body.substr(5) : "");
}

std::string WebLab::Logs() const {
  // log_tail() takes names relative to the scratch directory, without ".log".
  return "\n--- nginx log:\n" + lab_.log_tail("nginx") + "\n--- nginx error log:\n" +
         lab_.log_tail("web/nginx-error") + "\n--- gRPC server log:\n" + lab_.log_tail("grpc") +
         "\n--- hostile HTTP peers log:\n" + lab_.log_tail("web-peers");
}

}  // namespace reachprobe::lab
