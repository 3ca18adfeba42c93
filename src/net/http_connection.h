// One HTTP/1.1 connection as a chain of asynchronous steps on its strand: idle wait, header,
// gate, (100 Continue), body, handler, response, and again. A template over the stream so
// that handle_bytes drives this same code over Beast's in-memory test stream.
#pragma once

#include <array>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <charconv>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <type_traits>
#include <unordered_map>

#include "net/http_internal.h"

namespace fl::net::detail {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using Clock = std::chrono::steady_clock;

// Marks the threads a server owns, so stop() from a handler does not join its own thread.
inline thread_local const void* tl_owner = nullptr;

inline constexpr size_t kReadChunk = 4096;
inline constexpr size_t kDrainLimit = 1u << 20;  // lingering close reads at most this much
inline constexpr std::chrono::milliseconds kLinger{1000};

struct Exchange {
  HttpRequest req;
  HttpResponse res;
  bool gate_ok = true;
};

template <class Stream>
class Connection : public ConnBase, public std::enable_shared_from_this<Connection<Stream>> {
  static constexpr bool kTls = std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>;
  // A socket under it (plain or TLS), with timeouts; the in-memory test stream has neither.
  static constexpr bool kTcp = std::is_same_v<Stream, beast::tcp_stream> || kTls;

 public:
  Connection(std::shared_ptr<ServerState> st, Stream stream, std::string ip, std::string remote,
             bool sync)
      : st_(std::move(st)),
        stream_(std::move(stream)),
        sync_(sync),
        ip_(std::move(ip)),
        remote_(std::move(remote)),
        buffer_(st_->opt.max_header_bytes + 65536),
        timer_(stream_.get_executor()),
        linger_(stream_.get_executor()) {}

  ~Connection() override {
    if (channel_) {
      channel_->detach();
      channel_->fire_close();
    }
    if (!sync_) st_->remove(this, ip_);
  }

  Stream& stream() { return stream_; }
  void start() {
    if constexpr (kTls) {
      // The handshake is held to the header clock, so a silent client cannot hold a slot.
      set_timeout(st_->opt.header_timeout);
      reading_ = true;
      stream_.async_handshake(asio::ssl::stream_base::server,
                              [self = this->shared_from_this()](beast::error_code ec) {
                                self->reading_ = false;
                                if (ec || self->closed_) return self->hard_close();
                                self->read_next();
                              });
    } else {
      read_next();
    }
  }

  void shutdown() override {
    asio::post(stream_.get_executor(), [self = this->shared_from_this()] {
      self->finish(false);
      self->hard_close();
    });
  }

 private:
  // ---- timeouts (the in-memory stream has none: it never waits) ----
  void set_timeout(std::chrono::milliseconds d) {
    if constexpr (kTcp) beast::get_lowest_layer(stream_).expires_after(d);
  }
  void no_timeout() {
    if constexpr (kTcp) beast::get_lowest_layer(stream_).expires_never();
  }
  double seconds() const { return std::chrono::duration<double>(Clock::now() - t0_).count(); }

  // ---- request ----
  void read_next() {
    if (closed_) return;
    if (st_->stopping && !sync_) return finish(false);
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(
        std::min<size_t>(st_->opt.max_header_bytes, std::numeric_limits<std::uint32_t>::max())));
    parser_->body_limit(st_->opt.max_body_bytes);
    ex_ = std::make_shared<Exchange>();
    logged_ = false;
    if (!first_ && buffer_.size() == 0) {
      // Idle keep-alive: the header clock starts with the next request's first byte.
      set_timeout(st_->opt.idle_timeout);
      reading_ = true;
      stream_.async_read_some(buffer_.prepare(kReadChunk),
                              [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                                self->reading_ = false;
                                if (self->closed_) return self->after_close_read(ec, 0);
                                if (ec) return self->finish(false);
                                self->buffer_.commit(n);
                                self->read_header();
                              });
      return;
    }
    read_header();
  }

