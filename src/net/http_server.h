// Event-driven HTTP/1.1 server: keep-alive, pipelining, body caps enforced however the body is
// framed, a body gate that runs before any body byte is read, slowloris timeouts, chunked
// streams produced on workers and push streams (SSE) that hold no thread. Boost.Beast/Asio do
// the work inside; nothing of them shows here, so the server's clients build without them.
//
// Configure (route, set_*, mount_static) before listen/start: the route table is not locked.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framelock/status.h"

namespace fl::net {

namespace detail {
class StreamChannel;
struct Access;
}  // namespace detail

struct HttpRequest {
  std::string method;
  std::string target;  // raw request-target, as sent
  std::string path;    // percent-decoded path without the query; may hold any bytes, even NUL
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<std::string> matches;  // regex groups of the matched route, [0] = whole path
  std::string remote;                // "ip:port" of the peer; empty for handle_bytes
  int version = 11;                  // 10 or 11

  // Case-insensitive; "" when absent. The first one when repeated.
  std::string header(std::string_view name) const;
  // Query parameters, decoded ('+' is a space); the first one when repeated.
  bool has_param(std::string_view name) const;
  std::string param(std::string_view name) const;
};

// Handed to a set_stream producer, which runs on a stream worker thread.
class StreamWriter {
 public:
  // Blocks while the client is more than about 1 MiB behind. False once the client is gone
  // or the server stops: the producer should then return.
  bool write(std::string_view data);

 private:
  friend struct detail::Access;
  explicit StreamWriter(std::shared_ptr<detail::StreamChannel> channel);
  std::shared_ptr<detail::StreamChannel> channel_;
};

// One open push response (Server-Sent Events). Every member is thread-safe and never blocks.
class PushStream {
 public:
  // Queues one chunk. False once closed. A client more than 4 MiB behind is closed as slow.
  bool send(std::string data);
  // Ends the response (the terminating chunk follows what is queued); the connection then closes.
  void close();
  bool closed() const;
  // Called once, on some server thread or the caller's, when the client goes, the server stops
  // or close() is called. Registered after that, it is called at once.
  void on_close(std::function<void()> fn);
  // Sends `text` every `every` from a timer on the connection (SSE comments: ": ping\n\n").
  // A zero or negative period turns it off.
  void set_keepalive(std::chrono::milliseconds every, std::string text);

 private:
  friend struct detail::Access;
  explicit PushStream(std::shared_ptr<detail::StreamChannel> channel);
  std::shared_ptr<detail::StreamChannel> channel_;
};

class HttpResponse {
 public:
  int status = 200;  // outside 200..599 it is sent as 500

  // Content-Length and Transfer-Encoding are the server's; "Connection: close" closes the
  // connection after this response. Names or values with CR, LF or NUL are dropped.
  void set_header(std::string name, std::string value);
  void set_body(std::string body, std::string content_type);
  // Streamed from disk with a Content-Length; 404 when it cannot be opened.
  void set_file(std::string path, std::string content_type);
  // A chunked response; `producer` runs on a stream worker and returns true when it finished
  // (the response is then terminated properly) or false to abort it (the connection is closed,
  // so the client sees a truncated body). 503 when every stream worker is busy.
  void set_stream(std::string content_type, std::function<bool(StreamWriter&)> producer);
  // A chunked response kept open with no thread; `start` runs once the headers are sent.
  void set_push_stream(std::string content_type,
                       std::function<void(std::shared_ptr<PushStream>)> start);

  // For the request log only, never sent (whose request it was: the principal's id).
  void set_log_note(std::string note) { log_note_ = std::move(note); }
  const std::string& log_note() const { return log_note_; }

  // What a handler set, for tests and wrappers.
  std::string header(std::string_view name) const;
  const std::string& body() const { return body_; }

