// `ringbid tokens` against a running node: a token made by the CLI works at
// once with its role, list shows it without its secret, and a revoke by the
// CLI (another process) is refused by the node within a second.

#include "tests/support/http_get.hpp"
#include "tests/support/process_support.hpp"

#include <gtest/gtest.h>

#include <csignal>

namespace ringbid {
namespace {

using namespace ringbid::test;
using std::chrono::milliseconds;
using std::chrono::seconds;

class TokensCommand : public ::testing::Test {
protected:
  void SetUp() override {
    dir_ = temp_dir("tokens-command");
    db_ = dir_ + "/ringbid-demo.db"; // demo.json's sqlite_file in --data-dir
  }
  void TearDown() override {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      wait_exit(pid_, milliseconds{10'000});
    }
  }
  void start_node() {
    log_ = dir_ + "/node.log";
    pid_ =
      spawn_logged({bin + "ringbid-node", "--config", src + "/examples/demo.json", "--carrier", "sim", "--data-dir",
                    dir_, "--rate", "0", "--http", "127.0.0.1:0", "--access-token", "bootstrap-s3cret"},
                   log_);
    ASSERT_GT(pid_, 0);
    ASSERT_TRUE(wait_until([&] { return !log_value(log_, "http on 127.0.0.1:").empty(); }, seconds{30}))
      << read_file(log_);
    auto rest = log_value(log_, "http on 127.0.0.1:");
    origin_ = "http://127.0.0.1:" + rest.substr(0, rest.find_first_not_of("0123456789"));
  }
  run_result tokens(const std::string& args) { return run(bin + "ringbid tokens --db " + db_ + " " + args); }
  /// The secret a `create` printed (its line starting with rb_).
  static std::string secret_of(const std::string& output) {
    auto at = output.find("\nrb_");
    if (at == std::string::npos) return {};
    return output.substr(at + 1, output.find('\n', at + 1) - at - 1);
  }
  static std::string id_of(const std::string& output) {
    auto at = output.find("token tk_");
    if (at == std::string::npos) return {};
    return output.substr(at + 6, output.find(' ', at + 6) - at - 6);
  }
  int status(const std::string& path, const std::string& secret) {
    return http_get(origin_ + path, {{"Authorization", "Bearer " + secret}}).status;
  }

  std::string dir_, db_, log_, origin_;
  pid_t pid_ = -1;
};

TEST_F(TokensCommand, CreateListUseRevokeAgainstARunningNode) {
  // Made before the node starts: the database is created for it.
  auto made = tokens("create --role publisher --source summit-search --label 'Summit reports'");
  ASSERT_EQ(made.exit_code, 0) << made.output;
  auto publisher = secret_of(made.output);
  auto publisher_id = id_of(made.output);
  ASSERT_TRUE(publisher.starts_with("rb_")) << made.output;
  ASSERT_TRUE(publisher_id.starts_with("tk_")) << made.output;

  ASSERT_NO_FATAL_FAILURE(start_node());
  EXPECT_EQ(status("/api/v1/session", publisher), 200);
  EXPECT_EQ(status("/api/v1/tokens", publisher), 403);
  EXPECT_EQ(status("/api/v1/tokens", "bootstrap-s3cret"), 200);

  // Made while the node runs: works at once.
  auto admin_made = tokens("create --role admin --label ops");
  ASSERT_EQ(admin_made.exit_code, 0) << admin_made.output;
  auto admin = secret_of(admin_made.output);
  EXPECT_EQ(status("/api/v1/tokens", admin), 200);

  auto list = tokens("list");
  ASSERT_EQ(list.exit_code, 0) << list.output;
  EXPECT_NE(list.output.find(publisher_id), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("Summit reports"), std::string::npos);
  EXPECT_EQ(list.output.find(publisher.substr(3)), std::string::npos) << "never a secret";
  EXPECT_NE(list.output.find("2 tokens valid, 0 revoked"), std::string::npos) << list.output;

  // Revoked by the CLI, refused by the node within a second.
  auto revoked = tokens("revoke " + publisher_id);
  ASSERT_EQ(revoked.exit_code, 0) << revoked.output;
  auto since = std::chrono::steady_clock::now();
  ASSERT_TRUE(wait_until([&] { return status("/api/v1/session", publisher) == 401; }, seconds{5}));
  EXPECT_LE(std::chrono::steady_clock::now() - since, milliseconds{1'500});
  EXPECT_NE(tokens("list").output.find("1 tokens valid, 1 revoked"), std::string::npos);

  // The CLI's changes are in the audit log, as the API shows it.
  auto audit = http_get(origin_ + "/api/v1/audit?entity=token/" + publisher_id, {{"Authorization", "Bearer " + admin}});
  ASSERT_EQ(audit.status, 200);
  EXPECT_NE(audit.body.find("\"token.revoke\""), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("\"token.create\""), std::string::npos) << audit.body;
  EXPECT_NE(audit.body.find("\"address\":\"cli\""), std::string::npos) << audit.body;

  // Mistakes are clear.
  auto unknown = tokens("revoke tk_000000000000");
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("no token 'tk_000000000000'"), std::string::npos) << unknown.output;
  auto bad_role = tokens("create --role boss");
  EXPECT_EQ(bad_role.exit_code, 2);
  EXPECT_NE(bad_role.output.find("unknown role 'boss'"), std::string::npos) << bad_role.output;
  auto no_scope = tokens("create --role buyer");
  EXPECT_EQ(no_scope.exit_code, 2);
  EXPECT_NE(no_scope.output.find("needs its buyer"), std::string::npos) << no_scope.output;
  auto two_scopes = tokens("create --role buyer --buyer a --source b");
  EXPECT_EQ(two_scopes.exit_code, 2);
  EXPECT_NE(two_scopes.output.find("at most one of"), std::string::npos) << two_scopes.output;
  auto no_db = run(bin + "ringbid tokens list");
  EXPECT_EQ(no_db.exit_code, 2) << no_db.output;

  // The dashboard: a browser without a session is sent to sign in.
  auto page = http_get(origin_ + "/");
  EXPECT_EQ(page.status, 302);
  EXPECT_EQ(page.header("location"), "/signin");
  EXPECT_EQ(http_get(origin_ + "/", {{"Authorization", "Bearer " + admin}}).status, 200);
  ::kill(pid_, SIGTERM);
  EXPECT_EQ(wait_exit(pid_, milliseconds{30'000}), 0) << read_file(log_);
  pid_ = -1;
}

} // namespace
} // namespace ringbid
