// HttpServer: the listener, its threads, stop, and handle_bytes over the in-memory stream.
#include "net/http_server.h"

#include <boost/beast/_experimental/test/stream.hpp>
#include <thread>

#include "net/http_connection.h"

namespace fl::net {

using detail::asio::ip::tcp;
namespace asio = detail::asio;
namespace beast = detail::beast;

struct HttpServer::Impl {
  explicit Impl(HttpServerOptions o) : st(std::make_shared<detail::ServerState>()) {
    o.io_threads = std::max(1, o.io_threads);
    o.worker_threads = std::max(1, o.worker_threads);
    o.max_stream_workers = std::max<size_t>(1, o.max_stream_workers);
    st->opt = o;
  }

  void do_accept() {
    acceptor.async_accept(asio::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (!acceptor.is_open() || st->stopping) return;
      if (ec) {
        // EMFILE and friends: back off instead of spinning on the same error.
        retry.expires_after(std::chrono::milliseconds(50));
        retry.async_wait([this](beast::error_code e) {
          if (!e) do_accept();
        });
        return;
      }
      on_accept(std::move(s));
      do_accept();
    });
  }

  void on_accept(tcp::socket s) {
    beast::error_code ec;
    auto ep = s.remote_endpoint(ec);
    if (ec) return;
    std::string ip = ep.address().to_string();
    if (!st->admit(ip)) {
      s.close(ec);
      return;
    }
    s.set_option(tcp::no_delay(true), ec);
    std::string remote = ip + ":" + std::to_string(ep.port());
    if (tls) {
      using TlsStream = beast::ssl_stream<beast::tcp_stream>;
      auto c = std::make_shared<detail::Connection<TlsStream>>(
          st, TlsStream(beast::tcp_stream(std::move(s)), *tls), std::move(ip), std::move(remote),
          false);
      st->add(c);
      asio::dispatch(c->stream().get_executor(), [c] { c->start(); });
      return;
    }
    auto c = std::make_shared<detail::Connection<beast::tcp_stream>>(
        st, beast::tcp_stream(std::move(s)), std::move(ip), std::move(remote), false);
    st->add(c);
    asio::dispatch(c->stream().get_executor(), [c] { c->start(); });
  }

  // The server's TLS context: TLS 1.2 and up, the certificate and key from the options.
  Status make_tls() {
    const auto& o = st->opt;
    if (o.tls_cert_file.empty() && o.tls_key_file.empty()) return ok_status();
    if (o.tls_cert_file.empty() || o.tls_key_file.empty())
      return invalid_argument("TLS needs both a certificate and a key", "tls");
    auto ctx = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_server);
    ctx->set_options(asio::ssl::context::default_workarounds | asio::ssl::context::no_sslv2 |
                     asio::ssl::context::no_sslv3 | asio::ssl::context::no_tlsv1 |
                     asio::ssl::context::no_tlsv1_1 | asio::ssl::context::single_dh_use);
    SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_2_VERSION);
    beast::error_code ec;
    ctx->use_certificate_chain_file(o.tls_cert_file, ec);
    if (ec)
      return invalid_argument(
          "cannot use the TLS certificate " + o.tls_cert_file + ": " + ec.message(), "tls-cert");
    ctx->use_private_key_file(o.tls_key_file, asio::ssl::context::pem, ec);
    if (ec)
      return invalid_argument("cannot use the TLS key " + o.tls_key_file + ": " + ec.message(),
                              "tls-key");
    if (SSL_CTX_check_private_key(ctx->native_handle()) != 1)
      return invalid_argument("the TLS key does not match the certificate", "tls-key");
    tls = std::move(ctx);
    return ok_status();
  }
  std::unique_ptr<asio::ssl::context> tls;

  bool on_own_thread() const { return detail::tl_owner == st.get(); }

  void begin_stop() {
    {
      std::lock_guard lock(m);
      if (stop_requested) return;
      stop_requested = true;
    }
    st->stopping = true;
    if (started) {
      asio::post(acceptor.get_executor(), [this] {
        beast::error_code ec;
        acceptor.close(ec);
        retry.cancel();
      });
    }
    std::vector<std::shared_ptr<detail::ConnBase>> live;
    {
      std::lock_guard lock(st->m);
      for (auto& [p, w] : st->conns) {
        if (auto c = w.lock()) live.push_back(std::move(c));
      }
    }
    for (auto& c : live) c->shutdown();
    live.clear();
    cv.notify_all();
  }

  void finish_stop() {
    std::lock_guard join_lock(join_m);
    if (joined || !started) {
      joined = true;
      return;
    }
    {
      // Connections whose handler is still running go when it returns; do not wait forever.
      std::unique_lock lock(st->m);
      st->cv.wait_for(lock, std::chrono::seconds(3), [&] { return st->conns.empty(); });
    }
    work.reset();
    ioc.stop();
    for (auto& t : threads) t.join();
    threads.clear();
    if (workers) {
      workers->stop();
      workers->join();
    }
    if (streams) {
      streams->stop();
      streams->join();
    }
    joined = true;
  }

  std::shared_ptr<detail::ServerState> st;
  asio::io_context ioc;
  tcp::acceptor acceptor{asio::make_strand(ioc)};
  asio::steady_timer retry{acceptor.get_executor()};
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
  std::vector<std::thread> threads;
  // Declared after the io_context, so destroyed first: no task outlives what it posts to.
  std::unique_ptr<asio::thread_pool> workers;
  std::unique_ptr<asio::thread_pool> streams;
  int port = 0;
  bool listening = false;

  mutable std::mutex m;
  std::condition_variable cv;
  bool started = false;
  bool stop_requested = false;
  std::mutex join_m;
  bool joined = false;
};