 private:
  friend struct detail::Access;
  enum class Kind { kBody, kFile, kStream, kPush };
  Kind kind_ = Kind::kBody;
  std::vector<std::pair<std::string, std::string>> headers_;
  std::string body_;
  std::string content_type_;
  std::string file_;
  std::function<bool(StreamWriter&)> producer_;
  std::function<void(std::shared_ptr<PushStream>)> push_start_;
  std::string log_note_;
};

struct HttpServerOptions {
  size_t max_body_bytes = 8u << 20;     // Content-Length or chunked; over it: 413 and close
  size_t max_header_bytes = 16u << 10;  // request line + fields; over it: 431 and close
  // Headers must be complete within this, counted from the first byte of a request on a
  // keep-alive connection, or from accept for a new one.
  std::chrono::milliseconds header_timeout{10'000};
  std::chrono::milliseconds body_timeout{30'000};  // the whole body, once the gate passed
  // Keep-alive idle; also how long a client may stall reading a response.
  std::chrono::milliseconds idle_timeout{60'000};
  size_t max_connections = 10'000;
  size_t max_connections_per_client = 512;  // per remote IP; beyond it the socket is closed
  int io_threads = 2;
  int worker_threads = 16;         // ordinary handlers and the body gate run here
  size_t max_stream_workers = 32;  // concurrent set_stream producers; beyond it: 503
  // HTTPS when both are set (PEM: the certificate chain, the private key). TLS 1.2 and up only.
  std::string tls_cert_file;
  std::string tls_key_file;
};

struct RouteOptions {
  // Run on the I/O thread: only for trivial handlers such as /healthz, so they answer even
  // when every worker is busy.
  bool inline_handler = false;
};

class HttpServer {
 public:
  using Handler = std::function<void(const HttpRequest&, HttpResponse&)>;

  explicit HttpServer(HttpServerOptions options = {});
  ~HttpServer();  // stops
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes are tried in order with std::regex_match against the decoded path; a GET route
  // also answers HEAD. Fails only on an invalid regex.
  Status route(std::string method, std::string regex, Handler handler, RouteOptions opts = {});
  void set_not_found(Handler handler);
  // Runs after the headers of any request with a body and before a byte of it is read; false
  // sends what it filled in and closes the connection. Also decides Expect: 100-continue.
  void set_body_gate(std::function<bool(const HttpRequest&, HttpResponse&)> gate);
  // Fills the response for an exception that escaped a handler, the gate, a producer or a
  // push callback (for streams whose headers went out, only `what` is of use: log it).
  void set_exception_handler(
      std::function<void(const HttpRequest&, HttpResponse&, std::string what)> handler);
  // Once per request after its response went out (for streams: when they end), with the
  // response's log note.
  // The body and content type of the server's own refusals (400, 405, 413, 414, 431, 503), so
  // that an API answers them in its own error format.
  using ErrorBody =
      std::function<std::pair<std::string, std::string>(int status, std::string_view text)>;
  void set_error_body(ErrorBody make);
  // Sent with every response, refusals and static files included, unless the handler set the
  // same header (security headers: Content-Security-Policy, X-Content-Type-Options...).
  void set_default_headers(std::vector<std::pair<std::string, std::string>> headers);
  // Origins (exactly "https://host:port") whose pages may call this server from a browser:
  // their requests get Access-Control-Allow-Origin, their preflights a 204. None by default.
  void set_cors_origins(std::vector<std::string> origins);
  using Logger =
      std::function<void(const HttpRequest&, int status, double seconds, const std::string& note)>;
  void set_logger(Logger logger);
  // GET/HEAD of files under `dir` ("index.html" for a directory), never outside it.
  Status mount_static(std::string url_prefix, std::string dir);

  // Port 0 picks a free port; port() tells which.
  Status listen(const std::string& host, int port);
  int port() const;
  void start();  // serves on its own threads and returns
  void run();    // start(), then blocks until stop()
  // Stops accepting, closes connections, ends push streams (their on_close fires) and joins
  // the threads. Idempotent; any thread. From a handler it only begins the stop.
  void stop();
  bool running() const;

  // Runs the same parser, gate, router and handlers over `raw` as one connection would, with
  // no socket, and returns the bytes of every response (streams included). For fuzzing.
  std::string handle_bytes(std::string_view raw);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace fl::net
