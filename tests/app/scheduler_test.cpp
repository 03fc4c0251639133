// The scheduler with an injected ManualClock: jobs run when due, missed slots are not made
// up, a job never runs twice at once (two schedulers, two owners, one database), leases of
// dead daemons are reclaimed, failures are recorded and alerted, and the retention job purges
// by the clock it is given.
#include "app/scheduler.h"

#include <gtest/gtest.h>
#include <spawn.h>
#include <sys/wait.h>

#include <future>

#include "app/alerts.h"
#include "app/metrics.h"
#include "db/jobs.h"
#include "db/store.h"
#include "tests/support/daemon_process.h"
#include "tests/support/fake_feeds.h"
#include "tests/support/test_support.h"

namespace citywatch::app {
namespace {

constexpr core::UnixSeconds kStart = 1795000000;  // 2026-11-18T...

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.file("s.db");
    auto s = db::Store::open(db_, true);
    ASSERT_TRUE(s);
    store_.emplace(std::move(*s));
    register_job_kinds(registry_);
    JobKind count;
    count.name = "count";
    count.description = "counts its runs";
    count.run = [this](JobContext& ctx) -> core::Result<JobResult> {
      ++runs_;
      if (fail_) return core::fail(core::ErrorCode::kUnavailable, "the feed was down");
      if (interrupt_) return JobResult{"{}", true};
      if (block_) block_(ctx);
      return JobResult{"{\"runs\":" + std::to_string(runs_.load()) + "}", false};
    };
    registry_.add(count);
    config_ = std::make_shared<Config>();
    config_->database_path = db_;
    config_->jobs.push_back({"counter", "count", "every 1h", "{}", true});
  }

  std::unique_ptr<Scheduler> make(std::shared_ptr<Alerter> alerter = nullptr) {
    SchedulerOptions o;
    o.db_path = db_;
    o.lease_seconds = 600;
    auto config = config_;
    return std::make_unique<Scheduler>(
        o, registry_,
        SchedulerHooks{[config] { return std::shared_ptr<const Config>(config); },
                       [alerter] { return alerter; }, &metrics_},
        clock_);
  }
  // One scheduler pass; returns the runs of the "counter" job (retention and the feed check,
  // which every configuration has, run too).
  std::vector<Scheduler::RunRecord> pass(Scheduler& s) {
    auto r = s.run_due_once(*store_);
    EXPECT_TRUE(r) << r.error().to_string();
    return r ? counter_only(*r) : std::vector<Scheduler::RunRecord>{};
  }
  static std::vector<Scheduler::RunRecord> counter_only(std::vector<Scheduler::RunRecord> all) {
    std::erase_if(all, [](const Scheduler::RunRecord& r) { return r.job != "counter"; });
    return all;
  }
  std::optional<db::JobRow> job(const std::string& name) {
    db::JobStore jobs(store_->connection());
    return *jobs.get(name);
  }

  testing::TempDir dir_;
  std::string db_;
  std::optional<db::Store> store_;
  JobRegistry registry_;
  std::shared_ptr<Config> config_;
  Metrics metrics_;
  core::ManualClock clock_{kStart};
  std::atomic<int> runs_{0};
  bool fail_ = false, interrupt_ = false;
  std::function<void(JobContext&)> block_;
};

TEST_F(SchedulerTest, ANewJobRunsAtOnceThenOnItsSchedule) {
  auto s = make();
  auto first = pass(*s);
  ASSERT_EQ(runs_, 1);
  EXPECT_EQ(job("counter")->next_due, kStart + 3600);
  clock_.advance(1800);
  pass(*s);
  EXPECT_EQ(runs_, 1);
  clock_.advance(1800);
  pass(*s);
  EXPECT_EQ(runs_, 2);
}

TEST_F(SchedulerTest, JobsDueWhileDownRunOnceNotOncePerMissedSlot) {
  auto s = make();
  pass(*s);
  ASSERT_EQ(runs_, 1);
  clock_.advance(10 * 3600 + 60);  // ten slots missed
  auto records = pass(*s);
  EXPECT_EQ(runs_, 2);
  pass(*s);
  EXPECT_EQ(runs_, 2);
  EXPECT_EQ(job("counter")->next_due, clock_.now() + 3600);
}

TEST_F(SchedulerTest, TheSameJobNeverRunsTwiceAtOnce) {
  auto a = make();
  auto b = make();
  ASSERT_NE(a->owner(), b->owner());
  std::promise<void> inside, release;
  auto released = release.get_future().share();
  block_ = [&](JobContext&) {
    inside.set_value();
    released.wait();
  };
  auto runner = std::async(std::launch::async, [&] {
    auto store = db::Store::open(db_, false);
    return a->run_due_once(*store);
  });
  inside.get_future().wait();
  block_ = nullptr;
  // While a runs it (its lease lasts 600 s), b finds it leased although it is still due.
  auto store_b = db::Store::open(db_, false);
  clock_.advance(300);
  auto from_b = b->run_due_once(*store_b);
  ASSERT_TRUE(from_b);
  EXPECT_TRUE(counter_only(*from_b).empty());
  EXPECT_EQ(runs_, 1);
  release.set_value();
  auto from_a = runner.get();
  ASSERT_TRUE(from_a);
  EXPECT_EQ(counter_only(*from_a).size(), 1u);
}

TEST_F(SchedulerTest, InterruptedRunsKeepTheirDueTime) {
  auto s = make();
  interrupt_ = true;
  auto r = pass(*s);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, "interrupted");
  EXPECT_EQ(job("counter")->next_due, kStart);  // runs again at the next start
  interrupt_ = false;
  pass(*s);
  EXPECT_EQ(runs_, 2);
}

