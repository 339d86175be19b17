#include "fault_run/workload.hpp"

#include <httplib.h>

#include <thread>

namespace allocation::fault_run {

namespace {

using nlohmann::json;

int draw(std::mt19937_64& random, int low, int high) {
  return std::uniform_int_distribution<int>(low, high)(random);
}
bool chance(std::mt19937_64& random, double p) { return std::bernoulli_distribution(p)(random); }
template <class T>
const T& pick(std::mt19937_64& random, const std::vector<T>& from) {
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(random)];
}

Operation request(std::string kind, std::string method, std::string path, json body = json()) {
  Operation operation;
  operation.kind = std::move(kind);
  operation.method = std::move(method);
  operation.path = std::move(path);
  operation.body = std::move(body);
  return operation;
}

std::string date(int year, int month, int day) {
  char text[11];
  std::snprintf(text, sizeof text, "%04d-%02d-%02d", year, month, day);
  return text;
}

Operation add_batch(long id, std::mt19937_64& random) {
  json body = {{"ref", "B" + std::to_string(id)},
               {"sku", sku_name(draw(random, 0, kSkus - 1))},
               {"qty", draw(random, 0, 30)},
               {"warehouse", pick(random, kWarehouses)}};
  if (chance(random, 0.3)) body["eta"] = date(2031, draw(random, 1, 12), draw(random, 1, 28));
  // Some perishable, a few of them past their date: never allocated from.
  if (chance(random, 0.25)) {
    body["expires"] = chance(random, 0.3) ? date(2020, 1, draw(random, 1, 28))
                                          : date(2032, draw(random, 1, 12), draw(random, 1, 28));
  }
  return request("add_batch", "POST", "/add_batch", body);
}

Operation allocate(long id, std::mt19937_64& random, const Known& known) {
  json body = {{"orderid", "O" + std::to_string(id)},
               {"sku", sku_name(draw(random, 0, kSkus - 1))},
               {"qty", draw(random, 1, 6)}};
  const int variant = draw(random, 0, 9);
  if (variant < 2) body["split"] = true;
  if (variant >= 2 && variant < 4)
    body["warehouse"] = chance(random, 0.8) ? pick(random, kWarehouses) : "nowhere";
  if (variant >= 4 && variant < 6) {
    if (const auto hold = known.hold(random)) {
      body["reservation"] = hold->id;
      body["sku"] = hold->sku;
    }
  }
  return request("allocate", "POST", "/allocate", body);
}

std::optional<Operation> on_order(const std::string& kind, std::mt19937_64& random,
                                  const Known& known) {
  const auto order = known.order(random);
  if (!order) return std::nullopt;
  if (kind == "cancel") return request(kind, "POST", "/orders/" + order->orderid + "/cancel");
  return request(kind, "POST", "/deallocate",
                 json{{"orderid", order->orderid}, {"sku", order->sku}});
}

std::optional<Operation> on_hold(const std::string& kind, std::mt19937_64& random,
                                 const Known& known) {
  const auto hold = known.hold(random);
  if (!hold) return std::nullopt;
  if (kind == "extend") {
    return request(kind, "POST", "/reservations/" + hold->id + "/extend",
                   json{{"ttl_s", draw(random, 1, 300)}});
  }
  return request(kind, "DELETE", "/reservations/" + hold->id);
}

Operation reserve(long id, std::mt19937_64& random) {
  return request("reserve", "POST", "/reservations",
                 json{{"id", "H" + std::to_string(id)},
                      {"sku", sku_name(draw(random, 0, kSkus - 1))},
                      {"qty", draw(random, 1, 4)},
                      {"ttl_s", draw(random, 1, 300)}});
}

std::optional<Operation> change_quantity(std::mt19937_64& random, const Known& known) {
  const auto batch = known.batch(random);
  if (!batch) return std::nullopt;
  return request("change_quantity", "POST", "/change_batch_quantity",
                 json{{"ref", batch->ref}, {"qty", draw(random, 0, 30)}});
}

Operation warehouse_priority(std::mt19937_64& random) {
  return request("warehouse_priority", "PUT", "/warehouses/" + pick(random, kWarehouses),
                 json{{"priority", draw(random, -5, 5)}});
}

Operation policy(std::mt19937_64& random) {
  json body = {{"backorders", chance(random, 0.5)}};
  if (chance(random, 0.5))
    body["low_stock_threshold"] = chance(random, 0.2) ? json(nullptr) : json(draw(random, 0, 5));
  return request("policy", "PATCH", "/products/" + sku_name(draw(random, 0, kSkus - 1)), body);
}

httplib::Result send(httplib::Client& client, const Operation& operation) {
  const httplib::Headers headers = {
      {"Idempotency-Key", "fault-run-" + std::to_string(operation.id)}};
  const std::string body = operation.body.is_null() ? std::string() : operation.body.dump();
  if (operation.method == "PUT")
    return client.Put(operation.path, headers, body, "application/json");
  if (operation.method == "PATCH")
    return client.Patch(operation.path, headers, body, "application/json");
  if (operation.method == "DELETE") return client.Delete(operation.path, headers);
  return client.Post(operation.path, headers, body, "application/json");
}

}  // namespace

