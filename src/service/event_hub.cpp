#include "service/event_hub.h"

#include <algorithm>
#include "core/json_text.h"

namespace fl::service {

std::optional<Event> Subscription::next(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, timeout, [&] { return closed_ || !queue_.empty(); });
  if (queue_.empty()) return std::nullopt;
  Event e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

bool Subscription::closed() const {
  std::lock_guard lock(mu_);
  return closed_ && queue_.empty();
}

void Subscription::push(const Event& e, size_t capacity) {
  std::function<void()> notify;
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    // Drop the oldest droppable event (progress, previews) rather than block the publisher.
    while (queue_.size() >= capacity) {
      auto it = std::find_if(queue_.begin(), queue_.end(),
                             [](const Event& q) { return !q.final && q.type != "state"; });
      if (it == queue_.end()) it = queue_.begin();
      queue_.erase(it);
    }
    queue_.push_back(e);
    if (e.final) closed_ = true;
    notify = notify_;
  }
  cv_.notify_all();
  if (notify) notify();
}

void Subscription::close() {
  std::function<void()> notify;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    notify = notify_;
  }
  cv_.notify_all();
  if (notify) notify();
}

void Subscription::set_notify(std::function<void()> fn) {
  std::lock_guard lock(mu_);
  notify_ = std::move(fn);
}

std::shared_ptr<Subscription> EventHub::subscribe(const std::string& topic) {
  auto s = std::make_shared<Subscription>();
  std::lock_guard lock(mu_);
  Topic& t = topics_[topic];
  if (t.snapshot) s->push(*t.snapshot, capacity_);
  if (!t.ended) t.subs.push_back(s);
  return s;
}

void EventHub::unsubscribe(const std::string& topic, const std::shared_ptr<Subscription>& s) {
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  if (it == topics_.end()) return;
  auto& subs = it->second.subs;
  subs.erase(std::remove(subs.begin(), subs.end(), s), subs.end());
}

void EventHub::publish(const std::string& topic, const Event& e, bool sticky) {
  std::vector<std::shared_ptr<Subscription>> subs;
  {
    std::lock_guard lock(mu_);
    Topic& t = topics_[topic];
    if (sticky || e.final) t.snapshot = e;
    subs = t.subs;
    if (e.final) {
      t.ended = true;
      t.subs.clear();
    }
  }
  for (auto& s : subs) s->push(e, capacity_);
}

size_t EventHub::subscribers(const std::string& topic) const {
  std::lock_guard lock(mu_);
  auto it = topics_.find(topic);
  return it == topics_.end() ? 0 : it->second.subs.size();
}

void EventHub::close_all() {
  std::vector<std::shared_ptr<Subscription>> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [name, t] : topics_) all.insert(all.end(), t.subs.begin(), t.subs.end());
  }
  // Outside the lock: a subscriber's notification may unsubscribe.
  for (auto& s : all) s->close();
}

std::string sse_frame(const Event& e) {
  return "event: " + e.type + "\ndata: " + json_text(e.data) + "\n\n";
}

}  // namespace fl::service
