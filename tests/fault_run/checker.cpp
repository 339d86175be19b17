#include "fault_run/checker.hpp"

#include <hiredis/hiredis.h>
#include <httplib.h>
#include <soci/into.h>
#include <soci/row-exchange.h>
#include <soci/row.h>
#include <soci/rowset.h>
#include <soci/session.h>
#include <soci/use.h>

#include <functional>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <tuple>

#include "allocation/adapters/redis/redis_connection.hpp"
#include "allocation/adapters/sql/database.hpp"
#include "allocation/adapters/sql/sql_reservations.hpp"
#include "fault_run/workload.hpp"

namespace allocation::fault_run {

namespace {

using nlohmann::json;
using service_layer::HoldStatus;

// What a change to the stock is known by, in the ledger and in its message: the order line or
// hold, the batch, and the units.
using ChangeKey = std::tuple<std::string, std::string, int>;

class Checker {
 public:
  Checker(const Cluster& cluster, const std::vector<Operation>& history)
      : cluster_(cluster),
        history_(history),
        database_(std::make_shared<adapters::sql::Database>(
            cluster.settings().database_url, adapters::sql::DatabaseOptions{.pool_size = 2})),
        reservations_(database_) {}

  std::vector<std::string> run() {
    check_batches();
    check_orders();
    check_holds();
    check_values();
    check_ledger_names_only_what_was_asked();
    check_verify();
    check_messages();
    check_expired_holds_ended();
    return std::move(violations_);
  }

 private:
  void found(std::string violation) { violations_.push_back(std::move(violation)); }

  // A GET to a process that is up; {0, null} when none answers.
  std::pair<int, json> get(const std::string& path) {
    for (int attempt = 0; attempt < 5; ++attempt) {
      const auto process = cluster_.any(random_);
      if (!process) continue;
      auto client = process->client();
      if (const auto result = client.Get(path); result && result->status != 503)
        return {result->status, json::parse(result->body, nullptr, false)};
    }
    return {0, json()};
  }

  bool taken_off_for_good(const std::string& orderid) {
    auto lease = database_->acquire();
    std::string kind, reason;
    soci::indicator reason_null = soci::i_ok;
    lease.session()
        << "SELECT kind, reason FROM movements WHERE orderid = :o ORDER BY seq DESC LIMIT 1",
        soci::use(orderid), soci::into(kind), soci::into(reason, reason_null);
    return kind == "released" && reason_null == soci::i_ok && reason == "batch_changed";
  }

  std::vector<const Operation*> of_kind(const std::string& kind) const {
    std::vector<const Operation*> found;
    for (const auto& operation : history_)
      if (operation.kind == kind) found.push_back(&operation);
    return found;
  }

  static std::string named(const Operation& operation) {
    return operation.kind + " #" + std::to_string(operation.id) + " " + operation.method + " " +
           operation.path + (operation.body.is_null() ? "" : " " + operation.body.dump()) + " (" +
           outcome_name(operation.outcome) + ", " + std::to_string(operation.status) + ")";
  }

  void check_batches() {
    for (int sku = 0; sku < kSkus; ++sku) {
      const auto [status, product] = get("/products/" + sku_name(sku));
      if (status != 200) continue;
      for (const json& batch : product["batches"]) {
        const int allocated = batch["allocated"], reserved = batch["reserved"],
                  purchased = batch["purchased"];
        if (allocated + reserved > purchased) {
          found("batch " + batch["ref"].get<std::string>() +
                " over-committed: " + std::to_string(allocated) + " allocated + " +
                std::to_string(reserved) + " reserved > " + std::to_string(purchased));
        }
      }
    }
    for (const Operation* add : of_kind("add_batch")) {
      const auto [status, batch] = get("/batches/" + add->body["ref"].get<std::string>());
      if (add->outcome == Outcome::ok && (status != 200 || batch["sku"] != add->body["sku"]))
        found(named(*add) + ": acknowledged, but the batch is not there");
      if (add->outcome == Outcome::refused && status != 404)
        found(named(*add) + ": refused, but the batch is there");
    }
  }

