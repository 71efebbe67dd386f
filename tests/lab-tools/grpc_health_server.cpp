// A real grpc++ server that answers only the standard health service
// (grpc.health.v1.Health/Check), for the web lab's gRPC scenarios.
//
// Usage: grpc_health_server --insecure ADDR:PORT [--tls ADDR:PORT --cert PEM --key PEM]
//
// Serving status: "" and "svc.ok" SERVING, "svc.down" NOT_SERVING; any other name is unknown
// (NOT_FOUND). Runs in the foreground until killed; the lab fixture owns and kills it.
#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>
#include <grpcpp/health_check_service_interface.h>

namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  if (!in) {
    std::cerr << "grpc_health_server: cannot read " << path << "\n";
    std::exit(2);
  }
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

[[noreturn]] void Usage() {
  std::cerr << "usage: grpc_health_server --insecure ADDR:PORT "
               "[--tls ADDR:PORT --cert PEM --key PEM]\n";
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  std::string insecure, tls, cert, key;
  for (std::size_t i = 0; i + 1 < args.size(); i += 2) {
    const std::string& value = args[i + 1];
    if (args[i] == "--insecure") {
      insecure = value;
    } else if (args[i] == "--tls") {
      tls = value;
    } else if (args[i] == "--cert") {
      cert = value;
    } else if (args[i] == "--key") {
      key = value;
    } else {
      Usage();
    }
  }
  if (args.size() % 2 != 0 || insecure.empty() || (!tls.empty() && (cert.empty() || key.empty())))
    Usage();

  grpc::EnableDefaultHealthCheckService(true);
  grpc::ServerBuilder builder;
  // With only the default health service, grpc++ 1.51 warns that no completion queue is polled
  // and then crashes; a callback service (here one that answers UNIMPLEMENTED) avoids that.
  grpc::CallbackGenericService unimplemented;
  builder.RegisterCallbackGenericService(&unimplemented);
  builder.AddListeningPort(insecure, grpc::InsecureServerCredentials());
  if (!tls.empty()) {
    grpc::SslServerCredentialsOptions options;
    options.pem_key_cert_pairs.push_back({ReadFile(key), ReadFile(cert)});
    builder.AddListeningPort(tls, grpc::SslServerCredentials(options));
  }
  const std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server) {
    std::cerr << "grpc_health_server: cannot listen on " << insecure << " " << tls << "\n";
    return 1;
  }
  grpc::HealthCheckServiceInterface* health = server->GetHealthCheckService();
  health->SetServingStatus("", true);
  health->SetServingStatus("svc.ok", true);
  health->SetServingStatus("svc.down", false);
  std::cerr << "grpc_health_server: serving on " << insecure << " " << tls << std::endl;
  server->Wait();
  return 0;
}
