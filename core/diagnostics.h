// core/diagnostics.h: the sink for bad records. Parsers report, they never throw or drop:
// each problem is counted by reason (like Zeek's named "weirds") and the first few are kept
// with where they happened and a redacted excerpt, for the run summary. Not thread-safe: one
// per import or capture.
#pragma once

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace citywatch::core {

struct Diagnostic {
  std::string where;    // file:line, packet number, URL
  std::string reason;   // short and stable, counted: "invalid JSON", "wrong column count"
  std::string detail;   // specifics: "expected 16 columns, found 15"
  std::string excerpt;  // redacted, bounded
};

class Diagnostics {
 public:
  static constexpr std::size_t kDefaultSamples = 20;
  explicit Diagnostics(std::size_t keep_samples = kDefaultSamples) : keep_(keep_samples) {}

  // raw is the rejected record as read; it is redacted before anyone sees it.
  void report(std::string where, std::string reason, std::string detail, std::string_view raw = {});

  std::size_t count() const { return total_; }
  const std::map<std::string, std::size_t>& by_reason() const { return by_reason_; }
  const std::vector<Diagnostic>& samples() const { return samples_; }

  // Called for every report (not only the kept samples), with the redacted record; importers
  // use it to write the reject file.
  using Listener = std::function<void(const Diagnostic&, std::string_view redacted_record)>;
  void set_listener(Listener listener) { listener_ = std::move(listener); }

 private:
  std::size_t keep_;
  std::size_t total_ = 0;
  std::map<std::string, std::size_t> by_reason_;
  std::vector<Diagnostic> samples_;
  Listener listener_;
};

}  // namespace citywatch::core
