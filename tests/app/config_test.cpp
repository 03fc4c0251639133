#include "app/config.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/test_support.h"

namespace citywatch::app {
namespace {

TEST(Config, ExampleConfigLoadsAndResolvesPathsBesideIt) {
  auto config = load_config(testing::source_path("deploy/citywatch.example.toml"));
  ASSERT_TRUE(config) << config.error().to_string();
  EXPECT_EQ(config->city_code, "GM0518");
  EXPECT_EQ(config->import_chunk_size, 5000u);
  EXPECT_EQ(config->database_path, testing::source_path("deploy/citywatch.db"));
}

TEST(Config, ScanSection) {
  auto example = load_config(testing::source_path("deploy/citywatch.example.toml"));
  ASSERT_TRUE(example);
  EXPECT_EQ(example->scan.rate, 1000u);
  EXPECT_EQ(example->scan.network_rate, 100u);
  EXPECT_EQ(example->scan.max_login_attempts, 3u);
  EXPECT_TRUE(example->scan.protocol_timeouts_ms.empty());
  EXPECT_TRUE(example->scan.blocklist.empty());

  testing::TempDir dir;
  testing::write_file(dir.file("s.toml"),
                      "[scan]\nrate = 50\nopt_out = \"optout.txt\"\n"
                      "protocol_timeouts_ms = { telnet = 8000, snmp = 900 }\n"
                      "scope_dir = \"scopes\"\n");
  auto s = load_config(dir.file("s.toml"));
  ASSERT_TRUE(s) << s.error().to_string();
  EXPECT_EQ(s->scan.rate, 50u);
  EXPECT_EQ(s->scan.opt_out, dir.file("optout.txt"));
  EXPECT_EQ(s->scan.scope_dir, dir.file("scopes"));
  EXPECT_TRUE(example->scan.scope_dir.empty());
  EXPECT_EQ(s->scan.protocol_timeouts_ms.at("telnet"), 8000u);
  EXPECT_EQ(s->scan.protocol_timeouts_ms.at("snmp"), 900u);

  testing::write_file(dir.file("bad.toml"), "[scan]\nprotocol_timeouts_ms = { gopher = 10 }\n");
  auto bad = load_config(dir.file("bad.toml"));
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("unknown protocol 'gopher'"), std::string::npos);
  testing::write_file(dir.file("zero.toml"), "[scan]\nnetwork_rate = 0\n");
  EXPECT_FALSE(load_config(dir.file("zero.toml")));
  testing::write_file(dir.file("dir.toml"), "[scan]\n\nscope_dir = 5\n");
  auto scope_dir = load_config(dir.file("dir.toml"));
  ASSERT_FALSE(scope_dir);
  EXPECT_EQ(scope_dir.error().to_string(),
            dir.file("dir.toml") + ":3: scan.scope_dir must be a string");
}

TEST(Config, UnknownKeysAndWrongTypesNameTheLine) {
  testing::TempDir dir;
  testing::write_file(dir.file("a.toml"), "[database]\npath = \"x.db\"\n\n[import]\nchunk = 10\n");
  auto a = load_config(dir.file("a.toml"));
  ASSERT_FALSE(a);
  EXPECT_EQ(a.error().code, core::ErrorCode::kConfig);
  EXPECT_EQ(a.error().where, dir.file("a.toml") + ":5");
  EXPECT_NE(a.error().message.find("import.chunk"), std::string::npos);

  testing::write_file(dir.file("b.toml"), "[import]\nchunk_size = \"many\"\n");
  auto b = load_config(dir.file("b.toml"));
  ASSERT_FALSE(b);
  EXPECT_EQ(b.error().where, dir.file("b.toml") + ":2");

  testing::write_file(dir.file("c.toml"), "[import]\nchunk_size = 0\n");
  EXPECT_FALSE(load_config(dir.file("c.toml")));
}

TEST(Config, SyntaxErrorsAndMissingFilesAreConfigErrors) {
  testing::TempDir dir;
  testing::write_file(dir.file("bad.toml"), "[city\nname = 1\n");
  auto bad = load_config(dir.file("bad.toml"));
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, core::ErrorCode::kConfig);
  EXPECT_EQ(bad.error().where, dir.file("bad.toml") + ":1");
  auto missing = load_config(dir.file("none.toml"));
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, core::ErrorCode::kConfig);
}

