#include "scanner/scope.h"

#include <algorithm>
#include <fstream>
#include <set>

#include "core/text.h"

namespace citywatch::scanner {
namespace {

constexpr std::size_t kMaxScopeBytes = 16 * 1024 * 1024;

core::Result<std::string> read_small_file(const std::string& path, core::ErrorCode missing) {
  std::ifstream in(path, std::ios::binary);
  if (!in.is_open()) {
    return core::fail(missing, "cannot open the file (check the path and its permissions)", path);
  }
  std::string text;
  char chunk[65536];
  while (in.read(chunk, sizeof chunk), in.gcount() > 0) {
    text.append(chunk, static_cast<std::size_t>(in.gcount()));
    if (text.size() > kMaxScopeBytes) {
      return core::fail(core::ErrorCode::kBadInput, "file larger than 16 MiB; split it", path);
    }
  }
  if (in.bad()) return core::fail(core::ErrorCode::kIo, "read failed", path);
  return text;
}

// Each line without its comment and surrounding blanks, with its number.
template <typename Fn>
void for_each_line(std::string_view text, Fn&& fn) {
  std::size_t line_no = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    ++line_no;
    std::string_view line = text.substr(pos, end - pos);
    if (std::size_t hash = line.find('#'); hash != std::string_view::npos) {
      line = line.substr(0, hash);
    }
    line = core::trim(line);
    if (!line.empty()) fn(line_no, line);
    if (end == text.size()) break;
    pos = end + 1;
  }
}

std::array<std::uint8_t, 17> key_of(const core::IpAddress& ip) {
  std::array<std::uint8_t, 17> k{};
  k[0] = ip.is_v4() ? 4 : 6;
  std::copy(ip.bytes().begin(), ip.bytes().end(), k.begin() + 1);
  return k;
}

// Last address of the prefix: host bits set.
core::IpAddress last_of(const core::Prefix& p) {
  auto bytes = p.base().bytes();
  int host = p.host_bits();
  for (int i = 15; i >= 0 && host > 0; --i) {
    int take = std::min(host, 8);
    bytes[static_cast<std::size_t>(i)] |= static_cast<std::uint8_t>((1u << take) - 1u);
    host -= take;
  }
  if (p.base().is_v4()) {
    std::uint32_t v = (std::uint32_t{bytes[12]} << 24) | (std::uint32_t{bytes[13]} << 16) |
                      (std::uint32_t{bytes[14]} << 8) | bytes[15];
    return core::IpAddress::v4(v);
  }
  return core::IpAddress::v6(bytes);
}

// 2^bits saturating at cap.
std::uint64_t pow2_capped(int bits, std::uint64_t cap) {
  if (bits >= 63) return cap;
  std::uint64_t v = std::uint64_t{1} << bits;
  return std::min(v, cap);
}

// Difference hi - lo + 1 of two 17-byte keys of the same family, saturating.
std::uint64_t span_size(const std::array<std::uint8_t, 17>& lo,
                        const std::array<std::uint8_t, 17>& hi, std::uint64_t cap) {
  // Compare the top bytes: anything differing above the low 8 bytes is beyond any cap we use.
  for (std::size_t i = 1; i < 9; ++i) {
    if (lo[i] != hi[i]) return cap;
  }
  std::uint64_t a = 0, b = 0;
  for (std::size_t i = 9; i < 17; ++i) {
    a = (a << 8) | lo[i];
    b = (b << 8) | hi[i];
  }
  std::uint64_t d = b - a;
  return d >= cap ? cap : std::min(cap, d + 1);
}

bool next_key(std::array<std::uint8_t, 17>& k) {
  for (std::size_t i = 16; i >= 1; --i) {
    if (++k[i] != 0) return true;
  }
  return false;
}

}  // namespace

std::string_view to_string(ScopeMode m) {
  return m == ScopeMode::kAuthorised ? "authorised" : "observe";
}

std::string to_string(const PortSpec& p) {
  std::string s = std::to_string(p.port);
  if (p.transport == core::Transport::kUdp) s += "/udp";
  return s;
}

std::string port_list_text(const std::vector<PortSpec>& ports) {
  std::string s;
  for (const auto& p : ports) {
    if (!s.empty()) s += ',';
    s += to_string(p);
  }
  return s;
}

