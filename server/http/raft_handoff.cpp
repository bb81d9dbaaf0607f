#include "server/http/raft_handoff.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

#include "server/node/node.hpp"

namespace coord::http {

namespace {

// Posts `items` to `executor` in slices of `slice`, each run as `run(item)` on an io thread.
template <class Item, class Run>
void post_in_slices(boost::asio::any_io_executor executor, std::vector<Item> items, std::size_t slice, Run run) {
  auto all = std::make_shared<std::vector<Item>>(std::move(items));
  for (std::size_t begin = 0; begin < all->size(); begin += slice) {
    const std::size_t end = std::min(all->size(), begin + slice);
    boost::asio::post(executor, [all, begin, end, run] {
      // On an io thread and in no strand: each session's send runs inline when its strand is idle.
      for (std::size_t i = begin; i < end; ++i) run((*all)[i]);
    });
  }
}

}  // namespace

void RaftHandoff::add_answer(std::shared_ptr<Session> session, std::function<void()> answer) {
  schedule_flush();
  answers_.push_back(Answer{std::move(session), std::move(answer)});
}

void RaftHandoff::add_notification(std::shared_ptr<Session> session, SharedBytes frames, bool last) {
  schedule_flush();
  notifications_.push_back(Notification{std::move(session), std::move(frames), last});
}

void RaftHandoff::schedule_flush() {
  // The first item of a round schedules the flush; the rest only append.
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  node_.after_answers([this] { flush(); });
}

void RaftHandoff::flush() {
  flush_scheduled_ = false;
  std::vector<Answer> answers = std::move(answers_);
  std::vector<Notification> notifications = std::move(notifications_);
  answers_.clear();
  notifications_.clear();
  // A round run by an io thread (Node::run_round_here: the raft thread was idle, so the round
  // is small) answers right here: posting would only wake another thread to do it.
  if (!answers.empty() && answers.size() <= kAnswerSlice && answers.front().session->on_io_thread()) {
    for (auto& a : answers) a.run();
    answers.clear();
  }
  // Every session runs on the same io_context: any one of them gives its executor.
  if (!answers.empty()) {
    auto executor = answers.front().session->io_executor();
    post_in_slices(executor, std::move(answers), kAnswerSlice, [](Answer& a) {
      a.run();
      a.session.reset();
    });
  }
  if (!notifications.empty()) {
    auto executor = notifications.front().session->io_executor();
    post_in_slices(executor, std::move(notifications), kNotificationSlice, [](Notification& n) {
      n.session->send_frames(std::move(n.frames), n.last);
      n.session.reset();
    });
  }
}

}  // namespace coord::http
