// The executables as a user runs them: exit codes, messages, graceful shutdown.

#include "adapters/sqlite_lead_reader.hpp"

#include <gtest/gtest.h>

#include <array>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>

#ifndef RINGBID_BINARY_DIR
#error "RINGBID_BINARY_DIR must be defined"
#endif

namespace ringbid {
namespace {

const std::string bin = std::string{RINGBID_BINARY_DIR} + "/tools/";
const std::string src = RINGBID_SOURCE_DIR;

struct run_result {
  int exit_code = -1;
  std::string output;
};

run_result run(const std::string& command) {
  run_result r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (pipe == nullptr) return r;
  std::array<char, 4096> buf{};
  while (auto n = std::fread(buf.data(), 1, buf.size(), pipe)) r.output.append(buf.data(), n);
  int status = ::pclose(pipe);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

std::string temp_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / ("ringbid-node-" + std::to_string(::getpid()) + "-" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir.string();
}

TEST(NodeProcess, InvalidConfigIsRefusedWithEveryBadFieldAndExitCode2) {
  for (const auto& exe : {bin + "ringbid simulate --calls 1 --config", bin + "ringbid-node --config"}) {
    auto r = run(exe + " " + src + "/examples/invalid.json");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("/threads"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("/campaigns/0/floor"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("/buyers/0/daily_cap_calls"), std::string::npos) << r.output;
  }
}

TEST(NodeProcess, MissingConfigFileIsRefused) {
  auto r = run(bin + "ringbid-node --config /nonexistent/ringbid.json");
  EXPECT_EQ(r.exit_code, 2) << r.output;
}

TEST(NodeProcess, SimulateJsonHasTheDocumentedKeys) {
  auto dir = temp_dir("simjson");
  auto r = run(bin + "ringbid simulate --config " + src + "/examples/demo.json --calls 500 --seed 3 --json --db " +
               dir + "/s.db");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  for (const char* key : {"\"calls\": 500", "\"completed\": 500", "\"bridged\"", "\"missed\"", "\"abandoned\"",
                          "\"revenue\"", "\"leads_written\": 500", "\"seed\": 3"})
    EXPECT_NE(r.output.find(key), std::string::npos) << key << " missing in " << r.output;
}

TEST(NodeProcess, SigtermDrainsLiveCallsAndFlushesEveryLead) {
  auto dir = temp_dir("sigterm");
  auto log = dir + "/node.log";
  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    auto out = std::freopen(log.c_str(), "w", stdout);
    (void) out;
    ::dup2(::fileno(stdout), STDERR_FILENO);
    std::string exe = bin + "ringbid-node";
    std::string config = src + "/examples/demo.json";
    ::execl(exe.c_str(), exe.c_str(), "--config", config.c_str(), "--data-dir", dir.c_str(), "--rate", "40",
            static_cast<char*>(nullptr));
    std::_Exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds{2500});
  ASSERT_EQ(::kill(pid, SIGTERM), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  std::ifstream in{log};
  std::string text{std::istreambuf_iterator<char>{in}, {}};
  ASSERT_TRUE(WIFEXITED(status)) << text;
  EXPECT_EQ(WEXITSTATUS(status), 0) << text;
  EXPECT_NE(text.find("all calls finalized"), std::string::npos) << text;

  std::string error;
  auto reader = sqlite_lead_reader::open(dir + "/ringbid-demo.db", &error);
  ASSERT_TRUE(reader) << error;
  auto summary = reader->summarize();
  EXPECT_GT(summary.leads, 20u);
  EXPECT_EQ(summary.in_progress, 0u);
  // Every call the node started has exactly one lead: "N started, N finished".
  auto started = text.find("all calls finalized: ");
  ASSERT_NE(started, std::string::npos);
  auto count = std::stoull(text.substr(started + 21));
  EXPECT_EQ(count, summary.leads) << text;
  EXPECT_EQ(reader->count_duplicate_ids(), 0u);
}

} // namespace
} // namespace ringbid