std::optional<std::vector<PortSpec>> parse_port_list(std::string_view text, std::string* error) {
  std::set<PortSpec> out;
  auto bad = [&](std::string why) -> std::optional<std::vector<PortSpec>> {
    if (error) *error = std::move(why);
    return std::nullopt;
  };
  for (const std::string& item : core::split_trimmed(text, ',')) {
    if (item.empty()) return bad("empty item in port list '" + std::string(text) + "'");
    std::string_view spec = item;
    core::Transport transport = core::Transport::kTcp;
    if (std::size_t slash = spec.find('/'); slash != std::string_view::npos) {
      auto t = core::parse_transport(spec.substr(slash + 1));
      if (!t) return bad("unknown transport in '" + item + "' (use /tcp or /udp)");
      transport = *t;
      spec = spec.substr(0, slash);
    }
    std::string_view first = spec, last = spec;
    if (std::size_t dash = spec.find('-'); dash != std::string_view::npos) {
      first = spec.substr(0, dash);
      last = spec.substr(dash + 1);
    }
    auto lo = core::parse_int(first, 1, 65535);
    auto hi = core::parse_int(last, 1, 65535);
    if (!lo || !hi || *hi < *lo) return bad("bad port or range '" + item + "' (1-65535)");
    if (static_cast<std::size_t>(*hi - *lo) + out.size() >= kMaxPortsPerList) {
      return bad("more than " + std::to_string(kMaxPortsPerList) + " ports in one list");
    }
    for (long long p = *lo; p <= *hi; ++p) out.insert({static_cast<std::uint16_t>(p), transport});
  }
  if (out.empty()) return bad("empty port list");
  return std::vector<PortSpec>(out.begin(), out.end());
}

const std::vector<PortSpec>& default_ports() {
  static const std::vector<PortSpec> kPorts = [] {
    std::string err;
    return *parse_port_list(
        "21,22,23,25,80,81,443,502,554,1883,2323,7547,8000,8080,8443,8554,161/udp,1900/udp,"
        "5683/udp,47808/udp",
        &err);
  }();
  return kPorts;
}

core::Result<Scope> parse_scope(std::string_view text, const std::string& name,
                                core::Diagnostics& diag) {
  Scope scope;
  std::size_t errors_before = diag.count();
  bool seen_mode = false;
  for_each_line(text, [&](std::size_t line_no, std::string_view line) {
    std::string where = name + ":" + std::to_string(line_no);
    // Settings: "key = value".
    if (std::size_t eq = line.find('=');
        eq != std::string_view::npos &&
        line.substr(0, eq).find_first_of("./:") == std::string_view::npos) {
      std::string key = core::to_lower(core::trim(line.substr(0, eq)));
      std::string_view value = core::trim(line.substr(eq + 1));
      if (key == "name") {
        if (value.empty() || value.size() > 64) {
          diag.report(where, "bad scope name", "1 to 64 characters", line);
        }
        scope.name = std::string(value);
      } else if (key == "mode") {
        if (seen_mode) diag.report(where, "mode given twice", "", line);
        seen_mode = true;
        if (value == "observe") {
          scope.mode = ScopeMode::kObserve;
        } else if (value == "authorised" || value == "authorized") {
          scope.mode = ScopeMode::kAuthorised;
        } else {
          diag.report(where, "bad mode", "use observe or authorised", line);
        }
      } else if (key == "ports") {
        std::string err;
        auto ports = parse_port_list(value, &err);
        if (!ports) {
          diag.report(where, "bad port list", err, line);
        } else {
          scope.ports = *ports;
        }
      } else {
        diag.report(where, "unknown setting", "known: name, mode, ports", line);
      }
      return;
    }
    // A target: "ADDRESS[/LEN] [ports=LIST]".
    std::vector<std::string> words;
    std::size_t pos = 0;
    while (pos < line.size()) {
      std::size_t end = line.find_first_of(" \t", pos);
      if (end == std::string_view::npos) end = line.size();
      if (end > pos) words.emplace_back(line.substr(pos, end - pos));
      pos = end + 1;
    }
    auto prefix = core::Prefix::parse(words[0]);
    if (!prefix) {
      diag.report(where, "bad address or range", "expected e.g. 192.0.2.0/24 or 2001:db8::1", line);
      return;
    }
    if (prefix->base().is_v4() == false && prefix->base().bytes()[0] == 0 && prefix->length() < 8) {
      diag.report(where, "bad address or range", "refusing ::/n with n < 8", line);
      return;
    }
    ScopeEntry entry{*prefix, {}, where};
    for (std::size_t i = 1; i < words.size(); ++i) {
      std::string_view w = words[i];
      if (w.starts_with("ports=")) {
        std::string err;
        auto ports = parse_port_list(w.substr(6), &err);
        if (!ports) {
          diag.report(where, "bad port list", err, line);
          return;
        }
        entry.ports = *ports;
      } else {
        diag.report(where, "unknown option", "only ports=LIST may follow an address", line);
        return;
      }
    }
    for (const auto& other : scope.entries) {
      if (other.prefix.contains(entry.prefix.base()) ||
          entry.prefix.contains(other.prefix.base())) {
        // Not an error: each address is scanned once, with the union of the ports.
        scope.notes.push_back(where + ": " + entry.prefix.to_string() + " overlaps " +
                              other.prefix.to_string() + " (" + other.where +
                              "); each address is scanned once");
        break;
      }
    }
    scope.entries.push_back(std::move(entry));
  });
  if (diag.count() > errors_before) {
    return core::fail(core::ErrorCode::kBadInput,
                      std::to_string(diag.count() - errors_before) +
                          " bad line(s) in the scope file; nothing was scanned. Fix them and run "
                          "again",
                      name);
  }
  if (scope.entries.empty()) {
    return core::fail(core::ErrorCode::kBadInput, "the scope names no address or range", name);
  }
  if (scope.name.empty()) {
    std::string base = name.substr(name.find_last_of('/') + 1);
    if (std::size_t dot = base.rfind('.'); dot != std::string::npos && dot > 0) {
      base = base.substr(0, dot);
    }
    scope.name = base;
  }
  return scope;
}

