// Email delivery end to end: citywatch hands each partner's batch to a real SMTP server
// (aiosmtpd from Debian, started here on 127.0.0.1) over STARTTLS with AUTH; the server writes
// every message to a file. The mail carries a plain-text summary and the CSV with every finding
// of that partner and only that partner's devices; the password is in no log and not in the DB.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "core/ip_address.h"
#include "notify/formats.h"
#include "tests/integration/notify_fixture.h"

namespace citywatch::testing {
namespace {

std::string python_with_aiosmtpd() {
  // Debian's python3 has python3-aiosmtpd; a pyenv python3 first on PATH may not.
  for (const char* p : {"/usr/bin/python3", "python3"}) {
    if (run({p, "-c", "import aiosmtpd"}).exit_code == 0) return p;
  }
  return {};
}

// The base64 body of the MIME part whose filename ends in `suffix`.
std::string attachment(const std::string& mail, const std::string& suffix) {
  auto name = mail.find(suffix + "\"");
  if (name == std::string::npos) return {};
  auto start = mail.find("\r\n\r\n", name);
  auto end = mail.find("\r\n--", start + 4);
  std::string b64;
  for (char c : mail.substr(start + 4, end - start - 4)) {
    if (c != '\r' && c != '\n') b64 += c;
  }
  // Decode with openssl(1) rather than a second hand-written decoder.
  TempDir tmp;
  write_file(tmp.file("a.b64"), b64);
  auto r = run({"openssl", "base64", "-d", "-A", "-in", tmp.file("a.b64")});
  return r.out;
}

class NotifyEmail : public NotifyFixture {
 protected:
  pid_t smtp_pid = 0;
  int port = 0;
  std::string outdir = dir.file("mail");

  void SetUp() override {
    NotifyFixture::SetUp();
    if (HasFatalFailure()) return;
    std::string python = python_with_aiosmtpd();
    if (python.empty()) {
      GTEST_SKIP() << "python3-aiosmtpd is not installed (deploy/install-deps.sh test installs it)";
    }
    std::filesystem::create_directory(outdir);
    std::string portfile = dir.file("smtp.port");
    smtp_pid = spawn({python, source_path("tests/integration/smtp_sink.py"), cert, key, "citywatch",
                      "s3cret-smtp-pw", outdir, portfile});
    // Ready when the port file exists (written after listen()).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (!std::filesystem::exists(portfile)) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "SMTP sink did not start";
      int status = 0;
      ASSERT_EQ(::waitpid(smtp_pid, &status, WNOHANG), 0) << "SMTP sink exited";
      std::this_thread::yield();
    }
    port = std::stoi(read_file(portfile));
    write_file(dir.file("smtp.pw"), "s3cret-smtp-pw\n");
    ::chmod(dir.file("smtp.pw").c_str(), 0600);
  }
  void TearDown() override {
    if (smtp_pid > 0) {
      ::kill(smtp_pid, SIGTERM);
      ::waitpid(smtp_pid, nullptr, 0);
    }
  }
  std::string partner(const std::string& name, const std::string& prefix,
                      const std::string& extra = "") {
    return "[[partner]]\nname = \"" + name + "\"\nprefixes = [\"" + prefix +
           "\"]\nemail = \"abuse@" + name +
           ".example\"\nsmtp_url = \"smtp://127.0.0.1:" + std::to_string(port) +
           "\"\nsmtp_user = \"citywatch\"\nsmtp_password_file = \"" + dir.file("smtp.pw") +
           "\"\nca_file = \"" + cert + "\"\n" + extra;
  }
};

TEST_F(NotifyEmail, EachPartnerGetsASummaryAndItsCsvOverStartTls) {
  write_config(partner("kpn", "192.0.2.0/25") + partner("ziggo", "198.51.100.0/24"),
               "mail_from = \"citywatch@city.example\"\n");
  ASSERT_EQ(cw({"batches", "build", "--now", "2026-12-01T00:00:00Z"}).exit_code, 0);
  auto r = cw({"batches", "send", "--now", "2026-12-01T00:00:00Z"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 delivered"), std::string::npos) << r.out << r.err;
  auto list = batches();
  ASSERT_EQ(list.size(), 2u);
  for (int n = 1; n <= 2; ++n) {
    std::string base = outdir + "/msg-" + std::to_string(n);
    std::string env = read_file(base + ".env");
    EXPECT_NE(env.find("auth True"), std::string::npos) << env;
    EXPECT_NE(env.find("tls True"), std::string::npos) << env;
    std::string mail = read_file(base + ".eml");
    bool kpn = mail.find("To: abuse@kpn.example") != std::string::npos;
    const auto& batch = list[kpn ? 0 : 1];
    EXPECT_EQ(batch["status"], "delivered");
    std::string id = batch["batch_id"];
    EXPECT_NE(mail.find("X-Citywatch-Batch-Id: " + id), std::string::npos);
    EXPECT_NE(mail.find("Subject: [citywatch]"), std::string::npos);
    EXPECT_NE(mail.find("text/plain"), std::string::npos);
    std::string csv = attachment(mail, ".csv");
    ASSERT_FALSE(csv.empty()) << mail.substr(0, 2000);
    // The attachment is exactly the batch's CSV: every finding, only this partner's devices.
    EXPECT_EQ(csv, cw({"batches", "show", id, "--as", "csv"}).out);
    auto prefix = *core::Prefix::parse(kpn ? "192.0.2.0/25" : "198.51.100.0/24");
    std::istringstream rows(csv);
    std::string row;
    std::getline(rows, row);
    int count = 0;
    while (std::getline(rows, row)) {
      auto ip_start = row.find(",\"") + 2;
      std::string ip = row.substr(ip_start, row.find('"', ip_start) - ip_start);
      EXPECT_TRUE(prefix.contains(*core::IpAddress::parse(ip))) << ip;
      ++count;
    }
    EXPECT_EQ(count, batch["items"].get<int>());
  }
  EXPECT_EQ(r.err.find("s3cret"), std::string::npos);
  EXPECT_EQ(read_file(db).find("s3cret"), std::string::npos);
}

TEST_F(NotifyEmail, AMissingPasswordFileIsADeadLetterNamingTheFile) {
  write_config(
      "[[partner]]\nname = \"kpn\"\nprefixes = [\"192.0.2.0/25\"]\nemail = "
      "\"abuse@kpn.example\"\nsmtp_url = \"smtp://127.0.0.1:" +
      std::to_string(port) + "\"\nsmtp_user = \"citywatch\"\nsmtp_password_file = \"" +
      dir.file("missing.pw") + "\"\nca_file = \"" + cert + "\"\n");
  ASSERT_EQ(cw({"batches", "build", "--now", "2026-12-01T00:00:00Z"}).exit_code, 0);
  ASSERT_EQ(cw({"batches", "send", "--now", "2026-12-01T00:00:00Z"}).exit_code, 0);
  auto list = batches();
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["status"], "dead") << list[0].dump();
  EXPECT_NE(list[0]["last_error"].get<std::string>().find("missing.pw"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(outdir + "/msg-1.eml"));
}

}  // namespace
}  // namespace citywatch::testing