  void check_orders() {
    std::map<std::string, const Operation*> allocations;
    for (const Operation* allocate : of_kind("allocate")) {
      const std::string orderid = allocate->body["orderid"];
      allocations[orderid] = allocate;
      const auto [status, order] = get("/orders/" + orderid);
      // 202 {"batchref": null} without "backordered": out of stock, and nothing kept.
      const bool kept =
          allocate->answer.is_object() && (!allocate->answer.value("batchref", json()).is_null() ||
                                           allocate->answer.value("backordered", false) ||
                                           allocate->answer.contains("allocations"));
      // A line a quantity change took off its batch, when no batch could take it again and
      // backorders were off, is gone (part one's rule): its last movement says so.
      if (allocate->outcome == Outcome::ok && kept && status != 200 && !taken_off_for_good(orderid))
        found(named(*allocate) + ": acknowledged, but GET /orders/" + orderid + " answers " +
              std::to_string(status) + " " + order.dump());
      if (((allocate->outcome == Outcome::ok && !kept) || allocate->outcome == Outcome::refused) &&
          status != 404)
        found(named(*allocate) + ": refused, but a line is there");
      if (status != 200) continue;
      if (order["lines"].size() != 1) {
        found(orderid + " has " + std::to_string(order["lines"].size()) +
              " lines: " + order.dump());
        continue;
      }
      const json& line = order["lines"][0];
      int parts = 0;
      for (const json& part : line["allocations"]) parts += part["qty"].get<int>();
      // A part of a split line that a quantity change took off, when no batch could take it
      // again and backorders were off, is gone, and the line keeps its other parts (README,
      // "A quantity change takes one part off"): fewer units, and the movement that says so.
      const bool whole = parts == line["qty"].get<int>() ||
                         (parts < line["qty"].get<int>() && taken_off_for_good(orderid));
      if (line["sku"] != allocate->body["sku"] || line["qty"] != allocate->body["qty"] ||
          (parts != 0 && !whole))
        found(orderid +
              " is not the line asked for, allocated whole or not at all: " + order.dump());
      if (line["status"] == "allocated" && !whole)
        found(orderid + " is allocated, with " + std::to_string(parts) +
              " of its units in batches: " + order.dump());
      if (allocate->outcome == Outcome::ok && allocate->body.contains("reservation")) {
        const auto hold = reservations_.find(allocate->body["reservation"].get<std::string>());
        if (!hold || hold->status != HoldStatus::consumed)
          found(named(*allocate) + ": acknowledged, but its hold is not used up");
      }
    }
    for (const std::string kind : {"cancel", "deallocate"}) {
      for (const Operation* cancel : of_kind(kind)) {
        if (cancel->outcome != Outcome::ok) continue;
        const std::string orderid = kind == "cancel"
                                        ? cancel->path.substr(8, cancel->path.size() - 8 - 7)
                                        : cancel->body["orderid"].get<std::string>();
        const auto [status, order] = get("/orders/" + orderid);
        if (status != 200 || order["lines"].empty() || order["lines"][0]["status"] != "cancelled")
          found(named(*cancel) + ": acknowledged, but the line is not cancelled: " + order.dump());
      }
    }
  }

  void check_holds() {
    for (const Operation* reserve : of_kind("reserve")) {
      const auto hold = reservations_.find(reserve->body["id"].get<std::string>());
      if (reserve->outcome == Outcome::ok && !hold)
        found(named(*reserve) + ": acknowledged, but no hold");
      if (reserve->outcome == Outcome::refused && hold)
        found(named(*reserve) + ": refused, but the hold is there");
    }
    for (const Operation* release : of_kind("release")) {
      if (release->outcome != Outcome::ok) continue;
      const auto hold =
          reservations_.find(release->path.substr(std::string("/reservations/").size()));
      if (!hold || hold->status != HoldStatus::released)
        found(named(*release) + ": acknowledged, but the hold is not released");
    }
  }

  // A value written again and again ends as one that a write put there which no acknowledged
  // write began after the end of (an ambiguous write may end at any time).
  struct Write {
    json value;
    Clock::time_point start, end;
    bool acknowledged;
  };
  void check_register(const std::string& what, const json& final,
                      const std::vector<Write>& writes) {
    std::optional<Clock::time_point> last_acknowledged_start;
    for (const auto& write : writes) {
      if (write.acknowledged &&
          (!last_acknowledged_start || write.start > *last_acknowledged_start))
        last_acknowledged_start = write.start;
    }
    std::set<std::string> possible;
    for (const auto& write : writes) {
      if (!last_acknowledged_start || write.end >= *last_acknowledged_start)
        possible.insert(write.value.dump());
    }
    if (!possible.contains(final.dump())) {
      std::string allowed;
      for (const auto& value : possible) allowed += " " + value;
      found(what + " is " + final.dump() + "; acknowledged and ambiguous writes allow only" +
            allowed);
    }
  }
  Write write_of(const Operation& operation, json value) const {
    return {std::move(value), operation.start,
            operation.outcome == Outcome::ok ? operation.end : Clock::time_point::max(),
            operation.outcome == Outcome::ok};
  }

