#include "allocation/domain/backorder_queue.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "support/print_domain.hpp"

namespace allocation::domain {
namespace {

// A stored queue read through a source, as a repository gives it: pages of at most
// `page_size` lines, each read counted.
struct StoredQueue {
  std::vector<WaitingLine> lines;
  std::size_t page_size = 2;
  int reads = 0;
  std::size_t lines_read = 0;

  BackorderQueue queue(std::vector<WaitingLine> known = {}) {
    return BackorderQueue(
        [this](std::int64_t after, int max_qty) {
          ++reads;
          std::vector<WaitingLine> page;
          for (const WaitingLine& waiting : lines) {
            if (waiting.seq > after && waiting.line.qty() <= max_qty) page.push_back(waiting);
            if (page.size() == page_size) break;
          }
          lines_read += page.size();
          return page;
        },
        std::move(known));
  }
};

WaitingLine waiting(std::int64_t seq, const char* orderid, int qty) {
  return {seq, OrderLine(orderid, "LAMP", qty)};
}

// Serves with `units` of room, one pool (as one batch): returns the orders taken, in order.
std::vector<std::string> serve(BackorderQueue& queue, int units) {
  std::vector<std::string> taken;
  queue.serve([&] { return units; },
              [&](const OrderLine& line) {
                if (line.qty() > units) return false;
                units -= line.qty();
                taken.push_back(line.orderid());
                return true;
              });
  return taken;
}

TEST(BackorderQueue, ServesInArrivalOrderEveryLineThatFits) {
  StoredQueue stored{
      {waiting(1, "a", 2), waiting(2, "big", 9), waiting(3, "b", 3), waiting(5, "c", 1)}};
  auto queue = stored.queue();
  queue.add(OrderLine("new", "LAMP", 1));
  EXPECT_EQ(serve(queue, 7), (std::vector<std::string>{"a", "b", "c", "new"}));
  EXPECT_EQ(queue.left(), (std::vector<std::int64_t>{1, 3, 5}));
  EXPECT_TRUE(queue.added().empty());
}

// With room for 3, a queue of lines of 5 is not read past what the store filters out.
TEST(BackorderQueue, ReadsOnlyLinesThatCanFitAndStopsWhenTheRoomIsGone) {
  StoredQueue stored;
  for (int i = 1; i <= 1000; ++i) stored.lines.push_back(waiting(i, "big", 5));
  stored.lines.push_back(waiting(1001, "x", 1));
  stored.lines.push_back(waiting(1002, "y", 2));
  stored.lines.push_back(waiting(1003, "z", 1));
  auto queue = stored.queue();
  EXPECT_EQ(serve(queue, 3), (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(stored.lines_read, 2u);  // z was never read: no room was left
  EXPECT_EQ(stored.reads, 1);
}

TEST(BackorderQueue, DoesNotReadTheStoreWithoutRoom) {
  StoredQueue stored{{waiting(1, "a", 1)}};
  auto queue = stored.queue();
  EXPECT_TRUE(serve(queue, 0).empty());
  EXPECT_EQ(stored.reads, 0);
}

TEST(BackorderQueue, ALineNotTakenDoesNotStopTheOthers) {
  StoredQueue stored{{waiting(1, "refused", 1), waiting(2, "taken", 1)}};
  auto queue = stored.queue();
  std::vector<std::string> taken;
  queue.serve([] { return 5; },
              [&](const OrderLine& line) {
                if (line.orderid() == "refused") return false;
                taken.push_back(line.orderid());
                return true;
              });
  EXPECT_EQ(taken, std::vector<std::string>{"taken"});
  EXPECT_EQ(queue.left(), std::vector<std::int64_t>{2});
}

TEST(BackorderQueue, RemovesALoadedOrAddedLineAndKnowsNeitherAfterwards) {
  StoredQueue stored{{waiting(4, "stored", 2)}};
  auto queue = stored.queue({waiting(4, "stored", 2)});
  queue.add(OrderLine("added", "LAMP", 1));
  ASSERT_NE(queue.line_of("stored"), nullptr);
  EXPECT_EQ(queue.remove("stored"), OrderLine("stored", "LAMP", 2));
  EXPECT_EQ(queue.remove("added"), OrderLine("added", "LAMP", 1));
  EXPECT_EQ(queue.remove("nobody"), std::nullopt);
  EXPECT_EQ(queue.line_of("stored"), nullptr);
  EXPECT_EQ(queue.left(), std::vector<std::int64_t>{4});
  EXPECT_TRUE(queue.added().empty());
  // The store still has it until the unit of work commits: it is not served again.
  EXPECT_TRUE(serve(queue, 10).empty());
}

TEST(BackorderQueue, WithoutASourceTheKnownLinesAreTheWholeQueue) {
  auto queue = BackorderQueue::all_of({waiting(2, "b", 2), waiting(1, "a", 4)});
  EXPECT_EQ(serve(queue, 5), std::vector<std::string>{"a"});
  EXPECT_EQ(serve(queue, 5), std::vector<std::string>{"b"});
  EXPECT_EQ(queue.left(), (std::vector<std::int64_t>{1, 2}));
}

TEST(BackorderQueue, AnEmptyQueueServesNothing) {
  BackorderQueue queue;
  EXPECT_TRUE(serve(queue, 5).empty());
  EXPECT_EQ(queue.line_of("a"), nullptr);
}

}  // namespace
}  // namespace allocation::domain
