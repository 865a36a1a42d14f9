#pragma once
// North American Numbering Plan area codes and the state or province they
// serve. Pure and thread-safe (a constant table).

#include <string>
#include <string_view>

namespace ringbid {

/// Two-letter US state / Canadian province of a NANP area code ("512" -> "TX"),
/// "" when unknown. US territories have their postal codes (PR, VI, GU, AS, MP),
/// Washington DC is "DC". Codes shared by several regions map to one of them:
/// 902/782 (Nova Scotia and Prince Edward Island) -> "NS"; 867 (Yukon, Northwest
/// Territories, Nunavut) is left unknown. Non-geographic codes (800, 888, 900,
/// 600...) are unknown.
std::string_view region_of_area_code(std::string_view area_code) noexcept;

/// The area code of a +1 E.164 number ("+15125550100" -> "512"), "" otherwise:
/// not "+1", not exactly ten digits after it, or anything but digits.
std::string area_code_of(std::string_view e164);

} // namespace ringbid