// toml++ 3.3 reaches undefined behaviour on non-ASCII text it reads as part of a bare value,
// quote or not (config.cpp, check_toml_safe); UTF-8 inside real strings stays allowed.
TEST(Config, AQuoteInsideABareValueDoesNotHideNonAsciiText) {
  auto hidden = parse_config("[city]\nname = 3...\"ht\xC2\xB7\"\"\"A\n", "t.toml");
  ASSERT_FALSE(hidden);
  EXPECT_EQ(hidden.error().code, core::ErrorCode::kConfig);
  EXPECT_NE(hidden.error().message.find("non-ASCII"), std::string::npos);
  auto strings = parse_config(
      "[city]\nname = \"\xC3\x89"
      "cluse\"\naliases = [\"a\",\n  \"Den \xC2\xB7 Haag\"]\n"
      "[server]\nlisten = \"127.0.0.1:0\" # caf\xC3\xA9\n",
      "t.toml");
  ASSERT_TRUE(strings) << strings.error().to_string();
  EXPECT_EQ(strings->geo.city_aliases.size(), 2u);
}

TEST(Config, RelativePathsAreRelativeToTheFile) {
  testing::TempDir dir;
  testing::write_file(dir.file("c.toml"),
                      "[database]\npath = \"data/city.db\"\n[import]\nreject_dir = \"/var/rej\"\n");
  auto c = load_config(dir.file("c.toml"));
  ASSERT_TRUE(c);
  EXPECT_EQ(c->database_path, dir.file("data/city.db"));
  EXPECT_EQ(c->reject_dir, "/var/rej");
}

TEST(Config, GeoSectionResolvesPathsAndReadsEveryKey) {
  testing::TempDir dir;
  testing::write_file(dir.file("g.toml"),
                      "[city]\nname = \"Rotterdam\"\ncode = \"GM0599\"\n"
                      "[geo]\nboundary = \"geo/rdam.geojson\"\ndistricts = \"\"\n"
                      "district_code_property = \"WK_CODE\"\n"
                      "city_mmdb = [\"a.mmdb\", \"/abs/b.mmdb\"]\ncity_mmdb_layout = \"flat\"\n"
                      "asn_csv = \"asn.csv\"\nprefix_map = \"map.csv\"\n"
                      "municipal_ranges = [\"192.0.2.0/24\", \"2001:db8::/32\"]\n"
                      "assumed_accuracy_km = 5\nmax_db_age_days = 7\n");
  auto c = load_config(dir.file("g.toml"));
  ASSERT_TRUE(c) << c.error().to_string();
  const enrich::GeoConfig& g = c->geo;
  EXPECT_EQ(g.city_name, "Rotterdam");
  EXPECT_EQ(g.city_code, "GM0599");
  EXPECT_TRUE(g.city_aliases.empty());  // The Hague's aliases are not Rotterdam's
  EXPECT_EQ(g.boundary_file, dir.file("geo/rdam.geojson"));
  EXPECT_EQ(g.district_file, "");
  EXPECT_EQ(g.district_code_property, "WK_CODE");
  EXPECT_EQ(g.city_mmdb, (std::vector<std::string>{dir.file("a.mmdb"), "/abs/b.mmdb"}));
  EXPECT_EQ(g.city_mmdb_layout, enrich::MmdbLayout::kFlatCity);
  EXPECT_EQ(g.asn_csv, dir.file("asn.csv"));
  EXPECT_EQ(g.prefix_map, dir.file("map.csv"));
  ASSERT_EQ(g.municipal_ranges.size(), 2u);
  EXPECT_EQ(g.municipal_ranges[1].to_string(), "2001:db8::/32");
  EXPECT_DOUBLE_EQ(g.assumed_accuracy_km, 5);
  EXPECT_EQ(g.max_db_age_days, 7);
}

TEST(Config, GeoDefaultsAreTheShippedHagueFiles) {
  Config c;
  EXPECT_EQ(c.geo.city_code, "GM0518");
  EXPECT_TRUE(std::filesystem::exists(c.geo.boundary_file)) << c.geo.boundary_file;
  EXPECT_TRUE(std::filesystem::exists(c.geo.district_file)) << c.geo.district_file;
  EXPECT_TRUE(c.geo.city_mmdb.empty());
}

TEST(Config, BadGeoValuesNameTheLine) {
  testing::TempDir dir;
  auto error_at = [&](const std::string& body) {
    testing::write_file(dir.file("x.toml"), "[geo]\n" + body);
    auto c = load_config(dir.file("x.toml"));
    EXPECT_FALSE(c) << body;
    return c ? std::string() : c.error().where + ": " + c.error().message;
  };
  EXPECT_NE(error_at("city_mmdb_layout = \"maxmind\"\n").find("x.toml:2: city_mmdb_layout"),
            std::string::npos);
  EXPECT_NE(error_at("municipal_ranges = [\"10.0.0.0/8\", \"nope\"]\n").find("'nope'"),
            std::string::npos);
  EXPECT_NE(error_at("city_mmdb = [1]\n").find("list of strings"), std::string::npos);
  EXPECT_NE(error_at("assumed_accuracy_km = -1\n").find("x.toml:2"), std::string::npos);
  EXPECT_NE(error_at("boundary = \"\"\n").find("cannot be empty"), std::string::npos);
  EXPECT_NE(error_at("mmdb = \"x\"\n").find("unknown key 'geo.mmdb'"), std::string::npos);
}

