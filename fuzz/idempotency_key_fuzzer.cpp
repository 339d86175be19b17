// Any bytes as an Idempotency-Key and as an X-Request-Id (accepted exactly when the documented
// rule says), and split into the method, target and body whose fingerprint tells a retry from
// another request reusing a key.
//
// The input's first two line breaks end the method and the target (neither can hold one in an
// HTTP request line); the body is the rest, any bytes.
#include <openssl/evp.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "allocation/entrypoints/http/client_ids.hpp"
#include "allocation/entrypoints/http/request_fingerprint.hpp"
#include "decoded_command_checks.hpp"

using namespace allocation;
using namespace allocation::fuzz;

namespace {

// 1..max_length bytes, each printable ASCII (0x21..0x7e), or a space when `spaces` says so.
bool printable_ascii(std::string_view text, std::size_t max_length, bool spaces) {
  if (text.empty() || text.size() > max_length) return false;
  for (char c : text) {
    if (!((c > ' ' && c <= '~') || (spaces && c == ' '))) return false;
  }
  return true;
}

// The SHA-256 of `bytes` in 64 lowercase hex digits, in one call.
std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  require(EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) == 1);
  std::string hex;
  for (unsigned int i = 0; i < length; ++i) {
    hex += "0123456789abcdef"[digest[i] >> 4];
    hex += "0123456789abcdef"[digest[i] & 0xf];
  }
  return hex;
}

// The text up to the next line break (or the end), and `rest` after it.
std::string_view up_to_line_break(std::string_view& rest) {
  const auto end = rest.find('\n');
  const std::string_view part = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return part;
}

struct Request {
  std::string method, target, body;
};

std::string fingerprint(const Request& r) {
  return entrypoints::request_fingerprint(r.method, r.target, r.body);
}

// Requests that differ from `r` in one part by a byte, or in where one part ends and the next
// begins, without a line break in a method or target.
std::vector<Request> neighbours(const Request& r) {
  std::vector<Request> near = {{r.method + "x", r.target, r.body},
                               {r.method, r.target + "x", r.body},
                               {r.method, r.target, r.body + "x"}};
  if (!r.target.empty()) {
    near.push_back({r.method + r.target.front(), r.target.substr(1), r.body});
  }
  if (!r.method.empty()) {
    near.push_back({r.method.substr(0, r.method.size() - 1), r.method.back() + r.target, r.body});
  }
  if (!r.body.empty() && r.body.front() != '\n') {
    near.push_back({r.method, r.target + r.body.front(), r.body.substr(1)});
  }
  if (!r.target.empty()) {
    near.push_back({r.method, r.target.substr(0, r.target.size() - 1), r.target.back() + r.body});
  }
  return near;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  // 1..255 printable ASCII characters, spaces among them (a UUID, say).
  require(entrypoints::is_usable_idempotency_key(input) ==
          printable_ascii(input, entrypoints::kMaxIdempotencyKeyLength, /*spaces=*/true));
  // 1..128 printable ASCII characters, no space.
  require(entrypoints::is_usable_request_id(input) ==
          printable_ascii(input, entrypoints::kMaxRequestIdLength, /*spaces=*/false));

  std::string_view rest = input;
  Request request;
  request.method = up_to_line_break(rest);
  request.target = up_to_line_break(rest);
  request.body = rest;
  const std::string print = fingerprint(request);
  // The SHA-256 of method, target and body, each of the first two followed by a line break: a
  // stored key's fingerprint must still compare equal after an upgrade.
  require(print == sha256_hex(request.method + "\n" + request.target + "\n" + request.body));
  require(fingerprint(request) == print);
  for (const Request& other : neighbours(request)) require(fingerprint(other) != print);
  return 0;
}
