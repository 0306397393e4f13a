#include "net/connection_pool.h"

namespace midstream::net {
namespace {

std::string key_of(const std::string& host, uint16_t port) {
  return host + ":" + std::to_string(port);
}

}  // namespace

ConnectionPool::~ConnectionPool() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  reap_cv_.notify_all();
  if (reaper_.joinable()) reaper_.join();
}

void ConnectionPool::expire(std::deque<Idle>& idle, TimePoint now) {
  while (!idle.empty() && now - idle.front().since > limits_.max_idle) idle.pop_front();
}

void ConnectionPool::expire_all(TimePoint now) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    expire(it->second, now);
    it = it->second.empty() ? idle_.erase(it) : std::next(it);
  }
}

void ConnectionPool::reap_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    reap_cv_.wait_for(lock, limits_.max_idle / 2);
    expire_all(Clock::now());
  }
}

void ConnectionPool::clear() {
  std::lock_guard lock(mutex_);
  idle_.clear();
}

Fd ConnectionPool::take(const std::string& host, uint16_t port) {
  std::lock_guard lock(mutex_);
  const auto it = idle_.find(key_of(host, port));
  if (it == idle_.end()) return Fd();
  auto& idle = it->second;
  expire(idle, Clock::now());
  Fd found;
  while (!idle.empty() && !found.valid()) {
    Fd last = std::move(idle.back().fd);
    idle.pop_back();
    if (is_quiet(last.get())) found = std::move(last);  // else it closes here
  }
  if (idle.empty()) idle_.erase(it);
  return found;
}

void ConnectionPool::give_back(const std::string& host, uint16_t port, Fd fd) {
  if (!fd.valid()) return;
  std::lock_guard lock(mutex_);
  if (stopping_) return;
  if (!reaper_.joinable()) reaper_ = std::thread([this] { reap_loop(); });
  const TimePoint now = Clock::now();
  auto& idle = idle_[key_of(host, port)];
  expire(idle, now);
  if (idle.size() >= limits_.per_host) idle.pop_front();  // the oldest closes
  idle.push_back({std::move(fd), now});
}

size_t ConnectionPool::idle() const {
  std::lock_guard lock(mutex_);
  size_t count = 0;
  for (const auto& [key, idle] : idle_) count += idle.size();
  return count;
}

}  // namespace midstream::net
