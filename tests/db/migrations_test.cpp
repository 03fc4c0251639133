#include "db/migrations.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "db/store.h"
#include "tests/support/test_support.h"

namespace citywatch::db {
namespace {

int user_version(const std::string& path) {
  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  sqlite3_stmt* stmt = nullptr;
  sqlite3_prepare_v2(raw, "PRAGMA user_version", -1, &stmt, nullptr);
  sqlite3_step(stmt);
  int v = sqlite3_column_int(stmt, 0);
  sqlite3_finalize(stmt);
  sqlite3_close(raw);
  return v;
}

void set_user_version(const std::string& path, int version) {
  sqlite3* raw = nullptr;
  sqlite3_open(path.c_str(), &raw);
  sqlite3_exec(raw, ("PRAGMA user_version = " + std::to_string(version)).c_str(), nullptr, nullptr,
               nullptr);
  sqlite3_close(raw);
}

TEST(Migrations, InitCreatesTheLatestSchema) {
  testing::TempDir dir;
  auto store = Store::open(dir.file("c.db"), true);
  ASSERT_TRUE(store) << store.error().to_string();
  EXPECT_EQ(store->version_before_open(), 0);
  EXPECT_EQ(user_version(dir.file("c.db")), latest_schema_version());
  for (const char* table : {"devices", "services", "observations", "imports"}) {
    EXPECT_TRUE(store->count(table)) << table;
  }
}

TEST(Migrations, NumbersRunWithoutGaps) {
  int expected = 1;
  for (const auto& m : migrations()) EXPECT_EQ(m.version, expected++);
}

TEST(Migrations, AnOlderDatabaseIsUpgradedOnOpen) {
  testing::TempDir dir;
  std::string path = dir.file("old.db");
  {
    sqlite3* raw = nullptr;
    sqlite3_open(path.c_str(), &raw);  // version 0: a database citywatch never touched
    sqlite3_exec(raw, "CREATE TABLE unrelated(x)", nullptr, nullptr, nullptr);
    sqlite3_close(raw);
  }
  auto store = Store::open(path, false);
  ASSERT_TRUE(store) << store.error().to_string();
  EXPECT_EQ(store->version_before_open(), 0);
  EXPECT_EQ(user_version(path), latest_schema_version());
  // Opening again changes nothing.
  auto again = Store::open(path, false);
  ASSERT_TRUE(again);
  EXPECT_EQ(again->version_before_open(), latest_schema_version());
}

TEST(Migrations, ANewerDatabaseIsRefusedUntouched) {
  testing::TempDir dir;
  std::string path = dir.file("new.db");
  ASSERT_TRUE(Store::open(path, true));
  set_user_version(path, latest_schema_version() + 1);
  auto store = Store::open(path, false);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, core::ErrorCode::kConfig);
  EXPECT_NE(store.error().message.find("newer than this citywatch"), std::string::npos);
  EXPECT_EQ(user_version(path), latest_schema_version() + 1);
}

TEST(Migrations, MissingDatabaseSaysRunInit) {
  testing::TempDir dir;
  auto store = Store::open(dir.file("absent.db"), false);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, core::ErrorCode::kNotFound);
  EXPECT_NE(store.error().message.find("citywatch init"), std::string::npos);
}

TEST(Migrations, NotADatabaseIsBadInput) {
  testing::TempDir dir;
  testing::write_file(dir.file("junk.db"), std::string(8192, 'x'));
  auto store = Store::open(dir.file("junk.db"), false);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().code, core::ErrorCode::kBadInput);
}

}  // namespace
}  // namespace citywatch::db
