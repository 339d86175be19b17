#pragma once

#include <stdexcept>
#include <string>

#include "allocation/domain/hold.hpp"

namespace allocation::domain {

// A well-formed command that disagrees with what is stored: repeating it is safe only with the
// same data. (Not a std::invalid_argument: nothing is wrong with the request itself.)
class Conflict : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A batch reference is already taken by a batch with other data (sku, quantity or eta).
class BatchConflict : public Conflict {
 public:
  explicit BatchConflict(const std::string& reference)
      : Conflict("batch " + reference + " already exists with other data") {}
};

// An order has a line of this SKU already, of another quantity: allocating the line again is
// safe to retry only when it asks for the same one.
class LineConflict : public Conflict {
 public:
  LineConflict(const std::string& orderid, const std::string& sku, int existing_qty)
      : Conflict("order " + orderid + " already has " + std::to_string(existing_qty) + " of " +
                 sku + "; allocating it again must ask for the same qty") {}
};

// An order released its line of this SKU (deallocated, cancelled): the line cannot be
// allocated again.
class ReleasedLine : public Conflict {
 public:
  ReleasedLine(const std::string& orderid, const std::string& sku)
      : Conflict("order " + orderid + " released its line of " + sku +
                 "; a released line is not allocated again") {}
};

// A hold id is taken by a hold of another sku, qty or ttl, or by one that ended.
class HoldConflict : public Conflict {
 public:
  explicit HoldConflict(const std::string& id, const std::string& why)
      : Conflict("reservation " + id + " " + why) {}
};

// No batch can hold the units asked for (a hold never waits for stock).
class NoStockToHold : public Conflict {
 public:
  NoStockToHold(const std::string& sku, int qty)
      : Conflict("no batch of " + sku + " can hold " + std::to_string(qty)) {}
};

// The hold's time ran out at `expires_at`: it holds nothing and cannot be used or extended.
class HoldExpired : public std::runtime_error {
 public:
  HoldExpired(const std::string& id, Instant expires_at)
      : std::runtime_error("reservation " + id + " expired at " + format_instant(expires_at)),
        id_(id),
        expires_at_(expires_at) {}
  const std::string& id() const { return id_; }
  Instant expires_at() const { return expires_at_; }

 private:
  std::string id_;
  Instant expires_at_;
};

// The product has no live hold of this id (unknown, ended, or of another product).
class UnknownHold : public std::runtime_error {
 public:
  explicit UnknownHold(const std::string& id)
      : std::runtime_error("unknown reservation " + id), id_(id) {}
  const std::string& id() const { return id_; }

 private:
  std::string id_;
};

// No batch has this reference.
class UnknownBatch : public std::runtime_error {
 public:
  explicit UnknownBatch(const std::string& reference)
      : std::runtime_error("Unknown batch " + reference) {}
};

}  // namespace allocation::domain
