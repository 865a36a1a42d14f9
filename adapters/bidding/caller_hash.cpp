#include "adapters/bidding/caller_hash.hpp"

#include <sodium.h>

#include <array>
#include <map>
#include <stdexcept>

namespace ringbid {

namespace {

using key_bytes = std::array<unsigned char, crypto_generichash_KEYBYTES>;

/// BLAKE2b of `text` keyed with `key`, `out.size()` bytes long.
template <size_t N>
void keyed_hash(std::array<unsigned char, N>& out, std::string_view text, const unsigned char* key, size_t key_size) {
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()), text.size(), key,
                     key_size);
}

class blake2b_caller_hasher final : public caller_hasher {
public:
  blake2b_caller_hasher(const std::string& secret, const std::vector<std::string>& buyer_ids) {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialize");
    // The secret may be any length: hash it to a key first.
    keyed_hash(root_, secret, nullptr, 0);
    for (const auto& id : buyer_ids) keys_.emplace(id, derive(id));
  }

  std::string hash(std::string_view caller, std::string_view buyer_id) const override {
    auto i = keys_.find(std::string(buyer_id));
    key_bytes key = i != keys_.end() ? i->second : derive(buyer_id);
    std::array<unsigned char, 32> digest{};
    keyed_hash(digest, caller, key.data(), key.size());
    static constexpr char hex[] = "0123456789abcdef";
    std::string out;
    out.reserve(digest.size() * 2);
    for (auto b : digest) {
      out.push_back(hex[b >> 4]);
      out.push_back(hex[b & 0x0F]);
    }
    return out;
  }

private:
  key_bytes derive(std::string_view buyer_id) const {
    key_bytes key{};
    keyed_hash(key, buyer_id, root_.data(), root_.size());
    return key;
  }

  key_bytes root_{};
  std::map<std::string, key_bytes> keys_;
};

} // namespace

std::shared_ptr<const caller_hasher> make_caller_hasher(const std::string& secret,
                                                        const std::vector<std::string>& buyer_ids) {
  return std::make_shared<blake2b_caller_hasher>(secret, buyer_ids);
}

} // namespace ringbid
