#pragma once
// Values kept as BLOBs in SQLite (provisional leads, call snapshots, carrier
// events) are CAF's binary encoding of the protocol types: the same inspect()
// that carries them between actors. Decoding checks that every byte was used.

#include "protocol/call_snapshot.hpp"
#include "protocol/carrier.hpp"
#include "protocol/lead.hpp"

#include <cstddef>
#include <optional>
#include <vector>

namespace ringbid::sqlite {

std::vector<char> encode_blob(lead_record& value);
std::vector<char> encode_blob(call_snapshot& value);
std::vector<char> encode_blob(carrier_event& value);

/// nullopt for an empty, truncated or otherwise undecodable blob.
std::optional<lead_record> decode_lead_blob(const void* data, size_t size);
std::optional<call_snapshot> decode_snapshot_blob(const void* data, size_t size);
std::optional<carrier_event> decode_event_blob(const void* data, size_t size);

} // namespace ringbid::sqlite
