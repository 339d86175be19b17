#pragma once

namespace allocation::adapters::sql {

// Makes SQLite's default VFS (its layer over the operating system's files) one that writes a
// write-ahead log with one system call per commit instead of two per page.
//
// SQLite writes each page of a commit to the log with two pwrite() calls (the frame's header,
// then the page), and syncs at the COMMIT. A group commit writes dozens of pages, so twice as
// many system calls, which cost the one writer thread more than its SQL. The VFS
// keeps consecutive writes to a log in memory and writes them at once when anything else
// touches that file: the sync of the COMMIT, a read, a truncation, a size query, a write
// elsewhere in the file, or closing it. So a sync still covers every write before it, and
// whatever reads the log (this connection, or another after the COMMIT made the frames
// visible) finds them in the file: only when and how often the bytes reach the kernel changes.
// Other files (the database, the shared-memory index) are the default VFS's own, untouched.
//
// Idempotent and thread-safe; call it before opening connections.
void use_buffered_log_writes();

}  // namespace allocation::adapters::sql
