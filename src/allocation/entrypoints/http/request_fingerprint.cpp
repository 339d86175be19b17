#include "allocation/entrypoints/http/request_fingerprint.hpp"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace allocation::entrypoints {

std::string request_fingerprint(std::string_view method, std::string_view target,
                                std::string_view body) {
  const std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                        &EVP_MD_CTX_free);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  // Each part followed by a byte no method or target holds, so that moving bytes from one part
  // to the next changes the fingerprint.
  const auto add = [&](std::string_view part) {
    return EVP_DigestUpdate(context.get(), part.data(), part.size()) == 1 &&
           EVP_DigestUpdate(context.get(), "\n", 1) == 1;
  };
  if (!context || EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr) != 1 || !add(method) ||
      !add(target) || EVP_DigestUpdate(context.get(), body.data(), body.size()) != 1 ||
      EVP_DigestFinal_ex(context.get(), digest, &length) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

}  // namespace allocation::entrypoints
