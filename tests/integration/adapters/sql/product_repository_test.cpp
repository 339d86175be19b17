#include "allocation/adapters/sql/product_repository.hpp"

#include <gtest/gtest.h>
#include <soci/into.h>
#include <soci/session.h>

#include <functional>
#include <future>

#include "allocation/adapters/sql/sql_stock_ledger.hpp"
#include "allocation/domain/errors.hpp"
#include "support/sql_test.hpp"
#include "support/test_time.hpp"

namespace allocation::adapters::sql {
namespace {

using domain::OrderLine;
using service_layer::UnitOfWork;
using testing::SqlTest;

class SqlRepository : public SqlTest {
 protected:
  // Allocates `qty` of LAMP to each order, in a unit of work each.
  void allocate_lamps(std::initializer_list<const char*> orderids, int qty) {
    for (const char* orderid : orderids) {
      units_of_work->perform([&](UnitOfWork& uow) {
        uow.products().get("LAMP", orderid)->allocate(OrderLine(orderid, "LAMP", qty), kTestNow);
        uow.commit();
      });
    }
  }
};

TEST_P(SqlRepository, SavesAndLoadsAProductWithItsBatches) {
  add_product("RUSTY-SOAPDISH",
              {{"b1", 100, std::nullopt}, {"b2", 50, domain::parse_date("2030-03-04")}});
  units_of_work->perform([&](UnitOfWork& uow) {
    const domain::Product* product = uow.products().get("RUSTY-SOAPDISH");
    ASSERT_TRUE(product);
    EXPECT_EQ(product->version_number(), 2);
    ASSERT_EQ(product->batches().size(), 2u);
    const auto& b1 = product->batches()[0];
    EXPECT_EQ(b1.reference(), "b1");
    EXPECT_EQ(b1.sku(), "RUSTY-SOAPDISH");
    EXPECT_EQ(b1.purchased_quantity(), 100);
    EXPECT_EQ(b1.eta(), std::nullopt);
    const auto& b2 = product->batches()[1];
    EXPECT_EQ(b2.reference(), "b2");
    EXPECT_EQ(b2.eta(), domain::parse_date("2030-03-04"));
    EXPECT_EQ(uow.products().get("NOPE"), nullptr);
  });
}

// A batch's warehouse and expiry date are stored with it, and a product comes with the
// priorities of its batches' warehouses as they are when it is loaded.
TEST_P(SqlRepository, SavesABatchsWarehouseAndExpiryAndLoadsItsWarehousesPriorities) {
  const auto expires = domain::parse_date("2030-03-04");
  units_of_work->perform([&](UnitOfWork& uow) {
    domain::Product& lamp = uow.products().add(domain::Product("LAMP"));
    lamp.add_batch(domain::Batch("main-1", "LAMP", 10, std::nullopt), kTestNow);
    lamp.add_batch(domain::Batch("east-1", "LAMP", 10, std::nullopt,
                                 {.warehouse = "east", .expires = expires}),
                   kTestNow);
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.set_warehouse_priority({"east", 3});
    uow.set_warehouse_priority({"west", 9});  // no batch of LAMP is there
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    domain::Product* lamp = uow.products().get("LAMP", "o1");
    ASSERT_TRUE(lamp);
    EXPECT_EQ(lamp->batch("main-1")->storage(), (domain::Storage{"main", std::nullopt}));
    EXPECT_EQ(lamp->batch("east-1")->storage(), (domain::Storage{"east", expires}));
    EXPECT_EQ(lamp->allocate(OrderLine("o1", "LAMP", 1), kTestNow), "east-1");
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.set_warehouse_priority({"east", 300});  // the last one set counts
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    // Loaded by batch too, with every line of it.
    domain::Product* lamp = uow.products().get_by_batchref("east-1");
    EXPECT_EQ(lamp->batch("east-1")->storage(), (domain::Storage{"east", expires}));
    EXPECT_EQ(lamp->allocate(OrderLine("o2", "LAMP", 1), kTestNow), "main-1");
  });
}

TEST_P(SqlRepository, AllocationLoadsTotalsAndOnlyTheLinesOfTheOrder) {
  add_product("LAMP", {{"b1", 100, std::nullopt}});
  allocate_lamps({"o1", "o2", "o3"}, 2);
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* product = uow.products().get("LAMP", "o2");
    const auto& batch = product->batches()[0];
    EXPECT_EQ(batch.allocated_quantity(), 6);
    EXPECT_EQ(batch.available_quantity(), 94);
    EXPECT_EQ(batch.loaded_lines(), std::vector<OrderLine>{OrderLine("o2", "LAMP", 2)});
    EXPECT_EQ(product->version_number(), 4);
  });
}

