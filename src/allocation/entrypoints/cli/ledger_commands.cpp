#include "allocation/entrypoints/cli/ledger_commands.hpp"

#include <iostream>
#include <memory>
#include <optional>
#include <string>

#include "allocation/entrypoints/decoding.hpp"

namespace allocation::entrypoints {

namespace {

// A usage error (exit 2) when `check` refuses the value, with the message the HTTP API gives.
CLI::Validator refused_as_by_http(std::function<void(const std::string&)> check,
                                  const char* description) {
  return CLI::Validator(
      [check = std::move(check)](std::string& value) -> std::string {
        try {
          check(value);
          return {};
        } catch (const BadRequest& error) {
          return error.what();
        }
      },
      description);
}

struct MovementsArguments {
  std::string sku;
  std::optional<std::string> after;
  std::optional<std::string> limit;
};

int print_movements(bootstrap::Application& application, const MovementsArguments& arguments) {
  const auto query = decode_movements_query(arguments.after, arguments.limit);
  const auto page = application.stock_ledger().movements(arguments.sku, query.after, query.limit);
  if (!page) {
    std::cerr << "allocation: unknown sku " << arguments.sku << "\n";
    return 1;
  }
  for (const auto& m : page->movements) {
    std::cout << m.seq << " " << m.at << " " << m.batchref << " " << m.kind << " " << m.qty;
    if (m.orderid) std::cout << " order " << *m.orderid;
    if (m.reason) std::cout << " reason " << *m.reason;
    if (m.reservation) std::cout << " reservation " << *m.reservation;
    std::cout << "\n";
  }
  if (page->next) std::cout << "more: --after " << *page->next << "\n";
  return 0;
}

int verify(bootstrap::Application& application) {
  const auto check = application.stock_ledger().verify();
  for (const auto& d : check.differences) {
    std::cout << (d.batchref.empty() ? "ledger" : "batch " + d.batchref) << ": " << d.field
              << " stored " << d.stored << ", recomputed from the ledger " << d.recomputed << "\n";
  }
  if (!check.differences.empty()) return 1;
  std::cout << "ledger verified: " << check.batches << " batches, " << check.movements
            << " movements, no difference\n";
  return 0;
}

}  // namespace

void add_ledger_commands(const ServiceCommand& service_command) {
  auto arguments = std::make_shared<MovementsArguments>();
  auto* movements =
      service_command("movements", "List a product's stock movements (the ledger), oldest first",
                      [arguments](bootstrap::Application& application) {
                        return print_movements(application, *arguments);
                      });
  movements->add_option("--sku", arguments->sku, "Product SKU")
      ->required()
      ->check(refused_as_by_http([](const std::string& v) { check_identifier(v, "sku"); }, "ID"));
  movements->add_option("--after", arguments->after, "Only the movements after this seq")
      ->check(refused_as_by_http(
          [](const std::string& v) { decode_movements_query(v, std::nullopt); }, "SEQ"));
  movements
      ->add_option("--limit", arguments->limit,
                   "At most this many movements (1 to 1000; default 100)")
      ->check(refused_as_by_http(
          [](const std::string& v) { decode_movements_query(std::nullopt, v); }, "INT"));

  service_command("verify",
                  "Recompute every batch's stock from the ledger and compare it with the stored "
                  "batches and lines; exit 1 if they differ",
                  [](bootstrap::Application& application) { return verify(application); });
}

}  // namespace allocation::entrypoints
