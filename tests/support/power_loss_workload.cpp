#include "support/power_loss_workload.hpp"

#include <chrono>

#include "allocation/domain/date.hpp"

namespace allocation::testing::power_loss {

namespace {

using namespace domain::commands;

std::string name(const char* prefix, int thread, int i) {
  std::string text = prefix;
  text += std::to_string(thread);
  text += '-';
  text += std::to_string(i);
  return text;
}

// Allocations of 2 to 4 units on two batches of 24, so that lines soon wait for stock and the
// backorder queue fills and drains as lines are cancelled and the quantity goes up and down.
std::vector<domain::Command> round(int thread, int from, int to) {
  const std::string sku = "sku-" + std::to_string(thread);
  std::vector<domain::Command> commands;
  for (int i = from; i < to; ++i) {
    commands.emplace_back(Allocate{name("o-", thread, i), sku, 2 + i % 3});
    if (i % 4 == 1) {
      commands.emplace_back(Reserve{name("h-", thread, i), sku, 3, std::chrono::seconds(600)});
    }
    if (i % 8 == 3) commands.emplace_back(ReleaseReservation{name("h-", thread, i - 2)});
    if (i % 8 == 7) {
      commands.emplace_back(Allocate{name("r-", thread, i), sku, 3, name("h-", thread, i - 2)});
    }
    if (i % 3 == 2) commands.emplace_back(CancelOrder{name("o-", thread, i - 1)});
    if (i % 5 == 4)
      commands.emplace_back(ChangeBatchQuantity{name("b-", thread, 0), i % 10 == 4 ? 10 : 30});
  }
  return commands;
}

struct Describe {
  std::string operator()(const CreateBatch& c) const { return "add batch " + c.ref; }
  std::string operator()(const Allocate& c) const {
    return "allocate " + c.orderid + (c.reservation ? " with hold " + *c.reservation : "");
  }
  std::string operator()(const ChangeBatchQuantity& c) const {
    return "change " + c.ref + " to " + std::to_string(c.qty);
  }
  std::string operator()(const CancelOrder& c) const { return "cancel " + c.orderid; }
  std::string operator()(const SetProductPolicy& c) const { return "backorders on " + c.sku; }
  std::string operator()(const Reserve& c) const { return "reserve " + *c.id; }
  std::string operator()(const ReleaseReservation& c) const { return "release " + c.id; }
  std::string operator()(const auto&) const { return "other"; }
};

}  // namespace

Phases commands_of(int thread) {
  const std::string sku = "sku-" + std::to_string(thread);
  using namespace std::chrono;
  return {
      {CreateBatch{name("b-", thread, 0), sku, 24, std::nullopt},
       CreateBatch{name("b-", thread, 1), sku, 24, domain::Date{year(2031), month(1), day(15)}},
       SetProductPolicy{sku, true, std::nullopt}},
      round(thread, 0, 12),
      round(thread, 12, 24),
  };
}

std::vector<domain::Command> all_commands_of(int thread) {
  Phases phases = commands_of(thread);
  std::vector<domain::Command> all = std::move(phases.setup);
  for (auto* phase : {&phases.first_round, &phases.second_round})
    all.insert(all.end(), phase->begin(), phase->end());
  return all;
}

std::string describe(const domain::Command& command) { return std::visit(Describe{}, command); }

}  // namespace allocation::testing::power_loss