TEST_P(SqlRepository, GetByBatchrefLoadsEveryLineOfThatBatchOldestFirst) {
  add_product("LAMP", {{"b1", 100, std::nullopt}, {"b2", 100, domain::parse_date("2030-01-01")}});
  allocate_lamps({"o1", "o2", "o3"}, 1);
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* product = uow.products().get_by_batchref("b1");
    ASSERT_TRUE(product);
    EXPECT_EQ(product->batch("b1")->loaded_lines(),
              (std::vector<OrderLine>{OrderLine("o1", "LAMP", 1), OrderLine("o2", "LAMP", 1),
                                      OrderLine("o3", "LAMP", 1)}));
    EXPECT_TRUE(product->batch("b1")->all_lines_loaded());
    EXPECT_EQ(uow.products().get("LAMP"), product) << "one product per unit of work";
    EXPECT_EQ(uow.products().get_by_batchref("nope"), nullptr);
  });
}

TEST_P(SqlRepository, ChangeOfQuantityDeallocatesAndPersistsTheRemoval) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  allocate_lamps({"o1", "o2", "o3"}, 3);
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 5, kTestNow);
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* product = uow.products().get_by_batchref("b1");
    EXPECT_EQ(product->batch("b1")->purchased_quantity(), 5);
    EXPECT_EQ(product->batch("b1")->allocated_quantity(), 3);
    EXPECT_EQ(product->batch("b1")->loaded_lines(),
              std::vector<OrderLine>{OrderLine("o1", "LAMP", 3)});
  });
}

// Allocates or deallocates in a unit of work of its own, as a handler would.
TEST_P(SqlRepository, KeepsThePolicyAndWhetherTheProductRanOut) {
  add_product("LAMP", {{"b1", 1, std::nullopt}});
  change_product("LAMP", "o1", [](domain::Product& lamp) {
    lamp.set_policy({.backorders = false, .low_stock_threshold = 4});
    lamp.allocate(OrderLine("o1", "LAMP", 5), kTestNow);
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* lamp = uow.products().get("LAMP");
    EXPECT_EQ(lamp->policy(),
              (domain::ProductPolicy{.backorders = false, .low_stock_threshold = 4}));
    EXPECT_TRUE(lamp->out_of_stock());
  });
}

// On PostgreSQL an allocation alone is one statement that writes the line and its batch: a
// policy set in the same unit of work must not be lost on that path.
TEST_P(SqlRepository, APolicySetWithASuccessfulAllocationIsKeptWithIt) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  change_product("LAMP", "o1", [](domain::Product& lamp) {
    lamp.set_policy({.backorders = true, .low_stock_threshold = 2});
    lamp.allocate(OrderLine("o1", "LAMP", 5), kTestNow);
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* lamp = uow.products().get("LAMP");
    EXPECT_EQ(lamp->policy(),
              (domain::ProductPolicy{.backorders = true, .low_stock_threshold = 2}));
    EXPECT_EQ(lamp->batches().front().allocated_quantity(), 5);
  });
}

