#include "serve/status_routes.hpp"

#include <charconv>
#include <chrono>
#include <cmath>
#include <ctime>

#include "exporters/status_json.hpp"
#include "exporters/status_page.hpp"

namespace reachprobe::serve {
namespace {

using exporters::HttpRequest;
using exporters::HttpResponse;

constexpr std::size_t kDefaultPerPage = 100;
constexpr std::size_t kMaxPerPage = 1000;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

HttpResponse text(unsigned status, std::string body) {
  return HttpResponse{status, "text/plain; charset=utf-8", std::move(body)};
}

HttpResponse json(const nlohmann::ordered_json& document) {
  return HttpResponse{
      200, "application/json",
      document.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"};
}

HttpResponse html(std::string body) {
  return HttpResponse{200, "text/html; charset=utf-8", std::move(body)};
}

std::optional<std::size_t> positive(const std::string& value, std::size_t fallback) {
  if (value.empty()) return fallback;
  std::size_t n = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || end != value.data() + value.size() || n == 0) return std::nullopt;
  return n;
}

// A time as Prometheus' API takes it: Unix seconds (fractions allowed) or RFC 3339 in UTC
// ("2026-12-03T08:00:00Z", fractions allowed).
std::optional<std::int64_t> parse_time_ms(const std::string& value) {
  double seconds = 0;
  auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec == std::errc() && end == value.data() + value.size() && std::isfinite(seconds))
    return static_cast<std::int64_t>(seconds * 1000);
  std::tm tm{};
  const char* rest = strptime(value.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (rest == nullptr) return std::nullopt;
  double fraction = 0;
  if (*rest == '.') {
    char* after = nullptr;
    fraction = std::strtod(rest, &after);
    rest = after;
  }
  if (std::string(rest) != "Z") return std::nullopt;
  return std::int64_t{timegm(&tm)} * 1000 + static_cast<std::int64_t>(fraction * 1000);
}

// A time parameter of the request, `fallback` when it is absent; nullopt when it is malformed.
std::optional<std::int64_t> time_param(HttpRequest& req, const std::string& name,
                                       std::int64_t fallback) {
  const std::string& value = req.query[name];
  if (value.empty()) return fallback;
  return parse_time_ms(value);
}

std::string banner(const ServeState& state) {
  if (!state.store) return "";
  auto health = state.store->health();
  std::string text = health.problem;  // names the store: "History store unavailable: ..."
  if (health.dropped_runs > 0) {
    text += text.empty() ? "History store: " : "; ";
    text += std::to_string(health.dropped_runs) + " runs not recorded since start-up";
  }
  return text;
}

net::awaitable<history::LongWindows> windows_of(std::shared_ptr<ServeState> state, std::string id) {
  if (!state->store) co_return history::LongWindows{};
  std::vector<std::string> ids;
  ids.push_back(id);
  auto all = co_await state->store->long_windows(std::move(ids));
  history::LongWindows found = all[id];
  co_return found;
}

net::awaitable<HttpResponse> overview(std::shared_ptr<ServeState> state, HttpRequest req,
                                      bool as_json) {
  exporters::StatusOverview view;
  view.filter = {req.query["state"], req.query["module"], req.query["layer"], req.query["label"]};
  const auto& s = view.filter.state;
  if (!s.empty() && s != "up" && s != "down" && s != "unknown")
    co_return text(400, "state must be up, down or unknown\n");
  auto page = positive(req.query["page"], 1);
  auto per_page = positive(req.query["per_page"], kDefaultPerPage);
  if (!page || !per_page) co_return text(400, "page and per_page must be positive integers\n");
  view.per_page = std::min(*per_page, kMaxPerPage);
  view.now_ms = now_ms();
  auto keys = state->board.select(view.filter, view.now_ms);
  view.matched = keys.size();
  view.pages = std::max<std::size_t>(1, (keys.size() + view.per_page - 1) / view.per_page);
  view.page = std::min(*page, view.pages);
  const std::size_t first = (view.page - 1) * view.per_page;
  std::vector<std::string> ids;
  for (std::size_t i = first; i < keys.size() && i < first + view.per_page; ++i) {
    view.rows.push_back({keys[i], {}});
    ids.push_back(keys[i]->info.id);
  }
  if (state->store && !ids.empty()) {
    auto windows = co_await state->store->long_windows(ids);
    // Keys may have been removed while the store answered: rows point into the board, so they
    // are looked up again (a removed key leaves its row out of this page).
    view.rows.clear();
    for (const auto& id : ids) {
      if (const auto* key = state->board.find(id)) view.rows.push_back({key, windows[id]});
    }
  }
  view.counts = state->board.counts();
  view.modules = state->board.modules();
  for (const auto& [layer, n] : view.counts.down_by_layer) view.layers.push_back(layer);
  if (!view.filter.layer.empty() && !view.counts.down_by_layer.contains(view.filter.layer))
    view.layers.push_back(view.filter.layer);
  view.banner = banner(*state);
  view.link_prefix = state->flags.link_prefix;
  if (as_json) co_return json(exporters::status_overview_json(view));
  co_return html(exporters::render_status_overview(view));
}

net::awaitable<HttpResponse> key_page(std::shared_ptr<ServeState> state, std::string id,
                                      bool as_json) {
  exporters::KeyPageView view;
  view.now_ms = now_ms();
  if (state->store) {
    view.history =
        co_await state->store->key_history(id, view.now_ms - 7LL * 86400 * 1000, view.now_ms, 100);
    view.windows = co_await windows_of(state, id);
  }
  view.live = state->board.find(id);  // after the awaits: the key may have gone meanwhile
  if (view.live == nullptr && !view.history.key) co_return text(404, "unknown target id\n");
  view.banner = banner(*state);
  view.link_prefix = state->flags.link_prefix;
  if (as_json) co_return json(exporters::key_json(view));
  co_return html(exporters::render_key_page(view));
}

net::awaitable<HttpResponse> key_history(std::shared_ptr<ServeState> state, std::string id,
                                         HttpRequest req) {
  const std::int64_t now = now_ms();
  auto from = time_param(req, "from", now - 86400 * 1000);
  auto to = time_param(req, "to", now);
  if (!from) co_return text(400, "from: not a Unix time or an RFC 3339 UTC time\n");
  if (!to) co_return text(400, "to: not a Unix time or an RFC 3339 UTC time\n");
  if (*from > *to) co_return text(400, "from is after to\n");
  if (!state->store) co_return text(404, "no history store\n");
  auto history = co_await state->store->key_history(id, *from, *to, 10000);
  if (!history.key) co_return text(404, "unknown target id\n");
  co_return json(exporters::key_history_json(history));
}

bool valid_id(const std::string& id) {
  return id.size() == 16 && id.find_first_not_of("0123456789abcdef") == std::string::npos;
}

}  // namespace

net::awaitable<std::optional<HttpResponse>> route_status(std::shared_ptr<ServeState> state,
                                                         HttpRequest req, std::string path) {
  if (path == "/status" || path == "/status/")
    co_return co_await overview(state, std::move(req), false);
  if (path == "/api/v1/targets") co_return co_await overview(state, std::move(req), true);
  static constexpr std::string_view kPage = "/status/", kApi = "/api/v1/targets/";
  if (path.starts_with(kPage)) {
    std::string id = path.substr(kPage.size());
    if (!valid_id(id)) co_return text(404, "unknown target id\n");
    co_return co_await key_page(state, id, false);
  }
  if (path.starts_with(kApi)) {
    std::string rest = path.substr(kApi.size());
    const std::string suffix = "/history";
    bool history = rest.size() > suffix.size() && rest.ends_with(suffix);
    std::string id = history ? rest.substr(0, rest.size() - suffix.size()) : rest;
    if (!valid_id(id)) co_return text(404, "unknown target id\n");
    if (history) co_return co_await key_history(state, id, std::move(req));
    co_return co_await key_page(state, id, true);
  }
  co_return std::nullopt;
}

}  // namespace reachprobe::serve