std::string sku_name(int sku) { return "SKU-" + std::to_string(sku); }

void Known::learn(const Operation& operation) {
  if (operation.outcome == Outcome::refused) return;
  const json& body = operation.body;
  std::lock_guard lock(mutex_);
  if (operation.kind == "add_batch")
    batches_.push_back({body["ref"].get<std::string>(), body["sku"].get<std::string>()});
  if (operation.kind == "allocate")
    orders_.push_back({body["orderid"].get<std::string>(), body["sku"].get<std::string>()});
  if (operation.kind == "reserve") {
    holds_.push_back({body["id"].get<std::string>(), body["sku"].get<std::string>()});
    if (holds_.size() > 64) holds_.erase(holds_.begin());
  }
}

std::optional<Known::Batch> Known::batch(std::mt19937_64& random) const {
  std::lock_guard lock(mutex_);
  if (batches_.empty()) return std::nullopt;
  return pick(random, batches_);
}
std::optional<Known::Order> Known::order(std::mt19937_64& random) const {
  std::lock_guard lock(mutex_);
  if (orders_.empty()) return std::nullopt;
  return pick(random, orders_);
}
std::optional<Known::Hold> Known::hold(std::mt19937_64& random) const {
  std::lock_guard lock(mutex_);
  if (holds_.empty()) return std::nullopt;
  return pick(random, holds_);
}

Operation next_operation(long id, std::mt19937_64& random, const Known& known) {
  // Weights: allocations most, then holds, new stock and quantity changes; the rest now and then.
  std::optional<Operation> drawn;
  while (!drawn) {
    const int roll = draw(random, 0, 99);
    if (roll < 10)
      drawn = add_batch(id, random);
    else if (roll < 40)
      drawn = allocate(id, random, known);
    else if (roll < 48)
      drawn = on_order("cancel", random, known);
    else if (roll < 52)
      drawn = on_order("deallocate", random, known);
    else if (roll < 64)
      drawn = reserve(id, random);
    else if (roll < 69)
      drawn = on_hold("extend", random, known);
    else if (roll < 75)
      drawn = on_hold("release", random, known);
    else if (roll < 88)
      drawn = change_quantity(random, known);
    else if (roll < 93)
      drawn = warehouse_priority(random);
    else
      drawn = policy(random);
  }
  drawn->id = id;
  return std::move(*drawn);
}

void perform(Operation& operation, const Cluster& cluster, std::mt19937_64& random) {
  operation.start = Clock::now();
  bool unsure = false;  // an attempt went unanswered or failed: it may still take effect
  operation.outcome = Outcome::ambiguous;
  while (operation.attempts < 5) {
    const auto process = cluster.any(random);
    if (!process) {  // every process is down: wait for one
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      continue;
    }
    httplib::Client client("127.0.0.1", process->port());
    client.set_connection_timeout(1);
    client.set_read_timeout(15);
    ++operation.attempts;
    const auto result = send(client, operation);
    operation.status = result ? result->status : 0;
    operation.answer = result ? json::parse(result->body, nullptr, false) : json();
    if (result && result->status >= 200 && result->status < 300) {
      operation.outcome = Outcome::ok;
      break;
    }
    if (result && result->status >= 400 && result->status < 500) {
      operation.outcome = unsure ? Outcome::ambiguous : Outcome::refused;
      break;
    }
    unsure = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(draw(random, 100, 600)));
  }
  operation.end = Clock::now();
}

}  // namespace allocation::fault_run