// On PostgreSQL a hold alone is one statement too (hold_statement.hpp): only_new_hold() says when
// a change is that and nothing more, and which hold it is.
TEST_P(SqlRepository, OnlyANewHoldAloneIsTheChangeOfAOneStatementHold) {
  using std::chrono::seconds;
  add_product("LAMP", {{"b1", 10, std::nullopt}, {"b2", 10, domain::parse_date("2031-01-01")}});
  change_product("LAMP", "",
                 [](domain::Product& lamp) { lamp.reserve("h0", 1, seconds(60), kTestNow); });
  // `named`: the hold the product is loaded with.
  const auto decided = [&](const std::function<void(domain::Product&)>& change,
                           const std::string& named = "h1") {
    auto lease = database->acquire();
    SqlProductRepository products([&](const auto& work) {
      Connection connection = lease.connection();
      work(connection);
    });
    change(*products.get("LAMP", "o1", named));
    const domain::Hold* hold = products.only_new_hold(products.seen().at("LAMP"));
    return hold ? hold->id() + " in " + hold->batchref() : "none";
  };
  EXPECT_EQ(decided([](auto& lamp) { lamp.reserve("h1", 2, seconds(60), kTestNow); }), "h1 in b1");
  EXPECT_EQ(decided([](auto&) {}), "none");
  EXPECT_EQ(decided([](auto& lamp) {
              lamp.reserve("h1", 2, seconds(60), kTestNow);
              lamp.set_policy({.backorders = true, .low_stock_threshold = std::nullopt});
            }),
            "none");
  EXPECT_EQ(decided([](auto& lamp) {
              lamp.reserve("h1", 2, seconds(60), kTestNow);
              lamp.allocate(OrderLine("o1", "LAMP", 1), kTestNow);
            }),
            "none");
  EXPECT_EQ(decided([](auto& lamp) {
              lamp.reserve("h1", 2, seconds(60), kTestNow);
              lamp.change_batch_quantity("b2", 5, kTestNow);
            }),
            "none");
  EXPECT_EQ(decided([](auto& lamp) { lamp.extend_hold("h0", seconds(90), kTestNow); }, "h0"),
            "none");
  EXPECT_EQ(decided(
                [](auto& lamp) {
                  lamp.release_hold("h0", kTestNow);
                  lamp.reserve("h2", 2, seconds(60), kTestNow);
                },
                "h0"),
            "none");
}

// And the line a hold becomes in the hold's batch (hold_statement.hpp): only_hold_made_line().
TEST_P(SqlRepository, OnlyAHoldMadeALineInItsBatchIsTheChangeOfAOneStatementCheckout) {
  using std::chrono::seconds;
  add_product("LAMP", {{"b1", 4, std::nullopt}, {"b2", 10, domain::parse_date("2031-01-01")}});
  change_product("LAMP", "", [](domain::Product& lamp) {
    lamp.reserve("h0", 2, seconds(60), kTestNow);
    lamp.reserve("hx", 1, seconds(60), kTestNow);
  });
  const auto decided = [&](const std::function<void(domain::Product&)>& change) {
    auto lease = database->acquire();
    SqlProductRepository products([&](const auto& work) {
      Connection connection = lease.connection();
      work(connection);
    });
    change(*products.get("LAMP", "o1", "h0"));
    const domain::Hold* hold = products.only_hold_made_line(products.seen().at("LAMP"));
    return hold ? hold->id() + " in " + hold->batchref() : "none";
  };
  EXPECT_EQ(decided([](auto& lamp) { lamp.allocate(OrderLine("o1", "LAMP", 2), "h0", kTestNow); }),
            "h0 in b1");
  EXPECT_EQ(decided([](auto& lamp) { lamp.allocate(OrderLine("o1", "LAMP", 1), "h0", kTestNow); }),
            "h0 in b1")
      << "a line of fewer units than its hold: the batch keeps the rest free";
  EXPECT_EQ(decided([](auto& lamp) { lamp.allocate(OrderLine("o1", "LAMP", 4), "h0", kTestNow); }),
            "none")
      << "b1 cannot take 4 beyond hx: the line goes to b2";
  EXPECT_EQ(decided([](auto& lamp) { lamp.allocate(OrderLine("o1", "LAMP", 2), kTestNow); }),
            "none");
  EXPECT_EQ(decided([](auto& lamp) { lamp.release_hold("h0", kTestNow); }), "none");
  EXPECT_EQ(decided([](auto& lamp) {
              lamp.allocate(OrderLine("o1", "LAMP", 2), "h0", kTestNow);
              lamp.set_policy({.backorders = true, .low_stock_threshold = std::nullopt});
            }),
            "none");
}

