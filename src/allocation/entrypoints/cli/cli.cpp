#include "allocation/entrypoints/cli/cli.hpp"

#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <charconv>
#include <chrono>
#include <climits>
#include <deque>
#include <iostream>
#include <optional>

#include "allocation/bootstrap/application.hpp"
#include "allocation/bootstrap/build_info.hpp"
#include "allocation/domain/date.hpp"
#include "allocation/domain/hold.hpp"
#include "allocation/entrypoints/cli/bulk_commands.hpp"
#include "allocation/entrypoints/cli/ledger_commands.hpp"
#include "allocation/entrypoints/cli/logging.hpp"
#include "allocation/entrypoints/decoding.hpp"
#include "allocation/entrypoints/serve.hpp"

namespace allocation::entrypoints {

namespace {

namespace commands = domain::commands;

// Usage errors (exit 2) for values the service would refuse.
CLI::Validator identifier(const char* name) {
  return CLI::Validator(
      [name](std::string& value) -> std::string {
        try {
          check_identifier(value, name);
          return {};
        } catch (const BadRequest& error) {
          return error.what();
        }
      },
      "ID");
}

const CLI::Validator kDate(
    [](std::string& value) -> std::string {
      return domain::parse_date(value) ? "" : "'" + value + "' is not a real date YYYY-MM-DD";
    },
    "YYYY-MM-DD");

// An integer from `min` to `max`. CLI11's Range says "Value abc not in range" of a word, which
// does not tell that a number was expected.
CLI::Validator integer_in(long long min, long long max) {
  const std::string range = std::to_string(min) + " to " + std::to_string(max);
  return CLI::Validator(
      [min, max, range](std::string& value) -> std::string {
        long long number = 0;
        const char* end = value.data() + value.size();
        const auto [last, error] = std::from_chars(value.data(), end, number);
        if (error == std::errc::invalid_argument || last != end) {
          return "'" + value + "' is not a whole number; give " + range;
        }
        if (error == std::errc::result_out_of_range || number < min || number > max) {
          return value + " is out of range; give " + range;
        }
        return {};
      },
      "INT in [" + std::to_string(min) + " - " + std::to_string(max) + "]");
}

// Options of every subcommand that opens the database.
void add_database_option(CLI::App& command, bootstrap::Settings& settings) {
  command
      .add_option("--db", settings.database_url,
                  "sqlite:PATH or postgresql://user:pass@host:port/dbname")
      ->envname("ALLOCATION_DB")
      ->capture_default_str();
}

// Options of the subcommands that run until stopped: many units of work at once, the broker,
// and the replay of what dead processes left pending.
void add_long_running_options(CLI::App& command, bootstrap::Settings& settings) {
  command.add_option("--db-pool", settings.database_pool, "Database connections kept open")
      ->envname("ALLOCATION_DB_POOL")
      ->check(integer_in(1, 1000))
      ->capture_default_str();
  auto* broker = command
                     .add_option("--broker", settings.broker_url,
                                 "redis-streams://[[user]:password@]host:port or "
                                 "amqp://user:password@host:port/vhost (RabbitMQ), both kept until "
                                 "consumed, or redis://... (pub/sub): publish the outbox, consume "
                                 "change_batch_quantity")
                     ->envname("ALLOCATION_BROKER");
  command
      .add_option("--redis", settings.broker_url,
                  "redis://[[user]:password@]host:port: part one's Redis pub/sub, as --broker")
      ->envname("ALLOCATION_REDIS")
      ->excludes(broker);
  command
      .add_option("--stream-maxlen", settings.stream_max_length,
                  "Redis Streams: about how many entries each stream keeps")
      ->envname("ALLOCATION_STREAM_MAXLEN")
      ->check(integer_in(1, 1'000'000'000))
      ->capture_default_str();
  command
      .add_option("--claim-after", settings.claim_after_seconds,
                  "Redis Streams: seconds after which another consumer takes over a message "
                  "left unacknowledged")
      ->envname("ALLOCATION_CLAIM_AFTER")
      ->check(integer_in(0, 86400))
      ->capture_default_str();
  command
      .add_option("--max-deliveries", settings.max_deliveries,
                  "Redis Streams, RabbitMQ: deliveries of a message before it is "
                  "dead-lettered")
      ->envname("ALLOCATION_MAX_DELIVERIES")
      ->check(integer_in(1, 1000))
      ->capture_default_str();
  command
      .add_option("--consumer-name", settings.consumer_name,
                  "Redis Streams: this process's name in the consumer group (default "
                  "HOSTNAME-PID)")
      ->envname("ALLOCATION_CONSUMER_NAME");
  command
      .add_option("--recovery-interval", settings.recovery_interval_seconds,
                  "Seconds between replays of reallocations a dead process left pending")
      ->envname("ALLOCATION_RECOVERY_INTERVAL")
      ->check(integer_in(1, 86400))
      ->capture_default_str();
  command
      .add_option("--reservation-sweep", settings.reservation_sweep_seconds,
                  "Seconds between sweeps that end the holds whose time ran out and forget the "
                  "answers to idempotency keys older than 24 h")
      ->envname("ALLOCATION_RESERVATION_SWEEP")
      ->check(integer_in(1, 3600))
      ->capture_default_str();
}

// Options of the subcommands that may run a SKU out of stock, and so tell the stock team. A
// one-shot command's mail is tried once before the process exits (SmtpNotifications).
void add_mail_options(CLI::App& command, bootstrap::Settings& settings) {
  command
      .add_option("--smtp", settings.smtp_url,
                  "smtp://host:port: mail the stock team when a SKU runs out; none: log it")
      ->envname("ALLOCATION_SMTP");
  command.add_option("--mail-from", settings.mail_from, "Sender of notifications")
      ->envname("ALLOCATION_MAIL_FROM")
      ->capture_default_str();
  command.add_option("--mail-to", settings.mail_to, "Who is told when a SKU runs out")
      ->envname("ALLOCATION_MAIL_TO")
      ->capture_default_str();
}

// Options of the subcommand that answers reads.
void add_read_options(CLI::App& command, bootstrap::Settings& settings) {
  command
      .add_option("--read-cache-ttl", settings.read_cache_ttl_ms,
                  "Milliseconds an order's allocations are answered from memory; the longest "
                  "another process's change to them goes unseen (0: always read the database)")
      ->envname("ALLOCATION_READ_CACHE_TTL")
      ->check(integer_in(0, 3'600'000))
      ->capture_default_str();
  command
      .add_option("--read-cache-orders", settings.read_cache_orders,
                  "Orders whose allocations are kept in memory")
      ->envname("ALLOCATION_READ_CACHE_ORDERS")
      ->check(integer_in(1, 10'000'000))
      ->capture_default_str();
}

const std::vector<std::string> kLogLevels = {"trace", "debug", "info", "warn", "error", "off"};

// How the process logs: --log-level and --log-format.
struct LogOptions {
  std::string level = "info";
  std::string format = "text";

  adapters::logging::LogFormat log_format() const {
    return format == "json" ? adapters::logging::LogFormat::json
                            : adapters::logging::LogFormat::text;
  }
};

// The options of the whole program, taken before or after the subcommand.
void add_global_options(CLI::App& app, LogOptions& log) {
  app.set_version_flag("--version", "allocation " + std::string(bootstrap::build_info().version),
                       "Print the version and exit");
  std::string levels;
  for (const auto& level : kLogLevels) levels += (levels.empty() ? "" : ", ") + level;
  app.add_option("--log-level", log.level, "Least severe events logged: " + levels)
      ->envname("ALLOCATION_LOG_LEVEL")
      ->check(CLI::IsMember(kLogLevels))
      ->capture_default_str();
  app.add_option("--log-format", log.format,
                 "How log lines are written: text (for a person) or json (one object per line, "
                 "for a log collector)")
      ->envname("ALLOCATION_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();
  // Subcommands created after this pass what they do not know to the app: `serve --log-level
  // debug` works as well as `--log-level debug serve`.
  app.fallthrough();
}

// The subcommand of `app` called `name`; null when there is none.
const CLI::App* find_subcommand(const CLI::App& app, const std::string& name) {
  const auto found =
      app.get_subcommands([&name](const CLI::App* command) { return command->get_name() == name; });
  return found.empty() ? nullptr : found.front();
}

// `allocation help [SUBCOMMAND]`: what `--help` prints, for those who type it as a word.
void add_help_command(CLI::App& app, std::function<int()>& action) {
  auto* help = app.add_subcommand("help", "Print this help, or a subcommand's: help SUBCOMMAND");
  help->fallthrough(false);  // in `help serve`, serve is the topic, not a second subcommand
  auto topic = std::make_shared<std::string>();
  help->add_option("subcommand", *topic, "The subcommand to explain")
      ->check(CLI::Validator(
          [&app](std::string& name) -> std::string {
            return find_subcommand(app, name) ? "" : "unknown subcommand '" + name + "'";
          },
          "SUBCOMMAND"));
  help->callback([&app, &action, topic] {
    action = [&app, topic] {
      // Not app.help(): it explains the subcommand given, which is `help` itself.
      const CLI::App* command = topic->empty() ? &app : find_subcommand(app, *topic);
      const std::string path = topic->empty() ? app.get_name() : app.get_name() + " " + *topic;
      std::cout << app.get_formatter()->make_help(command, path, CLI::AppFormatMode::Normal);
      return 0;
    };
  });
}

// What to say of the arguments CLI11 did not recognise, if any: it names them only once
// everything else is right (`allocation bogus` said "A subcommand is required", `allocate
// --bogus` that --orderid is required), and then values first.
std::optional<std::string> unrecognised(const CLI::App& app) {
  const auto left = app.remaining(true);
  const auto is_option = [](const std::string& arg) { return arg.starts_with('-'); };
  const auto chosen = app.get_subcommands();
  if (chosen.empty()) {
    if (const auto word = std::ranges::find_if_not(left, is_option); word != left.end()) {
      return "unknown subcommand '" + *word + "'";
    }
  }
  const auto option = std::ranges::find_if(left, is_option);
  if (option == left.end()) return std::nullopt;
  if (chosen.empty()) return "unknown option " + *option;
  return chosen.front()->get_name() + " takes no option " + *option;
}

// The exit code of a command line CLI11 refused, after saying why (2: usage), or of --help and
// --version (0).
int refuse(CLI::App& app, const CLI::ParseError& error) {
  if (error.get_exit_code() == 0) return app.exit(error);
  if (const auto why = unrecognised(app)) {
    app.exit(CLI::ParseError(*why, CLI::ExitCodes::ExtrasError));
  } else {
    app.exit(error);
  }
  return 2;
}

// What deallocate and cancel released, a line per part; `nothing` when nothing was.
void print_released(const std::vector<domain::events::Released>& parts, const char* nothing) {
  if (parts.empty()) std::cout << nothing << "\n";
  for (const auto& part : parts) {
    std::cout << "released " << part.qty << " of " << part.sku << " from "
              << (part.batchref ? "batch " + *part.batchref : std::string("the backorder queue"))
              << "\n";
  }
}

}  // namespace

int run_cli(int argc, char** argv) {
  CLI::App app{"allocation: allocates order lines to stock batches"};
  app.require_subcommand(1);
  LogOptions log;
  add_global_options(app, log);

  // One Settings per subcommand: CLI11 applies environment variables to the options of every
  // subcommand, so a shared one would let the environment overwrite the chosen command's flag.
  std::deque<bootstrap::Settings> all_settings;
  std::function<int()> action;

  HttpOptions http;
  auto* serve_command = app.add_subcommand("serve", "Serve the HTTP API");
  serve_command->add_option("--host", http.host, "Address to listen on")
      ->envname("ALLOCATION_HOST")
      ->capture_default_str();
  serve_command->add_option("--port", http.port, "Port to listen on (0: any free port)")
      ->envname("ALLOCATION_PORT")
      ->check(integer_in(0, 65535))
      ->capture_default_str();
  serve_command->add_option("--threads", http.threads, "HTTP connections served at once")
      ->envname("ALLOCATION_THREADS")
      ->check(integer_in(1, 4096))
      ->capture_default_str();
  auto& serve_command_settings = all_settings.emplace_back();
  serve_command_settings.log_stock_changes = true;
  add_database_option(*serve_command, serve_command_settings);
  add_long_running_options(*serve_command, serve_command_settings);
  add_mail_options(*serve_command, serve_command_settings);
  add_read_options(*serve_command, serve_command_settings);
  serve_command->callback([&] { action = [&] { return serve(serve_command_settings, http); }; });

  auto* worker_command = app.add_subcommand(
      "worker", "Consume change_batch_quantity and publish allocations, without HTTP");
  auto& worker_settings = all_settings.emplace_back();
  worker_settings.log_stock_changes = true;
  add_database_option(*worker_command, worker_settings);
  add_long_running_options(*worker_command, worker_settings);
  add_mail_options(*worker_command, worker_settings);
  MetricsEndpoint worker_metrics;
  worker_command
      ->add_option("--metrics-port", worker_metrics.port,
                   "Port to serve /metrics, /health/live and /health/ready on (0: any free port; "
                   "none by default)")
      ->envname("ALLOCATION_METRICS_PORT")
      ->check(integer_in(0, 65535));
  worker_command->add_option("--metrics-host", worker_metrics.host, "Address for --metrics-port")
      ->envname("ALLOCATION_METRICS_HOST")
      ->capture_default_str();
  // Without a broker a worker has nothing to do: a usage error, found before anything starts.
  worker_command->callback([&] {
    if (!worker_settings.broker_url) throw CLI::RequiredError("--broker or --redis");
    action = [&] { return work(worker_settings, worker_metrics); };
  });

  // A one-shot subcommand that runs `work` on the service composed from its own settings. It
  // runs one unit of work at a time: one connection (a pool of 16 cost PostgreSQL 16
  // authentications for nothing). `notifies`: whether it may run a SKU out of stock.
  const auto service_command = [&](const char* name, const char* description,
                                   std::function<int(bootstrap::Application&)> work,
                                   bool notifies = false) {
    CLI::App* command = app.add_subcommand(name, description);
    bootstrap::Settings& settings = all_settings.emplace_back();
    settings.database_pool = 1;
    add_database_option(*command, settings);
    if (notifies) add_mail_options(*command, settings);
    command->callback([&action, &settings, work = std::move(work)] {
      action = [&settings, &work] {
        bootstrap::Application application(settings);
        return work(application);
      };
    });
    return command;
  };

  service_command("migrate", "Create or upgrade the database schema", [](auto& application) {
    std::cout << "schema at version " << application.schema_version() << "\n";
    return 0;
  });

  commands::CreateBatch create{};
  std::string eta, expires;
  auto* add_batch = service_command("add-batch", "Add a batch of stock", [&](auto& application) {
    if (!eta.empty()) create.eta = domain::parse_date(eta);
    if (!expires.empty()) create.expires = domain::parse_date(expires);
    application.bus().handle(create);
    std::cout << "batch " << create.ref << " added\n";
    return 0;
  });
  add_batch->add_option("--ref", create.ref, "Batch reference")
      ->required()
      ->check(identifier("ref"));
  add_batch->add_option("--sku", create.sku, "Product SKU")->required()->check(identifier("sku"));
  add_batch->add_option("--qty", create.qty, "Purchased quantity")
      ->required()
      ->check(integer_in(0, INT_MAX));
  add_batch->add_option("--eta", eta, "Expected arrival; none: in the warehouse")->check(kDate);
  add_batch->add_option("--warehouse", create.warehouse, "The warehouse it is kept in")
      ->check(identifier("warehouse"))
      ->capture_default_str();
  add_batch
      ->add_option("--expires", expires,
                   "Last day its stock may be allocated (perishable); none: it keeps")
      ->check(kDate);

  commands::Allocate allocate{};
  auto* allocate_command = service_command(
      "allocate", "Allocate an order line",
      [&](auto& application) {
        const auto allocation = application.bus().handle(allocate);
        if (allocation.batchref && (allocate.split || allocation.parts.size() > 1)) {
          // One line per part: its batch and units.
          for (const auto& part : allocation.parts) {
            std::cout << part.batchref << " " << part.qty << "\n";
          }
          return 0;
        }
        std::cout << (allocation.batchref      ? *allocation.batchref
                      : allocation.backordered ? "backordered"
                                               : "out of stock")
                  << "\n";
        return 0;
      },
      /*notifies=*/true);
  allocate_command->add_option("--orderid", allocate.orderid, "Order id")
      ->required()
      ->check(identifier("orderid"));
  allocate_command->add_option("--sku", allocate.sku, "Product SKU")
      ->required()
      ->check(identifier("sku"));
  allocate_command->add_option("--qty", allocate.qty, "Quantity")
      ->required()
      ->check(integer_in(1, INT_MAX));
  allocate_command
      ->add_option("--reservation", allocate.reservation,
                   "A hold of this SKU the line takes its units from; the hold ends")
      ->check(identifier("reservation"));
  allocate_command
      ->add_option("--warehouse", allocate.warehouse,
                   "A warehouse whose batches come first (click and collect)")
      ->check(identifier("warehouse"));
  allocate_command->add_flag(
      "--split", allocate.split,
      "When no batch can take the whole line, take it from several; prints one line per part "
      "(batch and units)");

  commands::ChangeBatchQuantity change{};
  // Lines taken off the batch are allocated again, maybe out of stock.
  auto* change_command = service_command(
      "change-batch-quantity", "Set a batch's purchased quantity",
      [&](auto& application) {
        application.bus().handle(change);
        std::cout << "batch " << change.ref << " now holds " << change.qty << "\n";
        return 0;
      },
      /*notifies=*/true);
  change_command->add_option("--ref", change.ref, "Batch reference")
      ->required()
      ->check(identifier("ref"));
  change_command->add_option("--qty", change.qty, "New purchased quantity")
      ->required()
      ->check(integer_in(0, INT_MAX));

  commands::Deallocate deallocate{};
  // Freed units serve the backorder queue, which may leave the SKU in stock again.
  auto* deallocate_command = service_command(
      "deallocate", "Release an order's line of a SKU",
      [&](auto& application) {
        print_released(application.bus().handle(deallocate), "already released");
        return 0;
      },
      /*notifies=*/true);
  deallocate_command->add_option("--orderid", deallocate.orderid, "Order id")
      ->required()
      ->check(identifier("orderid"));
  deallocate_command->add_option("--sku", deallocate.sku, "Product SKU")
      ->required()
      ->check(identifier("sku"));

  std::string cancelled_order;
  auto* cancel = service_command(
      "cancel", "Release every line of an order",
      [&](auto& application) {
        print_released(application.bus().handle(commands::CancelOrder{cancelled_order}),
                       "nothing left to release");
        return 0;
      },
      /*notifies=*/true);
  cancel->add_option("orderid", cancelled_order, "Order id")
      ->required()
      ->check(identifier("orderid"));

  // Holds (SPEC §7.3). Each prints the hold: its id, its batch and when it expires (RFC 3339
  // UTC, milliseconds).
  const auto print_hold = [](const domain::Hold& hold) {
    std::cout << hold.id() << " " << hold.batchref() << " "
              << domain::format_instant(hold.expires_at()) << "\n";
  };

  commands::Reserve reserve{};
  std::string reserve_id;
  int reserve_ttl = kDefaultTtlSeconds;
  auto* reserve_command = service_command(
      "reserve", "Hold stock for a while in the batch allocate would pick", [&](auto& application) {
        if (!reserve_id.empty()) reserve.id = reserve_id;
        reserve.ttl = std::chrono::seconds(reserve_ttl);
        print_hold(application.bus().handle(reserve).hold);
        return 0;
      });
  reserve_command->add_option("--sku", reserve.sku, "Product SKU")
      ->required()
      ->check(identifier("sku"));
  reserve_command->add_option("--qty", reserve.qty, "Quantity held")
      ->required()
      ->check(integer_in(1, INT_MAX));
  reserve_command
      ->add_option("--id", reserve_id,
                   "The hold's id (the same again answers the same hold); none: one is made")
      ->check(identifier("id"));
  reserve_command->add_option("--ttl", reserve_ttl, "Seconds the hold lasts")
      ->check(integer_in(kMinTtlSeconds, kMaxTtlSeconds))
      ->capture_default_str();

  std::string extended_hold;
  int extend_ttl = 0;
  auto* extend_command =
      service_command("extend", "Make a live hold expire SECONDS from now", [&](auto& application) {
        print_hold(application.bus().handle(
            commands::ExtendReservation{extended_hold, std::chrono::seconds(extend_ttl)}));
        return 0;
      });
  extend_command->add_option("id", extended_hold, "The hold's id")
      ->required()
      ->check(identifier("id"));
  extend_command->add_option("--ttl", extend_ttl, "Seconds from now the hold lasts")
      ->required()
      ->check(integer_in(kMinTtlSeconds, kMaxTtlSeconds));

  std::string released_hold;
  auto* release_command =
      service_command("release", "Release a live hold before it expires", [&](auto& application) {
        const auto released = application.bus().handle(commands::ReleaseReservation{released_hold});
        std::cout << "released " << released.qty << " of " << released.sku << " from batch "
                  << released.batchref << "\n";
        return 0;
      });
  release_command->add_option("id", released_hold, "The hold's id")
      ->required()
      ->check(identifier("id"));

  commands::SetWarehousePriority priority{};
  auto* priority_command =
      service_command("set-warehouse-priority",
                      "Rank a warehouse: lower priorities are taken first", [&](auto& application) {
                        application.bus().handle(priority);
                        std::cout << "warehouse " << priority.warehouse << " at priority "
                                  << priority.priority << "\n";
                        return 0;
                      });
  priority_command->add_option("id", priority.warehouse, "The warehouse's id")
      ->required()
      ->check(identifier("id"));
  priority_command
      ->add_option("--priority", priority.priority,
                   "Any 32-bit integer; a warehouse never ranked has 100")
      ->required()
      ->check(integer_in(INT_MIN, INT_MAX));

  service_command("warehouses", "List the warehouses and their priorities", [](auto& application) {
    for (const auto& warehouse : application.warehouses().list()) {
      std::cout << warehouse.id << " " << warehouse.priority
                << (warehouse.configured ? "" : " (default)") << "\n";
    }
    return 0;
  });

  std::string shown_order;
  auto* order = service_command("order", "Show an order's lines", [&](auto& application) {
    const auto lines = application.order_lines().of_order(shown_order);
    if (lines.empty()) {
      std::cerr << "allocation: no order " << shown_order << "\n";
      return 1;
    }
    for (const auto& line : lines) {
      std::cout << line.sku << " " << line.qty << " " << service_layer::status_name(line.status);
      for (const auto& part : line.allocations)
        std::cout << " " << part.batchref << ":" << part.qty;
      std::cout << "\n";
    }
    return 0;
  });
  order->add_option("orderid", shown_order, "Order id")->required()->check(identifier("orderid"));

  std::string orderid;
  auto* allocations =
      service_command("allocations", "List an order's allocations", [&](auto& application) {
        const auto rows = application.read_model().allocations(orderid);
        if (rows.empty()) {
          std::cerr << "allocation: no allocation for order " << orderid << "\n";
          return 1;
        }
        for (const auto& row : rows) std::cout << row.sku << " " << row.batchref << "\n";
        return 0;
      });
  allocations->add_option("orderid", orderid, "Order id")->required()->check(identifier("orderid"));
  const auto one_shot = [&](const char* name, const char* description, auto work) {
    return service_command(name, description, std::move(work));
  };
  add_ledger_commands(one_shot);
  add_bulk_commands(one_shot);
  add_help_command(app, action);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return refuse(app, error);
  }
  set_up_logging(spdlog::level::from_str(log.level), log.log_format());
  try {
    return action();
  } catch (const std::exception& error) {
    std::cerr << "allocation: " << adapters::logging::one_line(error.what()) << "\n";
    return 1;
  }
}

}  // namespace allocation::entrypoints
