#include "adapters/sqlite/caf_blob.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <cstdint>

namespace ringbid::sqlite {

namespace {

template <class T>
std::vector<char> encode(T& value) {
  std::vector<char> buf;
  caf::binary_serializer sink{static_cast<caf::execution_unit*>(nullptr), buf};
  if (inspect(sink, value)) buf.clear();
  return buf;
}

template <class T>
std::optional<T> decode(const void* data, size_t size) {
  if (data == nullptr || size == 0) return std::nullopt;
  T value;
  caf::binary_deserializer source{static_cast<caf::execution_unit*>(nullptr), static_cast<const char*>(data), size};
  if (inspect(source, value) || source.remaining() != 0) return std::nullopt;
  return value;
}

/// A blob written before the last field (`config_revision`, an int64) was
/// added to leads and snapshots is the same bytes without its last 8: decoded
/// as if that field were 0, so the calls a previous build left are adopted.
template <class T>
std::optional<T> decode_with_revision(const void* data, size_t size) {
  if (auto value = decode<T>(data, size)) return value;
  if (data == nullptr || size == 0) return std::nullopt;
  std::vector<char> extended(static_cast<const char*>(data), static_cast<const char*>(data) + size);
  extended.resize(size + sizeof(int64_t), 0);
  return decode<T>(extended.data(), extended.size());
}

} // namespace

std::vector<char> encode_blob(lead_record& value) { return encode(value); }
std::vector<char> encode_blob(call_snapshot& value) { return encode(value); }
std::vector<char> encode_blob(carrier_event& value) { return encode(value); }

std::optional<lead_record> decode_lead_blob(const void* data, size_t size) {
  return decode_with_revision<lead_record>(data, size);
}

std::optional<call_snapshot> decode_snapshot_blob(const void* data, size_t size) {
  return decode_with_revision<call_snapshot>(data, size);
}

std::optional<carrier_event> decode_event_blob(const void* data, size_t size) {
  return decode<carrier_event>(data, size);
}

} // namespace ringbid::sqlite
