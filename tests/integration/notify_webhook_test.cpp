// Webhook delivery end to end: citywatch builds batches from the demo feeds and POSTs them over
// TLS to a receiver in this process, which verifies each HMAC and answers as scripted. The
// assertions read the receiver's raw log: every finding reaches its partner and only its
// partner, a retry repeats the same batch id and only after a failed attempt, an acknowledged
// batch is never sent again, no finding is in two batches within the interval, and a kill -9
// during delivery neither loses nor duplicates a batch.
#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <iterator>
#include <map>
#include <set>

#include "core/ip_address.h"
#include "tests/integration/notify_fixture.h"
#include "tests/support/webhook_receiver.h"

namespace citywatch::testing {
namespace {

using Answer = WebhookReceiver::Answer;
constexpr const char* kT0 = "2026-12-01T00:00:00Z";

class NotifyWebhook : public NotifyFixture {
 protected:
  std::unique_ptr<WebhookReceiver> receiver;
  void SetUp() override {
    NotifyFixture::SetUp();
    if (HasFatalFailure()) return;
    receiver = std::make_unique<WebhookReceiver>("127.0.0.1", cert, key);
    write_file(dir.file("kpn.key"), "kpn-secret-0123456789\n");
    write_file(dir.file("ziggo.key"), "ziggo-secret-abcdef");
    ::chmod(dir.file("kpn.key").c_str(), 0600);
    ::chmod(dir.file("ziggo.key").c_str(), 0600);
    receiver->set_secret("/kpn", "kpn-secret-0123456789");
    receiver->set_secret("/ziggo", "ziggo-secret-abcdef");
    write_config(partners(""));
  }

  std::string partners(const std::string& kpn_extra) {
    return "[[partner]]\nname = \"kpn\"\nprefixes = [\"192.0.2.0/25\"]\nwebhook = \"" +
           receiver->url("/kpn") + "\"\nsecret_file = \"" + dir.file("kpn.key") +
           "\"\nca_file = \"" + cert + "\"\nformat = \"json\"\n" + kpn_extra +
           "\n[[partner]]\nname = \"ziggo\"\nprefixes = [\"198.51.100.0/24\"]\nwebhook = \"" +
           receiver->url("/ziggo") + "\"\nsecret_file = \"" + dir.file("ziggo.key") +
           "\"\nca_file = \"" + cert + "\"\nformat = \"xarf\"\n";
  }

  // Finding ids in a received body (JSON items or X-ARF reports).
  static std::set<std::int64_t> finding_ids(const WebhookReceiver::Request& r) {
    std::set<std::int64_t> out;
    auto j = nlohmann::json::parse(r.body);
    if (j.contains("items")) {
      for (const auto& it : j["items"]) out.insert(it["finding_id"].get<std::int64_t>());
    } else {
      for (const auto& rep : j["reports"]) {
        out.insert(rep["citywatch"]["finding_id"].get<std::int64_t>());
      }
    }
    return out;
  }
  static std::vector<std::string> ips(const WebhookReceiver::Request& r) {
    std::vector<std::string> out;
    auto j = nlohmann::json::parse(r.body);
    if (j.contains("items")) {
      for (const auto& it : j["items"]) out.push_back(it["ip"]);
    } else {
      for (const auto& rep : j["reports"]) out.push_back(rep["source_identifier"]);
    }
    return out;
  }

  // Open findings on devices in the city inside a prefix: what the partner must get.
  std::set<std::int64_t> expected(const std::string& prefix_text) {
    auto prefix = *core::Prefix::parse(prefix_text);
    std::set<std::int64_t> out;
    for (const auto& f :
         json_lines({"findings", "--in-city", "yes", "--status", "open,reopened"})) {
      if (prefix.contains(*core::IpAddress::parse(f["ip"].get<std::string>()))) {
        out.insert(f["id"].get<std::int64_t>());
      }
    }
    return out;
  }

