#include "allocation/adapters/sql/sqlite/buffered_log_vfs.hpp"

#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <mutex>
#include <new>
#include <stdexcept>
#include <vector>

namespace allocation::adapters::sql {

namespace {

// A log writing more than this at once (a migration) goes to the kernel in parts.
constexpr std::size_t kMaxBuffered = 4 << 20;
// The most the default VFS writes in one call: its pwrite() takes the length modulo 128 KiB.
constexpr std::size_t kMaxWrite = 120 << 10;

// Writes not yet handed to the kernel: consecutive bytes from `offset` on.
struct PendingWrites {
  std::vector<char> bytes;
  sqlite3_int64 offset = 0;
  sqlite3_int64 end() const { return offset + static_cast<sqlite3_int64>(bytes.size()); }
};

// A log file: SQLite's sqlite3_file header, then ours; the default VFS's own file follows in
// the same allocation.
struct LogFile {
  sqlite3_file base;
  sqlite3_file* file;      // the default VFS's
  PendingWrites* pending;  // owned; created in open, destroyed in close
};

constexpr std::size_t kFileOffset = (sizeof(LogFile) + 15) / 16 * 16;

constexpr const char* kName = "allocation-buffered-log";
sqlite3_vfs* default_vfs = nullptr;  // set once, before any open
sqlite3_vfs buffered_vfs;

LogFile* log_file(sqlite3_file* file) { return reinterpret_cast<LogFile*>(file); }
// The default VFS's file under a log file, and its methods.
sqlite3_file* inner(sqlite3_file* file) { return log_file(file)->file; }
const sqlite3_io_methods& methods(LogFile* log) { return *log->file->pMethods; }

int flush(LogFile* log) {
  PendingWrites& pending = *log->pending;
  int result = SQLITE_OK;
  for (std::size_t done = 0; done < pending.bytes.size() && result == SQLITE_OK;) {
    const std::size_t part = std::min(kMaxWrite, pending.bytes.size() - done);
    result = methods(log).xWrite(log->file, pending.bytes.data() + done, static_cast<int>(part),
                                 pending.offset + static_cast<sqlite3_int64>(done));
    done += part;
  }
  // Failed or not, those writes are over: SQLite learns of a failure from the call that
  // flushed (a sync fails its COMMIT) and does not count them as written.
  pending.bytes.clear();
  return result;
}

int log_close(sqlite3_file* file) {
  LogFile* log = log_file(file);
  const int flushed = flush(log);
  const int closed = methods(log).xClose(log->file);
  delete log->pending;
  log->pending = nullptr;
  return flushed != SQLITE_OK ? flushed : closed;
}

int log_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  LogFile* log = log_file(file);
  if (const int result = flush(log); result != SQLITE_OK) return result;
  return methods(log).xRead(log->file, out, amount, offset);
}

int log_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  LogFile* log = log_file(file);
  PendingWrites& pending = *log->pending;
  if (!pending.bytes.empty() && offset != pending.end()) {
    if (const int result = flush(log); result != SQLITE_OK) return result;
  }
  if (pending.bytes.empty()) pending.offset = offset;
  const char* bytes = static_cast<const char*>(data);
  try {
    pending.bytes.insert(pending.bytes.end(), bytes, bytes + amount);
  } catch (const std::bad_alloc&) {
    return SQLITE_IOERR_NOMEM;
  }
  return pending.bytes.size() >= kMaxBuffered ? flush(log) : SQLITE_OK;
}

int log_truncate(sqlite3_file* file, sqlite3_int64 size) {
  LogFile* log = log_file(file);
  if (const int result = flush(log); result != SQLITE_OK) return result;
  return methods(log).xTruncate(log->file, size);
}

int log_sync(sqlite3_file* file, int flags) {
  LogFile* log = log_file(file);
  if (const int result = flush(log); result != SQLITE_OK) return result;
  return methods(log).xSync(log->file, flags);
}

