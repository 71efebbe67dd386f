// The curl_* functions of this program, forwarded to libcurl.so.4 loaded on first use (see
// curl_library.hpp). Only the functions the program calls are here; a new call to another one
// fails at link time, which is the reminder to add it.
#define CURL_DISABLE_TYPECHECK  // the type-checking macros would rename the definitions below
#include "net/curl_library.hpp"

#include <curl/curl.h>

#include <cstdarg>
#include <mutex>

#include "targets/shared_library.hpp"

namespace reachprobe::net_io {
namespace {

struct CurlLibrary {
  targets::SharedLibrary so{"libcurl.so.4"};
  std::string error;
  CURLcode (*global_init)(long) = nullptr;
  CURL* (*easy_init)() = nullptr;
  void (*easy_cleanup)(CURL*) = nullptr;
  CURLcode (*easy_setopt)(CURL*, CURLoption, ...) = nullptr;
  CURLcode (*easy_getinfo)(CURL*, CURLINFO, ...) = nullptr;
  const char* (*easy_strerror)(CURLcode) = nullptr;
  curl_slist* (*slist_append)(curl_slist*, const char*) = nullptr;
  void (*slist_free_all)(curl_slist*) = nullptr;
  CURLM* (*multi_init)() = nullptr;
  CURLMcode (*multi_setopt)(CURLM*, CURLMoption, ...) = nullptr;
  CURLMcode (*multi_add_handle)(CURLM*, CURL*) = nullptr;
  CURLMcode (*multi_remove_handle)(CURLM*, CURL*) = nullptr;
  CURLMcode (*multi_socket_action)(CURLM*, curl_socket_t, int, int*) = nullptr;
  CURLMsg* (*multi_info_read)(CURLM*, int*) = nullptr;
  CURLMcode (*multi_cleanup)(CURLM*) = nullptr;

  template <typename F>
  bool bind(const char* name, F& slot) {
    slot = reinterpret_cast<F>(so.symbol(name));
    if (slot == nullptr && error.empty()) error = std::string("libcurl.so.4 has no ") + name;
    return slot != nullptr;
  }
};

// Loaded once, on the first call of any of the functions below; never unloaded.
const CurlLibrary& library() {
  static CurlLibrary lib;
  static std::once_flag once;
  std::call_once(once, [] {
    if (!lib.so.loaded()) {
      lib.error = lib.so.error();
      return;
    }
    bool ok = lib.bind("curl_global_init", lib.global_init);
    ok = lib.bind("curl_easy_init", lib.easy_init) && ok;
    ok = lib.bind("curl_easy_cleanup", lib.easy_cleanup) && ok;
    ok = lib.bind("curl_easy_setopt", lib.easy_setopt) && ok;
    ok = lib.bind("curl_easy_getinfo", lib.easy_getinfo) && ok;
    ok = lib.bind("curl_easy_strerror", lib.easy_strerror) && ok;
    ok = lib.bind("curl_slist_append", lib.slist_append) && ok;
    ok = lib.bind("curl_slist_free_all", lib.slist_free_all) && ok;
    ok = lib.bind("curl_multi_init", lib.multi_init) && ok;
    ok = lib.bind("curl_multi_setopt", lib.multi_setopt) && ok;
    ok = lib.bind("curl_multi_add_handle", lib.multi_add_handle) && ok;
    ok = lib.bind("curl_multi_remove_handle", lib.multi_remove_handle) && ok;
    ok = lib.bind("curl_multi_socket_action", lib.multi_socket_action) && ok;
    ok = lib.bind("curl_multi_info_read", lib.multi_info_read) && ok;
    ok = lib.bind("curl_multi_cleanup", lib.multi_cleanup) && ok;
    if (!ok) lib.global_init = nullptr;  // one missing symbol: the library is not usable
  });
  return lib;
}

// The one argument after an option is read as the type its number range says (curl.h's
// CURLOPTTYPE_*, shared by easy and multi options) and passed on as that type.
template <typename R, typename H, typename O>
R forward_option(R (*fn)(H*, O, ...), H* handle, O option, va_list& args) {
  if (option < CURLOPTTYPE_OBJECTPOINT) return fn(handle, option, va_arg(args, long));
  if (option >= CURLOPTTYPE_OFF_T && option < CURLOPTTYPE_BLOB)
    return fn(handle, option, va_arg(args, curl_off_t));
  return fn(handle, option, va_arg(args, void*));
}

bool usable() {
  return library().global_init != nullptr;
}

}  // namespace

std::optional<std::string> curl_library_error() {
  if (usable()) return std::nullopt;
  return library().error;
}

}  // namespace reachprobe::net_io

using reachprobe::net_io::forward_option;
using reachprobe::net_io::library;
using reachprobe::net_io::usable;

// Every function answers as libcurl does for a library that failed to initialise when the
// shared object is missing: errors and null handles, never a crash.
extern "C" {

CURLcode curl_global_init(long flags) {
  return usable() ? library().global_init(flags) : CURLE_FAILED_INIT;
}

CURL* curl_easy_init(void) {
  return usable() ? library().easy_init() : nullptr;
}

void curl_easy_cleanup(CURL* easy) {
  if (usable()) library().easy_cleanup(easy);
}

CURLcode curl_easy_setopt(CURL* easy, CURLoption option, ...) {
  if (!usable()) return CURLE_FAILED_INIT;
  va_list args;
  va_start(args, option);
  CURLcode result = forward_option(library().easy_setopt, easy, option, args);
  va_end(args);
  return result;
}

CURLcode curl_easy_getinfo(CURL* easy, CURLINFO info, ...) {
  if (!usable()) return CURLE_FAILED_INIT;
  va_list args;
  va_start(args, info);
  CURLcode result = library().easy_getinfo(easy, info, va_arg(args, void*));  // always a pointer
  va_end(args);
  return result;
}

const char* curl_easy_strerror(CURLcode code) {
  return usable() ? library().easy_strerror(code) : "libcurl could not be loaded";
}

curl_slist* curl_slist_append(curl_slist* list, const char* text) {
  return usable() ? library().slist_append(list, text) : nullptr;
}

void curl_slist_free_all(curl_slist* list) {
  if (usable()) library().slist_free_all(list);
}

CURLM* curl_multi_init(void) {
  return usable() ? library().multi_init() : nullptr;
}

CURLMcode curl_multi_setopt(CURLM* multi, CURLMoption option, ...) {
  if (!usable()) return CURLM_INTERNAL_ERROR;
  va_list args;
  va_start(args, option);
  CURLMcode result = forward_option(library().multi_setopt, multi, option, args);
  va_end(args);
  return result;
}

CURLMcode curl_multi_add_handle(CURLM* multi, CURL* easy) {
  return usable() ? library().multi_add_handle(multi, easy) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_remove_handle(CURLM* multi, CURL* easy) {
  return usable() ? library().multi_remove_handle(multi, easy) : CURLM_INTERNAL_ERROR;
}

CURLMcode curl_multi_socket_action(CURLM* multi, curl_socket_t fd, int events, int* running) {
  return usable() ? library().multi_socket_action(multi, fd, events, running)
                  : CURLM_INTERNAL_ERROR;
}

CURLMsg* curl_multi_info_read(CURLM* multi, int* left) {
  return usable() ? library().multi_info_read(multi, left) : nullptr;
}

CURLMcode curl_multi_cleanup(CURLM* multi) {
  return usable() ? library().multi_cleanup(multi) : CURLM_INTERNAL_ERROR;
}

}  // extern "C"
