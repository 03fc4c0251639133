// Acknowledgement and re-check through the command line, with a pull partner (nothing is sent):
// an acknowledged finding becomes notified, is listed as due for a re-check, and when a later
// feed observation shows the broker refusing anonymous clients it becomes fixed, and the
// partner finds that outcome in its next batch; partner feedback and disputes are recorded.
#include "tests/integration/notify_fixture.h"

namespace citywatch::testing {
namespace {

class NotifyRecheck : public NotifyFixture {};

TEST_F(NotifyRecheck, AcknowledgedFindingIsRecheckedAndTheOutcomeGoesOut) {
  write_config("[[partner]]\nname = \"city-it\"\nprefixes = [\"192.0.2.0/25\"]\n");
  ASSERT_EQ(cw({"batches", "build", "--now", "2026-12-01T00:00:00Z"}).exit_code, 0);
  auto list = batches();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["channel"], "pull");
  std::string id = list[0]["batch_id"];
  auto items = json_lines({"batches", "show", id});
  int mqtt_item = 0;
  std::int64_t mqtt_finding = 0;
  for (const auto& it : items) {
    if (it["ip"] == "192.0.2.64" && it["code"] == "mqtt-anonymous") {
      mqtt_item = it["item"];
      mqtt_finding = it["finding_id"];
    }
  }
  ASSERT_GT(mqtt_item, 0);

  // A pull batch is not sent; the partner acknowledges it.
  ASSERT_EQ(cw({"batches", "send", "--now", "2026-12-01T00:00:00Z"}).exit_code, 0);
  EXPECT_EQ(batches()[0]["status"], "pending");
  auto ack = cw({"batches", "ack", id, "--by", "city-it", "--now", "2026-12-01T10:00:00Z"});
  ASSERT_EQ(ack.exit_code, 0) << ack.err;
  EXPECT_EQ(batches()[0]["status"], "acknowledged");
  auto show = json_lines({"findings", "show", std::to_string(mqtt_finding)});
  EXPECT_EQ(show[0]["status"], "notified");
  EXPECT_TRUE(json_lines({"batches", "recheck-due", "--now", "2026-12-02T09:00:00Z"}).empty());
  auto due = json_lines({"batches", "recheck-due", "--now", "2026-12-02T10:00:00Z"});
  EXPECT_FALSE(due.empty());

  // Feedback, one dispute for the CISO team.
  auto fb = cw({"batches", "feedback", id, std::to_string(mqtt_item), "customer-informed"});
  ASSERT_EQ(fb.exit_code, 0) << fb.err;
  write_file(dir.file("fb.json"), R"({"feedback":[{"item":1,"status":"dispute","note":"ours"}]})");
  ASSERT_EQ(cw({"batches", "feedback", id, "--json", dir.file("fb.json")}).exit_code, 0);
  auto disputes = json_lines({"batches", "disputes"});
  ASSERT_EQ(disputes.size(), 1u);
  EXPECT_EQ(disputes[0]["note"], "ours");
  auto bad = cw({"batches", "feedback", id, "1", "happy"});
  EXPECT_EQ(bad.exit_code, 64);

  // The next feed observation: the broker now refuses anonymous clients.
  std::string csv = dir.file("2026-12-05-scan_mqtt_anon-test-nl.csv");
  write_file(csv,
             "\"timestamp\",\"ip\",\"protocol\",\"port\",\"hostname\",\"tag\",\"asn\",\"geo\","
             "\"region\",\"city\",\"naics\",\"sic\",\"raw_response\",\"hex_code\",\"code\","
             "\"sector\"\n\"2026-12-05 03:15:21\",\"192.0.2.64\",\"tcp\",1883,\"\",\"mqtt\","
             "64497,\"NL\",\"ZUID-HOLLAND\",\"DEN HAAG\",517311,0,\"20020005\",\"05\","
             "\"Connection Refused, not authorized\",\"\"\n");
  ASSERT_EQ(cw({"import", "shadowserver", csv}).exit_code, 0);
  show = json_lines({"findings", "show", std::to_string(mqtt_finding)});
  EXPECT_EQ(show[0]["status"], "fixed");

  auto next = cw({"batches", "build", "--now", "2026-12-06T00:00:00Z"});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  list = batches();
  ASSERT_EQ(list.size(), 2u) << next.out;
  bool reported = false, still_open = false;
  for (const auto& it : json_lines({"batches", "show", list[1]["batch_id"]})) {
    EXPECT_EQ(it["notice"], "recheck");
    if (it["finding_id"] == mqtt_finding) {
      EXPECT_EQ(it["status"], "fixed");
      reported = true;
    } else if (it["ip"] == "192.0.2.64") {
      // The broker is still reachable (an exposed-service finding seen again after the
      // acknowledgement): reported as still open.
      EXPECT_EQ(it["status"], "open");
      still_open = true;
    }
  }
  EXPECT_TRUE(reported);
  EXPECT_TRUE(still_open);
  // Told once: a build before the next re-check time has nothing new about either; a still-open
  // finding is reported again one re-check period (1d here) later.
  ASSERT_EQ(cw({"batches", "ack", list[1]["batch_id"], "--now", "2026-12-06T01:00:00Z"}).exit_code,
            0);
  auto third = cw({"batches", "build", "--now", "2026-12-06T12:00:00Z"});
  EXPECT_NE(third.out.find("0 re-check outcomes"), std::string::npos) << third.out;
  auto fourth = cw({"batches", "build", "--now", "2026-12-07T00:00:00Z"});
  EXPECT_NE(fourth.out.find("1 re-check outcomes"), std::string::npos) << fourth.out;
}

}  // namespace
}  // namespace citywatch::testing
