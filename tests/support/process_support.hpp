#pragma once
// Helpers for tests that run the executables as a user does: where they are,
// running a command line, a scratch directory, waiting for a condition; and
// the child-process helpers of tools/support/child_process.hpp.

#include "tools/support/child_process.hpp"

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

#ifndef RINGBID_BINARY_DIR
#error "RINGBID_BINARY_DIR must be defined"
#endif

namespace ringbid::test {

inline const std::string bin = std::string{RINGBID_BINARY_DIR} + "/tools/";
inline const std::string src = RINGBID_SOURCE_DIR;

struct run_result {
  int exit_code = -1;
  std::string output;
};

inline run_result run(const std::string& command) {
  run_result r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), pipe)) r.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

inline std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("ringbid-node-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

/// Waits up to `limit` for `predicate`; false on timeout.
template <class Predicate>
bool wait_until(Predicate predicate, std::chrono::milliseconds limit) {
  auto until = std::chrono::steady_clock::now() + limit;
  while (!predicate()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds{50});
  }
  return true;
}

/// The value after `prefix` on the first line of the log that has it; "" if none.
inline std::string log_value(const std::string& log, const std::string& prefix) {
  auto text = read_file(log);
  auto at = text.find(prefix);
  if (at == std::string::npos) return {};
  auto end = text.find('\n', at);
  return text.substr(at + prefix.size(), end - at - prefix.size());
}

} // namespace ringbid::test