TEST_P(SqlRepository, KeepsTheBackorderQueueAndServesItFromAnotherUnitOfWork) {
  add_product("LAMP", {{"b1", 1, std::nullopt}});
  change_product("LAMP", "", [](domain::Product& lamp) {
    lamp.set_policy({.backorders = true, .low_stock_threshold = std::nullopt});
  });
  for (const auto& [orderid, qty] : {std::pair{"big", 9}, {"o1", 2}, {"o2", 3}}) {
    change_product("LAMP", orderid, [&](domain::Product& lamp) {
      lamp.allocate(OrderLine(orderid, "LAMP", qty), kTestNow);
    });
  }
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* lamp = uow.products().get("LAMP", "o2");
    ASSERT_NE(lamp->waiting_line("o2"), nullptr) << "the order's waiting line comes with it";
    EXPECT_EQ(*lamp->waiting_line("o2"), OrderLine("o2", "LAMP", 3));
    EXPECT_EQ(lamp->waiting_line("o1"), nullptr) << "not the others'";
  });
  // Raised to 6: o1 and o2 fit (big does not), in the order they came.
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 6, kTestNow);
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    auto* lamp = uow.products().get_by_batchref("b1");
    EXPECT_EQ(lamp->batch("b1")->loaded_lines(),
              (std::vector<OrderLine>{OrderLine("o1", "LAMP", 2), OrderLine("o2", "LAMP", 3)}));
    EXPECT_EQ(lamp->batch("b1")->available_quantity(), 1);
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    EXPECT_NE(uow.products().get("LAMP", "big")->waiting_line("big"), nullptr);
    EXPECT_EQ(uow.products().get("LAMP", "o1")->waiting_line("o1"), nullptr);
  });
}

TEST_P(SqlRepository, AReleasedLineIsKeptAndNotAllocatedAgain) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  allocate_lamps({"o1"}, 4);
  change_product("LAMP", "o1", [](domain::Product& lamp) {
    EXPECT_EQ(lamp.deallocate("o1", kTestNow),
              (std::vector<domain::events::Released>{{"o1", "LAMP", 4, "b1"}}));
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    auto* lamp = uow.products().get("LAMP", "o1");
    EXPECT_EQ(lamp->batch("b1")->available_quantity(), 10);
    EXPECT_EQ(lamp->deallocate("o1", kTestNow), std::vector<domain::events::Released>{});
    EXPECT_THROW(lamp->allocate(OrderLine("o1", "LAMP", 4), kTestNow), domain::ReleasedLine);
  });
}

// PostgreSQL's group may take the product it knows for an order it assumes has no line: an order
// whose line was released must not be allocated by that shortcut.
TEST_P(SqlRepository, AReleasedLineQueuedInAGroupIsNotAllocatedAgain) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  allocate_lamps({"o1"}, 4);
  change_product("LAMP", "o1", [](domain::Product& lamp) { lamp.deallocate("o1", kTestNow); });
  // o2 leads a group alone while the others queue; o3 starts the next group, reading the
  // product; o1 comes after it in that group, which knows the product.
  const std::vector<std::string> orders = {"o2", "o3", "o1"};
  std::vector<std::future<std::string>> outcomes;
  queue_behind_first("LAMP", orders.size(), [&](std::size_t i, std::function<void()> inside) {
    outcomes.push_back(std::async(std::launch::async, [this, orderid = orders[i], inside] {
      std::string outcome;
      units_of_work->perform("LAMP", [&](UnitOfWork& uow) {
        inside();
        try {
          auto batch = uow.products()
                           .get("LAMP", orderid)
                           ->allocate(OrderLine(orderid, "LAMP", 3), kTestNow);
          outcome = batch.value_or("none");
          uow.commit();
        } catch (const domain::ReleasedLine&) {
          outcome = "released";
        }
      });
      return outcome;
    }));
  });
  EXPECT_EQ(outcomes[0].get(), "b1");
  EXPECT_EQ(outcomes[1].get(), "b1");
  EXPECT_EQ(outcomes[2].get(), "released");
  units_of_work->perform([&](UnitOfWork& uow) {
    EXPECT_EQ(uow.products().get("LAMP")->batch("b1")->allocated_quantity(), 6);
  });
}

