#include "support/power_loss_vfs.hpp"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

namespace allocation::testing {

namespace {

enum class FileKind { database, log, journal };
enum class Operation { write, sync, truncate };
constexpr std::array kFileNames{"database", "log", "journal"};
constexpr std::array kOperationNames{"write", "sync", "truncate"};

// A torn write garbles the rest of the sector it stops in.
constexpr sqlite3_int64 kSectorSize = 512;

struct Write {
  sqlite3_int64 offset;
  std::string bytes;
};
struct Truncate {
  sqlite3_int64 size;
};
using Change = std::variant<Write, Truncate>;

void replay(std::string& content, const Write& write) {
  const auto end = static_cast<std::size_t>(write.offset) + write.bytes.size();
  if (content.size() < end) content.resize(end, '\0');
  std::copy(write.bytes.begin(), write.bytes.end(),
            content.begin() + static_cast<std::ptrdiff_t>(write.offset));
}
void replay(std::string& content, const Truncate& truncate) {
  content.resize(static_cast<std::size_t>(truncate.size), '\0');
}
void replay(std::string& content, const Change& change) {
  std::visit([&](const auto& c) { replay(content, c); }, change);
}

// One file, whichever connections have it open: what a power loss would find of it.
struct FileState {
  std::string path;
  FileKind kind;
  std::string synced;           // its content at its last sync (or when first opened)
  std::vector<Change> pending;  // since then, in order
  // Deleted (durably: SQLite syncs the folder when it matters); kept, not freed, since a
  // connection may still hold it.
  bool deleted = false;
};

std::string read_whole(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// Everything the VFS shares between connections and threads. One mutex: each tracked write,
// sync and truncation runs under it, so that the crash sees every file between two of them.
struct Registry {
  std::mutex mutex;
  PowerLossPlan plan;
  long events = 0;
  long counted = 0;                             // the events plan.crash_at counts
  std::array<std::array<long, 3>, 3> counts{};  // [file kind][operation]
  std::map<std::string, std::unique_ptr<FileState>> files;
};
Registry* registry = nullptr;  // set once by install, never freed (used until _exit)
sqlite3_vfs* os_vfs = nullptr;
sqlite3_vfs power_loss_vfs;

// What the file holds after the power fails now.
std::string after_power_loss(const FileState& file, PowerLoss loss, std::mt19937_64& random) {
  std::string content = file.synced;
  if (loss == PowerLoss::dropped || file.pending.empty()) return content;
  // The first `kept` changes reached the disk, the last of them perhaps only in part.
  const auto kept = std::uniform_int_distribution<std::size_t>(1, file.pending.size())(random);
  for (std::size_t i = 0; i + 1 < kept; ++i) replay(content, file.pending[i]);
  const Change& last = file.pending[kept - 1];
  const auto* write = std::get_if<Write>(&last);
  if (!write) {
    replay(content, last);
    return content;
  }
  const auto length = static_cast<sqlite3_int64>(write->bytes.size());
  const auto whole = std::uniform_int_distribution<sqlite3_int64>(0, length)(random);
  const sqlite3_int64 sector_end =
      (write->offset + whole) / kSectorSize * kSectorSize + kSectorSize;
  const sqlite3_int64 torn_end =
      whole == length ? length : std::min(length, sector_end - write->offset);
  Write torn{write->offset, write->bytes.substr(0, static_cast<std::size_t>(torn_end))};
  std::uniform_int_distribution<int> byte(0, 255);
  for (auto i = static_cast<std::size_t>(whole); i < torn.bytes.size(); ++i)
    torn.bytes[i] = static_cast<char>(byte(random));
  replay(content, torn);
  return content;
}

// Called under the registry's mutex, before the event numbered plan.crash_at: leaves every file as
// the power loss would, and ends the process.
[[noreturn]] void lose_power(FileKind kind, Operation operation) {
  std::mt19937_64 random(registry->plan.seed);
  for (const auto& [path, file] : registry->files) {
    if (file->deleted) continue;
    const std::string content = after_power_loss(*file, registry->plan.loss, random);
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) _exit(1);
    for (std::size_t done = 0; done < content.size();) {
      const ssize_t n = ::write(fd, content.data() + done, content.size() - done);
      if (n <= 0) _exit(1);
      done += static_cast<std::size_t>(n);
    }
    ::close(fd);
  }
  std::ostringstream line;
  line << "crash " << registry->events << ' ' << kFileNames[static_cast<int>(kind)] << ' '
       << kOperationNames[static_cast<int>(operation)] << ' '
       << (registry->plan.loss == PowerLoss::dropped ? "dropped" : "torn") << '\n';
  const std::string text = line.str();
  [[maybe_unused]] const ssize_t written =
      ::write(registry->plan.report_fd, text.data(), text.size());
  _exit(kPowerLossExit);
}

// Counts one write, sync or truncation of `file`, losing the power first if it is the one.
void count(const FileState& file, Operation operation) {
  ++registry->events;
  ++registry->counts[static_cast<int>(file.kind)][static_cast<int>(operation)];
  const bool database_sync = file.kind == FileKind::database && operation == Operation::sync;
  if (registry->plan.database_syncs_only && !database_sync) return;
  if (++registry->counted == registry->plan.crash_at) lose_power(file.kind, operation);
}

// A tracked file: SQLite's header, then ours; the operating system VFS's file follows in the
// same allocation.
struct TrackedFile {
  sqlite3_file base;
  sqlite3_file* os_file;
  FileState* state;  // the registry's, never freed
};
constexpr std::size_t kFileOffset = (sizeof(TrackedFile) + 15) / 16 * 16;

TrackedFile* tracked(sqlite3_file* file) { return reinterpret_cast<TrackedFile*>(file); }
sqlite3_file* os(sqlite3_file* file) { return tracked(file)->os_file; }

int file_close(sqlite3_file* file) { return os(file)->pMethods->xClose(os(file)); }
int file_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  return os(file)->pMethods->xRead(os(file), out, amount, offset);
}
int file_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  std::lock_guard lock(registry->mutex);
  FileState& state = *tracked(file)->state;
  count(state, Operation::write);
  const int result = os(file)->pMethods->xWrite(os(file), data, amount, offset);
  if (result == SQLITE_OK) {
    state.pending.push_back(Write{
        offset, std::string(static_cast<const char*>(data), static_cast<std::size_t>(amount))});
  }
  return result;
}
int file_truncate(sqlite3_file* file, sqlite3_int64 size) {
  std::lock_guard lock(registry->mutex);
  FileState& state = *tracked(file)->state;
  count(state, Operation::truncate);
  const int result = os(file)->pMethods->xTruncate(os(file), size);
  if (result == SQLITE_OK) state.pending.emplace_back(std::in_place_type<Truncate>, size);
  return result;
}
// The file's changes become what a power loss keeps. The operating system's own sync is not
// called: the power never fails for real here, and hundreds of runs skip as many fsyncs each.
int file_sync(sqlite3_file* file, int) {
  std::lock_guard lock(registry->mutex);
  FileState& state = *tracked(file)->state;
  count(state, Operation::sync);
  for (const Change& change : state.pending) replay(state.synced, change);
  state.pending.clear();
  return SQLITE_OK;
}
int file_size(sqlite3_file* file, sqlite3_int64* size) {
  return os(file)->pMethods->xFileSize(os(file), size);
}
int file_lock(sqlite3_file* file, int level) { return os(file)->pMethods->xLock(os(file), level); }
int file_unlock(sqlite3_file* file, int level) {
  return os(file)->pMethods->xUnlock(os(file), level);
}
int file_check_reserved_lock(sqlite3_file* file, int* out) {
  return os(file)->pMethods->xCheckReservedLock(os(file), out);
}
int file_control(sqlite3_file* file, int op, void* arg) {
  return os(file)->pMethods->xFileControl(os(file), op, arg);
}
int file_sector_size(sqlite3_file* file) { return os(file)->pMethods->xSectorSize(os(file)); }
int file_device_characteristics(sqlite3_file* file) {
  return os(file)->pMethods->xDeviceCharacteristics(os(file));
}
// The shared-memory index is not durable: SQLite rebuilds it from the log after a crash.
int file_shm_map(sqlite3_file* file, int region, int size, int extend, void volatile** out) {
  return os(file)->pMethods->xShmMap(os(file), region, size, extend, out);
}
int file_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  return os(file)->pMethods->xShmLock(os(file), offset, n, flags);
}
void file_shm_barrier(sqlite3_file* file) { os(file)->pMethods->xShmBarrier(os(file)); }
int file_shm_unmap(sqlite3_file* file, int delete_flag) {
  return os(file)->pMethods->xShmUnmap(os(file), delete_flag);
}
int file_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  return os(file)->pMethods->xFetch(os(file), offset, amount, out);
}
int file_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  return os(file)->pMethods->xUnfetch(os(file), offset, page);
}