core::Result<Scope> load_scope(const std::string& path, core::Diagnostics& diag) {
  auto text = read_small_file(path, core::ErrorCode::kNotFound);
  if (!text) return core::fail(text.error());
  return parse_scope(*text, path, diag);
}

void PrefixSet::add(const core::Prefix& p) {
  ranges_.push_back({key_of(p.base()), key_of(last_of(p))});
  sorted_ = false;
}

void PrefixSet::normalise() const {
  if (sorted_) return;
  std::sort(ranges_.begin(), ranges_.end(),
            [](const Range& a, const Range& b) { return a.lo < b.lo; });
  std::vector<Range> merged;
  for (const auto& r : ranges_) {
    if (!merged.empty() && merged.back().lo[0] == r.lo[0]) {
      auto next = merged.back().hi;
      bool wrapped = !next_key(next);
      if (wrapped || r.lo <= next) {
        if (r.hi > merged.back().hi) merged.back().hi = r.hi;
        continue;
      }
    }
    merged.push_back(r);
  }
  ranges_ = std::move(merged);
  sorted_ = true;
}

bool PrefixSet::contains(const core::IpAddress& ip) const {
  normalise();
  auto k = key_of(ip);
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), k,
                             [](const auto& key, const Range& r) { return key < r.lo; });
  if (it == ranges_.begin()) return false;
  --it;
  return k >= it->lo && k <= it->hi;
}

bool PrefixSet::covers(const core::Prefix& p) const {
  normalise();
  auto lo = key_of(p.base());
  auto hi = key_of(last_of(p));
  auto it = std::upper_bound(ranges_.begin(), ranges_.end(), lo,
                             [](const auto& key, const Range& r) { return key < r.lo; });
  if (it == ranges_.begin()) return false;
  --it;
  return lo >= it->lo && hi <= it->hi;  // ranges are merged, so one range must hold it all
}

std::uint64_t PrefixSet::size(std::uint64_t cap) const {
  normalise();
  std::uint64_t total = 0;
  for (const auto& r : ranges_) {
    total += span_size(r.lo, r.hi, cap);
    if (total >= cap) return cap;
  }
  return total;
}

core::Result<PrefixSet> parse_prefix_list(std::string_view text, const std::string& name) {
  PrefixSet set;
  std::optional<core::Error> first;
  for_each_line(text, [&](std::size_t line_no, std::string_view line) {
    if (first) return;
    auto p = core::Prefix::parse(line);
    if (!p) {
      first = core::Error{core::ErrorCode::kConfig,
                          "not an address or CIDR range: '" + core::printable_excerpt(line, 60) +
                              "'; fix or remove the line",
                          name + ":" + std::to_string(line_no)};
      return;
    }
    set.add(*p);
  });
  if (first) return core::fail(*first);
  return set;
}

core::Result<PrefixSet> load_prefix_list(const std::string& path) {
  auto text = read_small_file(path, core::ErrorCode::kConfig);
  if (!text) return core::fail(text.error());
  return parse_prefix_list(*text, path);
}