HttpServer::HttpServer(HttpServerOptions options)
    : impl_(std::make_unique<Impl>(std::move(options))) {}

HttpServer::~HttpServer() {
  stop();
  // A stop begun from a handler left the joining to whoever destroys the server.
  impl_->finish_stop();
}

Status HttpServer::route(std::string method, std::string regex, Handler handler,
                         RouteOptions opts) {
  try {
    impl_->st->router.routes.push_back(
        {std::move(method), std::regex(regex), std::move(handler), opts});
  } catch (const std::regex_error& e) {
    return invalid_argument("route regex '" + regex + "': " + e.what());
  }
  return ok_status();
}

void HttpServer::set_not_found(Handler handler) {
  impl_->st->router.not_found = std::move(handler);
}

void HttpServer::set_body_gate(std::function<bool(const HttpRequest&, HttpResponse&)> gate) {
  impl_->st->router.gate = std::move(gate);
}

void HttpServer::set_exception_handler(
    std::function<void(const HttpRequest&, HttpResponse&, std::string)> handler) {
  impl_->st->router.exception_handler = std::move(handler);
}

void HttpServer::set_error_body(ErrorBody make) { impl_->st->router.error_body = std::move(make); }
void HttpServer::set_cors_origins(std::vector<std::string> origins) {
  impl_->st->router.cors_origins = std::move(origins);
}
void HttpServer::set_default_headers(std::vector<std::pair<std::string, std::string>> headers) {
  impl_->st->router.default_headers = std::move(headers);
}

void HttpServer::set_logger(Logger logger) { impl_->st->router.logger = std::move(logger); }

Status HttpServer::mount_static(std::string url_prefix, std::string dir) {
  namespace fs = std::filesystem;
  std::error_code ec;
  fs::path root = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(root, ec)) {
    return invalid_argument("static directory '" + dir + "' does not exist");
  }
  while (!url_prefix.empty() && url_prefix.back() == '/') url_prefix.pop_back();
  std::string escaped;
  for (char c : url_prefix) {
    if (std::string_view("\\^$.|?*+()[]{}").find(c) != std::string_view::npos) escaped += '\\';
    escaped += c;
  }
  auto handler = [root](const HttpRequest& req, HttpResponse& res) {
    std::string rel = req.matches.size() > 1 ? req.matches[1] : std::string();
    if (rel.empty() || rel.back() == '/') rel += "index.html";
    fs::path file = detail::resolve_static(root, rel);
    if (file.empty()) {
      res.status = 404;
      res.set_body("not found\n", "text/plain; charset=utf-8");
      return;
    }
    res.set_file(file.string(), std::string(detail::mime_type(file)));
  };
  // Static files are trivial to answer: open and hand to the kernel-backed file body.
  return route("GET", escaped + "(/.*)?", std::move(handler));
}

