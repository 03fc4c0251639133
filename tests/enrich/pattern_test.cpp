#include "enrich/pattern.h"

#include <gtest/gtest.h>

namespace citywatch::enrich {
namespace {

Pattern compile(std::string_view text) {
  auto p = Pattern::compile(text);
  EXPECT_TRUE(p.has_value()) << text << ": " << (p ? "" : p.error().message);
  return std::move(*p);
}

TEST(Pattern, LiteralMatchesAnywhereIgnoringCase) {
  auto p = compile("app-webs/");
  EXPECT_TRUE(p.match("Server: App-webs/", nullptr));
  EXPECT_FALSE(p.match("App-web", nullptr));
  EXPECT_EQ(p.prefilter(), "app-webs/");
}

TEST(Pattern, AnchorsHoldAtBothEnds) {
  auto p = compile("^IPC$");
  EXPECT_TRUE(p.match("ipc", nullptr));
  EXPECT_FALSE(p.match("IPC2", nullptr));
  EXPECT_FALSE(p.match("xIPC", nullptr));
}

TEST(Pattern, CapturesVersionWithoutTrailingPunctuation) {
  auto p = compile("MikroTik v{version}");
  Captures c;
  ASSERT_TRUE(p.match("|MikroTik v6.45.3 (stable)|Login:", &c));
  EXPECT_EQ(c.version, "6.45.3");
  ASSERT_TRUE(p.match("MikroTik v6.5.", &c));
  EXPECT_EQ(c.version, "6.5");
}

TEST(Pattern, CaptureBacksOffForTheLiteralThatFollows) {
  auto p = compile("AVM FRITZ!Box {model} {version}");
  Captures c;
  ASSERT_TRUE(p.match("FRITZ!Box 7590 UPnP/1.0 AVM FRITZ!Box 7590 154.07.29", &c));
  EXPECT_EQ(c.model, "7590");
  EXPECT_EQ(c.version, "154.07.29");
}

TEST(Pattern, WildcardIsLazyAndTriesLaterOccurrences) {
  auto p = compile("SSH-*-OpenSSH_{version}");
  Captures c;
  ASSERT_TRUE(p.match("SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.1", &c));
  EXPECT_EQ(c.version, "8.2p1");
  auto q = compile("realm=\"TP-LINK * Router {model}\"");
  ASSERT_TRUE(q.match("Basic realm=\"TP-LINK Wireless N Router WR841N\"", &c));
  EXPECT_EQ(c.model, "WR841N");
}

TEST(Pattern, VersionMustHoldADigit) {
  auto p = compile("Server/{version}");
  EXPECT_FALSE(p.match("Server/beta", nullptr));
}

TEST(Pattern, RejectsBrokenPatternsWithAReason) {
  for (std::string_view bad : {"", "{version", "{serial}", "a}", "*", "x\\", "a{version}{model}"}) {
    auto p = Pattern::compile(bad);
    EXPECT_FALSE(p.has_value()) << bad;
  }
  auto escaped = Pattern::compile("100\\$ \\{x\\}");
  ASSERT_TRUE(escaped.has_value());
  EXPECT_TRUE(escaped->match("costs 100$ {x}", nullptr));
}

}  // namespace
}  // namespace citywatch::enrich
