// notify/formats.h: a batch as bytes in the partner's format (docs/notifications.md has a
// sample of each):
//  - CSV: one row per finding, columns named as Shadowserver's reports name them, so an abuse
//    desk's existing ingest maps them by name;
//  - JSON: the batch envelope with one object per item;
//  - X-ARF v4 (xarf.org, schema 4.0.0): one report per finding inside a batch envelope.
// Rendering is deterministic: the same stored batch gives the same bytes on every retry, so the
// signature and the partner's duplicate check hold. Pure functions; thread-safe.
#pragma once

#include <string>

#include "core/batch.h"
#include "core/result.h"

namespace citywatch::notify {

// Who reports: the X-ARF reporter and sender (the city's CISO team).
struct Reporter {
  std::string org = "citywatch";
  std::string contact = "citywatch@example.invalid";
  std::string domain = "example.invalid";
};

std::string render_csv(const core::Batch& batch);
std::string render_json(const core::Batch& batch);
std::string render_xarf(const core::Batch& batch, const Reporter& reporter);
std::string render(const core::Batch& batch, core::BatchFormat format, const Reporter& reporter);
std::string content_type(core::BatchFormat format);
std::string file_extension(core::BatchFormat format);

// The plain-text mail body: what the batch holds, by severity and kind, and how to answer.
std::string render_summary(const core::Batch& batch, const std::string& city);

// The X-ARF category and type for a finding (docs/notifications.md has the table).
struct XarfClass {
  std::string category, type;
};
XarfClass xarf_class(const core::BatchItem& item);

// Checks one X-ARF report (a JSON object text) against the rules of the 4.0.0 core schema and
// the type schemas citywatch uses: required fields and their types, the version pattern, UUID
// report_id, date-time timestamp, the contact objects, category enum, type-specific required
// fields, port ranges, CVE id pattern, evidence items. kBadInput naming the first broken rule.
core::Result<void> validate_xarf_report(const std::string& json);

// Base64 (RFC 4648, with padding) and a lower-case hex SHA-256, used for X-ARF evidence.
std::string base64(std::string_view data);
std::string sha256_hex(std::string_view data);

}  // namespace citywatch::notify
