#include <malloc.h>

#include "allocation/entrypoints/cli/cli.hpp"

int main(int argc, char** argv) {
  // glibc gives the top of a thread's heap back to the system (madvise) as soon as 128 KiB of it
  // are free: under load the writer thread and the HTTP threads did so all the time, at a cost
  // to the writer's CPU (docs/performance.md). Kept up to 8 MiB instead; resident memory stays
  // bounded by what the threads use at once.
  mallopt(M_TRIM_THRESHOLD, 8 << 20);
  return allocation::entrypoints::run_cli(argc, argv);
}
