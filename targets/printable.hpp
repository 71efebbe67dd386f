#pragma once
// User text echoed back in errors and logs, made safe for one line of a terminal or a log: a
// target holding a newline must not split its error in two, and bytes that are not UTF-8 must
// not break a JSON log line.
#include <cstddef>
#include <string>
#include <string_view>

namespace reachprobe::targets {

// Length of the well-formed UTF-8 sequence at text[i] (1 for ASCII), or 0 when the bytes there
// are not one (a stray continuation byte, a truncated or overlong sequence, a surrogate, a code
// point past U+10FFFF).
std::size_t utf8_sequence_length(std::string_view text, std::size_t i);

// `text` in double quotes, printable and on one line: \n, \r, \t, \" and \\ as in C, every other
// control byte (C0, DEL, C1, U+2028/U+2029 line separators) and every byte that is not part of
// well-formed UTF-8 as \xNN. Other UTF-8 (an IDN, "café") is kept as it is.
std::string quote_printable(std::string_view text);

// `text` with each byte that is not part of well-formed UTF-8 replaced by U+FFFD, as JSON
// encoders (Go's encoding/json, nlohmann's replace mode) do.
std::string valid_utf8(std::string_view text);

}  // namespace reachprobe::targets