Status HttpServer::listen(const std::string& host, int port) {
  if (port < 0 || port > 65535) return invalid_argument("port out of range", "port");
  if (impl_->listening) return invalid_argument("already listening");
  FL_RETURN_IF_ERROR(impl_->make_tls());
  beast::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    tcp::resolver resolver(impl_->ioc);
    auto results = resolver.resolve(host, "", ec);
    if (ec || results.empty()) return io_error("cannot resolve '" + host + "': " + ec.message());
    addr = results.begin()->endpoint().address();
  }
  tcp::endpoint ep(addr, static_cast<unsigned short>(port));
  auto& a = impl_->acceptor;
  if (a.open(ep.protocol(), ec); ec) return io_error("socket: " + ec.message());
  if (a.set_option(asio::socket_base::reuse_address(true), ec); ec) {
    return io_error("setsockopt: " + ec.message());
  }
  if (a.bind(ep, ec); ec) {
    a.close(ec);
    return io_error("bind " + host + ":" + std::to_string(port) + ": " + ec.message());
  }
  if (a.listen(asio::socket_base::max_listen_connections, ec); ec) {
    a.close(ec);
    return io_error("listen: " + ec.message());
  }
  impl_->port = a.local_endpoint(ec).port();
  impl_->listening = true;
  return ok_status();
}

int HttpServer::port() const { return impl_->port; }

void HttpServer::start() {
  auto& im = *impl_;
  // Held through the whole set-up: running() turns true here, and a stop() that sees it must
  // find every thread already made, or one made after its join would be left joinable.
  std::lock_guard setup_lock(im.join_m);
  {
    std::lock_guard lock(im.m);
    if (im.started || im.stop_requested || im.joined) return;
    im.started = true;
  }
  im.workers = std::make_unique<asio::thread_pool>(im.st->opt.worker_threads);
  im.streams = std::make_unique<asio::thread_pool>(im.st->opt.max_stream_workers);
  im.st->workers = im.workers.get();
  im.st->streams = im.streams.get();
  im.work.emplace(im.ioc.get_executor());
  if (im.listening) {
    asio::post(im.acceptor.get_executor(), [&im] { im.do_accept(); });
  }
  for (int i = 0; i < im.st->opt.io_threads; ++i) {
    im.threads.emplace_back([&im] {
      detail::tl_owner = im.st.get();
      for (;;) {
        try {
          im.ioc.run();
          return;
        } catch (...) {
          // Handlers catch their own; this only keeps a stray bad_alloc from ending the server.
        }
      }
    });
  }
}

void HttpServer::run() {
  start();
  {
    std::unique_lock lock(impl_->m);
    impl_->cv.wait(lock, [&] { return impl_->stop_requested; });
  }
  impl_->finish_stop();
}

void HttpServer::stop() {
  impl_->begin_stop();
  if (!impl_->on_own_thread()) impl_->finish_stop();
}

bool HttpServer::running() const {
  std::lock_guard lock(impl_->m);
  return impl_->started && !impl_->stop_requested;
}

std::string HttpServer::handle_bytes(std::string_view raw) {
  using TestStream = beast::test::stream;
  asio::io_context ioc;
  TestStream remote(ioc);
  std::string out;
  {
    auto c = std::make_shared<detail::Connection<TestStream>>(impl_->st, TestStream(ioc),
                                                              std::string(), std::string(), true);
    c->stream().connect(remote);
    c->stream().append(beast::string_view(raw.data(), raw.size()));
    c->stream().close_remote();
    c->start();
    for (;;) {
      try {
        ioc.run();
        break;
      } catch (...) {
        ioc.restart();
      }
    }
    out = std::string(remote.str());
  }
  return out;
}

}  // namespace fl::net
