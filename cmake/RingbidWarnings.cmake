# Warnings are errors for our own code only; vendor headers come in as SYSTEM.
add_library(ringbid_warnings INTERFACE)
target_compile_options(ringbid_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wnon-virtual-dtor -Wimplicit-fallthrough
  -Wformat=2 -Werror)

add_library(ringbid_sanitizers INTERFACE)
if(RINGBID_SANITIZE)
  target_compile_options(ringbid_sanitizers INTERFACE
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  target_link_options(ringbid_sanitizers INTERFACE -fsanitize=address,undefined)
endif()

# Every ringbid target links this: warnings, sanitizers, and the repo root as include root.
add_library(ringbid_defaults INTERFACE)
target_link_libraries(ringbid_defaults INTERFACE ringbid_warnings ringbid_sanitizers)
target_include_directories(ringbid_defaults INTERFACE ${PROJECT_SOURCE_DIR})
