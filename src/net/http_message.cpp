// Requests, responses, the stream channel and routing: the parts of the server with no I/O.
#include <algorithm>
#include <cctype>
#include <exception>
#include <system_error>

#include "net/http_internal.h"

namespace fl::net {
namespace {

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// A header that would split the response (CR/LF) or that the server frames itself.
bool acceptable_header(std::string_view name, std::string_view value) {
  if (name.empty()) return false;
  for (char c : name) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127 || c == ':') return false;
  }
  for (char c : value) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return !detail::iequals(name, "content-length") && !detail::iequals(name, "transfer-encoding");
}

// Query parameter lookup over the raw target, decoding each name until one matches.
bool find_param(std::string_view target, std::string_view name, std::string* out) {
  auto q = target.find('?');
  if (q == std::string_view::npos) return false;
  std::string_view query = target.substr(q + 1);
  if (auto h = query.find('#'); h != std::string_view::npos) query = query.substr(0, h);
  while (!query.empty()) {
    auto amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{} : query.substr(amp + 1);
    if (pair.empty()) continue;
    auto eq = pair.find('=');
    std::string key = detail::percent_decode(pair.substr(0, eq), true);
    if (key != name) continue;
    if (out) {
      *out = eq == std::string_view::npos ? std::string{}
                                          : detail::percent_decode(pair.substr(eq + 1), true);
    }
    return true;
  }
  return false;
}

}  // namespace

std::string HttpRequest::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (detail::iequals(k, name)) return v;
  }
  return {};
}

bool HttpRequest::has_param(std::string_view name) const {
  return find_param(target, name, nullptr);
}

std::string HttpRequest::param(std::string_view name) const {
  std::string v;
  find_param(target, name, &v);
  return v;
}

StreamWriter::StreamWriter(std::shared_ptr<detail::StreamChannel> channel)
    : channel_(std::move(channel)) {}

bool StreamWriter::write(std::string_view data) { return channel_->write(data); }

PushStream::PushStream(std::shared_ptr<detail::StreamChannel> channel)
    : channel_(std::move(channel)) {}

bool PushStream::send(std::string data) { return channel_->send(std::move(data), true); }
void PushStream::close() { channel_->close(); }
bool PushStream::closed() const { return channel_->closed(); }
void PushStream::on_close(std::function<void()> fn) { channel_->on_close(std::move(fn)); }
void PushStream::set_keepalive(std::chrono::milliseconds every, std::string text) {
  channel_->set_keepalive(every, std::move(text));
}

void HttpResponse::set_header(std::string name, std::string value) {
  if (!acceptable_header(name, value)) return;
  for (auto& [k, v] : headers_) {
    if (detail::iequals(k, name)) {
      v = std::move(value);
      return;
    }
  }
  headers_.emplace_back(std::move(name), std::move(value));
}

std::string HttpResponse::header(std::string_view name) const {
  for (const auto& [k, v] : headers_) {
    if (detail::iequals(k, name)) return v;
  }
  return {};
}

void HttpResponse::set_body(std::string body, std::string content_type) {
  kind_ = Kind::kBody;
  body_ = std::move(body);
  content_type_ = std::move(content_type);
}

void HttpResponse::set_file(std::string path, std::string content_type) {
  kind_ = Kind::kFile;
  body_.clear();
  file_ = std::move(path);
  content_type_ = std::move(content_type);
}

void HttpResponse::set_stream(std::string content_type,
                              std::function<bool(StreamWriter&)> producer) {
  kind_ = Kind::kStream;
  body_.clear();
  content_type_ = std::move(content_type);
  producer_ = std::move(producer);
}

void HttpResponse::set_push_stream(std::string content_type,
                                   std::function<void(std::shared_ptr<PushStream>)> start) {
  kind_ = Kind::kPush;
  body_.clear();
  content_type_ = std::move(content_type);
  push_start_ = std::move(start);
}

namespace detail {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string percent_decode(std::string_view s, bool plus_is_space) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '%' && i + 2 < s.size()) {
      int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

void split_target(std::string_view target, std::string& path) {
  // Absolute-form (a request to a proxy) carries the authority first: RFC 9112 §3.2.2.
  if (auto scheme = target.find("://");
      scheme != std::string_view::npos && scheme < target.find('/')) {
    auto slash = target.find('/', scheme + 3);
    target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
  }
  auto end = target.find_first_of("?#");
  path = percent_decode(target.substr(0, end), false);
}

std::string_view mime_type(const std::filesystem::path& p) {
  std::string ext = p.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), lower);
  static constexpr std::pair<std::string_view, std::string_view> kTypes[] = {
      {".html", "text/html; charset=utf-8"},
      {".htm", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".png", "image/png"},
      {".jpg", "image/jpeg"},
      {".jpeg", "image/jpeg"},
      {".svg", "image/svg+xml"},
      {".ico", "image/x-icon"},
      {".txt", "text/plain; charset=utf-8"},
      {".wasm", "application/wasm"},
  };
  for (const auto& [e, type] : kTypes) {
    if (ext == e) return type;
  }
  return "application/octet-stream";
}

