#include "server/http/watch_notifier.hpp"

#include <boost/asio/post.hpp>
#include <utility>

#include "server/node/node.hpp"

namespace coord::http {

void WatchNotifier::add(std::shared_ptr<Session> session, SharedBytes frames, bool last) {
  // The first notification of a batch schedules the flush; the rest only append.
  if (pending_.empty()) node_.after_answers([this] { flush(); });
  pending_.push_back(Notification{std::move(session), std::move(frames), last});
}

void WatchNotifier::flush() {
  auto all = std::make_shared<std::vector<Notification>>(std::move(pending_));
  pending_.clear();
  if (all->size() < kSlice) {
    for (auto& n : *all) n.session->send_frames(std::move(n.frames), n.last);
    return;
  }
  for (std::size_t begin = 0; begin < all->size(); begin += kSlice) {
    const std::size_t end = std::min(all->size(), begin + kSlice);
    boost::asio::post((*all)[begin].session->io_executor(), [all, begin, end] {
      // On an io thread and in no strand, so each send runs inline when its strand is idle.
      for (std::size_t i = begin; i < end; ++i) {
        Notification& n = (*all)[i];
        n.session->send_frames(std::move(n.frames), n.last);
        n.session.reset();
      }
    });
  }
}

}  // namespace coord::http
