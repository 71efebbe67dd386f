#include "targets/dns_names.hpp"

#include <algorithm>
#include <array>
#include <utility>

namespace reachprobe::targets {
namespace {

// miekg/dns TypeToString (ztypes.go). Its StringToType is the exact reverse, so one table serves
// both directions. Note miekg spells type 23 "NSAP-PTR"; 22 (NSAP) has no mnemonic there.
constexpr auto kTypes = std::to_array<std::pair<std::uint16_t, std::string_view>>({
    {0, "None"},     {1, "A"},           {2, "NS"},           {3, "MD"},         {4, "MF"},
    {5, "CNAME"},    {6, "SOA"},         {7, "MB"},           {8, "MG"},         {9, "MR"},
    {10, "NULL"},    {12, "PTR"},        {13, "HINFO"},       {14, "MINFO"},     {15, "MX"},
    {16, "TXT"},     {17, "RP"},         {18, "AFSDB"},       {19, "X25"},       {20, "ISDN"},
    {21, "RT"},      {23, "NSAP-PTR"},   {24, "SIG"},         {25, "KEY"},       {26, "PX"},
    {27, "GPOS"},    {28, "AAAA"},       {29, "LOC"},         {30, "NXT"},       {31, "EID"},
    {32, "NIMLOC"},  {33, "SRV"},        {34, "ATMA"},        {35, "NAPTR"},     {36, "KX"},
    {37, "CERT"},    {39, "DNAME"},      {41, "OPT"},         {42, "APL"},       {43, "DS"},
    {44, "SSHFP"},   {45, "IPSECKEY"},   {46, "RRSIG"},       {47, "NSEC"},      {48, "DNSKEY"},
    {49, "DHCID"},   {50, "NSEC3"},      {51, "NSEC3PARAM"},  {52, "TLSA"},      {53, "SMIMEA"},
    {55, "HIP"},     {56, "NINFO"},      {57, "RKEY"},        {58, "TALINK"},    {59, "CDS"},
    {60, "CDNSKEY"}, {61, "OPENPGPKEY"}, {62, "CSYNC"},       {63, "ZONEMD"},    {64, "SVCB"},
    {65, "HTTPS"},   {99, "SPF"},        {100, "UINFO"},      {101, "UID"},      {102, "GID"},
    {103, "UNSPEC"}, {104, "NID"},       {105, "L32"},        {106, "L64"},      {107, "LP"},
    {108, "EUI48"},  {109, "EUI64"},     {128, "NXNAME"},     {249, "TKEY"},     {250, "TSIG"},
    {251, "IXFR"},   {252, "AXFR"},      {253, "MAILB"},      {254, "MAILA"},    {255, "ANY"},
    {256, "URI"},    {257, "CAA"},       {258, "AVC"},        {260, "AMTRELAY"}, {261, "RESINFO"},
    {32768, "TA"},   {32769, "DLV"},     {65535, "Reserved"},
});

// miekg/dns ClassToString (msg.go).
constexpr auto kClasses = std::to_array<std::pair<std::uint16_t, std::string_view>>({
    {1, "IN"},
    {2, "CS"},
    {3, "CH"},
    {4, "HS"},
    {254, "NONE"},
    {255, "ANY"},
});

// miekg/dns RcodeToString (msg.go). BADVERS shares 16 with BADSIG and is commented out there,
// so it is neither printed nor accepted as a name.
constexpr auto kRcodes = std::to_array<std::pair<int, std::string_view>>({
    {0, "NOERROR"},  {1, "FORMERR"},    {2, "SERVFAIL"}, {3, "NXDOMAIN"},  {4, "NOTIMP"},
    {5, "REFUSED"},  {6, "YXDOMAIN"},   {7, "YXRRSET"},  {8, "NXRRSET"},   {9, "NOTAUTH"},
    {10, "NOTZONE"}, {11, "DSOTYPENI"}, {16, "BADSIG"},  {17, "BADKEY"},   {18, "BADTIME"},
    {19, "BADMODE"}, {20, "BADNAME"},   {21, "BADALG"},  {22, "BADTRUNC"}, {23, "BADCOOKIE"},
});

template <typename Table>
auto find_number(const Table& table, std::string_view name)
    -> std::optional<typename Table::value_type::first_type> {
  auto it =
      std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.second == name; });
  if (it == table.end()) return std::nullopt;
  return it->first;
}

template <typename Table, typename Number>
std::optional<std::string_view> find_name(const Table& table, Number number) {
  auto it =
      std::find_if(table.begin(), table.end(), [&](const auto& e) { return e.first == number; });
  if (it == table.end()) return std::nullopt;
  return it->second;
}

}  // namespace

std::optional<std::uint16_t> dns_type_from_name(std::string_view name) {
  return find_number(kTypes, name);
}

std::string dns_type_name(std::uint16_t type) {
  if (auto name = find_name(kTypes, type)) return std::string(*name);
  return "TYPE" + std::to_string(type);
}

std::optional<std::uint16_t> dns_class_from_name(std::string_view name) {
  return find_number(kClasses, name);
}

// As miekg's Class.String(): a mnemonic that is also a type name would be ambiguous in
// presentation format. Of the class mnemonics only ANY is (a test checks), so 255 prints CLASS255.
std::string dns_class_name(std::uint16_t klass) {
  auto name = find_name(kClasses, klass);
  if (name && *name != "ANY") return std::string(*name);
  return "CLASS" + std::to_string(klass);
}

// miekg's StringToRcode also accepts the alias NOTIMPL (reverse.go's init).
std::optional<int> dns_rcode_from_name(std::string_view name) {
  if (name == "NOTIMPL") return 4;
  return find_number(kRcodes, name);
}

// miekg prints "" for an unknown rcode; a number is more useful in a report.
std::string dns_rcode_name(int rcode) {
  if (auto name = find_name(kRcodes, rcode)) return std::string(*name);
  return "RCODE" + std::to_string(rcode);
}

}  // namespace reachprobe::targets
