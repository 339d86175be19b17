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

// 1..255 code points of UTF-8 (counted here as the leading bytes), no control character.
inline void require_identifier(const std::string& value) {
  std::size_t code_points = 0;
  for (unsigned char c : value) {
    require(c >= 0x20 && c != 0x7f);
    if ((c & 0xC0) != 0x80) ++code_points;
  }
  require(code_points >= 1 && code_points <= entrypoints::kMaxIdentifierLength);
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
