// `citywatch partners` as an operator uses it: add, import prefixes from a CSV (bad lines
// reported with file:line), list, show, remove; routing follows; unrouted findings are listed.
#include "tests/integration/notify_fixture.h"

namespace citywatch::testing {
namespace {

class NotifyPartners : public NotifyFixture {};

TEST_F(NotifyPartners, AddImportListShowRemoveAndUnrouted) {
  auto before = json_lines({"batches", "unrouted"});
  EXPECT_FALSE(before.empty());  // no partner yet: every notifiable finding is unrouted

  auto add = cw({"partners", "add", "kpn", "--organisation", "KPN", "--asn", "AS64498", "--webhook",
                 "https://abuse.kpn.example/hook", "--secret-env", "KPN_KEY", "--format", "xarf",
                 "--interval", "3d", "--opt-out-kind", "exposed-service"});
  ASSERT_EQ(add.exit_code, 0) << add.err;
  write_file(dir.file("kpn.csv"),
             "prefix,asn,organisation\n192.0.2.0/25,AS64496,Fibre\nbogus,1,x\n198.51.100.0/24,,\n");
  auto imported = cw({"partners", "import-prefixes", "kpn", dir.file("kpn.csv")});
  EXPECT_EQ(imported.exit_code, 65);
  EXPECT_NE(imported.err.find("kpn.csv:3: not a prefix"), std::string::npos) << imported.err;
  EXPECT_NE(imported.out.find("2 prefixes imported"), std::string::npos) << imported.out;

  auto list = json_lines({"partners", "list"});
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["name"], "kpn");
  EXPECT_EQ(list[0]["channel"], "webhook");
  EXPECT_EQ(list[0]["format"], "xarf");
  EXPECT_EQ(list[0]["prefixes"], 2);
  EXPECT_EQ(list[0]["interval"], "3d");
  EXPECT_EQ(list[0]["opt_out"], "exposed-service");
  auto show = cw({"partners", "show", "kpn"});
  EXPECT_NE(show.out.find("192.0.2.0/25 AS64496  Fibre"), std::string::npos) << show.out;
  EXPECT_NE(show.out.find("$KPN_KEY"), std::string::npos);

  // Fewer unrouted now: the prefixes and AS64498 route to kpn.
  auto after = json_lines({"batches", "unrouted"});
  EXPECT_LT(after.size(), before.size());
  for (const auto& f : after) {
    auto ip = f["ip"].get<std::string>();
    EXPECT_NE(ip.rfind("198.51.100.", 0), 0u) << ip;
    EXPECT_NE(f["asn"], 64498);
  }
  EXPECT_EQ(cw({"partners", "add", "bad name"}).exit_code, 64);
  EXPECT_EQ(cw({"partners", "show", "nobody"}).exit_code, 66);
  ASSERT_EQ(cw({"partners", "remove", "kpn"}).exit_code, 0);
  EXPECT_TRUE(json_lines({"partners", "list"}).empty());
  EXPECT_EQ(json_lines({"batches", "unrouted"}).size(), before.size());
}

TEST_F(NotifyPartners, ConfigPartnersAreChangedInTheFileOnly) {
  write_config("[[partner]]\nname = \"city-it\"\nprefixes = [\"192.0.2.0/25\"]\n");
  auto list = json_lines({"partners", "list"});
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["source"], "config");
  EXPECT_EQ(cw({"partners", "remove", "city-it"}).exit_code, 78);
  EXPECT_EQ(cw({"partners", "add", "city-it", "--prefix", "198.51.100.0/24"}).exit_code, 78);
  write_file(dir.file("p.csv"), "198.51.100.0/24\n");
  EXPECT_EQ(cw({"partners", "import-prefixes", "city-it", dir.file("p.csv")}).exit_code, 78);
  write_config("");  // gone from the file: gone from routing
  EXPECT_TRUE(json_lines({"partners", "list"}).empty());
}

}  // namespace
}  // namespace citywatch::testing
