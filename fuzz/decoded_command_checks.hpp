#pragma once

#include <cstdlib>
#include <string>

#include "allocation/domain/commands.hpp"
#include "allocation/entrypoints/decoding.hpp"

// What every decoded command must hold, checked independently of the decoder's own code; a
// fuzz input that breaks one of them aborts, and libFuzzer keeps it as a crash.
namespace allocation::fuzz {

inline void require(bool holds) {
  if (!holds) std::abort();
}

inline void require_identifier(const std::string& value) {
  require(!value.empty() && value.size() <= entrypoints::kMaxIdentifierLength);
  for (unsigned char c : value) require(c >= 0x20 && c != 0x7f);
}

// Runs a decoder: it may refuse the input with BadRequest, and nothing else.
template <class Decode>
void decode_or_refuse(Decode decode) {
  try {
    decode();
  } catch (const entrypoints::BadRequest&) {
  } catch (...) {
    std::abort();  // would reach the client as a 500
  }
}

}  // namespace allocation::fuzz
