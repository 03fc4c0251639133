// tests/db/db_fixture.h: a fresh database in a temporary directory and quick ways to put
// observations into it through the real ingest path (Store::write_chunk).
#pragma once

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "db/finding_store.h"
#include "db/store.h"
#include "tests/support/test_support.h"

namespace citywatch::db {

inline core::Observation seen(const std::string& ip, std::uint16_t port, core::UnixSeconds t,
                              core::Source source = core::Source::kShodan,
                              std::string protocol = "http") {
  core::Observation o;
  o.source = source;
  o.ip = *core::IpAddress::parse(ip);
  o.port = port;
  o.observed_at = t;
  o.protocol = std::move(protocol);
  o.product = "lighttpd";
  o.excerpt = "HTTP/1.1 200 OK";
  return o;
}

class DbTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = Store::open(dir_.file("t.db"), true);
    ASSERT_TRUE(s) << s.error().to_string();
    store_.emplace(std::move(*s));
  }
  void write(std::vector<core::Observation> chunk) {
    auto id = store_->begin_import(core::Source::kShodan, "fixture", "", 1);
    ASSERT_TRUE(id);
    auto counts = store_->write_chunk(chunk, *id);
    ASSERT_TRUE(counts) << counts.error().to_string();
  }
  // Records a finding as the risk stage does (opened at t); returns its id.
  std::int64_t finding(const std::string& ip, std::uint16_t port, core::UnixSeconds t,
                       core::FindingKind kind = core::FindingKind::kExposedService,
                       const std::string& code = "telnet",
                       core::Severity severity = core::Severity::kHigh) {
    core::Finding f;
    f.ip = *core::IpAddress::parse(ip);
    f.port = port;
    f.kind = kind;
    f.code = code;
    f.severity = severity;
    f.sentence = code + " on port " + std::to_string(port);
    f.evidence = {"shodan/" + ip + "/" + std::to_string(port) + "/tcp/" + std::to_string(t)};
    f.observed_at = t;
    FindingStore findings(conn());
    auto outcome = findings.record_present(f, t);
    EXPECT_TRUE(outcome) << outcome.error().to_string();
    auto stmt = conn().prepare("SELECT max(id) FROM findings");
    EXPECT_TRUE(stmt && stmt->step());
    return stmt->int64(0);
  }
  Connection& conn() { return store_->connection(); }
  std::int64_t count(const char* table) { return *store_->count(table); }
  std::int64_t scalar(const std::string& sql) {
    auto s = conn().prepare(sql);
    EXPECT_TRUE(s);
    auto row = s->step();
    EXPECT_TRUE(row && *row);
    return s->int64(0);
  }

  testing::TempDir dir_;
  std::optional<Store> store_;
};

}  // namespace citywatch::db