int log_file_size(sqlite3_file* file, sqlite3_int64* size) {
  LogFile* log = log_file(file);
  if (const int result = flush(log); result != SQLITE_OK) return result;
  return methods(log).xFileSize(log->file, size);
}

int log_lock(sqlite3_file* file, int level) {
  return inner(file)->pMethods->xLock(inner(file), level);
}
int log_unlock(sqlite3_file* file, int level) {
  return inner(file)->pMethods->xUnlock(inner(file), level);
}
int log_check_reserved_lock(sqlite3_file* file, int* out) {
  return inner(file)->pMethods->xCheckReservedLock(inner(file), out);
}
int log_file_control(sqlite3_file* file, int op, void* arg) {
  return inner(file)->pMethods->xFileControl(inner(file), op, arg);
}
int log_sector_size(sqlite3_file* file) { return inner(file)->pMethods->xSectorSize(inner(file)); }
int log_device_characteristics(sqlite3_file* file) {
  return inner(file)->pMethods->xDeviceCharacteristics(inner(file));
}

// Version 1 methods: SQLite uses neither shared memory nor memory mapping on a log file.
const sqlite3_io_methods log_methods = {
    1,
    log_close,
    log_read,
    log_write,
    log_truncate,
    log_sync,
    log_file_size,
    log_lock,
    log_unlock,
    log_check_reserved_lock,
    log_file_control,
    log_sector_size,
    log_device_characteristics,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
    nullptr,
};

int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  if (!(flags & SQLITE_OPEN_WAL)) {
    // Any other file is the default VFS's own, in the space given to this VFS's files.
    return default_vfs->xOpen(default_vfs, name, file, flags, out_flags);
  }
  LogFile* log = log_file(file);
  log->base.pMethods = nullptr;
  log->file = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kFileOffset);
  log->pending = nullptr;
  const int result = default_vfs->xOpen(default_vfs, name, log->file, flags, out_flags);
  if (result != SQLITE_OK) {
    if (log->file->pMethods) log->file->pMethods->xClose(log->file);
    return result;
  }
  log->pending = new (std::nothrow) PendingWrites;
  if (!log->pending) {
    log->file->pMethods->xClose(log->file);
    return SQLITE_NOMEM;
  }
  log->base.pMethods = &log_methods;
  return SQLITE_OK;
}

void install() {
  // Multi-thread mode: no mutex per call on a connection. The pool leases each connection to
  // one thread at a time. Set before SQLite initialises; a process that opened SQLite before
  // (SQLITE_MISUSE) stays serialised, which is only slower.
  sqlite3_config(SQLITE_CONFIG_MULTITHREAD);
  default_vfs = sqlite3_vfs_find(nullptr);
  if (!default_vfs) throw std::runtime_error("SQLite has no default VFS");
  // The default VFS's other functions take this VFS in its place: they read nothing from it
  // but what is copied here.
  buffered_vfs = *default_vfs;
  buffered_vfs.zName = kName;
  buffered_vfs.szOsFile = static_cast<int>(kFileOffset) + default_vfs->szOsFile;
  buffered_vfs.xOpen = open;
  if (sqlite3_vfs_register(&buffered_vfs, /*makeDflt=*/0) != SQLITE_OK) {
    throw std::runtime_error("cannot register SQLite's buffered log VFS");
  }
}

}  // namespace

const char* register_buffered_log_vfs() {
  static std::once_flag once;
  std::call_once(once, install);
  return kName;
}

std::string sqlite_uri(std::string_view path, std::string_view vfs) {
  // RFC 3986's unreserved characters and '/' stand as they are; the rest are encoded, so that
  // a '?', '#' or '%' in the path is part of the name, and a space does not end SOCI's value.
  static const char* hex = "0123456789ABCDEF";
  std::string uri = "file:";
  for (const unsigned char c : path) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '/') {
      uri += static_cast<char>(c);
    } else {
      uri += {'%', hex[c >> 4], hex[c & 15]};
    }
  }
  return uri + "?vfs=" + std::string(vfs);
}

}  // namespace allocation::adapters::sql