core::Result<TargetPlan> TargetPlan::create(const Scope& scope, const PrefixSet& blocklist,
                                            const PrefixSet& opt_out, const PlanOptions& options) {
  TargetPlan plan;
  plan.blocklist_ = blocklist;
  plan.opt_out_ = opt_out;
  const std::vector<PortSpec>& scope_ports = scope.ports.empty() ? default_ports() : scope.ports;
  std::set<PortSpec> allowed_ports;
  for (const auto& e : scope.entries) {
    ScopeEntry resolved = e;
    if (resolved.ports.empty()) resolved.ports = scope_ports;
    allowed_ports.insert(resolved.ports.begin(), resolved.ports.end());
    plan.scope_set_.add(e.prefix);
    plan.scope_entries_.push_back(std::move(resolved));
  }
  // --ports may only narrow the scope.
  for (const auto& p : options.ports) {
    if (!allowed_ports.contains(p)) {
      return core::fail(
          core::ErrorCode::kUsage,
          "port " + to_string(p) + " is not in scope '" + scope.name +
              "' (its ports: " + port_list_text({allowed_ports.begin(), allowed_ports.end()}) +
              "); nothing was scanned");
    }
  }
  if (!options.ports.empty()) {
    for (auto& e : plan.scope_entries_) {
      std::vector<PortSpec> kept;
      for (const auto& p : e.ports) {
        if (std::find(options.ports.begin(), options.ports.end(), p) != options.ports.end()) {
          kept.push_back(p);
        }
      }
      e.ports = std::move(kept);
    }
  }
  // --target may only name parts of the scope.
  for (const auto& t : options.only) {
    if (!plan.scope_set_.covers(t)) {
      return core::fail(core::ErrorCode::kUsage,
                        "target " + t.to_string() + " is outside scope '" + scope.name +
                            "'; nothing was scanned. Add it to the scope file only if you own it "
                            "or may test it");
    }
  }
  if (options.only.empty()) {
    for (const auto& e : plan.scope_entries_) plan.walks_.push_back({e.prefix, e.ports});
  } else {
    for (const auto& t : options.only) plan.walks_.push_back({t, {}});
  }
  for (const auto& w : plan.walks_) plan.walk_set_.add(w.prefix);

  std::uint64_t cap = kMaxScanAddresses + 1;
  plan.addresses_ = plan.walk_set_.size(cap);
  if (plan.addresses_ > kMaxScanAddresses) {
    return core::fail(core::ErrorCode::kUsage,
                      "scope '" + scope.name + "' holds more than 2^24 addresses, more than " +
                          "one run can scan; split it into several scopes");
  }
  if (plan.addresses_ > options.max_addresses && !options.allow_wide) {
    return core::fail(core::ErrorCode::kUsage,
                      "scope '" + scope.name + "' holds " + std::to_string(plan.addresses_) +
                          " addresses, more than [scan] max_scope_addresses (" +
                          std::to_string(options.max_addresses) +
                          "); nothing was scanned. Check the ranges, then pass --allow-wide if "
                          "this is really meant");
  }
  std::size_t max_ports = 0;
  for (const auto& e : plan.scope_entries_) max_ports = std::max(max_ports, e.ports.size());
  plan.estimate_ = plan.addresses_ * max_ports;
  return plan;
}

bool TargetPlan::allows(const core::IpAddress& ip) const {
  return walk_set_.contains(ip) && scope_set_.contains(ip) && !blocklist_.contains(ip) &&
         !opt_out_.contains(ip);
}

std::vector<PortSpec> TargetPlan::ports_for(const core::IpAddress& ip) const {
  std::set<PortSpec> ports;
  for (const auto& e : scope_entries_) {
    if (e.prefix.contains(ip)) ports.insert(e.ports.begin(), e.ports.end());
  }
  return {ports.begin(), ports.end()};
}

// Moves to the next address not yet visited; false when every walk is done.
bool TargetPlan::load_address() {
  while (walk_ < walks_.size()) {
    const Walk& w = walks_[walk_];
    if (!walk_started_) {
      cursor_ = w.prefix.base().bytes();
      remaining_in_walk_ = pow2_capped(w.prefix.host_bits(), kMaxScanAddresses + 1);
      walk_started_ = true;
    } else {
      // advance the cursor by one address
      for (int i = 15; i >= 0; --i) {
        if (++cursor_[static_cast<std::size_t>(i)] != 0) break;
      }
    }
    if (remaining_in_walk_ == 0) {
      ++walk_;
      walk_started_ = false;
      continue;
    }
    --remaining_in_walk_;
    core::IpAddress ip = w.prefix.base().is_v4()
                             ? core::IpAddress::v4((std::uint32_t{cursor_[12]} << 24) |
                                                   (std::uint32_t{cursor_[13]} << 16) |
                                                   (std::uint32_t{cursor_[14]} << 8) | cursor_[15])
                             : core::IpAddress::v6(cursor_);
    bool seen = false;  // overlapping ranges: an earlier walk already gave this address
    for (std::size_t i = 0; i < walk_ && !seen; ++i) seen = walks_[i].prefix.contains(ip);
    if (seen) continue;
    if (blocklist_.contains(ip)) {
      ++excluded_blocklist_;
      continue;
    }
    if (opt_out_.contains(ip)) {
      ++excluded_opt_out_;
      continue;
    }
    current_ports_ = ports_for(ip);
    if (current_ports_.empty()) continue;
    current_ = ip;
    port_index_ = 0;
    return true;
  }
  return false;
}

bool TargetPlan::next(Target& out) {
  while (port_index_ >= current_ports_.size()) {
    if (!load_address()) return false;
  }
  out.ip = current_;
  out.port = current_ports_[port_index_++];
  ++emitted_;
  return true;
}

}  // namespace citywatch::scanner
