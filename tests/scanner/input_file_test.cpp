#include "scanner/input_file.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_support.h"

namespace citywatch::scanner {
namespace {

std::vector<std::string> all_lines(InputFile& in, std::size_t max = 1 << 20,
                                   std::optional<core::Error>* error = nullptr) {
  LineReader reader(in, max);
  std::vector<std::string> lines;
  while (true) {
    auto line = reader.next();
    if (!line) {
      if (error) *error = line.error();
      break;
    }
    if (!*line) break;
    lines.emplace_back((*line)->text);
  }
  return lines;
}

TEST(InputFile, ReadsPlainAndGzipAlike) {
  testing::TempDir dir;
  testing::write_file(dir.file("a.txt"), "one\r\ntwo\nthree");
  testing::write_gzip(dir.file("a.gz"), "one\r\ntwo\nthree");
  for (const char* name : {"a.txt", "a.gz"}) {
    auto in = InputFile::open(dir.file(name));
    ASSERT_TRUE(in);
    EXPECT_EQ(all_lines(*in), (std::vector<std::string>{"one", "two", "three"})) << name;
  }
}

TEST(InputFile, TruncatedGzipIsAnErrorAfterTheGoodLines) {
  testing::TempDir dir;
  std::string content;
  for (int i = 0; i < 20000; ++i) content += "line " + std::to_string(i) + " some padding text\n";
  testing::write_gzip(dir.file("full.gz"), content);
  std::string gz = testing::read_file(dir.file("full.gz"));
  testing::write_file(dir.file("cut.gz"), gz.substr(0, gz.size() / 2));
  auto in = InputFile::open(dir.file("cut.gz"));
  ASSERT_TRUE(in);
  std::optional<core::Error> error;
  auto lines = all_lines(*in, 1 << 20, &error);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->code, core::ErrorCode::kBadInput);
  EXPECT_NE(error->message.find("truncated"), std::string::npos) << error->message;
  EXPECT_GT(lines.size(), 1000u);
  EXPECT_LT(lines.size(), 20000u);
  EXPECT_EQ(lines[1000], "line 1000 some padding text");
}

TEST(InputFile, LongLinesAreCutAndFlagged) {
  testing::TempDir dir;
  testing::write_file(dir.file("long.txt"), std::string(5000, 'x') + "\nshort\n");
  auto in = InputFile::open(dir.file("long.txt"));
  ASSERT_TRUE(in);
  LineReader reader(*in, 100);
  auto first = reader.next();
  ASSERT_TRUE(first && *first);
  EXPECT_TRUE((*first)->truncated);
  EXPECT_EQ((*first)->text.size(), 100u);
  auto second = reader.next();
  ASSERT_TRUE(second && *second);
  EXPECT_EQ((*second)->text, "short");
  EXPECT_EQ((*second)->number, 2u);
}

TEST(InputFile, MissingFileIsNotFoundAndDirectoryIsIo) {
  testing::TempDir dir;
  auto missing = InputFile::open(dir.file("nope.json"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kNotFound);
  auto directory = InputFile::open(dir.path());
  ASSERT_FALSE(directory);
  EXPECT_EQ(directory.error().code, core::ErrorCode::kIo);
}

}  // namespace
}  // namespace citywatch::scanner
