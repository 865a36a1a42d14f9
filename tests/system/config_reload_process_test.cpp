// ringbid-node's command line and its config reload, as a user runs them: no
// carrier without --carrier, defaults in --help, and SIGHUP re-reading the
// config file (a valid one for new calls, an invalid one logged and refused).

#include "adapters/http/http_client.hpp"
#include "tests/support/process_support.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <future>
#include <regex>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace ringbid {
namespace {

using namespace ringbid::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

int get_status(const std::string& url) {
  http_client client;
  http_client_request req;
  req.method = "GET";
  req.url = url;
  req.timeout = milliseconds{3'000};
  req.max_response_bytes = 1 << 20;
  std::promise<http_client_response> p;
  auto f = p.get_future();
  client.send(std::move(req), [&p](http_client_response r) { p.set_value(std::move(r)); });
  return f.get().status;
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out{path + ".tmp"};
  out << text;
  out.close();
  std::filesystem::rename(path + ".tmp", path); // the node never reads half a file
}

bool alive(pid_t pid) {
  int status = 0;
  return ::waitpid(pid, &status, WNOHANG) == 0;
}

TEST(NodeCommandLine, WithoutACarrierTheNodeRefusesToStartAndNamesTheChoices) {
  auto dir = temp_dir("no-carrier");
  auto r = run(bin + "ringbid-node --config " + src + "/examples/demo.json --data-dir " + dir);
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("--carrier is required"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--carrier sim"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("--carrier telnyx"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir + "/ringbid-demo.db")) << "no database touched";
}

TEST(NodeCommandLine, HelpShowsEveryDefault) {
  auto r = run(bin + "ringbid-node --help");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  for (const char* shown :
       {"--seed UINT=1", "--drain-timeout INT=30", "--run-for FLOAT=0", "=-1", "--bidders TEXT:{sim,http}=sim",
        "--telnyx-api-url TEXT=https://api.telnyx.com", "--carrier TEXT:{sim,telnyx}", "(required)", "SIGHUP"})
    EXPECT_NE(r.output.find(shown), std::string::npos) << shown << " missing in\n" << r.output;
}

struct reloading_node {
  std::string dir = temp_dir("reload");
  std::string config = dir + "/node.json";
  std::string log = dir + "/node.log";
  pid_t pid = -1;
  std::string origin;

  reloading_node() {
    write_file(config, read_file(src + "/examples/demo.json"));
    pid = spawn_logged({bin + "ringbid-node", "--config", config, "--carrier", "sim", "--data-dir", dir, "--rate", "0",
                        "--http", "127.0.0.1:0"},
                       log);
  }
  ~reloading_node() {
    if (pid > 0 && alive(pid)) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
  }
  std::string text() const { return read_file(log); }
};

TEST(ConfigReloadProcess, SighupInstallsAValidConfigAndKeepsRunningOnTheOldOneWhenInvalid) {
  reloading_node node;
  ASSERT_GT(node.pid, 0);
  ASSERT_TRUE(wait_until([&] { return !log_value(node.log, "http on 127.0.0.1:").empty(); }, seconds{30}))
    << node.text();
  auto port = log_value(node.log, "http on 127.0.0.1:");
  node.origin = "http://127.0.0.1:" + port.substr(0, port.find_first_not_of("0123456789"));
  ASSERT_TRUE(wait_until([&] { return get_status(node.origin + "/readyz") == 200; }, seconds{20})) << node.text();
  EXPECT_NE(node.text().find("carrier sim, database " + node.dir + "/ringbid-demo.db, config revision 1 ("),
            std::string::npos)
    << "the start-up line names the carrier, the database and the revision\n"
    << node.text();

  // A valid change: a new greeting (live) and more threads (needs a restart).
  auto demo = read_file(src + "/examples/demo.json");
  auto changed = std::regex_replace(demo, std::regex{"\"threads\": 2"}, "\"threads\": 3");
  changed = std::regex_replace(changed, std::regex{"Thanks for calling\\. One moment"}, "Hello. One moment");
  write_file(node.config, changed);
  ASSERT_EQ(::kill(node.pid, SIGHUP), 0);
  ASSERT_TRUE(wait_until([&] { return node.text().find("config: revision 2 (") != std::string::npos; }, seconds{20}))
    << node.text();
  EXPECT_NE(node.text().find("imported as revision 2"), std::string::npos) << node.text();
  EXPECT_NE(node.text().find("config: revision 2: /threads changed"), std::string::npos) << node.text();
  EXPECT_EQ(node.text().find("/campaigns/1/greeting_text"), std::string::npos) << "a live change needs no restart";
  EXPECT_TRUE(alive(node.pid));
  EXPECT_EQ(get_status(node.origin + "/readyz"), 200);

  // An invalid file: every bad field logged with its pointer, nothing
  // imported, the node stays up on the second revision.
  write_file(node.config, read_file(src + "/examples/invalid.json"));
  ASSERT_EQ(::kill(node.pid, SIGHUP), 0);
  ASSERT_TRUE(wait_until([&] { return node.text().find("nothing imported") != std::string::npos; }, seconds{20}))
    << node.text();
  auto text = node.text();
  for (const char* pointer : {"/threads", "/campaigns/0/floor", "/sources/0/revenue_share_bp",
                              "/buyers/0/daily_cap_calls", "/buyers/0/sim/answer_rate"})
    EXPECT_NE(text.find(std::string{"config reload: invalid "} + pointer + ": "), std::string::npos)
      << pointer << " missing in\n"
      << text;
  EXPECT_EQ(text.find("config: revision 3"), std::string::npos) << text;
  EXPECT_TRUE(alive(node.pid));
  EXPECT_EQ(get_status(node.origin + "/readyz"), 200);

  ASSERT_EQ(::kill(node.pid, SIGTERM), 0);
  EXPECT_EQ(wait_exit(node.pid, seconds{30}), 0) << node.text();
  node.pid = -1;
}

} // namespace
} // namespace ringbid
