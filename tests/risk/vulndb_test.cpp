#include <gtest/gtest.h>

#include "risk/cpe.h"
#include "risk/vuln_feed.h"
#include "risk/vuln_index.h"
#include "tests/support/test_support.h"

namespace citywatch::risk {
namespace {

struct Loaded {
  MemoryVulnIndex index;
  std::vector<core::CveRecord> cves;
  std::vector<core::KevEntry> kev;
  std::size_t bad = 0;
  VulnFeedSummary summary;
};

void load(Loaded& into, const std::string& path) {
  core::Diagnostics diag;
  VulnFeedSinks sinks;
  sinks.cve = [&](core::CveRecord&& r) {
    into.index.add(r);
    into.cves.push_back(std::move(r));
  };
  sinks.kev = [&](core::KevEntry&& e) {
    into.index.add(e);
    into.kev.push_back(std::move(e));
  };
  auto s = parse_vuln_feed(testing::read_file(path), path, sinks, diag);
  ASSERT_TRUE(s.has_value()) << s.error().to_string();
  into.summary = *s;
  into.bad += diag.count();
}

std::vector<std::string> ids(const std::string& cpe, VulnLookup& index) {
  std::vector<std::string> out;
  for (const auto& r : cves_for(*parse_cpe(cpe), index)) out.push_back(r.id);
  return out;
}

TEST(VulnDb, ReadsSingleNvdRecordsAndMatchesRouterOsRange) {
  CITYWATCH_REQUIRE_DATA(path, "vulns/nvd/CVE-2018-14847.json");
  Loaded l;
  load(l, path);
  ASSERT_EQ(l.cves.size(), 1u);
  const auto& r = l.cves[0];
  EXPECT_EQ(r.id, "CVE-2018-14847");
  EXPECT_NEAR(r.cvss, 9.1, 0.01);
  ASSERT_EQ(r.matches.size(), 1u);
  EXPECT_EQ(r.matches[0].end_including, "6.42");
  using V = std::vector<std::string>;
  EXPECT_EQ(ids("cpe:2.3:o:mikrotik:routeros:6.42", l.index), V{"CVE-2018-14847"});
  EXPECT_EQ(ids("cpe:2.3:o:mikrotik:routeros:6.5", l.index), V{"CVE-2018-14847"});
  EXPECT_EQ(ids("cpe:/o:mikrotik:routeros:6.41.3", l.index), V{"CVE-2018-14847"});
  EXPECT_TRUE(ids("cpe:2.3:o:mikrotik:routeros:6.42.1", l.index).empty());
  EXPECT_TRUE(ids("cpe:2.3:o:mikrotik:routeros:6.45.3", l.index).empty());
  EXPECT_TRUE(ids("cpe:2.3:o:mikrotik:routeros:*", l.index).empty()) << "unknown version";
}

TEST(VulnDb, ArcherAx21EndExcludingAndHardwareNodeIgnored) {
  CITYWATCH_REQUIRE_DATA(path, "vulns/nvd/CVE-2023-1389.json");
  Loaded l;
  load(l, path);
  ASSERT_EQ(l.cves.size(), 1u);
  EXPECT_EQ(l.cves[0].matches.size(), 1u) << "only vulnerable=true criteria are kept";
  EXPECT_EQ(l.cves[0].kev_date, "2023-05-01");
  using V = std::vector<std::string>;
  EXPECT_EQ(ids("cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.2", l.index), V{"CVE-2023-1389"});
  EXPECT_TRUE(ids("cpe:2.3:o:tp-link:archer_ax21_firmware:1.1.4", l.index).empty());
  EXPECT_TRUE(l.index.facts("CVE-2023-1389").kev);
}

TEST(VulnDb, DahuaDottedBuildsAgainstNineteenConfigurations) {
  CITYWATCH_REQUIRE_DATA(path, "vulns/nvd/CVE-2021-33044.json");
  Loaded l;
  load(l, path);
  ASSERT_EQ(l.cves.size(), 1u);
  EXPECT_EQ(l.cves[0].matches.size(), 19u);
  using V = std::vector<std::string>;
  EXPECT_EQ(ids("cpe:2.3:o:dahuasecurity:ipc-hx3xxx_firmware:2.800.0000000.29.R", l.index),
            V{"CVE-2021-33044"});
  EXPECT_EQ(ids("cpe:2.3:o:dahuasecurity:ipc-hx3xxx_firmware:2.800.0000000.28.R.210101", l.index),
            V{"CVE-2021-33044"});
  EXPECT_TRUE(ids("cpe:2.3:o:dahuasecurity:ipc-hx3xxx_firmware:2.800.0000000.29.R.210630", l.index)
                  .empty());
  // versionEndIncluding on tpc-sd2221: the bound itself is affected
  EXPECT_EQ(ids("cpe:2.3:o:dahuasecurity:tpc-sd2221_firmware:2.630.0000000.7.R.210707", l.index),
            V{"CVE-2021-33044"});
}

TEST(VulnDb, ReadsTheExtractedSliceIncludingHikvision) {
  CITYWATCH_REQUIRE_DATA(path, "vulns/nvd_iot_cve_slice.json");
  Loaded l;
  load(l, path);
  EXPECT_EQ(l.cves.size(), 4u);
  EXPECT_EQ(l.bad, 0u);
  // Hikvision lists each model's firmware with version "-": every version of it.
  auto hik = ids("cpe:2.3:o:hikvision:ds-2cd2026g2-iu\\/sl_firmware:V5.5.800", l.index);
  EXPECT_EQ(hik, std::vector<std::string>{"CVE-2021-36260"});
}

TEST(VulnDb, ImportsTheWholeKevCatalogue) {
  CITYWATCH_REQUIRE_DATA(path, "vulns/cisa_kev_2025.08.25.json");
  Loaded l;
  load(l, path);
  EXPECT_EQ(l.summary.kind, VulnFeedKind::kKev);
  EXPECT_EQ(l.summary.catalog_version, "2025.08.25");
  EXPECT_EQ(l.kev.size(), 1404u);
  EXPECT_EQ(l.bad, 0u);
  EXPECT_TRUE(l.index.facts("CVE-2018-14847").kev);
  EXPECT_TRUE(l.index.facts("CVE-2021-36260").kev);
  EXPECT_FALSE(l.index.facts("CVE-1999-0001").kev);
}

TEST(VulnDb, ReadsTheApiPageWrapperAndReportsBadRecords) {
  std::string page = R"({"resultsPerPage":3,"format":"NVD_CVE","timestamp":"2025-01-01T00:00:00",
    "vulnerabilities":[
      {"cve":{"id":"CVE-2099-0001","descriptions":[{"lang":"en","value":"x"}],
        "configurations":[{"nodes":[{"operator":"OR","negate":false,"cpeMatch":[
          {"vulnerable":true,"criteria":"cpe:2.3:a:acme:widget:*:*:*:*:*:*:*:*",
           "versionStartIncluding":"2.0","versionEndExcluding":"2.5"}]}]}]}},
      {"cve":{"id":"not-a-cve"}},
      {"nocve":1}]})";
  core::Diagnostics diag;
  MemoryVulnIndex index;
  VulnFeedSinks sinks;
  sinks.cve = [&](core::CveRecord&& r) { index.add(r); };
  auto s = parse_vuln_feed(page, "page.json", sinks, diag);
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->records, 3u);
  EXPECT_EQ(diag.count(), 2u);
  EXPECT_EQ(diag.samples()[0].where, "page.json record 2");
  EXPECT_EQ(ids("cpe:2.3:a:acme:widget:2.0", index), std::vector<std::string>{"CVE-2099-0001"});
  EXPECT_TRUE(ids("cpe:2.3:a:acme:widget:1.9", index).empty());
  EXPECT_TRUE(ids("cpe:2.3:a:acme:widget:2.5", index).empty());
}

TEST(VulnDb, RefusesOtherJson) {
  core::Diagnostics diag;
  for (std::string_view bad : {"[]", "{\"x\":1}", "not json", ""}) {
    auto s = parse_vuln_feed(bad, "f.json", {}, diag);
    ASSERT_FALSE(s.has_value()) << bad;
    EXPECT_EQ(s.error().code, core::ErrorCode::kBadInput);
  }
}

TEST(Cpe, ParsesBothFormsAndUnescapes) {
  auto a = parse_cpe("cpe:2.3:o:hikvision:ds-2cd2026g2-iu\\/sl_firmware:-:*:*:*:*:*:*:*");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->product, "ds-2cd2026g2-iu/sl_firmware");
  EXPECT_EQ(a->version, "-");
  auto b = parse_cpe("cpe:/a:busybox:busybox:1.19.4");
  ASSERT_TRUE(b.has_value());
  EXPECT_EQ(b->part, 'a');
  EXPECT_EQ(b->version, "1.19.4");
  EXPECT_FALSE(parse_cpe("cpe:2.3:x:a:b").has_value());
  EXPECT_FALSE(parse_cpe("hello").has_value());
}

}  // namespace
}  // namespace citywatch::risk
