// scanner/scope.h: what an active scan may touch. A scope file names the networks and ports
// an operator owns or may test, and whether login checks are allowed there (docs/scanning.md
// has the format). The global blocklist and opt-out list always win. plan_targets() turns a
// scope plus the command line into a TargetPlan, refusing (before any packet) targets outside
// the scope, ports outside it, and scopes wider than the configured size; the plan then yields
// each (address, port) once, however the scope's ranges overlap. Value types; a TargetPlan is
// iterated by one thread.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/diagnostics.h"
#include "core/ip_address.h"
#include "core/observation.h"
#include "core/result.h"

namespace citywatch::scanner {

enum class ScopeMode : std::uint8_t {
  kObserve,     // no credential of any kind is ever presented (SNMP communities included)
  kAuthorised,  // the owner agreed to default-credential login checks
};
std::string_view to_string(ScopeMode m);

struct PortSpec {
  std::uint16_t port = 0;
  core::Transport transport = core::Transport::kTcp;
  friend auto operator<=>(const PortSpec&, const PortSpec&) = default;
};
std::string to_string(const PortSpec& p);  // "80", "161/udp"

// "23,80,8000-8003,161/udp": at most kMaxPortsPerList ports. nullopt with a reason in `error`.
inline constexpr std::size_t kMaxPortsPerList = 1024;
std::optional<std::vector<PortSpec>> parse_port_list(std::string_view text, std::string* error);
std::string port_list_text(const std::vector<PortSpec>& ports);

// Ports probed when neither the scope nor --ports names any: the IoT services citywatch has
// probes for (docs/scanning.md lists them).
const std::vector<PortSpec>& default_ports();

struct ScopeEntry {
  core::Prefix prefix;
  std::vector<PortSpec> ports;  // empty: the scope's default ports
  std::string where;            // file:line
};

struct Scope {
  std::string name;
  ScopeMode mode = ScopeMode::kObserve;
  std::vector<PortSpec> ports;  // the file's `ports =` line; empty: default_ports()
  std::vector<ScopeEntry> entries;
  std::vector<std::string> notes;  // overlapping ranges (allowed, worth a look)
};

// Every bad line is reported to diag (file:line, reason); any bad line fails the whole scope
// (kBadInput): a typo in an authorisation must never widen or silently narrow what is scanned.
// Overlapping entries are allowed (each address is scanned once) and listed in Scope::notes.
core::Result<Scope> parse_scope(std::string_view text, const std::string& name,
                                core::Diagnostics& diag);
core::Result<Scope> load_scope(const std::string& path, core::Diagnostics& diag);

// A set of address ranges with fast membership (blocklist, opt-out list, scope union).
class PrefixSet {
 public:
  void add(const core::Prefix& p);
  bool contains(const core::IpAddress& ip) const;
  // True when every address of p is in the set.
  bool covers(const core::Prefix& p) const;
  // Distinct addresses in the set, saturating at `cap`.
  std::uint64_t size(std::uint64_t cap) const;
  bool empty() const { return ranges_.empty(); }

 private:
  struct Range {
    std::array<std::uint8_t, 17> lo, hi;  // family byte + 16 address bytes, big-endian
  };
  void normalise() const;
  mutable std::vector<Range> ranges_;
  mutable bool sorted_ = true;
};

// Address/prefix list files (blocklist, opt-out): one address or CIDR per line, '#' comments.
// Bad lines are errors (kConfig naming file:line): an opt-out that silently lost a line would
// scan someone who asked not to be.
core::Result<PrefixSet> parse_prefix_list(std::string_view text, const std::string& name);
core::Result<PrefixSet> load_prefix_list(const std::string& path);

struct Target {
  core::IpAddress ip;
  PortSpec port;
};

struct PlanOptions {
  std::vector<PortSpec> ports;          // --ports: a subset of the scope's ports
  std::vector<core::Prefix> only;       // --target: parts of the scope
  std::uint64_t max_addresses = 65536;  // wider scopes need allow_wide
  bool allow_wide = false;
};

// Hard ceiling even with --allow-wide: the plan is iterated lazily, but a run must end.
inline constexpr std::uint64_t kMaxScanAddresses = std::uint64_t{1} << 24;

// Yields every (address, port) of the scope once, minus blocklisted and opted-out addresses.
class TargetPlan {
 public:
  static core::Result<TargetPlan> create(const Scope& scope, const PrefixSet& blocklist,
                                         const PrefixSet& opt_out, const PlanOptions& options);

  bool next(Target& out);
  // True when ip is a planned address: the prober checks every connect against this.
  bool allows(const core::IpAddress& ip) const;

  std::uint64_t addresses() const { return addresses_; }  // distinct, before exclusions
  std::uint64_t excluded_blocklist() const { return excluded_blocklist_; }
  std::uint64_t excluded_opt_out() const { return excluded_opt_out_; }
  std::uint64_t targets_emitted() const { return emitted_; }
  // Upper bound of (address, port) pairs, for progress.
  std::uint64_t estimated_targets() const { return estimate_; }

 private:
  struct Walk {
    core::Prefix prefix;
    std::vector<PortSpec> ports;  // from the entry (after --ports)
  };
  TargetPlan() = default;
  bool load_address();
  std::vector<PortSpec> ports_for(const core::IpAddress& ip) const;

  std::vector<ScopeEntry> scope_entries_;  // ports resolved and filtered
  std::vector<Walk> walks_;                // what is iterated: the scope, or --target prefixes
  PrefixSet scope_set_;
  PrefixSet walk_set_;
  PrefixSet blocklist_, opt_out_;
  std::size_t walk_ = 0;
  std::array<std::uint8_t, 16> cursor_{};
  std::uint64_t remaining_in_walk_ = 0;
  bool walk_started_ = false;
  core::IpAddress current_;
  std::vector<PortSpec> current_ports_;
  std::size_t port_index_ = 0;
  std::uint64_t addresses_ = 0, excluded_blocklist_ = 0, excluded_opt_out_ = 0, emitted_ = 0,
                estimate_ = 0;
};

}  // namespace citywatch::scanner
