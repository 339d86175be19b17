#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

// The documented rules for text, written again without the decoders' code (nor nlohmann's), so
// that an input on which the two disagree is found.
namespace allocation::fuzz {

// The code points of well-formed UTF-8 (Unicode 15, table 3-7: no overlong form, no surrogate,
// nothing above U+10FFFF), or nullopt.
inline std::optional<std::size_t> utf8_code_points(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < text.size(); ++count) {
    const auto lead = static_cast<unsigned char>(text[i]);
    std::size_t more = 0;
    unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
    if (lead < 0x80) {
      more = 0;
    } else if (lead >= 0xC2 && lead <= 0xDF) {
      more = 1;
    } else if (lead == 0xE0) {
      more = 2, low = 0xA0;
    } else if (lead == 0xED) {
      more = 2, high = 0x9F;
    } else if (lead >= 0xE1 && lead <= 0xEF) {
      more = 2;
    } else if (lead == 0xF0) {
      more = 3, low = 0x90;
    } else if (lead == 0xF4) {
      more = 3, high = 0x8F;
    } else if (lead >= 0xF1 && lead <= 0xF3) {
      more = 3;
    } else {
      return std::nullopt;
    }
    if (text.size() - i - 1 < more) return std::nullopt;
    for (std::size_t k = 1; k <= more; ++k) {
      const auto c = static_cast<unsigned char>(text[i + k]);
      if (c < (k == 1 ? low : 0x80) || c > (k == 1 ? high : 0xBF)) return std::nullopt;
    }
    i += 1 + more;
  }
  return count;
}

// An identifier (a reference, a SKU, an order id, a warehouse, a hold's id): 1..255 code
// points of UTF-8, none of them a control character.
inline bool is_identifier(std::string_view text) {
  for (char c : text) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  const auto code_points = utf8_code_points(text);
  return code_points && *code_points >= 1 && *code_points <= 255;
}

// `text` as a whole number written in decimal digits alone (no sign, space or exponent; leading
// zeros allowed), when it is in [minimum, maximum]; nullopt otherwise.
inline std::optional<long long> whole_number_in(std::string_view text, long long minimum,
                                                long long maximum) {
  if (text.empty() || maximum < 0) return std::nullopt;
  const auto top = static_cast<std::uint64_t>(maximum);
  std::uint64_t value = 0;
  bool past_maximum = false;  // once past it, more digits keep it past it
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    if (past_maximum) continue;
    if (digit > top || value > (top - digit) / 10) {
      past_maximum = true;
    } else {
      value = value * 10 + digit;
    }
  }
  if (past_maximum || static_cast<long long>(value) < minimum) return std::nullopt;
  return static_cast<long long>(value);
}

// A real date of the Gregorian calendar written YYYY-MM-DD (years 0000 to 9999).
inline bool is_date(std::string_view text) {
  if (text.size() != 10 || text[4] != '-' || text[7] != '-') return false;
  const auto digits = [&](std::size_t from, std::size_t count) -> int {
    int value = 0;
    for (std::size_t i = from; i < from + count; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      value = value * 10 + (text[i] - '0');
    }
    return value;
  };
  const int year = digits(0, 4), month = digits(5, 2), day = digits(8, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return day <= kDays[month - 1] + (month == 2 && leap ? 1 : 0);
}

}  // namespace allocation::fuzz
