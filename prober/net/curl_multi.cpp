#include "net/curl_multi.hpp"

#include <unistd.h>

namespace reachprobe::net_io {

struct CurlMulti::Watch {
  Watch(net::any_io_executor executor, curl_socket_t fd) : descriptor(std::move(executor), fd) {}
  net::posix::stream_descriptor descriptor;
  bool want_read = false;
  bool want_write = false;
  bool read_armed = false;
  bool write_armed = false;
};

struct CurlMulti::Pending {
  explicit Pending(net::any_io_executor executor) : wake(std::move(executor)) {}
  std::optional<CURLcode> result;
  net::steady_timer wake;
};

namespace {

bool ensure_curl() {
  static const CURLcode status = curl_global_init(CURL_GLOBAL_DEFAULT);
  return status == CURLE_OK;
}

}  // namespace

CurlMulti::CurlMulti(net::any_io_executor executor) : executor_(executor), timer_(executor) {}

bool CurlMulti::start() {
  if (multi_ != nullptr) return true;
  if (stopped_ || !ensure_curl()) return false;
  multi_ = curl_multi_init();
  if (multi_ == nullptr) return false;
  curl_multi_setopt(multi_, CURLMOPT_SOCKETFUNCTION, &CurlMulti::on_socket);
  curl_multi_setopt(multi_, CURLMOPT_SOCKETDATA, this);
  curl_multi_setopt(multi_, CURLMOPT_TIMERFUNCTION, &CurlMulti::on_timer);
  curl_multi_setopt(multi_, CURLMOPT_TIMERDATA, this);
  return true;
}

CurlMulti::~CurlMulti() {
  shutdown();
}

void CurlMulti::shutdown() {
  stopped_ = true;
  if (multi_ == nullptr) return;
  timer_.cancel();
  for (auto& [easy, pending] : pending_) curl_multi_remove_handle(multi_, easy);
  pending_.clear();
  for (auto& [fd, watch] : watches_) {
    boost::system::error_code ignored;
    watch->descriptor.cancel(ignored);
    watch->descriptor.release();
  }
  watches_.clear();
  curl_multi_cleanup(multi_);
  multi_ = nullptr;
}

void CurlMulti::adopt_sockets(CURL* easy) {
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETFUNCTION, &CurlMulti::on_close_socket);
  curl_easy_setopt(easy, CURLOPT_CLOSESOCKETDATA, this);
}

int CurlMulti::on_close_socket(void* self, curl_socket_t fd) {
  static_cast<CurlMulti*>(self)->forget(fd);
  return close(fd);
}

int CurlMulti::on_socket(CURL* /*easy*/, curl_socket_t fd, int what, void* self, void*) {
  auto* me = static_cast<CurlMulti*>(self);
  if (what == CURL_POLL_REMOVE) {
    me->forget(fd);
    return 0;
  }
  auto it = me->watches_.find(fd);
  if (it == me->watches_.end()) {
    it = me->watches_.emplace(fd, std::make_unique<Watch>(me->executor_, fd)).first;
  }
  it->second->want_read = what == CURL_POLL_IN || what == CURL_POLL_INOUT;
  it->second->want_write = what == CURL_POLL_OUT || what == CURL_POLL_INOUT;
  me->arm(fd);
  return 0;
}

int CurlMulti::on_timer(CURLM*, long timeout_ms, void* self) {
  auto* me = static_cast<CurlMulti*>(self);
  if (timeout_ms < 0) {
    me->timer_.cancel();
    return 0;
  }
  // Never call back into curl from inside its callback: let the io_context run it.
  me->timer_.expires_after(std::chrono::milliseconds(timeout_ms));
  me->timer_.async_wait([me](boost::system::error_code ec) {
    if (ec == net::error::operation_aborted || me->multi_ == nullptr) return;
    me->action(CURL_SOCKET_TIMEOUT, 0);
  });
  return 0;
}

void CurlMulti::forget(curl_socket_t fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  boost::system::error_code ignored;
  it->second->descriptor.cancel(ignored);
  it->second->descriptor.release();
  watches_.erase(it);
}

void CurlMulti::arm(curl_socket_t fd) {
  auto it = watches_.find(fd);
  if (it == watches_.end()) return;
  Watch* w = it->second.get();
  // Handlers check the watch is still the same object: curl may have closed the fd and a new
  // socket may have the same number by the time they run.
  auto still = [this, fd, w] {
    auto found = watches_.find(fd);
    return found != watches_.end() && found->second.get() == w;
  };
  if (w->want_read && !w->read_armed) {
    w->read_armed = true;
    w->descriptor.async_wait(net::posix::descriptor_base::wait_read,
                             [this, fd, w, still](boost::system::error_code ec) {
                               if (ec == net::error::operation_aborted || !still()) return;
                               w->read_armed = false;
                               action(fd, CURL_CSELECT_IN);
                               if (still()) arm(fd);
                             });
  }
  if (w->want_write && !w->write_armed) {
    w->write_armed = true;
    w->descriptor.async_wait(net::posix::descriptor_base::wait_write,
                             [this, fd, w, still](boost::system::error_code ec) {
                               if (ec == net::error::operation_aborted || !still()) return;
                               w->write_armed = false;
                               action(fd, CURL_CSELECT_OUT);
                               if (still()) arm(fd);
                             });
  }
}

void CurlMulti::action(curl_socket_t fd, int events) {
  if (multi_ == nullptr) return;
  int running = 0;
  curl_multi_socket_action(multi_, fd, events, &running);
  collect_done();
}

void CurlMulti::collect_done() {
  int left = 0;
  while (CURLMsg* msg = curl_multi_info_read(multi_, &left)) {
    if (msg->msg != CURLMSG_DONE) continue;
    CURL* easy = msg->easy_handle;
    CURLcode code = msg->data.result;
    auto it = pending_.find(easy);
    if (it == pending_.end()) continue;
    it->second->result = code;
    it->second->wake.cancel();
  }
}

net::awaitable<CURLcode> CurlMulti::perform(CURL* easy, engine::Deadline deadline) {
  if (!start()) co_return CURLE_FAILED_INIT;
  auto pending = std::make_shared<Pending>(executor_);
  pending_[easy] = pending;
  curl_multi_add_handle(multi_, easy);  // curl asks for a 0 ms timeout: the timer starts it
  // Removed however this ends: a cancelled probe (its /probe client left) unwinds from the
  // wait below with operation_aborted, and a handle left in the multi keeps its sockets open.
  struct Remove {
    CurlMulti& self;
    CURL* easy;
    ~Remove() {
      self.pending_.erase(easy);
      if (self.multi_ != nullptr) curl_multi_remove_handle(self.multi_, easy);  // aborts, closes
    }
  } remove{*this, easy};
  while (!pending->result && !deadline.is_reached()) {
    pending->wake.expires_at(deadline.when());
    co_await pending->wake.async_wait(use_result);
  }
  co_return pending->result.value_or(CURLE_OPERATION_TIMEDOUT);
}

}  // namespace reachprobe::net_io
