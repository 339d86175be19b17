#pragma once

#include <cstdlib>
#include <optional>
#include <string>

#include "allocation/domain/commands.hpp"
#include "allocation/entrypoints/decoding.hpp"
#include "text_rules.hpp"

// What every decoded command must hold, checked independently of the decoder's own code; a
// fuzz input that breaks one of them aborts, and libFuzzer keeps it as a crash.
namespace allocation::fuzz {

inline void require(bool holds) {
  if (!holds) std::abort();
}

// 1..255 code points of well-formed UTF-8, no control character.
inline void require_identifier(const std::string& value) { require(is_identifier(value)); }

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

// What a decoder returns, or nullopt when it refuses the input with BadRequest (anything else
// aborts). It decodes twice: the result is a function of the input alone.
template <class Decode>
auto decoded_or_refused(Decode decode) -> std::optional<decltype(decode())> {
  std::optional<decltype(decode())> first, second;
  decode_or_refuse([&] { first = decode(); });
  decode_or_refuse([&] { second = decode(); });
  require(first == second);
  return first;
}

}  // namespace allocation::fuzz