  void check_values() {
    std::map<std::string, std::vector<Write>> quantities, priorities, backorders, thresholds;
    for (const auto& operation : history_) {
      if (operation.outcome == Outcome::refused) continue;
      const json& body = operation.body;
      if (operation.kind == "add_batch" || operation.kind == "change_quantity")
        quantities[body["ref"]].push_back(write_of(operation, body["qty"]));
      if (operation.kind == "warehouse_priority")
        priorities[operation.path.substr(std::string("/warehouses/").size())].push_back(
            write_of(operation, body["priority"]));
      if (operation.kind == "policy") {
        const std::string sku = operation.path.substr(std::string("/products/").size());
        backorders[sku].push_back(write_of(operation, body["backorders"]));
        if (body.contains("low_stock_threshold"))
          thresholds[sku].push_back(write_of(operation, body["low_stock_threshold"]));
      }
    }
    for (const auto& [ref, writes] : quantities) {
      const auto [status, batch] = get("/batches/" + ref);
      if (status == 200) check_register("batch " + ref + "'s quantity", batch["purchased"], writes);
    }
    const auto [status, listed] = get("/warehouses");
    for (const json& warehouse : listed["warehouses"]) {
      auto writes = priorities[warehouse["id"]];
      writes.push_back(
          {100, Clock::time_point::min(), Clock::time_point::min(), true});  // the default
      if (warehouse["configured"] == true) writes.pop_back();
      check_register("warehouse " + warehouse["id"].get<std::string>() + "'s priority",
                     warehouse["priority"], writes);
    }
    for (int s = 0; s < kSkus; ++s) {
      const std::string sku = sku_name(s);
      const auto [found_status, product] = get("/products/" + sku);
      if (found_status != 200) continue;
      auto on = backorders[sku], threshold = thresholds[sku];
      on.push_back({false, Clock::time_point::min(), Clock::time_point::min(), true});
      threshold.push_back({nullptr, Clock::time_point::min(), Clock::time_point::min(), true});
      check_register(sku + "'s backorders", product["backorders"], on);
      check_register(sku + "'s low-stock threshold", product["low_stock_threshold"], threshold);
    }
  }

  std::set<std::string> asked(const std::string& kind, const std::string& field) const {
    std::set<std::string> names;
    for (const auto& operation : history_)
      if (operation.kind == kind && operation.outcome != Outcome::refused)
        names.insert(operation.body[field]);
    return names;
  }

  void check_ledger_names_only_what_was_asked() {
    const auto orders = asked("allocate", "orderid"), batches = asked("add_batch", "ref"),
               holds = asked("reserve", "id");
    auto lease = database_->acquire();
    const auto unasked = [&](const std::string& column, const std::set<std::string>& names,
                             const char* what) {
      const soci::rowset<std::string> rows =
          (lease.session().prepare
           << "SELECT DISTINCT " + column + " FROM movements WHERE " + column + " IS NOT NULL");
      for (const std::string& name : rows)
        if (!names.contains(name))
          found(std::string("the ledger names ") + what + " " + name + ", never asked for");
    };
    unasked("orderid", orders, "order");
    unasked("batchref", batches, "batch");
    unasked("reservation", holds, "hold");
  }

  void check_verify() {
    const auto verified =
        testing::run_allocation({"verify", "--db", cluster_.settings().database_url});
    if (verified.exit_code != 0)
      found("allocation verify: exit " + std::to_string(verified.exit_code) + "\n" + verified.out +
            verified.err);
  }