TEST_P(SqlRepository, StringsThatLookLikeSqlAreData) {
  const std::string sku = "'; DROP TABLE products; --";
  add_product(sku, {{"b'1", 10, std::nullopt}});
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get(sku, "o\"1")->allocate(OrderLine("o\"1", sku, 1), kTestNow);
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& check) {
    EXPECT_EQ(check.products().get(sku)->batch("b'1")->allocated_quantity(), 1);
  });
}

// Holds (SPEC §7.3) as the repository stores them: the named hold loaded with its product, a
// batch's holds with its lines, the expired ones on demand; what ends them marks their rows
// ended. Every change's movements are in its transaction: the ledger is clean.
class SqlRepositoryHolds : public SqlRepository {
 protected:
  void TearDown() override {
    if (!database || IsSkipped()) return;
    for (const auto& d : SqlStockLedger(database).verify().differences) {
      ADD_FAILURE() << "ledger: batch " << d.batchref << " " << d.field << " stored " << d.stored
                    << ", recomputed " << d.recomputed;
    }
  }

  // LAMP with b1 (10, in the warehouse) and b2 (10, incoming).
  void add_lamps() {
    add_product("LAMP", {{"b1", 10, std::nullopt}, {"b2", 10, domain::parse_date("2030-01-01")}});
  }

  domain::Hold reserve(const std::string& id, int qty, std::chrono::seconds ttl,
                       domain::Instant now) {
    std::optional<domain::Hold> hold;
    units_of_work->perform([&](UnitOfWork& uow) {
      hold = uow.products().get("LAMP", "", id)->reserve(id, qty, ttl, now).hold;
      uow.commit();
    });
    return *hold;
  }

  std::string ended(const std::string& id) {
    auto lease = database->acquire();
    std::string how;
    lease.session() << "SELECT ended FROM reservations WHERE ended IS NOT NULL AND id = '" + id +
                           "'",
        soci::into(how);
    return how;
  }

  // A time with milliseconds, which the store must keep.
  const domain::Instant now = kTestNow + std::chrono::milliseconds(250);
  static constexpr std::chrono::seconds kMinute{60};
};

TEST_P(SqlRepositoryHolds, AHoldRoundTripsToTheMillisecond) {
  add_lamps();
  const domain::Hold made = reserve("h1", 3, kMinute, now);
  EXPECT_EQ(made, domain::Hold("h1", "LAMP", 3, "b1", now + kMinute, kMinute));
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* lamp = uow.products().get("LAMP");
    EXPECT_EQ(lamp->batch("b1")->reserved_quantity(), 3);
    EXPECT_EQ(lamp->batch("b1")->available_quantity(), 7);
    EXPECT_EQ(lamp->batch("b2")->reserved_quantity(), 0);
    EXPECT_EQ(lamp->holds().find("h1"), nullptr) << "loaded only when named";
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* lamp = uow.products().get("LAMP", "", "h1");
    ASSERT_NE(lamp->holds().find("h1"), nullptr);
    EXPECT_EQ(*lamp->holds().find("h1"), made);
    EXPECT_EQ(lamp->holds().find("h1")->expires_at().time_since_epoch() % std::chrono::seconds(1),
              std::chrono::milliseconds(250));
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* lamp = uow.products().get_by_hold("h1");
    ASSERT_NE(lamp, nullptr);
    EXPECT_EQ(lamp->sku(), "LAMP");
    ASSERT_NE(lamp->holds().find("h1"), nullptr);
    EXPECT_EQ(*lamp->holds().find("h1"), made);
    EXPECT_EQ(uow.products().get_by_hold("nope"), nullptr);
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    EXPECT_EQ(uow.products().get("LAMP", "", "nope")->holds().live().size(), 0u);
  });
  EXPECT_EQ(count("reservations WHERE ended IS NULL"), 1);
  EXPECT_EQ(count("movements WHERE kind = 'reserved' AND qty = -3 AND reservation = 'h1'"
                  " AND batchref = 'b1'"),
            1);
}

