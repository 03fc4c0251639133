#include "core/redact.h"

#include <gtest/gtest.h>

namespace citywatch::core {
namespace {

TEST(Redact, HttpAuthorizationKeepsSchemeHidesCredential) {
  std::string in =
      "GET /ISAPI/Security HTTP/1.1\r\nHost: cam\r\nAuthorization: Basic YWRtaW46MTIzNDU=\r\n\r\n";
  std::string out = redact_secrets(in);
  EXPECT_EQ(out.find("YWRtaW46MTIzNDU="), std::string::npos);
  EXPECT_NE(out.find("Authorization: Basic [redacted]\r\n"), std::string::npos);
  EXPECT_NE(out.find("Host: cam"), std::string::npos);
  EXPECT_EQ(redact_secrets("proxy-authorization: Bearer abc.def").find("abc.def"),
            std::string::npos);
}

TEST(Redact, FtpPopAndSmtpCommands) {
  std::string out = redact_secrets("220 ready\r\nUSER admin\r\nPASS hunter2\r\n230 ok\r\n");
  EXPECT_EQ(out.find("hunter2"), std::string::npos);
  EXPECT_NE(out.find("USER admin"), std::string::npos);
  EXPECT_NE(out.find("PASS [redacted]"), std::string::npos);
  EXPECT_EQ(redact_secrets("AUTH PLAIN AGFkbWluAHNlY3JldA==").find("AGFkbWluAHNlY3JldA=="),
            std::string::npos);
  EXPECT_EQ(redact_secrets("a1 LOGIN alice wonderland").find("wonderland"), std::string::npos);
  EXPECT_NE(redact_secrets("a1 LOGIN alice wonderland").find("alice"), std::string::npos);
}

TEST(Redact, TelnetPromptAnswers) {
  std::string out = redact_secrets("OpenBSD/i386 (oof)\r\nlogin: fake\r\nPassword: user\r\n$ ");
  EXPECT_EQ(out.find("Password: user"), std::string::npos);
  EXPECT_NE(out.find("Password: [redacted]"), std::string::npos);
  EXPECT_NE(out.find("login: fake"), std::string::npos);
  // A bare prompt has nothing to hide.
  EXPECT_EQ(redact_secrets("Password: "), "Password: ");
}

TEST(Redact, KeyValueAndUrlUserInfo) {
  EXPECT_EQ(redact_secrets("GET /login.cgi?user=admin&password=12345&x=1"),
            "GET /login.cgi?user=admin&password=[redacted]&x=1");
  EXPECT_EQ(redact_secrets(R"({"username":"u","password":"p4ss"})"),
            R"({"username":"u","password":"[redacted]"})");
  EXPECT_EQ(redact_secrets("rtsp://admin:12345@192.0.2.1/stream"),
            "rtsp://admin:[redacted]@192.0.2.1/stream");
  EXPECT_EQ(redact_secrets("community=public"), "community=[redacted]");
}

TEST(Redact, LeavesOrdinaryTextAlone) {
  for (const char* plain :
       {"530 Login or password incorrect!", "HTTP/1.1 200 OK\r\nServer: lighttpd\r\n",
        "passenger=3", "Set-Cookie: id=1", "see https://example.org/path"}) {
    EXPECT_EQ(redact_secrets(plain), plain);
  }
}

TEST(Redact, SecretFieldNames) {
  for (const char* name :
       {"password", "PASSWORD", "snmp_community", "community", "api_key", "auth.token", "passwd"}) {
    EXPECT_TRUE(is_secret_field(name)) << name;
  }
  for (const char* name : {"banner", "username", "bypass", "compass_heading", "sysdesc"}) {
    EXPECT_FALSE(is_secret_field(name)) << name;
  }
}

}  // namespace
}  // namespace citywatch::core
