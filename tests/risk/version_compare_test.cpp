#include "risk/version_compare.h"

#include <gtest/gtest.h>

namespace citywatch::risk {
namespace {

TEST(VersionCompare, NumericSegmentsCompareAsNumbers) {
  EXPECT_LT(compare_versions("6.5", "6.42"), 0);
  EXPECT_GT(compare_versions("6.45.3", "6.42"), 0);
  EXPECT_EQ(compare_versions("6.42", "6.42"), 0);
  EXPECT_GT(compare_versions("6.42.1", "6.42"), 0);
  EXPECT_EQ(compare_versions("1.0", "1.0.0"), 0);
  EXPECT_EQ(compare_versions("2.800.0000000", "2.800.0"), 0);
  EXPECT_LT(compare_versions("99999999999999999998", "99999999999999999999"), 0);
}

TEST(VersionCompare, LeadingVAndCaseAreIgnored) {
  EXPECT_EQ(compare_versions("V5.4.0", "5.4.0"), 0);
  EXPECT_EQ(compare_versions("2.800.0000000.29.R.210630", "2.800.0000000.29.r.210630"), 0);
}

TEST(VersionCompare, DahuaBuildsOrderByTheirDottedParts) {
  // ipc-hx3xxx_firmware < 2.800.0000000.29.r.210630 (CVE-2021-33044)
  EXPECT_LT(compare_versions("2.800.0000000.29.R", "2.800.0000000.29.r.210630"), 0);
  EXPECT_LT(compare_versions("2.800.0000000.28.R.210101", "2.800.0000000.29.r.210630"), 0);
  EXPECT_GT(compare_versions("2.800.0000000.29.R.210701", "2.800.0000000.29.r.210630"), 0);
  EXPECT_LT(compare_versions("2.630.0000000.7.R.210707", "2.800.0000000.29.r.210630"), 0);
}

TEST(VersionCompare, PreReleasesComeBeforeTheRelease) {
  EXPECT_LT(compare_versions("6.42rc1", "6.42"), 0);
  EXPECT_LT(compare_versions("1.0-beta", "1.0"), 0);
  EXPECT_GT(compare_versions("7.4p1", "7.4"), 0);
  EXPECT_GT(compare_versions("1.0.1", "1.0.beta"), 0);
}

TEST(VersionCompare, IsAntisymmetricOnSamples) {
  const char* v[] = {"1",
                     "1.0",
                     "1.0.1",
                     "1.0a",
                     "1.0rc1",
                     "V2",
                     "2.0.0",
                     "10",
                     "6.5",
                     "6.42",
                     "2.800.0000000.29.R",
                     "1.1.4",
                     "1.1.2",
                     ""};
  for (auto a : v) {
    for (auto b : v) {
      int ab = compare_versions(a, b), ba = compare_versions(b, a);
      EXPECT_EQ(ab<0, ba> 0) << a << " vs " << b;
      EXPECT_EQ(ab == 0, ba == 0) << a << " vs " << b;
    }
  }
}

TEST(VersionCompare, ComparableNeedsADigit) {
  EXPECT_TRUE(is_comparable_version("6.42"));
  EXPECT_FALSE(is_comparable_version("*"));
  EXPECT_FALSE(is_comparable_version("-"));
  EXPECT_FALSE(is_comparable_version(""));
}

}  // namespace
}  // namespace citywatch::risk