TEST_P(SqlRepositoryHolds, AHoldOfAnotherProductIsNotLoadedWithThisOne) {
  add_lamps();
  add_product("DESK", {{"d1", 10, std::nullopt}});
  reserve("h1", 3, kMinute, now);
  units_of_work->perform([&](UnitOfWork& uow) {
    EXPECT_EQ(uow.products().get("DESK", "", "h1")->holds().find("h1"), nullptr);
  });
}

// A hold named without an order (Reserve's) is read with how many holds, live or ended, of any
// product have its id: when none, the id's lookup (UnitOfWork::reservation) is answered by that
// read.
TEST_P(SqlRepositoryHolds, AReadOfAHoldNamedWithoutAnOrderTellsWhetherItsIdIsUnused) {
  add_lamps();
  add_product("DESK", {{"d1", 10, std::nullopt}});
  reserve("live", 1, kMinute, now);
  reserve("ended", 1, kMinute, now);
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get_by_hold("ended")->release_hold("ended", now);
    uow.products().get("DESK", "", "desk")->reserve("desk", 1, kMinute, now);
    uow.commit();
  });
  auto lease = database->acquire();
  Connection connection = lease.connection();
  const auto unused = [&](const std::string& orderid, const std::string& id) {
    SqlProductRepository products([&](const auto& read) { read(connection); });
    EXPECT_NE(products.get("LAMP", orderid, id), nullptr);
    return products.hold_id_unused(id);
  };
  EXPECT_TRUE(unused("", "new"));
  EXPECT_FALSE(unused("", "live"));
  EXPECT_FALSE(unused("", "ended"));
  EXPECT_FALSE(unused("", "desk")) << "a hold of another product";
  EXPECT_FALSE(unused("o1", "new")) << "not asked with an order";
}

// The handler finds a hold's id unused before the write; a hold of that id made and ended
// meanwhile (of another product) leaves the unique index, but the id stays taken: the write
// loses its race instead of making a second hold that could never end.
TEST_P(SqlRepositoryHolds, AHoldOfAnIdThatEndedMeanwhileIsALostRace) {
  add_lamps();
  add_product("DESK", {{"d1", 10, std::nullopt}});
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get("DESK", "", "dup")->reserve("dup", 1, kMinute, now);
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get_by_hold("dup")->release_hold("dup", now);
    uow.commit();
  });
  // Two holds in one commit: the repository's whole write, not the one statement of a hold.
  EXPECT_THROW(units_of_work->perform([&](UnitOfWork& uow) {
    domain::Product* lamp = uow.products().get("LAMP");
    lamp->reserve("fresh", 1, kMinute, now);
    lamp->reserve("dup", 2, kMinute, now);
    uow.commit();
  }),
               service_layer::ConcurrencyError);
  EXPECT_EQ(count("reservations WHERE ended IS NULL"), 0);
  EXPECT_EQ(reserved("b1"), 0);
  EXPECT_EQ(ended("dup"), "released");
}

// A hold made and ended in one unit of work is written with the mark it ended with; its id taken
// meanwhile is the same lost race as a live hold's.
TEST_P(SqlRepositoryHolds, AHoldMadeAndEndedOfAnIdTakenMeanwhileIsALostRace) {
  add_lamps();
  add_product("DESK", {{"d1", 10, std::nullopt}});
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get("DESK", "", "dup")->reserve("dup", 1, kMinute, now);
    uow.commit();
  });
  EXPECT_THROW(units_of_work->perform([&](UnitOfWork& uow) {
    domain::Product* lamp = uow.products().get("LAMP");
    lamp->reserve("dup", 2, kMinute, now);
    lamp->release_hold("dup", now);
    uow.commit();
  }),
               service_layer::ConcurrencyError);
  EXPECT_EQ(reserved("b1"), 0);
  EXPECT_EQ(count("reservations WHERE id = 'dup' AND sku = 'DESK' AND ended IS NULL"), 1);
}

TEST_P(SqlRepositoryHolds, ExtendUpdatesTheStoredExpiry) {
  add_lamps();
  reserve("h1", 3, kMinute, now);
  const domain::Instant later = now + std::chrono::milliseconds(30'125);
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get_by_hold("h1")->extend_hold("h1", std::chrono::seconds(90), later);
    uow.commit();
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* hold = uow.products().get_by_hold("h1")->holds().find("h1");
    ASSERT_NE(hold, nullptr);
    EXPECT_EQ(hold->expires_at(), later + std::chrono::seconds(90));
    EXPECT_EQ(hold->batchref(), "b1");
    EXPECT_EQ(hold->qty(), 3);
  });
  EXPECT_EQ(reserved("b1"), 3);
}