  RunResult send(const std::string& now) {
    return cw({"batches", "send", "--now", now, "--seed", "1"});
  }
};

TEST_F(NotifyWebhook, EveryFindingReachesItsPartnerSignedAndNoOneElses) {
  auto built = cw({"batches", "build", "--now", kT0});
  ASSERT_EQ(built.exit_code, 0) << built.err;
  auto r = send(kT0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 attempts: 2 delivered"), std::string::npos) << r.out << r.err;
  auto reqs = receiver->requests();
  ASSERT_EQ(reqs.size(), 2u);
  auto kpn_prefix = *core::Prefix::parse("192.0.2.0/25");
  auto ziggo_prefix = *core::Prefix::parse("198.51.100.0/24");
  for (const auto& req : reqs) {
    EXPECT_TRUE(req.signature_ok) << req.head;
    EXPECT_EQ(req.attempt, "1");
    const auto& prefix = req.path == "/kpn" ? kpn_prefix : ziggo_prefix;
    for (const auto& ip : ips(req)) {
      EXPECT_TRUE(prefix.contains(*core::IpAddress::parse(ip))) << req.path << " got " << ip;
    }
    std::set<std::int64_t> want = expected(req.path == "/kpn" ? "192.0.2.0/25" : "198.51.100.0/24");
    EXPECT_FALSE(want.empty());
    std::set<std::int64_t> got = finding_ids(req);
    std::vector<std::int64_t> missing, extra;
    std::set_difference(want.begin(), want.end(), got.begin(), got.end(),
                        std::back_inserter(missing));
    std::set_difference(got.begin(), got.end(), want.begin(), want.end(),
                        std::back_inserter(extra));
    EXPECT_TRUE(missing.empty() && extra.empty())
        << req.path << " missing " << ::testing::PrintToString(missing) << " extra "
        << ::testing::PrintToString(extra);
    EXPECT_NE(req.head.find("Idempotency-Key: " + req.batch_id), std::string::npos);
  }
  for (const auto& b : batches()) EXPECT_EQ(b["status"], "delivered") << b.dump();
  // The X-ARF body validates report by report (the receiver got exactly what `show --as` says).
  for (const auto& req : reqs) {
    auto shown =
        cw({"batches", "show", req.batch_id, "--as", req.path == "/kpn" ? "json" : "xarf"});
    EXPECT_EQ(shown.out, req.body);
  }
  // Nothing is due now: no request, no new batch within the interval.
  ASSERT_EQ(send(kT0).exit_code, 0);
  auto again = cw({"batches", "build", "--now", "2026-12-03T00:00:00Z"});
  EXPECT_NE(again.out.find("0 batches"), std::string::npos) << again.out;
  EXPECT_EQ(receiver->requests().size(), 2u);
  // After the interval, still open and unacknowledged: sent again as a repeat in a new batch.
  // Across every request no finding is in two batches less than the interval (7d) apart.
  ASSERT_EQ(cw({"batches", "build", "--now", "2026-12-08T00:00:00Z"}).exit_code, 0);
  ASSERT_EQ(send("2026-12-08T00:00:00Z").exit_code, 0);
  auto all = receiver->requests();
  ASSERT_EQ(all.size(), 4u);
  std::map<std::int64_t, std::vector<std::string>> seen;  // finding -> created time of its batch
  for (const auto& req : all) {
    auto j = nlohmann::json::parse(req.body);
    std::string created = j["created_at"];
    for (auto id : finding_ids(req)) seen[id].push_back(created);
  }
  for (const auto& [id, times] : seen) {
    ASSERT_EQ(times.size(), 2u) << "finding " << id;
    EXPECT_EQ(times[0], "2026-12-01T00:00:00Z");
    EXPECT_EQ(times[1], "2026-12-08T00:00:00Z");
  }
  EXPECT_NE(all[2].body.find("\"notice\":\"repeat\""), std::string::npos);
  // The secret is in no log line and not in the database.
  EXPECT_EQ(r.err.find("kpn-secret"), std::string::npos);
  EXPECT_EQ(read_file(db).find("kpn-secret"), std::string::npos);
}

TEST_F(NotifyWebhook, RetriesRepeatTheSameBatchOnlyAfterAFailureUntilAcknowledged) {
  write_config(partners(""), "");
  receiver->set_retry_after("7200");
  receiver->script({Answer::kServerError, Answer::kTooMany, Answer::kStall, Answer::kDrop},
                   Answer::kOk);
  // Only kpn's batch is of interest: ziggo is paused for this test.
  write_config(partners("") + "paused = true\n");
  ASSERT_EQ(cw({"batches", "build", "--now", kT0}).exit_code, 0);
  ASSERT_EQ(batches().size(), 1u);
  std::string id = batches()[0]["batch_id"];

  ASSERT_EQ(send(kT0).exit_code, 0);  // 500
  auto b = batches()[0];
  EXPECT_EQ(b["status"], "retry");
  ASSERT_EQ(send(kT0).exit_code, 0);  // not due yet: nothing sent
  EXPECT_EQ(receiver->requests().size(), 1u);

  ASSERT_EQ(send("2026-12-01T01:00:00Z").exit_code, 0);  // 429, Retry-After 2 hours
  b = batches()[0];
  EXPECT_EQ(b["status"], "retry");
  EXPECT_GE(b["next_attempt_at"].get<std::string>(), std::string("2026-12-01T03:00:00Z"));
  ASSERT_EQ(send("2026-12-01T02:00:00Z").exit_code, 0);  // still within Retry-After
  EXPECT_EQ(receiver->requests().size(), 2u);

  ASSERT_EQ(send("2026-12-01T04:00:00Z").exit_code, 0);  // stall: the client times out
  ASSERT_EQ(send("2026-12-01T08:00:00Z").exit_code, 0);  // drop
  auto last = send("2026-12-01T12:00:00Z");              // 200
  ASSERT_EQ(last.exit_code, 0) << last.err;
  EXPECT_EQ(batches()[0]["status"], "delivered");

  auto reqs = receiver->requests();
  ASSERT_EQ(reqs.size(), 5u);
  for (std::size_t i = 0; i < reqs.size(); ++i) {
    EXPECT_EQ(reqs[i].batch_id, id);
    EXPECT_EQ(reqs[i].attempt, std::to_string(i + 1));
    EXPECT_EQ(reqs[i].body, reqs[0].body);  // the same bytes every time
    EXPECT_TRUE(reqs[i].signature_ok);
    if (i > 0) {
      EXPECT_NE(reqs[i - 1].answer, Answer::kOk);  // a retry only after a failure
    }
  }
  auto shown = cw({"batches", "show", id});
  EXPECT_NE(shown.out.find("HTTP 500"), std::string::npos) << shown.out;
  EXPECT_NE(shown.out.find("HTTP 429"), std::string::npos);
  EXPECT_NE(shown.out.find("Timeout"), std::string::npos) << shown.out;

  // Acknowledged: never sent again, and its findings are not rebatched after the interval.
  ASSERT_EQ(cw({"batches", "ack", id, "--now", "2026-12-01T13:00:00Z"}).exit_code, 0);
  auto notified = json_lines({"findings", "--status", "notified"});
  EXPECT_EQ(notified.size(), reqs.empty() ? 0u : finding_ids(reqs[0]).size());
  ASSERT_EQ(send("2026-12-20T00:00:00Z").exit_code, 0);
  auto rebuilt = cw({"batches", "build", "--now", "2026-12-20T00:00:00Z"});
  EXPECT_NE(rebuilt.out.find("0 batches"), std::string::npos) << rebuilt.out;
  EXPECT_EQ(receiver->requests().size(), 5u);
  EXPECT_FALSE(cw({"batches", "retry", id}).exit_code == 0);
}

TEST_F(NotifyWebhook, RefusalGoesToDeadLettersWithTheResponseAndCanBeRetried) {
  write_config(partners("") + "paused = true\n");
  receiver->script({Answer::kRefuse}, Answer::kOk);
  ASSERT_EQ(cw({"batches", "build", "--now", kT0}).exit_code, 0);
  std::string id = batches()[0]["batch_id"];
  ASSERT_EQ(send(kT0).exit_code, 0);
  EXPECT_EQ(batches()[0]["status"], "dead");
  auto shown = cw({"batches", "show", id});
  EXPECT_NE(shown.out.find("HTTP 403"), std::string::npos) << shown.out;
  auto attempts_json = json_lines({"batches", "list", "--status", "dead"});
  ASSERT_EQ(attempts_json.size(), 1u);
  EXPECT_NE(attempts_json[0]["last_error"].get<std::string>().find("refused"), std::string::npos);
  // Dead letters hold their findings: a new build makes no second batch with them.
  auto rebuilt = cw({"batches", "build", "--now", "2026-12-20T00:00:00Z"});
  EXPECT_NE(rebuilt.out.find("0 batches"), std::string::npos) << rebuilt.out;
  ASSERT_EQ(cw({"batches", "retry", id}).exit_code, 0);
  ASSERT_EQ(send("2026-12-20T00:00:00Z").exit_code, 0);
  EXPECT_EQ(batches()[0]["status"], "delivered");
  auto reqs = receiver->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[1].batch_id, id);
}

TEST_F(NotifyWebhook, TlsIsVerifiedAndPlainHttpNeedsAllowInsecure) {
  // Without the CA file the receiver's certificate is not trusted: nothing is delivered.
  write_config("[[partner]]\nname = \"kpn\"\nprefixes = [\"192.0.2.0/25\"]\nwebhook = \"" +
               receiver->url("/kpn") + "\"\nsecret_file = \"" + dir.file("kpn.key") + "\"\n");
  ASSERT_EQ(cw({"batches", "build", "--now", kT0}).exit_code, 0);
  ASSERT_EQ(send(kT0).exit_code, 0);
  auto b = batches()[0];
  EXPECT_EQ(b["status"], "retry");
  EXPECT_NE(b["last_error"].get<std::string>().find("certificate"), std::string::npos) << b.dump();
  EXPECT_TRUE(receiver->requests().empty());

  // Plain http:// is refused when adding a partner...
  auto refused = cw({"partners", "add", "plain", "--prefix", "198.51.100.0/24", "--webhook",
                     "http://127.0.0.1:9/x", "--secret-file", dir.file("kpn.key")});
  EXPECT_EQ(refused.exit_code, 78) << refused.err;
  EXPECT_NE(refused.err.find("allow_insecure"), std::string::npos) << refused.err;
  // ...and works with allow_insecure against a plain receiver.
  WebhookReceiver plain("127.0.0.2", "", "");
  plain.set_secret("/plain", "kpn-secret-0123456789");
  auto added = cw({"partners", "add", "plain", "--prefix", "198.51.100.0/24", "--webhook",
                   plain.url("/plain"), "--secret-file", dir.file("kpn.key"), "--allow-insecure"});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  ASSERT_EQ(cw({"batches", "build", "--now", kT0}).exit_code, 0);
  ASSERT_EQ(send(kT0).exit_code, 0);
  ASSERT_EQ(plain.requests().size(), 1u);
  EXPECT_TRUE(plain.requests()[0].signature_ok);
}

TEST_F(NotifyWebhook, KillDuringDeliveryNeitherLosesNorDuplicatesABatch) {
  write_config(partners("") + "paused = true\n", "");
  receiver->script({Answer::kStall}, Answer::kOk);
  ASSERT_EQ(cw({"batches", "build", "--now", kT0}).exit_code, 0);
  std::string id = batches()[0]["batch_id"];
  pid_t pid =
      spawn({citywatch_binary(), "--config", config, "--db", db, "batches", "send", "--now", kT0});
  ASSERT_TRUE(receiver->wait_for(1, std::chrono::seconds(30)));
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  receiver->release();
  auto list = batches();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["status"], "sending");  // the attempt was on disk before the send

  auto r = send(kT0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  list = batches();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["status"], "delivered");
  auto reqs = receiver->requests();
  ASSERT_EQ(reqs.size(), 2u);
  EXPECT_EQ(reqs[0].batch_id, id);
  EXPECT_EQ(reqs[1].batch_id, id);  // the same batch again: the partner drops it by id
  EXPECT_EQ(reqs[1].body, reqs[0].body);
  auto shown = cw({"batches", "show", id});
  EXPECT_NE(shown.out.find("interrupted"), std::string::npos) << shown.out;
  // And a later build does not put those findings into another batch.
  auto rebuilt = cw({"batches", "build", "--now", "2026-12-02T00:00:00Z"});
  EXPECT_NE(rebuilt.out.find("0 batches"), std::string::npos) << rebuilt.out;
}

}  // namespace
}  // namespace citywatch::testing
