// scanner/shadowserver_parser.h: rows of any Shadowserver report CSV into Observations.
// Columns are found by header name, never by position, because report schemas change.
// Scan reports (scan_*, device_id, ...) describe a service on ip:port; event reports
// (event4_*, and any report whose device column is src_ip) describe what the device did, so the
// device is src_ip and its source port is kept. One instance per file.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/diagnostics.h"
#include "core/result.h"
#include "scanner/feed.h"

namespace citywatch::scanner {

class ShadowserverParser {
 public:
  // report_type may be empty: then it is taken from the columns alone.
  explicit ShadowserverParser(std::string report_type) : report_type_(std::move(report_type)) {}

  // "2024-05-01-scan_mqtt-nl-geo.csv.gz" -> "scan_mqtt"; "scan_mqtt.csv" -> "scan_mqtt";
  // "" when the name says nothing.
  static std::string report_type_from_filename(std::string_view path);

  // The header row. kBadInput when no address or timestamp column can be found.
  core::Result<void> set_header(const std::vector<std::string_view>& names);
  std::size_t column_count() const { return names_.size(); }
  // Things worth telling the operator about the file as a whole (not about one record).
  const std::vector<std::string>& notes() const { return notes_; }
  bool is_event_report() const { return event_; }
  const std::string& report_type() const { return report_type_; }

  // One data row (already split). Good rows go to sink, bad ones to diag at `where`.
  void parse_row(const std::vector<std::string_view>& values, const std::string& where,
                 std::string_view raw, const ObservationSink& sink, core::Diagnostics& diag);

 private:
  std::optional<std::size_t> column(std::string_view name) const;
  std::string report_type_;
  std::vector<std::string> names_;
  std::unordered_map<std::string, std::size_t> index_;
  bool event_ = false;
  // Columns that fill Observation members, resolved once per header.
  struct Columns {
    std::optional<std::size_t> ip, port, src_port, protocol, asn, geo, region, city, hostname,
        timestamp, tag, vendor, type, model, version, firmware, product, severity, infection,
        application;
  } cols_;
  std::vector<bool> mapped_;   // per column: already mapped to a member, so not a field
  std::size_t row_width_ = 0;  // columns every row must have; fixed by the first data row
  std::vector<std::string> notes_;
};

}  // namespace citywatch::scanner