  void read_header() {
    t0_ = Clock::now();
    set_timeout(st_->opt.header_timeout);
    reading_ = true;
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = this->shared_from_this()](beast::error_code ec, size_t) {
                              self->reading_ = false;
                              self->on_header(ec);
                            });
  }

  // Request smuggling (RFC 9112 §6.3, §11.2): a body whose end two parsers could place
  // differently is refused, whichever way Beast would read it. Allowed: at most one
  // Content-Length of plain digits, or one Transfer-Encoding that is exactly "chunked", never both.
  static bool unambiguous_framing(const std::vector<std::pair<std::string, std::string>>& headers) {
    int lengths = 0, encodings = 0;
    for (const auto& [name, value] : headers) {
      if (iequals(name, "content-length")) {
        ++lengths;
        if (value.empty() || value.find_first_not_of("0123456789") != std::string::npos)
          return false;
      } else if (iequals(name, "transfer-encoding")) {
        ++encodings;
        if (!iequals(trim_ows(value), "chunked")) return false;
      }
    }
    return lengths + encodings <= 1;
  }
  static std::string_view trim_ows(std::string_view v) {
    while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    return v;
  }

  static bool is_parse_error(const beast::error_code& ec) {
    return ec.category() == beast::error_code(http::error::bad_target).category() &&
           ec != http::error::end_of_stream && ec != http::error::partial_message;
  }

  void reply_error(const beast::error_code& ec) {
    // What was read of the request line, so the log says which request was refused (a header
    // over a limit stops the parse before on_header() fills the request).
    HttpRequest& req = ex_->req;
    req.method = std::string(parser_->get().method_string());
    req.target = std::string(parser_->get().target().substr(0, kMaxTarget));
    split_target(req.target, req.path);
    req.remote = remote_;
    int code = ec == http::error::header_limit ? 431 : ec == http::error::body_limit ? 413 : 400;
    const char* text = code == 431   ? "request header fields too large"
                       : code == 413 ? "payload too large"
                                     : "bad request";
    st_->router.refuse(ex_->res, code, text);
    keep_alive_ = false;
    send_response();
  }

  void on_header(beast::error_code ec) {
    if (closed_) return after_close_read(ec, 0);
    if (ec) {
      if (is_parse_error(ec)) return reply_error(ec);
      return finish(false);  // eof, reset, timeout (slowloris)
    }
    auto& h = parser_->get();
    HttpRequest& req = ex_->req;
    req.method = std::string(h.method_string());
    req.target = std::string(h.target());
    req.version = h.version() >= 11 ? 11 : 10;
    req.remote = remote_;
    for (const auto& f : h) req.headers.emplace_back(std::string(f.name_string()), f.value());
    keep_alive_ = h.keep_alive();
    if (req.target.size() > kMaxTarget) {
      st_->router.refuse(ex_->res, 414, "uri too long");
      keep_alive_ = false;
      return send_response();
    }
    split_target(req.target, req.path);
    if (!unambiguous_framing(req.headers)) {
      st_->router.refuse(ex_->res, 400, "ambiguous message framing");
      keep_alive_ = false;  // where this body ends is exactly what is in doubt
      return send_response();
    }
    bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
    if (!has_body) return dispatch();
    offload([ex = ex_, st = st_] { ex->gate_ok = st->router.run_gate(ex->req, ex->res); },
            [self = this->shared_from_this()] { self->after_gate(); });
  }

  void after_gate() {
    if (closed_) return;
    if (!ex_->gate_ok) {
      keep_alive_ = false;  // the body is never read, so the connection cannot continue
      return send_response();
    }
    ex_->res = HttpResponse{};
    if (ex_->req.version >= 11 && iequals(ex_->req.header("Expect"), "100-continue")) {
      static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
      set_timeout(st_->opt.idle_timeout);
      writing_ = true;
      asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                        [self = this->shared_from_this()](beast::error_code ec, size_t) {
                          self->writing_ = false;
                          if (self->closed_) return;
                          if (ec) return self->finish(false);
                          self->read_body();
                        });
      return;
    }
    read_body();
  }

  void read_body() {
    set_timeout(st_->opt.body_timeout);
    reading_ = true;
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](beast::error_code ec, size_t) {
                       self->reading_ = false;
                       if (self->closed_) return self->after_close_read(ec, 0);
                       if (ec) {
                         if (is_parse_error(ec)) return self->reply_error(ec);
                         return self->finish(false);
                       }
                       self->ex_->req.body = std::move(self->parser_->get().body());
                       self->dispatch();
                     });
  }

  void dispatch() {
    const Route* route = st_->router.match(ex_->req, ex_->res);
    bool has_handler = route || (ex_->res.status == 404 && st_->router.not_found);
    if (!has_handler) return send_response();
    if (route && route->options.inline_handler) {
      st_->router.invoke(route, ex_->req, ex_->res);
      return send_response();
    }
    offload([ex = ex_, st = st_, route] { st->router.invoke(route, ex->req, ex->res); },
            [self = this->shared_from_this()] { self->send_response(); });
  }

  // Runs `work` on a worker (inline for handle_bytes), then `then` back on the strand.
  template <class Work, class Then>
  void offload(Work work, Then then) {
    if (sync_) {
      work();
      then();
      return;
    }
    asio::post(*st_->workers, [work = std::move(work), then = std::move(then),
                               ex = stream_.get_executor(), owner = st_.get()]() mutable {
      tl_owner = owner;
      try {
        work();
        asio::post(ex, std::move(then));
      } catch (...) {
        // Only allocation can throw here; the connection then dies with its handlers.
      }
    });
  }

  // ---- response ----
  template <class Msg>
  void fill_headers(Msg& m, int status) {
    const HttpResponse& res = ex_->res;
    m.version(ex_->req.version);
    m.result(static_cast<unsigned>(status));
    if (!Access::content_type(res).empty())
      m.set(http::field::content_type, Access::content_type(res));
    for (const auto& [k, v] : st_->router.default_headers) m.set(k, v);
    if (st_->router.cors_allows(ex_->req)) {
      m.set(http::field::access_control_allow_origin, ex_->req.header("Origin"));
      m.set(http::field::vary, "Origin");
    }
    for (const auto& [k, v] : Access::headers(res)) {
      if (!iequals(k, "connection")) m.set(k, v);
    }
    m.keep_alive(keep_alive_);
  }

  void send_response() {
    if (closed_) return;
    HttpResponse& res = ex_->res;
    if (iequals(res.header("Connection"), "close") || (st_->stopping && !sync_)) {
      keep_alive_ = false;
    }
    int status = res.status >= 200 && res.status <= 599 ? res.status : 500;
    status_ = status;
    bool head = ex_->req.method == "HEAD";
    bool no_body = status == 204 || status == 304;
    auto kind = Access::kind(res);
    if (kind == Access::Kind::kStream || kind == Access::Kind::kPush) {
      return start_stream(kind == Access::Kind::kPush, head);
    }
    if (kind == Access::Kind::kFile) {
      http::file_body::value_type file;
      beast::error_code ec;
      file.open(Access::file(res).c_str(), beast::file_mode::scan, ec);
      if (!ec && !no_body) {
        if (head) {
          auto m = std::make_shared<http::response<http::empty_body>>();
          fill_headers(*m, status);
          m->content_length(file.size());
          return write_message(m);
        }
        auto m = std::make_shared<http::response<http::file_body>>();
        fill_headers(*m, status);
        m->body() = std::move(file);
        m->prepare_payload();
        return write_message(m);
      }
      if (ec) {
        status_ = status = 404;
        res.set_body("not found\n", "text/plain; charset=utf-8");
      }
    }
    std::string& body = Access::body(res);
    if (no_body) body.clear();
    if (head) {
      auto m = std::make_shared<http::response<http::empty_body>>();
      fill_headers(*m, status);
      if (!no_body) m->content_length(body.size());
      return write_message(m);
    }
    auto m = std::make_shared<http::response<http::string_body>>();
    fill_headers(*m, status);
    m->body() = std::move(body);
    m->prepare_payload();
    write_message(m);
  }

  template <class Msg>
  void write_message(std::shared_ptr<Msg> m) {
    using Serializer = http::response_serializer<typename Msg::body_type>;
    write_some(m, std::make_shared<Serializer>(*m));
  }

  // Piece by piece, so the timeout bounds a stall rather than a whole multi-GB download.
  template <class Msg, class Serializer>
  void write_some(std::shared_ptr<Msg> m, std::shared_ptr<Serializer> sr) {
    set_timeout(st_->opt.idle_timeout);
    writing_ = true;
    http::async_write_some(stream_, *sr,
                           [self = this->shared_from_this(), m, sr](beast::error_code ec, size_t) {
                             self->writing_ = false;
                             if (!ec && !sr->is_done() && !self->closed_)
                               return self->write_some(m, sr);
                             self->log_once();
                             if (self->closed_) return;
                             // end_of_stream only says the message asked for the close.
                             if (ec && ec != http::error::end_of_stream) return self->finish(false);
                             self->next_or_close();
                           });
  }

  void next_or_close() {
    if (!keep_alive_) return finish(true);
    first_ = false;
    read_next();
  }

  void log_once() {
    if (logged_) return;
    logged_ = true;
    st_->router.log(ex_->req, status_, seconds(), ex_->res.log_note());
  }

  // ---- streams ----
  // Event streams and push streams (http_connection_stream.h).
  void start_stream(bool push, bool head);
  void release_slot();
  void on_stream_header(beast::error_code ec, bool push, bool head);
  template <class Task>
  void run_task(asio::thread_pool* pool, Task task);
  // A read kept pending on a push stream: it is how a client that goes away is noticed.
  void watch();
  void pump();
  template <class Then>
  void write_raw(Then then);
  void end_stream();
  void arm_keepalive(std::chrono::milliseconds every, const std::string& text);
  void tick(unsigned gen);

  // ---- closing ----
  void finish(bool graceful) {
    if (closed_) return;
    closed_ = true;
    timer_.cancel();
    release_slot();
    if (channel_) {
      auto ch = std::exchange(channel_, nullptr);
      ch->abort();
      ch->detach();
      ch->fire_close();
      log_once();
    }
    if (!graceful || sync_) return hard_close();
    // Closing with unread request bytes makes the kernel send RST, which can destroy the
    // response before the client reads it: send FIN, drain a little, then close.
    beast::error_code ec;
    if constexpr (kTcp)
      beast::get_lowest_layer(stream_).socket().shutdown(asio::ip::tcp::socket::shutdown_send, ec);
    linger_.expires_after(kLinger);
    linger_.async_wait(
        [self = this->shared_from_this()](beast::error_code) { self->hard_close(); });
    if (!reading_) drain();
  }

  void drain() {
    no_timeout();
    reading_ = true;
    stream_.async_read_some(asio::buffer(scratch_),
                            [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                              self->reading_ = false;
                              self->after_close_read(ec, n);
                            });
  }

  void after_close_read(const beast::error_code& ec, size_t n) {
    drained_ += n;
    if (hard_closed_) return;
    if (ec || drained_ > kDrainLimit || sync_) return hard_close();
    drain();
  }

  void hard_close() {
    if (hard_closed_) return;
    hard_closed_ = closed_ = true;
    timer_.cancel();
    linger_.cancel();
    beast::error_code ec;
    if constexpr (kTcp) {
      // (TLS: no close_notify; every response is framed, so a cut cannot pass for an end.)
      auto& tcp = beast::get_lowest_layer(stream_);
      tcp.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
      tcp.close();
    } else {
      stream_.close();
    }
  }

  std::shared_ptr<ServerState> st_;
  Stream stream_;
  const bool sync_;
  const std::string ip_;
  const std::string remote_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::shared_ptr<Exchange> ex_;
  Clock::time_point t0_ = Clock::now();
  int status_ = 0;
  bool keep_alive_ = false;
  bool first_ = true;
  bool logged_ = true;
  bool reading_ = false;
  bool writing_ = false;
  bool closed_ = false;
  bool hard_closed_ = false;
  bool chunked_ = true;
  bool slot_ = false;
  size_t drained_ = 0;
  std::shared_ptr<StreamChannel> channel_;
  std::string wbuf_;
  asio::steady_timer timer_;   // push keep-alives
  asio::steady_timer linger_;  // bounds the lingering close
  unsigned keepalive_gen_ = 0;
  std::string keepalive_text_;
  std::chrono::milliseconds keepalive_every_{0};
  std::array<char, kReadChunk> scratch_{};
};

}  // namespace fl::net::detail

#include "net/http_connection_stream.h"  // IWYU pragma: keep
