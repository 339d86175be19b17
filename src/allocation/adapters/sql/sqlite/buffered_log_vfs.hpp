#pragma once

#include <string>
#include <string_view>

namespace allocation::adapters::sql {

// A VFS (SQLite's layer over the operating system's files) that writes a write-ahead log with
// one system call per commit instead of two per page, over SQLite's default VFS. It is
// registered by name, not as the default: the service opens its own connections with it
// (sqlite_uri), and every other SQLite connection in the process is left as it was.
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
// Registers the VFS, once (thread-safe), and returns its name.
const char* register_buffered_log_vfs();

// The URI filename (SQLite's file:...?vfs=NAME, percent-encoded) that opens the database file
// at `path` with the VFS named `vfs`.
std::string sqlite_uri(std::string_view path, std::string_view vfs);

}  // namespace allocation::adapters::sql