TEST_P(SqlRepositoryHolds, ReleaseMovesTheHoldToEndedReservations) {
  add_lamps();
  reserve("h1", 3, kMinute, now);
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get_by_hold("h1")->release_hold("h1", now);
    uow.commit();
  });
  EXPECT_EQ(count("reservations WHERE ended IS NULL"), 0);
  EXPECT_EQ(ended("h1"), "released");
  EXPECT_EQ(reserved("b1"), 0);
  EXPECT_EQ(count("movements WHERE kind = 'unreserved' AND qty = 3 AND reservation = 'h1'"
                  " AND reason = 'requested'"),
            1);
  units_of_work->perform([&](UnitOfWork& uow) {
    EXPECT_EQ(uow.products().get_by_hold("h1"), nullptr);
    const auto stored = uow.reservation("h1");
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->status, service_layer::HoldStatus::released);
  });
}

TEST_P(SqlRepositoryHolds, AnAllocationWithTheHoldConsumesIt) {
  add_lamps();
  reserve("h1", 3, kMinute, now);
  units_of_work->perform([&](UnitOfWork& uow) {
    EXPECT_EQ(
        uow.products().get("LAMP", "o1", "h1")->allocate(OrderLine("o1", "LAMP", 3), "h1", now),
        "b1");
    uow.commit();
  });
  EXPECT_EQ(count("reservations WHERE ended IS NULL"), 0);
  EXPECT_EQ(ended("h1"), "consumed");
  EXPECT_EQ(reserved("b1"), 0);
  EXPECT_EQ(count("allocations WHERE orderid = 'o1' AND batchref = 'b1' AND qty = 3"), 1);
}

TEST_P(SqlRepositoryHolds, ExpiredHoldsAreReadOnDemandAndEndedExpired) {
  add_lamps();
  reserve("h1", 3, kMinute, now);
  reserve("h2", 2, kMinute * 2, now);
  reserve("h3", 1, kMinute * 10, now);
  const domain::Instant later = now + kMinute * 2;  // h2's expires_at itself
  units_of_work->perform([&](UnitOfWork& uow) {
    auto* lamp = uow.products().get("LAMP");
    EXPECT_TRUE(lamp->holds().live().empty());
    EXPECT_EQ(lamp->expire_holds(later), 2);
    uow.commit();
  });
  EXPECT_EQ(ended("h1"), "expired");
  EXPECT_EQ(ended("h2"), "expired");
  EXPECT_EQ(count("reservations WHERE id = 'h3' AND ended IS NULL"), 1);
  EXPECT_EQ(count("reservations WHERE ended IS NULL"), 1);
  EXPECT_EQ(reserved("b1"), 1);
  EXPECT_EQ(count("movements WHERE kind = 'unreserved' AND reason = 'expired'"), 2);
  units_of_work->perform([&](UnitOfWork& uow) {
    EXPECT_EQ(uow.products().get("LAMP")->expire_holds(later), 0) << "once";
  });
}

// The hold stands between an allocation and its units: ended in the allocation's transaction.
TEST_P(SqlRepositoryHolds, AnAllocationThatNeedsTheUnitsOfAnExpiredHoldEndsIt) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  reserve("h1", 8, kMinute, now);
  units_of_work->perform([&](UnitOfWork& uow) {
    EXPECT_EQ(uow.products().get("LAMP", "o1")->allocate(OrderLine("o1", "LAMP", 5), now + kMinute),
              "b1");
    uow.commit();
  });
  EXPECT_EQ(ended("h1"), "expired");
  EXPECT_EQ(reserved("b1"), 0);
  EXPECT_EQ(count("allocations WHERE orderid = 'o1'"), 1);
}