std::filesystem::path resolve_static(const std::filesystem::path& root, std::string_view rel) {
  namespace fs = std::filesystem;
  if (rel.find('\0') != std::string_view::npos || rel.find('\\') != std::string_view::npos) {
    return {};
  }
  // Refuse ".." outright instead of trusting normalisation to keep it inside.
  std::string_view rest = rel;
  while (!rest.empty()) {
    auto slash = rest.find('/');
    if (rest.substr(0, slash) == "..") return {};
    rest = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash + 1);
  }
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  std::error_code ec;
  fs::path p = fs::weakly_canonical(root / fs::path(std::string(rel)), ec);
  if (ec) return {};
  auto inside = [&](const fs::path& candidate) {
    auto [r, c] = std::mismatch(root.begin(), root.end(), candidate.begin(), candidate.end());
    return r == root.end();
  };
  if (!inside(p)) return {};
  if (fs::is_directory(p, ec)) {
    p = fs::weakly_canonical(p / "index.html", ec);
    if (ec || !inside(p)) return {};
  }
  if (!fs::is_regular_file(p, ec)) return {};
  return p;
}

void error_response(HttpResponse& res, int status, std::string_view text) {
  res = HttpResponse{};
  res.status = status;
  res.set_body(std::string(text) + "\n", "text/plain; charset=utf-8");
  res.set_header("Connection", "close");
}

void Router::refuse(HttpResponse& res, int status, std::string_view text) const {
  error_response(res, status, text);
  error_text(res, status, text);
}

void Router::error_text(HttpResponse& res, int status, std::string_view text) const {
  if (!error_body) return res.set_body(std::string(text) + "\n", "text/plain; charset=utf-8");
  try {
    auto [body, type] = error_body(status, text);
    res.set_body(std::move(body), std::move(type));
  } catch (...) {
    res.set_body(std::string(text) + "\n", "text/plain; charset=utf-8");
  }
}

// ---- StreamChannel ----------------------------------------------------------------------

void StreamChannel::wake_locked() {
  if (wake_pending_ || !wake_) return;
  wake_pending_ = true;
  wake_();
}

bool StreamChannel::send(std::string data, bool bounded) {
  std::lock_guard lock(m_);
  if (closed_) return false;
  // An empty chunk would read as the end of the response.
  if (data.empty()) return true;
  if (bounded && queued_ + data.size() > kPushQueueLimit) {
    closed_ = aborted_ = true;
    cv_.notify_all();
    wake_pending_ = false;  // the abort must reach the connection even if a drain is queued
    wake_locked();
    return false;
  }
  queued_ += data.size();
  queue_.push_back(std::move(data));
  wake_locked();
  return true;
}

bool StreamChannel::write(std::string_view data) {
  if (!send(std::string(data), false)) return false;
  if (!blocking_) return true;
  std::unique_lock lock(m_);
  cv_.wait(lock, [&] { return closed_ || queued_ <= kWriterHighWater; });
  return !closed_;
}

void StreamChannel::close() {
  std::lock_guard lock(m_);
  if (closed_) return;
  closed_ = finish_ = true;
  cv_.notify_all();
  wake_locked();
}

void StreamChannel::abort() {
  std::lock_guard lock(m_);
  if (aborted_) return;
  closed_ = aborted_ = true;
  cv_.notify_all();
  wake_pending_ = false;
  wake_locked();
}

bool StreamChannel::closed() const {
  std::lock_guard lock(m_);
  return closed_;
}

void StreamChannel::on_close(std::function<void()> fn) {
  if (!fn) return;
  {
    std::lock_guard lock(m_);
    if (!fired_) {
      on_close_.push_back(std::move(fn));
      return;
    }
  }
  run_close_callback(fn);
}

void StreamChannel::set_keepalive(std::chrono::milliseconds every, std::string text) {
  std::lock_guard lock(m_);
  if (closed_ || !keepalive_) return;
  // Runs a post to the strand, like wake_: never the timer callback inline.
  keepalive_(every, std::move(text));
}

StreamChannel::Batch StreamChannel::take() {
  std::lock_guard lock(m_);
  wake_pending_ = false;
  Batch b;
  b.aborted = aborted_;
  if (aborted_) return b;
  size_t n = 0;
  for (const auto& s : queue_) n += s.size();
  b.data.reserve(n);
  for (auto& s : queue_) b.data += s;
  queue_.clear();
  b.finish = finish_ && b.data.empty();
  return b;
}

void StreamChannel::written(size_t n) {
  std::lock_guard lock(m_);
  queued_ -= std::min(n, queued_);
  cv_.notify_all();
}