const sqlite3_io_methods tracked_methods = {
    3,
    file_close,
    file_read,
    file_write,
    file_truncate,
    file_sync,
    file_size,
    file_lock,
    file_unlock,
    file_check_reserved_lock,
    file_control,
    file_sector_size,
    file_device_characteristics,
    file_shm_map,
    file_shm_lock,
    file_shm_barrier,
    file_shm_unmap,
    file_fetch,
    file_unfetch,
};

std::optional<FileKind> kind_of(int flags) {
  if (flags & SQLITE_OPEN_MAIN_DB) return FileKind::database;
  if (flags & SQLITE_OPEN_WAL) return FileKind::log;
  if (flags & SQLITE_OPEN_MAIN_JOURNAL) return FileKind::journal;
  return std::nullopt;
}

int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  const auto kind = kind_of(flags);
  if (!kind || !name) return os_vfs->xOpen(os_vfs, name, file, flags, out_flags);
  TrackedFile* wrapper = tracked(file);
  wrapper->base.pMethods = nullptr;
  wrapper->os_file = reinterpret_cast<sqlite3_file*>(reinterpret_cast<char*>(file) + kFileOffset);
  const int result = os_vfs->xOpen(os_vfs, name, wrapper->os_file, flags, out_flags);
  if (result != SQLITE_OK) {
    if (wrapper->os_file->pMethods) wrapper->os_file->pMethods->xClose(wrapper->os_file);
    return result;
  }
  if (wrapper->os_file->pMethods->iVersion < 3) {
    wrapper->os_file->pMethods->xClose(wrapper->os_file);
    return SQLITE_CANTOPEN;  // every file of the unix VFS has version 3 methods
  }
  std::lock_guard lock(registry->mutex);
  auto& state = registry->files[name];
  // A file opened for the first time, or again after it was deleted, is as the disk has it.
  if (!state) {
    state = std::make_unique<FileState>(FileState{name, *kind, read_whole(name), {}, false});
  } else if (state->deleted) {
    *state = FileState{name, *kind, read_whole(name), {}, false};
  }
  wrapper->state = state.get();
  wrapper->base.pMethods = &tracked_methods;
  return SQLITE_OK;
}