TEST_F(SchedulerTest, FailuresAreRecordedCountedAndAlerted) {
  testing::WebhookReceiver hook;
  AlertOptions ao;
  ao.webhook_url = hook.url("/hook");
  auto alerter = std::make_shared<Alerter>(ao, &metrics_);
  auto s = make(alerter);
  fail_ = true;
  auto r = pass(*s);
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r[0].status, "failed");
  auto j = job("counter");
  EXPECT_EQ(j->last_status, "failed");
  EXPECT_NE(j->last_error.find("the feed was down"), std::string::npos);
  EXPECT_EQ(j->next_due, kStart + 3600);  // a failed job waits for its next slot
  ASSERT_TRUE(alerter->flush(std::chrono::seconds(10)));
  auto got = hook.deliveries();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_NE(got[0].body.find(R"("kind":"job_failed")"), std::string::npos);
  EXPECT_NE(got[0].body.find(R"("job":"counter")"), std::string::npos);
  EXPECT_NE(metrics_.render().find(R"(citywatch_job_runs_total{kind="count",outcome="failed"} 1)"),
            std::string::npos);
}

TEST_F(SchedulerTest, LeasesOfADeadDaemonOnThisHostAreReclaimedAtOnce) {
  auto s = make();
  pass(*s);
  ASSERT_EQ(runs_, 1);
  // A daemon on this host, now dead, holding the job: a child we started and reaped.
  pid_t pid = testing::spawn({"true"});
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::string host = s->owner().substr(0, s->owner().find(':'));
  std::string dead = host + ":" + std::to_string(pid) + ":0000";
  EXPECT_TRUE(s->owner_is_dead(dead));
  EXPECT_FALSE(s->owner_is_dead(s->owner()));
  EXPECT_FALSE(s->owner_is_dead("other-host:" + std::to_string(pid) + ":0"));
  db::JobStore jobs(store_->connection());
  auto j = job("counter");
  clock_.advance(3600);
  ASSERT_TRUE(*jobs.claim(j->id, dead, clock_.now(), clock_.now() + 100000));
  ASSERT_TRUE(jobs.start_run(j->id, dead, "schedule", clock_.now()));
  pass(*s);
  EXPECT_EQ(runs_, 2);
  auto runs = *jobs.runs(j->id, std::nullopt, 10);
  ASSERT_GE(runs.size(), 2u);
  EXPECT_EQ(runs[1].status, "interrupted");
  EXPECT_EQ(runs[0].status, "ok");
}

TEST_F(SchedulerTest, UnknownKindsFailWithoutLooping) {
  config_->jobs.push_back({"recheck-city", "recheck", "every 1h", "{}", true});
  auto s = make();
  auto r = s->run_due_once(*store_);
  ASSERT_TRUE(r);
  bool seen = false;
  for (const auto& rec : *r) {
    if (rec.job == "recheck-city") {
      seen = true;
      EXPECT_EQ(rec.status, "failed");
      EXPECT_NE(rec.error.find("unknown job kind 'recheck'"), std::string::npos);
    }
  }
  EXPECT_TRUE(seen);
  EXPECT_EQ(job("recheck-city")->next_due, kStart + 3600);
}

TEST_F(SchedulerTest, RetentionPurgesByTheInjectedClock) {
  config_->retention.observation_days = 30;
  config_->retention.device_days = 60;
  // Observations on two days, 40 and 10 days before the start.
  std::vector<core::Observation> chunk;
  for (core::UnixSeconds t : {kStart - 40 * 86400, kStart - 10 * 86400}) {
    core::Observation o;
    o.ip = *core::IpAddress::parse(t < kStart - 20 * 86400 ? "192.0.2.1" : "192.0.2.2");
    o.port = 80;
    o.observed_at = t;
    chunk.push_back(o);
  }
  auto id = store_->begin_import(core::Source::kShodan, "t", "", 1);
  ASSERT_TRUE(store_->write_chunk(chunk, *id));
  auto s = make();
  pass(*s);  // retention is due at once when first configured
  EXPECT_EQ(*store_->count("observations"), 1);
  EXPECT_EQ(*store_->count("devices"), 2);
  // 25 days later (its cron slot passed): the second day is older than 30 days now, and the
  // first device has not been seen for more than 60 days.
  clock_.advance(25 * 86400);
  pass(*s);
  EXPECT_EQ(*store_->count("observations"), 0);
  EXPECT_EQ(*store_->count("devices"), 1);
  clock_.advance(30 * 86400);
  pass(*s);
  EXPECT_EQ(*store_->count("devices"), 0);
  auto runs = db::JobStore(store_->connection()).runs(job("retention")->id, std::nullopt, 10);
  ASSERT_EQ(runs->size(), 3u);
  EXPECT_NE((*runs)[2].summary.find(R"("observations":1)"), std::string::npos);
}

TEST_F(SchedulerTest, BackgroundThreadsRunDueJobsAndStopWhenAsked) {
  auto s = make();
  s->request_sync();
  s->start();
  EXPECT_TRUE(testing::wait_for([&] { return runs_ >= 1; }));
  EXPECT_TRUE(testing::wait_for([&] { return s->status().database_ok; }));
  s->request_stop();
  EXPECT_TRUE(s->wait_stopped(std::chrono::steady_clock::now() + std::chrono::seconds(10)));
}

}  // namespace
}  // namespace citywatch::app