TEST(Config, CaptureSection) {
  testing::TempDir dir;
  testing::write_file(dir.file("c.toml"),
                      "[capture]\ncredentials_file = \"creds/default.csv\"\nmax_flows = 1024\n"
                      "stream_bytes = 8192\nflow_idle_seconds = 30\nflush_seconds = 5\n");
  auto c = load_config(dir.file("c.toml"));
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->credentials_file, dir.file("creds/default.csv"));
  EXPECT_EQ(c->capture_max_flows, 1024u);
  EXPECT_EQ(c->capture_stream_bytes, 8192u);
  EXPECT_EQ(c->capture_flow_idle_seconds, 30u);
  EXPECT_EQ(c->capture_flush_seconds, 5u);
  testing::write_file(dir.file("d.toml"), "[capture]\nmax_flows = 1\n");
  auto d = load_config(dir.file("d.toml"));
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().where, dir.file("d.toml") + ":2");
  auto example = load_config(testing::source_path("deploy/citywatch.example.toml"));
  ASSERT_TRUE(example);
  EXPECT_EQ(example->credentials_file, "");
}

}  // namespace
}  // namespace citywatch::app

namespace citywatch::app {
namespace {

TEST(Config, NotifySectionAndPartnersAreRead) {
  auto c = parse_config(R"(
[notify]
interval = "3d"
recheck_after = "12h"
retry_initial = "30s"
retry_max_attempts = 5
retry_jitter = 0.1
in_city = ["yes", "possibly"]
reporter_contact = "ciso@city.example"

[[partner]]
name = "kpn"
prefixes = ["198.51.100.0/24"]
asns = [64496]
webhook = "https://abuse.kpn.example/hook"
secret_env = "KPN_KEY"
format = "xarf"
opt_out_kinds = ["exposed-service"]

[[partner]]
name = "city-it"
email = "soc@city.example"
smtp_url = "smtp://relay.city.example:587"
smtp_password_file = "smtp.pw"
interval = "1d"
)",
                        "/etc/citywatch/citywatch.toml");
  ASSERT_TRUE(c) << c.error().to_string();
  EXPECT_EQ(c->notify.interval, 3 * 86400);
  EXPECT_EQ(c->notify.recheck_after, 12 * 3600);
  EXPECT_EQ(c->notify.retry.initial_delay, 30);
  EXPECT_EQ(c->notify.retry.max_attempts, 5);
  EXPECT_EQ(c->notify.in_city, (std::vector<std::string>{"yes", "possibly"}));
  EXPECT_EQ(c->notify.reporter.contact, "ciso@city.example");
  ASSERT_EQ(c->notify.partners.size(), 2u);
  const auto& kpn = c->notify.partners[0].partner;
  EXPECT_EQ(kpn.channel, core::DeliveryChannel::kWebhook);
  EXPECT_EQ(kpn.format, core::BatchFormat::kXarf);
  EXPECT_EQ(kpn.interval, 3 * 86400);  // the [notify] default
  EXPECT_EQ(kpn.hmac_secret.env, "KPN_KEY");
  EXPECT_EQ(kpn.source, "config");
  const auto& it = c->notify.partners[1].partner;
  EXPECT_EQ(it.channel, core::DeliveryChannel::kEmail);
  EXPECT_EQ(it.smtp_password.file, "/etc/citywatch/smtp.pw");  // beside the config file
  EXPECT_EQ(it.interval, 86400);
}

TEST(Config, PartnerMistakesAreConfigErrorsWithTheLine) {
  auto error = [](const std::string& text) {
    auto c = parse_config(text, "c.toml");
    return c ? std::string() : c.error().to_string();
  };
  EXPECT_NE(
      error("[[partner]]\nname = \"x\"\nsecret = \"hunter2\"\n").find("c.toml:3: secrets never"),
      std::string::npos);
  EXPECT_NE(error("[[partner]]\nname = \"x\"\nwebhook = \"https://x.example\"\n")
                .find("secret_file or secret_env"),
            std::string::npos);
  EXPECT_NE(error("[[partner]]\nname = \"bad name\"\n").find("needs a name"), std::string::npos);
  EXPECT_NE(error("[[partner]]\nname = \"x\"\nprefixes = [\"300.1.2.0/24\"]\n").find("CIDR"),
            std::string::npos);
  EXPECT_NE(error("[[partner]]\nname = \"x\"\n[[partner]]\nname = \"x\"\n").find("defined twice"),
            std::string::npos);
  EXPECT_NE(error("[notify]\ninterval = \"soon\"\n").find("c.toml:2: notify.interval must be a duration"),
            std::string::npos);
  EXPECT_NE(
      error("[[partner]]\nname = \"x\"\nopt_out_kinds = [\"spam\"]\n").find("not a finding kind"),
      std::string::npos);
}

}  // namespace
}  // namespace citywatch::app
