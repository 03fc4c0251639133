#include "app/output.h"

#include <gtest/gtest.h>

#include <cstdio>

namespace citywatch::app {
namespace {

std::string render(OutputFormat format, const std::vector<std::vector<Cell>>& rows) {
  char* buf = nullptr;
  std::size_t size = 0;
  std::FILE* out = ::open_memstream(&buf, &size);
  {
    RowWriter w(format, {"ip", "port", "product"}, out);
    for (const auto& r : rows) w.row(r);
  }
  std::fclose(out);
  std::string text(buf, size);
  std::free(buf);
  return text;
}

const std::vector<std::vector<Cell>> kRows{
    {std::string("192.0.2.1"), std::int64_t{80}, std::string("Hikvision, \"webs\"")},
    {std::string("2001:db8::1"), std::int64_t{23}, Cell()},
};

TEST(Output, JsonIsOneObjectPerLineWithTypes) {
  EXPECT_EQ(render(OutputFormat::kJson, kRows),
            "{\"ip\":\"192.0.2.1\",\"port\":80,\"product\":\"Hikvision, \\\"webs\\\"\"}\n"
            "{\"ip\":\"2001:db8::1\",\"port\":23,\"product\":null}\n");
}

TEST(Output, CsvQuotesAndHasAHeader) {
  EXPECT_EQ(render(OutputFormat::kCsv, kRows),
            "ip,port,product\r\n192.0.2.1,80,\"Hikvision, \"\"webs\"\"\"\r\n2001:db8::1,23,\r\n");
}

TEST(Output, CsvDefusesSpreadsheetFormulas) {
  EXPECT_EQ(render(OutputFormat::kCsv,
                   {{std::string("=HYPERLINK(\"x\")"), std::int64_t{-1}, std::string("@SUM(A1)")}}),
            "ip,port,product\r\n\"'=HYPERLINK(\"\"x\"\")\",-1,'@SUM(A1)\r\n");
}

TEST(Output, TableAlignsColumns) {
  EXPECT_EQ(render(OutputFormat::kTable, kRows),
            "ip           port  product\n"
            "192.0.2.1    80    Hikvision, \"webs\"\n"
            "2001:db8::1  23\n");
}

}  // namespace
}  // namespace citywatch::app
