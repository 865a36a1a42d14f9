# Warnings for our own code only; vendor headers come in as SYSTEM. They are
# errors in the presets and CI (RINGBID_WERROR=ON); a plain build (a packager's
# `cmake -DCMAKE_BUILD_TYPE=Release`) keeps them warnings, so a newer compiler's
# new warning, or a known false positive at -O3 (GCC 12's -Wrestrict in
# std::string), never stops it.
add_library(ringbid_warnings INTERFACE)
target_compile_options(ringbid_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough -Wformat=2)
if(RINGBID_WERROR)
  target_compile_options(ringbid_warnings INTERFACE -Werror)
endif()

add_library(ringbid_sanitizers INTERFACE)
if(RINGBID_SANITIZE AND RINGBID_TSAN)
  message(FATAL_ERROR "RINGBID_SANITIZE (ASan/UBSan) and RINGBID_TSAN cannot be combined")
endif()
if(RINGBID_SANITIZE)
  target_compile_options(ringbid_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(ringbid_sanitizers INTERFACE -fsanitize=address,undefined)
endif()
if(RINGBID_TSAN)
  # -Wno-tsan: GCC warns that ThreadSanitizer does not model the fences Asio's
  # scheduler uses (vendor code; a report they cause would name Asio's frames).
  target_compile_options(ringbid_sanitizers INTERFACE -fsanitize=thread -fno-omit-frame-pointer -Wno-tsan)
  target_link_options(ringbid_sanitizers INTERFACE -fsanitize=thread)
endif()

# Every ringbid target links this: warnings, sanitizers, and the repo root as include root.
add_library(ringbid_defaults INTERFACE)
target_link_libraries(ringbid_defaults INTERFACE ringbid_warnings ringbid_sanitizers)
target_include_directories(ringbid_defaults INTERFACE ${PROJECT_SOURCE_DIR})
