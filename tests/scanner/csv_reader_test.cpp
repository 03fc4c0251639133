#include "scanner/csv_reader.h"

#include <gtest/gtest.h>

#include "tests/support/test_support.h"

namespace citywatch::scanner {
namespace {

std::vector<std::string> split(std::string_view text, std::string* problem = nullptr) {
  std::vector<std::string_view> fields;
  std::string storage, why;
  bool ok = split_csv_record(text, fields, storage, why);
  if (problem) *problem = why;
  if (!ok) return {};
  return {fields.begin(), fields.end()};
}

TEST(Csv, SplitsQuotedAndPlainFields) {
  EXPECT_EQ(split(R"("a","b,c",3,,"say ""hi""")"),
            (std::vector<std::string>{"a", "b,c", "3", "", "say \"hi\""}));
  EXPECT_EQ(split(""), std::vector<std::string>{""});
  EXPECT_EQ(split("x,"), (std::vector<std::string>{"x", ""}));
}

TEST(Csv, KeepsTextAfterAClosingQuoteAsPythonDoes) {
  EXPECT_EQ(split(R"("\"\"vendor=Synology\"\"",b)"),
            (std::vector<std::string>{R"(\\"vendor=Synology\"\"")", "b"}));
}

TEST(Csv, ReportsUnclosedQuotes) {
  std::string why;
  EXPECT_TRUE(split(R"(a,"never closed)", &why).empty());
  EXPECT_NE(why.find("never closed"), std::string::npos);
}

TEST(Csv, RecordsSpanLinesInsideQuotesAndKnowTheirFirstLine) {
  testing::TempDir dir;
  std::string path = dir.file("multi.csv");
  testing::write_file(path, "h1,h2\r\n1,\"two\nlines\"\r\n\r\n3,4\n");
  auto in = InputFile::open(path);
  ASSERT_TRUE(in);
  LineReader lines(*in);
  CsvReader csv(lines);
  std::vector<std::pair<std::size_t, std::vector<std::string>>> got;
  while (true) {
    auto r = csv.next();
    ASSERT_TRUE(r);
    if (!*r) break;
    got.emplace_back((*r)->line,
                     std::vector<std::string>((*r)->fields.begin(), (*r)->fields.end()));
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1].first, 2u);
  EXPECT_EQ(got[1].second, (std::vector<std::string>{"1", "two\nlines"}));
  EXPECT_EQ(got[2].first, 5u);
}

}  // namespace
}  // namespace citywatch::scanner
