#include "adapters/sqlite/caf_blob.hpp"

#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

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

} // namespace

std::vector<char> encode_blob(lead_record& value) { return encode(value); }
std::vector<char> encode_blob(call_snapshot& value) { return encode(value); }
std::vector<char> encode_blob(carrier_event& value) { return encode(value); }

std::optional<lead_record> decode_lead_blob(const void* data, size_t size) { return decode<lead_record>(data, size); }

std::optional<call_snapshot> decode_snapshot_blob(const void* data, size_t size) {
  return decode<call_snapshot>(data, size);
}

std::optional<carrier_event> decode_event_blob(const void* data, size_t size) {
  return decode<carrier_event>(data, size);
}

} // namespace ringbid::sqlite