void StreamChannel::attach(std::function<void()> wake,
                           std::function<void(std::chrono::milliseconds, std::string)> keepalive) {
  std::lock_guard lock(m_);
  wake_ = std::move(wake);
  keepalive_ = std::move(keepalive);
  if (!queue_.empty() || closed_) {
    wake_pending_ = false;
    wake_locked();
  }
}

void StreamChannel::detach() {
  std::lock_guard lock(m_);
  closed_ = true;
  if (!finish_) aborted_ = true;
  cv_.notify_all();
  wake_ = nullptr;
  keepalive_ = nullptr;
}

void StreamChannel::fire_close() {
  std::vector<std::function<void()>> fns;
  {
    std::lock_guard lock(m_);
    if (fired_) return;
    fired_ = true;
    fns.swap(on_close_);
  }
  for (auto& fn : fns) run_close_callback(fn);
}

// An on_close callback that throws is reported, never let through to the thread that fired it.
void StreamChannel::run_close_callback(const std::function<void()>& fn) const {
  try {
    fn();
  } catch (const std::exception& e) {
    if (report) report(e.what());
  } catch (...) {
    if (report) report("unknown exception");
  }
}

// ---- Router -----------------------------------------------------------------------------

const Route* Router::match(HttpRequest& req, HttpResponse& res) const {
  std::string allow;
  try {
    std::smatch m;
    for (const auto& r : routes) {
      if (!std::regex_match(req.path, m, r.re)) continue;
      bool method_ok = r.method == req.method || (r.method == "GET" && req.method == "HEAD");
      if (!method_ok) {
        auto add = [&](std::string_view meth) {
          if (("," + allow + ",").find("," + std::string(meth) + ",") != std::string::npos) return;
          if (!allow.empty()) allow += ", ";
          allow += meth;
        };
        add(r.method);
        if (r.method == "GET") add("HEAD");
        continue;
      }
      req.matches.clear();
      for (const auto& g : m) req.matches.push_back(g.str());
      return &r;
    }
  } catch (const std::exception& e) {
    // libstdc++ throws error_complexity/error_stack on pathological paths.
    fail(req, res, e.what());
    return nullptr;
  }
  if (!allow.empty() && req.method == "OPTIONS" && cors_allows(req) &&
      !req.header("Access-Control-Request-Method").empty()) {
    // A CORS preflight from an origin the server was told to trust (off unless configured).
    res = HttpResponse{};
    res.status = 204;
    res.set_header("Access-Control-Allow-Methods", allow);
    res.set_header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-CSRF-Token");
    res.set_header("Access-Control-Max-Age", "600");
    return nullptr;
  }
  if (!allow.empty()) {
    res = HttpResponse{};
    res.status = 405;
    res.set_header("Allow", allow.erase(allow.find_last_not_of(", ") + 1));
    error_text(res, 405, "method not allowed");
    return nullptr;
  }
  res = HttpResponse{};
  res.status = 404;
  res.set_body("not found\n", "text/plain; charset=utf-8");
  return nullptr;
}

bool Router::cors_allows(const HttpRequest& req) const {
  if (cors_origins.empty()) return false;
  const std::string origin = req.header("Origin");
  for (const auto& o : cors_origins)
    if (o == origin) return true;
  return false;
}

void Router::invoke(const Route* route, const HttpRequest& req, HttpResponse& res) const {
  const auto& h = route ? route->handler : not_found;
  try {
    if (h) h(req, res);
  } catch (const std::exception& e) {
    fail(req, res, e.what());
  } catch (...) {
    fail(req, res, "unknown exception");
  }
}

bool Router::run_gate(const HttpRequest& req, HttpResponse& res) const {
  if (!gate) return true;
  try {
    if (gate(req, res)) return true;
    res.set_header("Connection", "close");
    return false;
  } catch (const std::exception& e) {
    fail(req, res, e.what());
  } catch (...) {
    fail(req, res, "unknown exception");
  }
  res.set_header("Connection", "close");
  return false;
}

void Router::fail(const HttpRequest& req, HttpResponse& res, const std::string& what) const {
  res = HttpResponse{};
  res.status = 500;
  res.set_body("internal server error\n", "text/plain; charset=utf-8");
  if (!exception_handler) return;
  try {
    exception_handler(req, res, what);
    return;
  } catch (...) {
  }
  // The exception handler itself threw: the fixed answer, nothing of its half-done one.
  res = HttpResponse{};
  res.status = 500;
  res.set_body("internal server error\n", "text/plain; charset=utf-8");
}

void Router::log(const HttpRequest& req, int status, double seconds,
                 const std::string& note) const {
  if (!logger) return;
  try {
    logger(req, status, seconds, note);
  } catch (...) {
    // A logger that throws loses its line, never the connection.
  }
}

}  // namespace detail
}  // namespace fl::net
