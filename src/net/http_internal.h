// What the connection (Beast) and the routing/message code (no Beast) share inside fl_net.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "net/http_server.h"

namespace boost::asio {
class thread_pool;
}  // namespace boost::asio

namespace fl::net::detail {

inline constexpr size_t kPushQueueLimit = 4u << 20;   // a push client this far behind is closed
inline constexpr size_t kWriterHighWater = 1u << 20;  // StreamWriter::write waits beyond it
inline constexpr size_t kMaxTarget = 8u << 10;        // longer targets get 414: std::regex
                                                      // recurses per character

// The queue between a stream's producer (any thread) and its connection (the strand). The
// connection installs `wake`, which posts a drain to its strand; it is called under the lock,
// which is safe because posting never runs the handler inline, and it lets detach() guarantee
// no post reaches a connection (or an io_context) that is gone.
class StreamChannel {
 public:
  explicit StreamChannel(bool blocking_writes) : blocking_(blocking_writes) {}

  bool send(std::string data, bool bounded);
  bool write(std::string_view data);  // StreamWriter: send, then wait for the client
  void close();                       // graceful end: terminating chunk after the queue
  void abort();                       // client gone, slow, server stopping: no more data
  bool closed() const;
  void on_close(std::function<void()> fn);
  void set_keepalive(std::chrono::milliseconds every, std::string text);

  // Connection side (strand).
  struct Batch {
    std::string data;
    bool finish = false;  // close() was called and the queue is empty
    bool aborted = false;
  };
  Batch take();
  void written(size_t n);
  void attach(std::function<void()> wake,
              std::function<void(std::chrono::milliseconds, std::string)> keepalive);
  void detach();      // the connection is going: no more wakes
  void fire_close();  // runs the on_close callbacks once, outside the lock
  void run_close_callback(const std::function<void()>& fn) const;

  std::function<void(const std::string& what)> report;  // exceptions from on_close callbacks

 private:
  void wake_locked();

  mutable std::mutex m_;
  std::condition_variable cv_;
  const bool blocking_;
  std::deque<std::string> queue_;
  size_t queued_ = 0;
  bool closed_ = false;
  bool finish_ = false;
  bool aborted_ = false;
  bool wake_pending_ = false;
  bool fired_ = false;
  std::vector<std::function<void()>> on_close_;
  std::function<void()> wake_;
  std::function<void(std::chrono::milliseconds, std::string)> keepalive_;
};

// Reaches the private parts of the public types.
struct Access {
  using Kind = HttpResponse::Kind;
  static HttpResponse::Kind kind(const HttpResponse& r) { return r.kind_; }
  static const auto& headers(const HttpResponse& r) { return r.headers_; }
  static const std::string& content_type(const HttpResponse& r) { return r.content_type_; }
  static const std::string& file(const HttpResponse& r) { return r.file_; }
  static std::string& body(HttpResponse& r) { return r.body_; }
  static auto& producer(HttpResponse& r) { return r.producer_; }
  static auto& push_start(HttpResponse& r) { return r.push_start_; }
  static StreamWriter writer(std::shared_ptr<StreamChannel> c) {
    return StreamWriter(std::move(c));
  }
  static std::shared_ptr<PushStream> push(std::shared_ptr<StreamChannel> c) {
    return std::shared_ptr<PushStream>(new PushStream(std::move(c)));
  }
};

struct Route {
  std::string method;
  std::regex re;
  HttpServer::Handler handler;
  RouteOptions options;
};

// Routing, gate, exception and logging policy: everything about a request that is not I/O.
// Configured before the server starts, read-only afterwards.
class Router {
 public:
  std::vector<Route> routes;
  HttpServer::Handler not_found;
  std::function<bool(const HttpRequest&, HttpResponse&)> gate;
  std::function<void(const HttpRequest&, HttpResponse&, std::string)> exception_handler;
  HttpServer::Logger logger;
  HttpServer::ErrorBody error_body;
  std::vector<std::pair<std::string, std::string>> default_headers;
  std::vector<std::string> cors_origins;  // exact origins; empty: no cross-origin access

  // The server's own refusal (a protocol error, a cap, 405, 503) as `status` with `text`, in the
  // form set_error_body() asked for (text/plain by default).
  void refuse(HttpResponse& res, int status, std::string_view text) const;
  // Just the body of such an answer.
  void error_text(HttpResponse& res, int status, std::string_view text) const;

  // The route for `req` (its matches filled in), or null with `res` already holding the 404,
  // 405 (with Allow) or 500 (a regex that blew up). The not_found handler is the caller's to
  // run (invoke(nullptr, ...)), off the I/O thread.
  // An OPTIONS preflight from a trusted origin is answered here too (204).
  const Route* match(HttpRequest& req, HttpResponse& res) const;
  bool cors_allows(const HttpRequest& req) const;
  // Runs the handler; an exception becomes the exception handler's response.
  void invoke(const Route* route, const HttpRequest& req, HttpResponse& res) const;
  // True when the gate lets the body in (or there is no gate).
  bool run_gate(const HttpRequest& req, HttpResponse& res) const;
  // Replaces `res` by the exception handler's answer for `what`.
  void fail(const HttpRequest& req, HttpResponse& res, const std::string& what) const;
  void log(const HttpRequest& req, int status, double seconds, const std::string& note) const;
};

// Request-target → path and query; percent-decoding to raw bytes.
std::string percent_decode(std::string_view s, bool plus_is_space);
void split_target(std::string_view target, std::string& path);
std::string_view mime_type(const std::filesystem::path& p);
// The file a static mount serves for `rel` ("/a/b.css"), or empty when there is none or it
// would leave `root` (which is canonical).
std::filesystem::path resolve_static(const std::filesystem::path& root, std::string_view rel);
bool iequals(std::string_view a, std::string_view b);
// A short text/plain response with Connection: close, for protocol errors.
void error_response(HttpResponse& res, int status, std::string_view text);

class ConnBase {
 public:
  virtual ~ConnBase() = default;
  virtual void shutdown() = 0;  // any thread: close now
};

// Shared by the server and its connections; the pools and the io_context live in the server,
// which destroys them (and with them every connection) before this.
struct ServerState {
  HttpServerOptions opt;
  Router router;
  boost::asio::thread_pool* workers = nullptr;
  boost::asio::thread_pool* streams = nullptr;
  std::atomic<size_t> active_streams{0};
  std::atomic<bool> stopping{false};

  std::mutex m;
  std::condition_variable cv;
  std::unordered_map<ConnBase*, std::weak_ptr<ConnBase>> conns;
  std::unordered_map<std::string, size_t> per_ip;
  size_t total = 0;

  bool admit(const std::string& ip) {
    std::lock_guard lock(m);
    if (stopping || total >= opt.max_connections) return false;
    size_t& n = per_ip[ip];
    if (n >= opt.max_connections_per_client) return false;
    ++n;
    ++total;
    return true;
  }
  void add(const std::shared_ptr<ConnBase>& c) {
    std::lock_guard lock(m);
    conns.emplace(c.get(), c);
  }
  void remove(ConnBase* c, const std::string& ip) {
    std::lock_guard lock(m);
    conns.erase(c);
    if (auto it = per_ip.find(ip); it != per_ip.end() && --it->second == 0) per_ip.erase(it);
    --total;
    cv.notify_all();
  }
};

}  // namespace fl::net::detail
