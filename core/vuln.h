// core/vuln.h: the vulnerability knowledge risk/ matches against: CVE records, the CPE match
// ranges NVD gives for them (start/end, including/excluding) and CISA's KEV entries. Parsed by
// risk/ from NVD and KEV files, stored by db/, looked up again by risk/. Plain value types.
#pragma once

#include <string>
#include <vector>

namespace citywatch::core {

// A parsed CPE 2.3 formatted string; "*" (any) and "-" (not applicable) kept as written.
struct Cpe {
  char part = '*';  // 'a' application, 'o' operating system/firmware, 'h' hardware
  std::string vendor;
  std::string product;
  std::string version;
  std::string update;
  friend bool operator==(const Cpe&, const Cpe&) = default;
};

// One cpeMatch of an NVD configuration.
struct CpeMatch {
  std::string cve;
  bool vulnerable = true;
  Cpe cpe;
  std::string criteria;  // as NVD wrote it
  std::string start_including, start_excluding, end_including, end_excluding;
};

struct CveRecord {
  std::string id;
  std::string description;
  double cvss = 0;  // best base score the record gives (v3.1, v3.0, then v2)
  std::string cvss_vector;
  std::string published;  // ISO date as NVD wrote it
  std::string last_modified;
  std::string kev_date;  // cisaExploitAdd, when NVD states it
  std::vector<CpeMatch> matches;
};

struct KevEntry {
  std::string cve;
  std::string vendor;
  std::string product;
  std::string name;
  std::string date_added;
  std::string due_date;
  std::string ransomware;  // "Known" / "Unknown"
};

}  // namespace citywatch::core
