#include "scanner/scope.h"

#include <gtest/gtest.h>

#include <set>

namespace citywatch::scanner {
namespace {

Scope parse_ok(std::string_view text) {
  core::Diagnostics diag;
  auto s = parse_scope(text, "test.scope", diag);
  EXPECT_TRUE(s.has_value()) << (s ? "" : s.error().to_string());
  return s ? *s : Scope{};
}

std::vector<std::string> all_targets(TargetPlan& plan) {
  std::vector<std::string> out;
  Target t;
  while (plan.next(t)) out.push_back(t.ip.to_string() + ":" + to_string(t.port));
  return out;
}

TEST(Scope, ParsesSettingsEntriesAndPorts) {
  Scope s = parse_ok(
      "# city hall\nname = city-hall\nmode = authorised\nports = 23,80,161/udp\n"
      "192.0.2.0/30\n198.51.100.7 ports=8000-8002   # the NVR\n2001:db8::1\n");
  EXPECT_EQ(s.name, "city-hall");
  EXPECT_EQ(s.mode, ScopeMode::kAuthorised);
  ASSERT_EQ(s.entries.size(), 3u);
  EXPECT_EQ(port_list_text(s.ports), "23,80,161/udp");
  EXPECT_EQ(port_list_text(s.entries[1].ports), "8000,8001,8002");
  EXPECT_EQ(s.entries[1].where, "test.scope:6");
}

TEST(Scope, DefaultsToObserveAndTheFileName) {
  core::Diagnostics diag;
  auto s = parse_scope("192.0.2.1\n", "/etc/citywatch/parks.scope", diag);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->mode, ScopeMode::kObserve);
  EXPECT_EQ(s->name, "parks");
}

TEST(Scope, EveryMalformedLineIsReportedAndTheScopeRefused) {
  core::Diagnostics diag;
  auto s = parse_scope(
      "mode = sometimes\n192.0.2.0/33\n10.0.0.1 ports=0\n192.0.2.1 port=80\nfoo = bar\n"
      "198.51.100.0/24\n",
      "bad.scope", diag);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, core::ErrorCode::kBadInput);
  EXPECT_EQ(diag.count(), 5u);
  EXPECT_EQ(diag.samples()[0].where, "bad.scope:1");
  EXPECT_EQ(diag.samples()[1].where, "bad.scope:2");
  EXPECT_EQ(diag.samples()[4].reason, "unknown setting");
}

TEST(Scope, EmptyScopeIsRefused) {
  core::Diagnostics diag;
  auto s = parse_scope("# nothing\nname = x\n", "e.scope", diag);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("no address"), std::string::npos);
}

TEST(Scope, OverlappingRangesAreScannedOnceWithTheUnionOfPorts) {
  Scope s = parse_ok("192.0.2.0/30 ports=80\n192.0.2.2 ports=23\n192.0.2.0/31 ports=80\n");
  EXPECT_EQ(s.notes.size(), 2u);
  auto plan = TargetPlan::create(s, {}, {}, {});
  ASSERT_TRUE(plan);
  auto t = all_targets(*plan);
  std::multiset<std::string> got(t.begin(), t.end());
  EXPECT_EQ(got, (std::multiset<std::string>{"192.0.2.0:80", "192.0.2.1:80", "192.0.2.2:23",
                                             "192.0.2.2:80", "192.0.2.3:80"}));
  EXPECT_EQ(plan->addresses(), 4u);
}

TEST(Scope, BlocklistAndOptOutAlwaysWin) {
  Scope s = parse_ok("ports = 80\n192.0.2.0/29\n");
  auto block = parse_prefix_list("# never\n192.0.2.0/30\n", "block");
  auto opt = parse_prefix_list("192.0.2.6\n", "optout");
  ASSERT_TRUE(block && opt);
  auto plan = TargetPlan::create(s, *block, *opt, {});
  ASSERT_TRUE(plan);
  EXPECT_EQ(all_targets(*plan),
            (std::vector<std::string>{"192.0.2.4:80", "192.0.2.5:80", "192.0.2.7:80"}));
  EXPECT_EQ(plan->excluded_blocklist(), 4u);
  EXPECT_EQ(plan->excluded_opt_out(), 1u);
  EXPECT_FALSE(plan->allows(*core::IpAddress::parse("192.0.2.1")));
  EXPECT_FALSE(plan->allows(*core::IpAddress::parse("192.0.2.6")));
  EXPECT_TRUE(plan->allows(*core::IpAddress::parse("192.0.2.5")));
  EXPECT_FALSE(plan->allows(*core::IpAddress::parse("192.0.2.8")));
}

