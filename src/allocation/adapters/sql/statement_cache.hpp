#pragma once

#include <soci/into.h>
#include <soci/session.h>
#include <soci/statement.h>
#include <soci/use.h>

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "allocation/adapters/sql/database_url.hpp"
#include "allocation/adapters/sql/sqlite/sqlite_statement.hpp"

namespace allocation::adapters::sql {

// A row read by Connection::query: one value per column, nullopt for NULL.
template <class... Columns>
using Row = std::tuple<std::optional<Columns>...>;

namespace detail {

class StatementBase {
 public:
  virtual ~StatementBase() = default;
};

// A value bound to a placeholder, kept by the statement so that it can run again with another.
template <class T>
struct Bound {
  T value{};
  void set(const T& v) { value = v; }
  void bind(soci::statement& statement) { statement.exchange(soci::use(value)); }
};
// std::optional<T>: NULL when empty.
template <class T>
struct Bound<std::optional<T>> {
  T value{};
  soci::indicator indicator = soci::i_null;
  void set(const std::optional<T>& v) {
    indicator = v ? soci::i_ok : soci::i_null;
    if (v) value = *v;
  }
  void bind(soci::statement& statement) { statement.exchange(soci::use(value, indicator)); }
};

template <class In, class Out>
class SociStatement;

// A statement bound to values of its own, so that it can run again with new ones (PostgreSQL).
template <class... In, class... Out>
class SociStatement<std::tuple<In...>, std::tuple<Out...>> final : public StatementBase {
 public:
  SociStatement(soci::session& session, const std::string& sql) : statement_(session) {
    std::apply([&](auto&... in) { (in.bind(statement_), ...); }, in_);
    bind_columns(std::index_sequence_for<Out...>{});
    statement_.alloc();
    statement_.prepare(sql, soci::details::st_repeatable_query);
    statement_.define_and_bind();
  }

  // Runs it with `in` for its placeholders, in order; reads every row, so that nothing of the
  // statement stays in progress.
  std::vector<Row<Out...>> run(const In&... in) {
    std::apply([&](auto&... bound) { (bound.set(in), ...); }, in_);
    std::vector<Row<Out...>> rows;
    if constexpr (sizeof...(Out) == 0) {
      statement_.execute(true);
    } else {
      statement_.execute(false);
      while (statement_.fetch()) rows.push_back(row(std::index_sequence_for<Out...>{}));
    }
    return rows;
  }

  // How many rows the last run changed (an UPDATE's or a DELETE's).
  long long affected_rows() { return statement_.get_affected_rows(); }

 private:
  template <std::size_t... I>
  void bind_columns(std::index_sequence<I...>) {
    (statement_.exchange(soci::into(std::get<I>(out_), indicators_[I])), ...);
  }
  template <std::size_t... I>
  Row<Out...> row(std::index_sequence<I...>) const {
    return Row<Out...>{
        (indicators_[I] == soci::i_ok ? std::optional<Out>(std::get<I>(out_)) : std::nullopt)...};
  }

  std::tuple<Bound<In>...> in_;
  std::tuple<Out...> out_;
  std::array<soci::indicator, sizeof...(Out)> indicators_{};
  soci::statement statement_;  // bound to the above: declared after them, destroyed first
};

template <class In, class Out>
class NativeSqliteStatement;

// The same on SQLite, through its own API: values bound as they are given, columns read
// straight into the row.
template <class... In, class... Out>
class NativeSqliteStatement<std::tuple<In...>, std::tuple<Out...>> final : public StatementBase {
 public:
  NativeSqliteStatement(soci::session& session, const std::string& sql) : statement_(session, sql) {
    // SQLite would take a value missing as NULL, and one too many as an error at each run.
    if (statement_.parameters() != static_cast<int>(sizeof...(In))) {
      throw std::logic_error(std::to_string(statement_.parameters()) + " placeholders, " +
                             std::to_string(sizeof...(In)) + " values given: " + sql);
    }
  }

  std::vector<Row<Out...>> run(const In&... in) {
    int index = 0;
    (bind(++index, in), ...);
    std::vector<Row<Out...>> rows;
    while (statement_.step()) rows.push_back(row(std::index_sequence_for<Out...>{}));
    return rows;
  }

  long long affected_rows() const { return statement_.changes(); }

 private:
  void bind(int index, const std::string& value) {
    statement_.bind(index, std::string_view(value));
  }
  template <class T>
  void bind(int index, const T& value) {
    statement_.bind(index, value);
  }
  template <class T>
  void bind(int index, const std::optional<T>& value) {
    if (value) {
      bind(index, *value);
    } else {
      statement_.bind_null(index);
    }
  }

  template <class T>
  std::optional<T> column(int index) const {
    if (statement_.is_null(index)) return std::nullopt;
    T value{};
    statement_.read(index, value);
    return value;
  }
  template <std::size_t... I>
  Row<Out...> row(std::index_sequence<I...>) const {
    return Row<Out...>{column<Out>(static_cast<int>(I))...};
  }

  sqlite::SqliteStatement statement_;
};

}  // namespace detail

// The statements of one connection, each parsed and planned once: a small write spends most
// of its time parsing its statements otherwise (SQLite), or parsing and planning them
// (PostgreSQL, where running a prepared statement is one round trip like running it one-shot).
// Used by the holder of the connection only; destroyed before the connection (its statements
// belong to it).
class StatementCache {
 public:
  explicit StatementCache(Backend backend) : backend_(backend) {}

  // Runs `use` with the statement of `sql`, prepared now if it is new. A statement whose run
  // failed is dropped, to be prepared again when next needed: SOCI's PostgreSQL backend keeps
  // the buffers of a failed run's values, and its next run allocates them anew (a leak).
  // Looked up by the text as given (a string literal, mostly): no copy of it is made to find
  // its statement, only to keep a new one.
  template <class In, class Out, class Use>
  auto run(soci::session& session, std::string_view sql, Use use) {
    if (backend_ == Backend::sqlite)
      return run_as<detail::NativeSqliteStatement<In, Out>>(session, sql, use);
    return run_as<detail::SociStatement<In, Out>>(session, sql, use);
  }

  // Before the connection is opened again: its statements belong to the old one.
  void clear() { statements_.clear(); }

 private:
  template <class Statement, class Use>
  auto run_as(soci::session& session, std::string_view sql, Use& use) {
    auto found = statements_.find(sql);
    if (found == statements_.end()) {
      std::string text(sql);
      auto statement = std::make_unique<Statement>(session, text);
      found = statements_.emplace(std::move(text), std::move(statement)).first;
    }
    auto* statement = dynamic_cast<Statement*>(found->second.get());
    if (!statement) {
      throw std::logic_error("one SQL statement used with two sets of types: " + std::string(sql));
    }
    try {
      return use(*statement);
    } catch (...) {
      statements_.erase(found);  // use() runs the statement only: nothing was added meanwhile
      throw;
    }
  }

  // SQLite's statements run through its own API, PostgreSQL's through SOCI's.
  Backend backend_;
  // Hashes std::string and std::string_view alike, so that find() takes a view.
  struct TextHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view text) const {
      return std::hash<std::string_view>{}(text);
    }
  };
  std::unordered_map<std::string, std::unique_ptr<detail::StatementBase>, TextHash, std::equal_to<>>
      statements_;
};

}  // namespace allocation::adapters::sql
