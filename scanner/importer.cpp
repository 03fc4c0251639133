#include "scanner/importer.h"

#include <vector>

#include "core/text.h"
#include "scanner/csv_reader.h"
#include "scanner/input_file.h"
#include "scanner/nmap_xml_parser.h"
#include "scanner/shadowserver_parser.h"
#include "scanner/shodan_parser.h"

namespace citywatch::scanner {
namespace {

constexpr std::uint64_t kProgressEvery = 4096;
constexpr std::uint64_t kCancelCheckEvery = 1024;

// True (and the result marked) when the caller asked to stop; asks every kCancelCheckEvery
// calls so the check costs nothing measurable.
bool stop_requested(const ImportOptions& options, FileImport& result, std::uint64_t& calls) {
  if (!options.cancelled || ++calls % kCancelCheckEvery != 0) return false;
  if (!options.cancelled()) return false;
  result.cancelled = true;
  return true;
}

void report_progress(const ProgressFn& progress, std::uint64_t records, const InputFile& in) {
  if (progress && records % kProgressEvery == 0) {
    progress({records, in.position(), in.size()});
  }
}

std::string at(const InputFile& in, std::size_t line) {
  return in.path() + ":" + std::to_string(line);
}

FileImport import_shodan(InputFile& in, const ImportOptions& options, const ObservationSink& sink,
                         core::Diagnostics& diag, const ProgressFn& progress) {
  ShodanParser parser;
  LineReader lines(in, ShodanParser::kMaxDocumentBytes);
  FileImport result;
  std::uint64_t checks = 0;
  bool first = true;
  while (true) {
    auto line = lines.next();
    if (!line) {
      result.fatal = line.error();
      return result;
    }
    if (!*line) break;
    std::string_view text = core::trim((*line)->text);
    if (text.empty()) continue;
    std::string where = at(in, (*line)->number);
    if ((*line)->truncated) {
      diag.report(where, "record too large",
                  "line longer than " + std::to_string(ShodanParser::kMaxDocumentBytes) + " bytes",
                  text.substr(0, 256));
      ++result.records;
      continue;
    }
    // A pretty-printed search page or host lookup spans lines: gather it when the first line
    // alone is not JSON but starts a value. If the whole is not JSON either, the lines are
    // banners after all (the first one damaged) and are read one by one.
    if (first && (text.front() == '{' || text.front() == '[') && !parser.is_complete_json(text)) {
      std::vector<std::pair<std::size_t, std::string>> held;
      held.emplace_back((*line)->number, std::string(text));
      std::size_t bytes = text.size();
      while (bytes <= ShodanParser::kMaxDocumentBytes) {
        auto more = lines.next();
        if (!more) {
          result.fatal = more.error();
          break;
        }
        if (!*more) break;
        bytes += (*more)->text.size() + 1;
        held.emplace_back((*more)->number, std::string((*more)->text));
      }
      std::string document;
      if (bytes <= ShodanParser::kMaxDocumentBytes) {
        document.reserve(bytes);
        for (const auto& [n, t] : held) (document += t) += '\n';
      }
      if (!document.empty() && parser.is_complete_json(document)) {
        result.records += parser.parse(document, where, sink, diag);
        return result;
      }
      for (const auto& [n, t] : held) {
        std::string_view held_text = core::trim(t);
        if (!held_text.empty()) result.records += parser.parse(held_text, at(in, n), sink, diag);
      }
      if (result.fatal) return result;
      first = false;
      continue;
    }
    first = false;
    result.records += parser.parse(text, where, sink, diag);
    report_progress(progress, result.records, in);
    if (stop_requested(options, result, checks)) return result;
  }
  return result;
}

FileImport import_shadowserver(InputFile& in, const ImportOptions& options,
                               const ObservationSink& sink, core::Diagnostics& diag,
                               const ProgressFn& progress) {
  std::string report_type = options.report_type.empty()
                                ? ShadowserverParser::report_type_from_filename(in.path())
                                : options.report_type;
  ShadowserverParser parser(report_type);
  LineReader lines(in, CsvReader::kMaxRecordBytes);
  CsvReader csv(lines);
  FileImport result;
  std::uint64_t checks = 0;
  bool have_header = false;
  while (true) {
    auto record = csv.next();
    if (!record) {
      result.fatal = record.error();
      return result;
    }
    if (!*record) break;
    const CsvRecord& r = **record;
    std::string where = at(in, r.line);
    if (!have_header) {
      if (!r.problem.empty()) {
        result.fatal =
            core::Error{core::ErrorCode::kBadInput, "cannot read the header: " + r.problem, where};
        return result;
      }
      auto header = parser.set_header(r.fields);
      if (!header) {
        result.fatal = core::Error{core::ErrorCode::kBadInput, header.error().message, where};
        return result;
      }
      have_header = true;
      continue;
    }
    ++result.records;
    if (!r.problem.empty()) {
      diag.report(where, "bad CSV quoting", r.problem, r.raw);
    } else {
      parser.parse_row(r.fields, where, r.raw, sink, diag);
    }
    report_progress(progress, result.records, in);
    if (stop_requested(options, result, checks)) break;
  }
  if (!have_header) {
    result.fatal = core::Error{core::ErrorCode::kBadInput, "empty file: no header row", in.path()};
  }
  result.report_type = parser.report_type();
  result.notes = parser.notes();
  return result;
}

FileImport import_nmap(InputFile& in, const ImportOptions& options, const ObservationSink& sink,
                       core::Diagnostics& diag, const ProgressFn& progress) {
  NmapXmlParser parser(in.path(), sink, diag);
  std::vector<char> buf(256 * 1024);
  FileImport result;
  while (true) {
    auto n = in.read(buf);
    if (!n) {
      result.records = parser.ports_seen();
      result.fatal = n.error();
      return result;
    }
    auto fed = parser.feed(std::string_view(buf.data(), *n), *n == 0);
    result.records = parser.ports_seen();
    if (!fed) {
      result.fatal = fed.error();
      return result;
    }
    if (progress) progress({result.records, in.position(), in.size()});
    if (*n == 0) break;
    // nmap XML comes in 256 KiB blocks, so the check runs per block, not per record.
    if (options.cancelled && options.cancelled()) {
      result.cancelled = true;
      break;
    }
  }
  return result;
}

}  // namespace

std::optional<FeedKind> parse_feed_kind(std::string_view name) {
  if (name == "shodan") return FeedKind::kShodan;
  if (name == "shadowserver") return FeedKind::kShadowserver;
  if (name == "nmap") return FeedKind::kNmap;
  return std::nullopt;
}

std::string_view to_string(FeedKind kind) {
  switch (kind) {
    case FeedKind::kShodan:
      return "shodan";
    case FeedKind::kShadowserver:
      return "shadowserver";
    case FeedKind::kNmap:
      return "nmap";
  }
  return "unknown";
}

core::Source source_of(FeedKind kind) {
  switch (kind) {
    case FeedKind::kShodan:
      return core::Source::kShodan;
    case FeedKind::kShadowserver:
      return core::Source::kShadowserver;
    case FeedKind::kNmap:
      return core::Source::kNmap;
  }
  return core::Source::kShodan;
}

FileImport import_file(FeedKind kind, const std::string& path, const ImportOptions& options,
                       const ObservationSink& sink, core::Diagnostics& diag,
                       const ProgressFn& progress) {
  auto in = InputFile::open(path);
  if (!in) {
    FileImport failed;
    failed.fatal = in.error();
    return failed;
  }
  FileImport result;
  switch (kind) {
    case FeedKind::kShodan:
      result = import_shodan(*in, options, sink, diag, progress);
      break;
    case FeedKind::kShadowserver:
      result = import_shadowserver(*in, options, sink, diag, progress);
      break;
    case FeedKind::kNmap:
      result = import_nmap(*in, options, sink, diag, progress);
      break;
  }
  if (progress) progress({result.records, in->position(), in->size()});
  return result;
}

}  // namespace citywatch::scanner
