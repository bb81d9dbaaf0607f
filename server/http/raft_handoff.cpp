#include "server/http/raft_handoff.hpp"

#include <algorithm>
#include <boost/asio/post.hpp>
#include <utility>

#include "server/node/node_api.hpp"

namespace coord::http {

namespace {

// Posts `items` to `executor` in slices of `slice`, one io task each, run side by side: each
// calls `run(item)` for its items, on an io thread and in no strand (so each session's send
// runs inline when its strand is idle). Nothing is ordered across slices.
template <class Item, class Run>
void post_in_slices(boost::asio::any_io_executor executor, std::vector<Item> items, std::size_t slice, Run run) {
  auto all = std::make_shared<std::vector<Item>>(std::move(items));
  for (std::size_t begin = 0; begin < all->size(); begin += slice) {
    const std::size_t end = std::min(all->size(), begin + slice);
    boost::asio::post(executor, [all, begin, end, run] {
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
  // Slices of this round and of the next may run side by side on the io threads: a watcher's
  // events get their order here, on the round's thread, and a slice only has them written.
  if (session->enqueue_frames(std::move(frames), last)) notified_.push_back(std::move(session));
}

void RaftHandoff::schedule_flush() {
  // The first item of a round schedules the flush; the rest only append.
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  node_.after_answers([this] { flush(); });
}

void RaftHandoff::flush() {
  flush_scheduled_ = false;
  std::vector<Answer> answers = std::exchange(answers_, {});
  // A round run by an io thread (Node::run_round_here: raft_mu_ was free, so the round
  // is small) answers right here: posting would only wake another thread to do it.
  if (!answers.empty() && answers.size() <= kAnswerSlice && answers.front().session->on_io_thread()) {
    for (auto& a : answers) a.run();
    answers.clear();
  }
  // Every session runs on the same io_context: any one of them gives its executor.
  if (!answers.empty()) {
    auto executor = answers.front().session->io_executor();
    post_in_slices(std::move(executor), std::move(answers), kAnswerSlice, [](Answer& a) {
      a.run();
      a.session.reset();
    });
  }
  if (!notified_.empty()) {
    auto executor = notified_.front()->io_executor();
    post_in_slices(std::move(executor), std::exchange(notified_, {}), kNotificationSlice,
                   [](std::shared_ptr<Session>& session) {
                     session->send_enqueued();
                     session.reset();
                   });
  }
}

}  // namespace coord::http
