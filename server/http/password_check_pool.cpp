#include "server/http/password_check_pool.hpp"

#include "server/auth/password.hpp"

namespace coord::http {

PasswordCheckPool::PasswordCheckPool(std::size_t threads, std::size_t max_queued) : max_queued_(max_queued) {
  if (threads == 0) threads = 1;
  workers_.reserve(threads);
  for (std::size_t i = 0; i < threads; ++i) workers_.emplace_back([this] { work(); });
}

PasswordCheckPool::~PasswordCheckPool() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

bool PasswordCheckPool::submit(std::string password, std::string hash, Done done) {
  {
    std::lock_guard lock(mu_);
    if (stopping_ || queue_.size() >= max_queued_) {
      ++refused_;
      return false;
    }
    queue_.push_back(Check{std::move(password), std::move(hash), std::move(done)});
  }
  wake_.notify_one();
  return true;
}

std::size_t PasswordCheckPool::refused() const {
  std::lock_guard lock(mu_);
  return refused_;
}

void PasswordCheckPool::work() {
  for (;;) {
    Check check;
    {
      std::unique_lock lock(mu_);
      wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      check = std::move(queue_.front());
      queue_.pop_front();
    }
    const bool matches = auth::verify_password(check.password, check.hash);
    check.done(matches);
  }
}

}  // namespace coord::http