// A deletion is durable at once (SQLite asks for the directory's sync when it matters).
int delete_file(sqlite3_vfs*, const char* name, int sync_directory) {
  {
    std::lock_guard lock(registry->mutex);
    if (const auto found = registry->files.find(name); found != registry->files.end()) {
      found->second->deleted = true;
      found->second->synced.clear();
      found->second->pending.clear();
    }
  }
  return os_vfs->xDelete(os_vfs, name, sync_directory);
}

}  // namespace

void install_power_loss_vfs(const PowerLossPlan& plan) {
  if (registry) throw std::logic_error("the power loss VFS is installed once");
  registry = new Registry;
  registry->plan = plan;
  os_vfs = sqlite3_vfs_find(nullptr);
  if (!os_vfs) throw std::runtime_error("SQLite has no default VFS");
  // The OS VFS's other functions take this VFS in its place and read only what is copied.
  power_loss_vfs = *os_vfs;
  power_loss_vfs.zName = "allocation-power-loss";
  power_loss_vfs.szOsFile = static_cast<int>(kFileOffset) + os_vfs->szOsFile;
  power_loss_vfs.xOpen = open;
  power_loss_vfs.xDelete = delete_file;
  if (sqlite3_vfs_register(&power_loss_vfs, /*makeDflt=*/1) != SQLITE_OK)
    throw std::runtime_error("cannot register the power loss VFS");
}

std::string power_loss_counts() {
  std::lock_guard lock(registry->mutex);
  std::ostringstream out;
  out << "events=" << registry->events;
  for (int kind = 0; kind < 3; ++kind) {
    for (int operation = 0; operation < 2; ++operation) {
      out << ' ' << kFileNames[kind] << '_' << kOperationNames[operation]
          << "s=" << registry->counts[kind][operation];
    }
  }
  long truncations = 0;
  for (const auto& by_kind : registry->counts) truncations += by_kind[2];
  out << " truncations=" << truncations;
  return out.str();
}

}  // namespace allocation::testing
