#pragma once

#include <string_view>

namespace allocation::adapters {

// A place in the code where a test can have this process killed at the one moment that
// matters: between two effects that must survive a crash in either order (a message applied
// and not yet acknowledged; an outbox batch confirmed and not yet deleted). A `kill -9` from
// outside lands there only by chance; ALLOCATION_CRASH_AT=<name> lands there every time.
//
// At the point named by ALLOCATION_CRASH_AT, the process logs that it dies and sends itself
// SIGKILL, so nothing after runs: no destructor, no flush, no goodbye to the broker. Elsewhere,
// and when the variable is unset (outside tests, always), it does nothing.
void crash_point(std::string_view name);

}  // namespace allocation::adapters