  // Each stream's messages by message_id; a message_id with two payloads is a violation.
  std::multiset<ChangeKey> published(adapters::redis::RedisConnection& redis,
                                     const std::string& stream, const char* subject) {
    std::map<std::string, json> by_id;
    std::string from = "-";
    for (;;) {
      const auto page = redis.command({"XRANGE", stream, from, "+", "COUNT", "1000"});
      if (page->elements == 0) break;
      for (std::size_t e = 0; e < page->elements; ++e) {
        const redisReply* fields = page->element[e]->element[1];
        const json message =
            json::parse(std::string(fields->element[1]->str, fields->element[1]->len));
        const auto [at, added] = by_id.emplace(message["message_id"].get<std::string>(), message);
        if (!added && at->second != message)
          found(stream + ": message " + at->first + " sent as two payloads: " + at->second.dump() +
                " and " + message.dump());
      }
      from = "(" + std::string(page->element[page->elements - 1]->element[0]->str);
    }
    std::multiset<ChangeKey> keys;
    for (const auto& [id, message] : by_id)
      keys.insert(ChangeKey{message[subject].get<std::string>(),
                            message["batchref"].get<std::string>(), message["qty"].get<int>()});
    return keys;
  }

  std::multiset<ChangeKey> recorded(const std::string& kind, const std::string& subject,
                                    const std::string& reasons) {
    std::multiset<ChangeKey> keys;
    auto lease = database_->acquire();
    const soci::rowset<soci::row> rows =
        (lease.session().prepare << "SELECT " + subject +
                                        ", batchref, qty FROM movements WHERE kind = '" + kind +
                                        "'" + reasons);
    for (const soci::row& row : rows) {
      const int qty = row.get<int>(2);
      keys.insert({row.get<std::string>(0), row.get<std::string>(1), qty < 0 ? -qty : qty});
    }
    return keys;
  }

  void compare(const std::string& what, const std::multiset<ChangeKey>& ledger,
               const std::multiset<ChangeKey>& messages) {
    std::vector<ChangeKey> unpublished, unrecorded;
    std::set_difference(ledger.begin(), ledger.end(), messages.begin(), messages.end(),
                        std::back_inserter(unpublished));
    std::set_difference(messages.begin(), messages.end(), ledger.begin(), ledger.end(),
                        std::back_inserter(unrecorded));
    for (std::size_t i = 0; i < unpublished.size() && i < 10; ++i)
      found(what + ": " + std::get<0>(unpublished[i]) + " in " + std::get<1>(unpublished[i]) +
            " (" + std::to_string(std::get<2>(unpublished[i])) + ") is in the ledger, unpublished");
    for (std::size_t i = 0; i < unrecorded.size() && i < 10; ++i)
      found(what + ": " + std::get<0>(unrecorded[i]) + " in " + std::get<1>(unrecorded[i]) + " (" +
            std::to_string(std::get<2>(unrecorded[i])) + ") published more than the ledger has");
  }

  void check_messages() {
    adapters::redis::RedisConnection redis(cluster_.broker());
    compare("line_allocated", recorded("allocated", "orderid", ""),
            published(redis, "line_allocated", "orderid"));
    compare("line_deallocated", recorded("released", "orderid", ""),
            published(redis, "line_deallocated", "orderid"));
    compare("reservation_released",
            recorded("unreserved", "reservation", " AND reason IN ('requested', 'stock')"),
            published(redis, "reservation_released", "id"));
    compare("reservation_expired", recorded("unreserved", "reservation", " AND reason = 'expired'"),
            published(redis, "reservation_expired", "id"));
  }

  // The processes' clock, less one sweep, less the second their clock file may be read late,
  // less a second of slack for a sweep under way.
  void check_expired_holds_ended() {
    const auto now =
        std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now()) +
        cluster_.clock_offset() - std::chrono::seconds(cluster_.settings().sweep_seconds + 2);
    const auto overdue = reservations_.skus_with_expired(now, 10);
    for (const auto& sku : overdue) found("a hold of " + sku + " outlived its expiry plus a sweep");
  }

  const Cluster& cluster_;
  const std::vector<Operation>& history_;
  std::shared_ptr<adapters::sql::Database> database_;
  adapters::sql::SqlReservations reservations_;
  std::mt19937_64 random_{1};
  std::vector<std::string> violations_;
};

}  // namespace

std::vector<std::string> check(const Cluster& cluster, const std::vector<Operation>& history) {
  return Checker(cluster, history).run();
}

}  // namespace allocation::fault_run
