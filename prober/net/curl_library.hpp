#pragma once
#include <optional>
#include <string>

namespace reachprobe::net_io {

// libcurl is loaded with dlopen() the first time a transfer needs it, not linked: its shared
// object and the twenty it pulls in (GnuTLS, Kerberos, LDAP, nghttp2, ...) were half of the
// process's start-up (about 2.5 ms of a 11 ms `check`), paid by every ICMP and TCP probe that
// never makes a transfer. curl_library.cpp defines the curl_* functions this program calls and
// forwards each to the loaded library.

// Why libcurl could not be loaded ("libcurl.so.4: cannot open shared object file"), once a
// load was tried and failed; nullopt while it is loaded or not yet needed.
std::optional<std::string> curl_library_error();

}  // namespace reachprobe::net_io
