#pragma once

#include <string>
#include <vector>

#include "allocation/domain/commands.hpp"

// The work the power loss test runs through the bus on SQLite, the same in the process that
// loses power (power_loss_child.cpp) and in the test that checks what survived.
namespace allocation::testing::power_loss {

// Threads, each on a product of its own, so that each product's commands run in one order.
inline constexpr int kThreads = 4;

// Thread `thread`'s commands, in order, in three phases: its product and policy, then two
// rounds of allocations, cancels, holds (made, released, allocated from) and quantity changes.
// Between the phases the child copies the log into the database (a checkpoint), the second
// time starting the log over.
struct Phases {
  std::vector<domain::Command> setup, first_round, second_round;
};
Phases commands_of(int thread);

// All of a thread's commands in one list, in the order they run.
std::vector<domain::Command> all_commands_of(int thread);

// A command's text in the child's output and in failure messages.
std::string describe(const domain::Command& command);

}  // namespace allocation::testing::power_loss
