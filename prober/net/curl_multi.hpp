#pragma once
#include <curl/curl.h>

#include <map>
#include <memory>
#include <unordered_map>

#include "engine/asio.hpp"
#include "engine/deadline.hpp"

namespace reachprobe::net_io {

// One CURLM driven by the io_context through the multi-socket API: curl says which sockets
// to watch and when to time out; Asio waits and reports back. Never curl_easy_perform, never a
// thread per transfer. curl owns its sockets; Asio only waits on non-owning descriptors that
// are released (never closed) before curl closes them (CURLOPT_CLOSESOCKETFUNCTION).
class CurlMulti {
 public:
  explicit CurlMulti(net::any_io_executor executor);
  ~CurlMulti();
  CurlMulti(const CurlMulti&) = delete;
  CurlMulti& operator=(const CurlMulti&) = delete;

  // Runs a configured easy handle until it completes or the deadline passes; on the deadline
  // the transfer is aborted (its sockets closed) and CURLE_OPERATION_TIMEDOUT returned.
  net::awaitable<CURLcode> perform(CURL* easy, engine::Deadline deadline);

  // Installs the socket-close hook a transfer needs so the watch is dropped before the close.
  void adopt_sockets(CURL* easy);

  void shutdown();

  // Makes the multi handle (loading libcurl, curl_library.hpp); the first transfer does it
  // when nothing did before, so a `check` without a transfer never loads libcurl. `serve`
  // starts it at start-up: its descriptors exist before the first probe, and the first
  // http_2xx probe does not pay for the load. False when libcurl cannot be used.
  bool start();

 private:
  struct Watch;
  struct Pending;
  static int on_socket(CURL* easy, curl_socket_t fd, int what, void* self, void* socket_data);
  static int on_timer(CURLM* multi, long timeout_ms, void* self);
  static int on_close_socket(void* self, curl_socket_t fd);
  void arm(curl_socket_t fd);
  void forget(curl_socket_t fd);
  void action(curl_socket_t fd, int events);
  void collect_done();

  net::any_io_executor executor_;
  CURLM* multi_ = nullptr;
  bool stopped_ = false;  // after shutdown() no transfer starts
  net::steady_timer timer_;
  std::unordered_map<curl_socket_t, std::unique_ptr<Watch>> watches_;
  std::unordered_map<CURL*, std::shared_ptr<Pending>> pending_;
};

}  // namespace reachprobe::net_io
