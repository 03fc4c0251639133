// tests/support/webhook_receiver.h: a real HTTP(S) server on 127.0.0.x for the notification
// tests, standing in for a partner's webhook. It keeps a raw log of every request (head and
// body exactly as received), verifies the HMAC signature with the key configured for the
// request's path, and answers as scripted: 200, 500, 429 with Retry-After, a 4xx, a stall (no
// answer until the client gives up or the test releases it) or a dropped connection. One
// connection at a time, on its own thread. Plain HTTP without a certificate, TLS with one.
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace citywatch::testing {

class WebhookReceiver {
 public:
  enum class Answer { kOk, kServerError, kTooMany, kRefuse, kStall, kDrop };

  struct Request {
    std::string path;
    std::string head;  // request line and headers as received
    std::string body;
    std::string batch_id;  // X-Citywatch-Batch-Id
    std::string attempt;   // X-Citywatch-Attempt
    bool signature_ok = false;
    Answer answer = Answer::kOk;
  };

  // cert_file/key_file empty: plain HTTP.
  WebhookReceiver(const std::string& host, const std::string& cert_file,
                  const std::string& key_file);
  ~WebhookReceiver();
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  int port() const { return port_; }
  std::string url(const std::string& path) const;
  void set_secret(const std::string& path, const std::string& key);
  // Answers for the next requests, in order; then `fallback`.
  void script(std::vector<Answer> answers, Answer fallback = Answer::kOk);
  void set_retry_after(std::string value) { retry_after_ = std::move(value); }

  std::vector<Request> requests() const;
  // Waits until at least n requests arrived (the request is logged before it is answered).
  bool wait_for(std::size_t n, std::chrono::milliseconds deadline) const;
  // Ends a stall: the stalled connection is closed without an answer.
  void release();
  std::string raw_log() const;

 private:
  void serve();
  void handle(int fd);
  Answer next_answer();

  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};     // stop: the destructor
  int release_[2] = {-1, -1};  // ends a stall: release()
  int port_ = 0;
  std::string host_;
  void* ssl_ctx_ = nullptr;
  std::thread thread_;
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  std::map<std::string, std::string> secrets_;
  std::deque<Answer> script_;
  Answer fallback_ = Answer::kOk;
  std::vector<Request> requests_;
  std::string raw_;
  std::string retry_after_ = "120";
  bool stop_ = false;
};

}  // namespace citywatch::testing
