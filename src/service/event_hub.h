// Live events for jobs and sessions (what /events streams as Server-Sent Events). Each topic
// keeps its latest state event, so a late subscriber starts from the current picture, and each
// subscriber has a bounded queue: a slow browser loses intermediate progress, never the end.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

namespace fl::service {

struct Event {
  std::string type;  // "state", "progress", "preview", "session"...
  nlohmann::json data;
  bool final = false;  // the topic ends with this one (a job reached a final state)
};

class Subscription {
 public:
  // The next event, or nullopt after `timeout` (send a keep-alive) or once closed.
  std::optional<Event> next(std::chrono::milliseconds timeout);
  bool closed() const;
  // Called after each event is queued and when the subscription closes, on the publisher's
  // thread and outside every lock: a stream that holds no thread drains next(0) from it.
  void set_notify(std::function<void()> fn);

 private:
  friend class EventHub;
  void push(const Event& e, size_t capacity);
  void close();
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Event> queue_;
  bool closed_ = false;
  std::function<void()> notify_;
};

class EventHub {
 public:
  explicit EventHub(size_t queue_capacity = 64) : capacity_(queue_capacity) {}
  // Subscribing to a topic that already ended yields its last event, then closes.
  std::shared_ptr<Subscription> subscribe(const std::string& topic);
  void unsubscribe(const std::string& topic, const std::shared_ptr<Subscription>& s);
  // `sticky` events (states) replace the topic's snapshot given to new subscribers.
  void publish(const std::string& topic, const Event& e, bool sticky = false);
  size_t subscribers(const std::string& topic) const;
  // Wakes every subscriber so that streams end (server shutdown).
  void close_all();

 private:
  struct Topic {
    std::vector<std::shared_ptr<Subscription>> subs;
    std::optional<Event> snapshot;
    bool ended = false;
  };
  size_t capacity_;
  mutable std::mutex mu_;
  std::map<std::string, Topic> topics_;
};

// `event: <type>\ndata: <json>\n\n`
std::string sse_frame(const Event& e);

}  // namespace fl::service