TEST(Scope, BadBlocklistLineIsAConfigErrorWithItsLine) {
  auto b = parse_prefix_list("192.0.2.0/24\nnot-an-address\n", "block.txt");
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().code, core::ErrorCode::kConfig);
  EXPECT_EQ(b.error().where, "block.txt:2");
}

TEST(Scope, TargetsAndPortsOutsideTheScopeAreRefused) {
  Scope s = parse_ok("ports = 80,443\n192.0.2.0/24\n");
  PlanOptions outside;
  outside.only = {*core::Prefix::parse("192.0.2.128/24")};  // normalises to 192.0.2.0/24: inside
  EXPECT_TRUE(TargetPlan::create(s, {}, {}, outside));
  outside.only = {*core::Prefix::parse("198.51.100.1")};
  auto refused = TargetPlan::create(s, {}, {}, outside);
  ASSERT_FALSE(refused);
  EXPECT_EQ(refused.error().code, core::ErrorCode::kUsage);
  EXPECT_NE(refused.error().message.find("outside scope"), std::string::npos);

  PlanOptions wider;
  wider.only = {*core::Prefix::parse("192.0.0.0/16")};
  EXPECT_FALSE(TargetPlan::create(s, {}, {}, wider));

  PlanOptions port;
  std::string err;
  port.ports = *parse_port_list("23", &err);
  auto p = TargetPlan::create(s, {}, {}, port);
  ASSERT_FALSE(p);
  EXPECT_NE(p.error().message.find("port 23 is not in scope"), std::string::npos);
}

TEST(Scope, TargetOptionNarrowsTheWalk) {
  Scope s = parse_ok("ports = 80,443\n192.0.2.0/24\n");
  PlanOptions o;
  std::string err;
  o.only = {*core::Prefix::parse("192.0.2.10")};
  o.ports = *parse_port_list("443", &err);
  auto plan = TargetPlan::create(s, {}, {}, o);
  ASSERT_TRUE(plan);
  EXPECT_EQ(all_targets(*plan), (std::vector<std::string>{"192.0.2.10:443"}));
}

TEST(Scope, WideScopesNeedAllowWide) {
  Scope s = parse_ok("10.0.0.0/8\n");
  PlanOptions o;
  o.max_addresses = 65536;
  auto plan = TargetPlan::create(s, {}, {}, o);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("--allow-wide"), std::string::npos);
  o.allow_wide = true;
  auto wide = TargetPlan::create(s, {}, {}, o);
  ASSERT_TRUE(wide);
  EXPECT_EQ(wide->addresses(), 1u << 24);
  Scope v6 = parse_ok("2001:db8::/64\n");
  auto huge = TargetPlan::create(v6, {}, {}, o);
  ASSERT_FALSE(huge);  // even with --allow-wide: one run must end
}

TEST(Scope, Ipv6RangesAreWalked) {
  Scope s = parse_ok("ports = 22\n2001:db8::/126\n");
  auto plan = TargetPlan::create(s, {}, {}, {});
  ASSERT_TRUE(plan);
  EXPECT_EQ(all_targets(*plan), (std::vector<std::string>{"2001:db8:::22", "2001:db8::1:22",
                                                          "2001:db8::2:22", "2001:db8::3:22"}));
}

TEST(Scope, PortListsParseRangesAndTransports) {
  std::string err;
  auto p = parse_port_list("80, 8000-8001,161/udp,80", &err);
  ASSERT_TRUE(p);
  EXPECT_EQ(port_list_text(*p), "80,161/udp,8000,8001");  // by port number
  EXPECT_FALSE(parse_port_list("70000", &err));
  EXPECT_FALSE(parse_port_list("1-65535", &err));
  EXPECT_FALSE(parse_port_list("80/sctp", &err));
  EXPECT_FALSE(parse_port_list("", &err));
}

}  // namespace
}  // namespace citywatch::scanner