TEST_P(SqlRepositoryHolds, ChangeOfQuantityMovingAHoldPersistsItsBatchAndBothTotals) {
  add_lamps();
  reserve("h1", 4, kMinute, now);
  reserve("h2", 3, kMinute, now);  // the most recent: moves first
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 5, now);
    uow.commit();
  });
  EXPECT_EQ(reserved("b1"), 4);
  EXPECT_EQ(reserved("b2"), 3);
  units_of_work->perform([&](UnitOfWork& uow) {
    const auto* lamp = uow.products().get("LAMP", "", "h2");
    ASSERT_NE(lamp->holds().find("h2"), nullptr);
    EXPECT_EQ(lamp->holds().find("h2")->batchref(), "b2");
    EXPECT_EQ(lamp->holds().find("h2")->expires_at(), now + kMinute);
    EXPECT_EQ(lamp->batch("b1")->reserved_quantity(), 4);
    EXPECT_EQ(lamp->batch("b2")->reserved_quantity(), 3);
  });
  units_of_work->perform([&](UnitOfWork& uow) {
    EXPECT_EQ(uow.products().get_by_hold("h1")->holds().find("h1")->batchref(), "b1");
  });
  EXPECT_EQ(count("movements WHERE reservation = 'h2' AND batchref = 'b1' AND qty = 3"), 1)
      << "unreserved from b1";
  EXPECT_EQ(count("movements WHERE reservation = 'h2' AND batchref = 'b2' AND qty = -3"), 1)
      << "reserved in b2";
}

TEST_P(SqlRepositoryHolds, ChangeOfQuantityReleasingAHoldEndsItForStock) {
  add_product("LAMP", {{"b1", 10, std::nullopt}});
  reserve("h1", 4, kMinute, now);
  reserve("h2", 3, kMinute, now);
  units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get_by_batchref("b1")->change_batch_quantity("b1", 5, now);
    uow.commit();
  });
  EXPECT_EQ(ended("h2"), "released");
  EXPECT_EQ(reserved("b1"), 4);
  EXPECT_EQ(
      count("movements WHERE reservation = 'h2' AND kind = 'unreserved' AND reason = 'stock'"), 1);
}

// A hold moved by one change and released by the next, in one unit of work, is stored as it
// ended: in the batch it had moved to (the row's mark alone would leave it where it was read).
TEST_P(SqlRepositoryHolds, AHoldMovedThenReleasedInOneUnitOfWorkEndsWhereItWas) {
  add_lamps();
  reserve("h1", 4, kMinute, now);
  units_of_work->perform([&](UnitOfWork& uow) {
    domain::Product* lamp = uow.products().get_by_batchref("b1");
    lamp->change_batch_quantity("b1", 2, now);  // h1 moves to b2
    lamp->change_batch_quantity("b2", 2, now);  // and is released there
    uow.commit();
  });
  EXPECT_EQ(ended("h1"), "released");
  EXPECT_EQ(count("reservations WHERE id = 'h1' AND batchref = 'b2' AND qty = 4"), 1);
  EXPECT_EQ(reserved("b1"), 0);
  EXPECT_EQ(reserved("b2"), 0);
}

// A hold and its movement are one transaction: a commit that fails writes neither.
TEST_P(SqlRepositoryHolds, ACommitThatFailsWritesNeitherTheHoldNorItsMovement) {
  add_lamps();
  add_product("DESK", {{"d1", 10, std::nullopt}});
  const long long movements = count("movements");
  EXPECT_ANY_THROW(units_of_work->perform([&](UnitOfWork& uow) {
    uow.products().get("LAMP", "", "h1")->reserve("h1", 3, kMinute, now);
    uow.products().get("DESK", "", "h1")->reserve("h1", 2, kMinute, now);  // the same id
    uow.commit();
  }));
  EXPECT_EQ(count("reservations WHERE ended IS NULL"), 0);
  EXPECT_EQ(count("movements"), movements);
  EXPECT_EQ(reserved("b1"), 0);
  EXPECT_EQ(reserved("d1"), 0);
}

INSTANTIATE_FOR_BOTH_DATABASES(SqlRepository);
INSTANTIATE_FOR_BOTH_DATABASES(SqlRepositoryHolds);

}  // namespace
}  // namespace allocation::adapters::sql
