#include "serve/daemon.hpp"

#include <malloc.h>
#include <signal.h>

#include <charconv>
#include <functional>
#include <memory>
#include <utility>

#include "engine/fd_budget.hpp"
#include "exporters/http_server.hpp"
#include "exporters/web_config.hpp"
#include "net/curl_library.hpp"
#include "serve/serve_routes.hpp"
#include "serve/serve_state.hpp"

namespace reachprobe::serve {
namespace {

// A listening socket on --web.listen-address ("[HOST]:PORT"; an empty host is every IPv4
// address). Errors are one line naming the flag or the address.
targets::Expected<net::ip::tcp::acceptor> open_listener(net::io_context& io,
                                                        const std::string& listen) {
  using Result = targets::Expected<net::ip::tcp::acceptor>;
  std::string host = "0.0.0.0";
  std::string port = listen;
  if (auto colon = listen.rfind(':'); colon != std::string::npos) {
    host = listen.substr(0, colon);
    port = listen.substr(colon + 1);
    if (host.empty()) host = "0.0.0.0";
    if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  }
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  unsigned short port_number = 0;
  auto [end, perr] = std::from_chars(port.data(), port.data() + port.size(), port_number);
  if (ec || perr != std::errc() || end != port.data() + port.size()) {
    return Result::failure("flag --web.listen-address: \"" + listen + "\" is not HOST:PORT");
  }
  net::ip::tcp::acceptor acceptor(io);
  net::ip::tcp::endpoint endpoint(address, port_number);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return Result::failure("cannot listen on " + listen + ": " + ec.message());
  return acceptor;
}

// TLS and basic auth from --web.config.file (exporter-toolkit format); none without it.
targets::Expected<exporters::ServerSecurity> load_security(const ServeFlags& flags) {
  using Result = targets::Expected<exporters::ServerSecurity>;
  exporters::ServerSecurity security;
  if (!flags.web_config_file) return security;
  auto web = exporters::load_web_config(*flags.web_config_file);
  if (!web) return Result::failure(web.error());
  if (web->tls()) {
    auto tls = exporters::make_tls_context(*web);
    if (!tls) return Result::failure(tls.error());
    security.tls = *tls;
  }
  if (!web->basic_auth_users.empty()) {
    security.auth = std::make_shared<exporters::BasicAuth>(web->basic_auth_users);
  }
  return security;
}

}  // namespace

int run_daemon(ServeFlags flags, targets::Config config, std::ostream& errors) {
  // A /metrics body of scheduled keys is tens of MB. glibc raises its mmap threshold to the
  // largest block freed (up to 32 MiB), after which such bodies come from the heap and their
  // pages stay in RSS after the scrape; a fixed threshold keeps them mmapped and returned.
  mallopt(M_MMAP_THRESHOLD, 1024 * 1024);
  auto fail = [&errors](const std::string& message) {
    errors << "reachprobe: " << message << "\n";
    return 2;
  };
  // Declared before the state: everything in it (the Services' timers, sockets and channels)
  // must be destroyed while the io_context's services still exist.
  net::io_context io(1);
  auto state = std::make_shared<ServeState>(std::move(flags));
  use_config(*state, std::move(config));
  record_reload(*state, true);

  state->services = std::make_shared<layers::Services>(io.get_executor());
  if (!state->services->curl.start()) {
    state->log.log(exporters::Logger::Level::warn, "libcurl could not be loaded",
                   {{"err", net_io::curl_library_error().value_or("curl_multi_init failed")},
                    {"consequence", "http and grpc probes fail; the other modules work"}});
  }
  // The resolver uses the system configuration, as blackbox_exporter's Go resolver does.
  if (auto resolver = net_io::DnsResolver::create(io.get_executor(), std::nullopt)) {
    state->services->resolver = std::move(resolver).value();
  }
  start_schedule(state);
  auto acceptor = open_listener(io, state->flags.listen);
  if (!acceptor) return fail(acceptor.error());
  auto security = load_security(state->flags);
  if (!security) return fail(security.error());
  state->log.log(exporters::Logger::Level::info, "Listening on address",
                 {{"address", state->flags.listen}, {"route_prefix", state->flags.route_prefix}});
  auto handler = std::make_shared<exporters::HttpHandler>(
      [state](exporters::HttpRequest req) { return route(state, std::move(req)); });
  // One descriptor budget for connections and probes (README "Exporter limits").
  auto budget = engine::FdBudget::from_rlimit(state->flags.max_connections);
  engine::set_process_fd_budget(budget);
  exporters::ServerLimits limits;
  limits.max_connections = budget.max_connections();
  state->log.log(exporters::Logger::Level::info, "File descriptor budget",
                 {{"limit", std::to_string(budget.limit())},
                  {"max_connections", std::to_string(budget.max_connections())},
                  {"probe_reserve", std::to_string(budget.probe_reserve())},
                  {"max_probes", std::to_string(budget.max_probes())}});
  net::co_spawn(io, exporters::serve_http(std::move(acceptor).value(), handler, *security, limits),
                net::detached);

  net::signal_set signals(io, SIGINT, SIGTERM, SIGHUP);
  std::function<void(const boost::system::error_code&, int)> on_signal =
      [&](const boost::system::error_code& error, int signal) {
        if (error) return;
        if (signal == SIGHUP) {
          // Loaded off the loop; reload() logs and never throws, so the result is dropped here.
          net::co_spawn(io, reload(state), net::detached);
          signals.async_wait(on_signal);
          return;
        }
        state->schedule->stop();
        state->services->shutdown();
        io.stop();
      };
  signals.async_wait(on_signal);
  io.run();
  return 0;
}

}  // namespace reachprobe::serve
