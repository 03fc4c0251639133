#include "app/login_plan.h"

#include <gtest/gtest.h>

namespace citywatch::app {
namespace {

risk::CredentialList list() {
  auto l = risk::CredentialList::parse(
      "vendor,product,protocol,username,password,source\n"
      "d-link,D-Link,any,admin,admin,x\n"
      "d-link,D-Link,any,admin,,x\n"
      "d-link,D-Link (web),http,admin,admin,x\n"
      "d-link,D-Link,telnet,root,12345,x\n"
      "d-link,D-Link,any,Admin,password,x\n"
      "publicprivate,publicprivate (snmp),snmp,,private,x\n"
      "publicprivate,publicprivate (snmp),snmp,,public,x\n"
      "ftp,ftp (ftp),ftp,anonymous,,x\n"
      "openwrt,OpenWrt (web),http,root,,x\n",
      "creds.csv");
  EXPECT_TRUE(l) << l.error().to_string();
  return *l;
}

TEST(LoginPlan, VendorEntriesForTheProtocolWithoutDuplicatesUpToTheLimit) {
  auto l = list();
  core::Fingerprint fp;
  fp.vendor = "D-Link";
  auto http = credentials_for(l, fp, "http", 3);
  ASSERT_EQ(http.size(), 3u);
  EXPECT_EQ(http[0].username, "admin");
  EXPECT_EQ(http[0].password, "admin");
  EXPECT_EQ(http[1].password, "");
  EXPECT_EQ(http[2].username, "Admin");  // the http admin:admin line was a duplicate
  EXPECT_EQ(http[2].label.find("password"), std::string::npos);  // names the user, not the secret
  EXPECT_EQ(credentials_for(l, fp, "http", 1).size(), 1u);
  EXPECT_TRUE(credentials_for(l, {}, "http", 3).empty());  // no vendor: nothing to try
}

TEST(LoginPlan, SnmpTriesPublicFirst) {
  auto l = list();
  auto snmp = credentials_for(l, {}, "snmp", 3);
  ASSERT_EQ(snmp.size(), 2u);
  EXPECT_EQ(snmp[0].password, "public");
  EXPECT_EQ(snmp[0].label.find("\"public\""), std::string::npos);  // the label never holds it
}

TEST(LoginPlan, AKnownWebLoginFormIsPostedInsteadOfBasic) {
  auto l = list();
  auto forms = scanner::HttpLoginForms::parse(
      R"({"id": "openwrt-luci", "vendor": "OpenWrt", "rule": "openwrt-luci", "method": "POST", )"
      R"("path": "/cgi-bin/luci/", "content_type": "application/x-www-form-urlencoded", )"
      R"("body": "luci_username={username}&luci_password={password}", )"
      R"("success": {"status": 302, "set_cookie": "sysauth_http"}, "failure": {"status": 403}, )"
      R"("source": "test"})",
      "http-login-forms.jsonl");
  ASSERT_TRUE(forms) << forms.error().to_string();
  core::Fingerprint fp;
  fp.vendor = "OpenWrt";
  fp.rule_id = "openwrt-luci";
  auto http = credentials_for(l, fp, "http", 3, &*forms);
  ASSERT_EQ(http.size(), 1u);
  ASSERT_TRUE(http[0].form);
  EXPECT_EQ(http[0].form->id, "openwrt-luci");
  EXPECT_NE(http[0].label.find("via login form openwrt-luci (http-login-forms.jsonl:1)"),
            std::string::npos)
      << http[0].label;
  // Another rule decided (the LuCI page was not what was seen), or no form list: HTTP Basic.
  fp.rule_id = "openwrt-ssh";
  EXPECT_FALSE(credentials_for(l, fp, "http", 3, &*forms)[0].form);
  fp.rule_id = "openwrt-luci";
  EXPECT_FALSE(credentials_for(l, fp, "http", 3)[0].form);
}

}  // namespace
}  // namespace citywatch::app
