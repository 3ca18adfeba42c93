// Internal to src/net: the streaming half of a Connection (http_connection.h), the part that
// answers with an event stream or a push stream rather than one response: start, worker or push
// producer, pumping what the producer wrote, keep-alive comments and the end of the stream.
#pragma once

#include "net/http_connection.h"

namespace fl::net::detail {

template <class Stream>
void Connection<Stream>::start_stream(bool push, bool head) {
  if (!push && !head && !sync_) {
    if (st_->active_streams.fetch_add(1) >= st_->opt.max_stream_workers) {
      st_->active_streams.fetch_sub(1);
      st_->router.refuse(ex_->res, 503, "too many streams");
      ex_->res.set_header("Retry-After", "1");
      return send_response();
    }
    slot_ = true;
  }
  chunked_ = ex_->req.version >= 11;
  if (!chunked_ || push) keep_alive_ = false;  // HTTP/1.0: the close ends the body
  auto m = std::make_shared<http::response<http::empty_body>>();
  fill_headers(*m, status_);
  if (chunked_) m->chunked(true);
  auto sr = std::make_shared<http::response_serializer<http::empty_body>>(*m);
  set_timeout(st_->opt.idle_timeout);
  writing_ = true;
  http::async_write_header(
      stream_, *sr,
      [self = this->shared_from_this(), m, sr, push, head](beast::error_code ec, size_t) {
        self->writing_ = false;
        self->on_stream_header(ec, push, head);
      });
}

template <class Stream>
void Connection<Stream>::release_slot() {
  if (slot_) st_->active_streams.fetch_sub(1);
  slot_ = false;
}

template <class Stream>
void Connection<Stream>::on_stream_header(beast::error_code ec, bool push, bool head) {
  if (closed_ || (ec && ec != http::error::end_of_stream)) {
    release_slot();
    log_once();
    return finish(false);
  }
  if (head) {
    release_slot();
    log_once();
    return next_or_close();
  }
  channel_ = std::make_shared<StreamChannel>(!sync_);
  std::weak_ptr<Connection> weak = this->shared_from_this();
  auto exec = stream_.get_executor();
  channel_->report = [st = st_, ex = ex_](const std::string& what) {
    HttpResponse ignored;
    st->router.fail(ex->req, ignored, what);
  };
  channel_->attach(
      // The posted drain holds the connection: a producer's last write may come when
      // nothing else does.
      [weak, exec] {
        if (auto s = weak.lock()) asio::post(exec, [s] { s->pump(); });
      },
      [weak, exec](std::chrono::milliseconds every, std::string text) {
        if (auto s = weak.lock()) {
          asio::post(exec, [s, every, text = std::move(text)] { s->arm_keepalive(every, text); });
        }
      });
  auto channel = channel_;
  auto report = channel_->report;
  if (push) {
    no_timeout();
    if (!sync_) watch();
    auto start = std::move(Access::push_start(ex_->res));
    run_task(st_->workers, [start = std::move(start), channel, report] {
      try {
        if (start) start(Access::push(channel));
      } catch (const std::exception& e) {
        report(e.what());
        channel->abort();
      } catch (...) {
        report("unknown exception");
        channel->abort();
      }
    });
    return;
  }
  slot_ = false;  // the producer task owns it now
  auto producer = std::move(Access::producer(ex_->res));
  bool counted = !sync_;
  // The task holds the connection: while the producer thinks, no I/O is pending on it.
  run_task(st_->streams, [producer = std::move(producer), channel, report, st = st_, counted,
                          self = this->shared_from_this()] {
    bool ok = false;
    try {
      StreamWriter w = Access::writer(channel);
      ok = producer && producer(w);
    } catch (const std::exception& e) {
      report(e.what());
    } catch (...) {
      report("unknown exception");
    }
    if (ok) {
      channel->close();
    } else {
      channel->abort();
    }
    if (counted) st->active_streams.fetch_sub(1);
  });
}

template <class Stream>
template <class Task>
void Connection<Stream>::run_task(asio::thread_pool* pool, Task task) {
  if (sync_) return task();
  asio::post(*pool, [task = std::move(task), owner = st_.get()]() mutable {
    tl_owner = owner;
    task();
  });
}

template <class Stream>
void Connection<Stream>::watch() {
  reading_ = true;
  stream_.async_read_some(asio::buffer(scratch_),
                          [self = this->shared_from_this()](beast::error_code ec, size_t n) {
                            self->reading_ = false;
                            if (self->closed_) return self->after_close_read(ec, n);
                            if (ec) return self->finish(false);
                            self->watch();
                          });
}

template <class Stream>
void Connection<Stream>::pump() {
  if (closed_ || !channel_ || writing_) return;
  auto batch = channel_->take();
  if (batch.aborted) return finish(false);
  if (!batch.data.empty()) {
    size_t raw = batch.data.size();
    wbuf_.clear();
    if (chunked_) {
      char hex[20];
      auto r = std::to_chars(hex, hex + sizeof hex, raw, 16);
      wbuf_.append(hex, r.ptr).append("\r\n");
      wbuf_ += batch.data;
      wbuf_ += "\r\n";
    } else {
      wbuf_ = std::move(batch.data);
    }
    return write_raw([this, raw] {
      channel_->written(raw);
      pump();
    });
  }
  if (!batch.finish) return;
  if (!chunked_) return end_stream();
  wbuf_ = "0\r\n\r\n";
  write_raw([this] { end_stream(); });
}

template <class Stream>
template <class Then>
void Connection<Stream>::write_raw(Then then) {
  set_timeout(st_->opt.idle_timeout);
  writing_ = true;
  asio::async_write(stream_, asio::buffer(wbuf_),
                    [self = this->shared_from_this(), then](beast::error_code ec, size_t) {
                      self->writing_ = false;
                      if (self->closed_) return;
                      if (ec) return self->finish(false);
                      then();
                    });
}

template <class Stream>
void Connection<Stream>::end_stream() {
  timer_.cancel();
  auto ch = std::exchange(channel_, nullptr);
  ch->detach();
  ch->fire_close();
  log_once();
  if (closed_) return;
  next_or_close();
}

template <class Stream>
void Connection<Stream>::arm_keepalive(std::chrono::milliseconds every, const std::string& text) {
  if (closed_ || !channel_) return;
  ++keepalive_gen_;
  timer_.cancel();
  if (every.count() <= 0) return;
  keepalive_text_ = text;
  keepalive_every_ = every;
  tick(keepalive_gen_);
}

template <class Stream>
void Connection<Stream>::tick(unsigned gen) {
  timer_.expires_after(keepalive_every_);
  timer_.async_wait([self = this->shared_from_this(), gen](beast::error_code ec) {
    if (ec || self->closed_ || !self->channel_ || gen != self->keepalive_gen_) return;
    if (self->channel_->send(self->keepalive_text_, true)) self->tick(gen);
  });
}

}  // namespace fl::net::detail
