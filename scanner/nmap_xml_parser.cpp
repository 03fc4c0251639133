#include "scanner/nmap_xml_parser.h"

#include <expat.h>

#include <cstdlib>
#include <cstring>

#include "core/text.h"
#include "core/time.h"

namespace citywatch::scanner {
namespace {

constexpr std::size_t kMaxCpeBytes = 512;

const char* attr(const XML_Char** attrs, std::string_view name) {
  for (std::size_t i = 0; attrs[i] && attrs[i + 1]; i += 2) {
    if (name == attrs[i]) return attrs[i + 1];
  }
  return nullptr;
}

std::string_view attr_or_empty(const XML_Char** attrs, std::string_view name) {
  const char* v = attr(attrs, name);
  return v ? std::string_view(v) : std::string_view();
}

// Counts what expat allocates, so a hostile file cannot grow the parser without bound.
struct MemoryBudget {
  std::size_t used = 0;
  std::size_t limit = NmapXmlParser::kMaxParserMemory;
};
thread_local MemoryBudget* current_budget = nullptr;

// Each block carries its size in front so free/realloc can give it back to the budget.
void* budget_malloc(std::size_t size) {
  MemoryBudget* b = current_budget;
  if (b && b->used + size > b->limit) return nullptr;
  auto* block = static_cast<std::size_t*>(std::malloc(size + sizeof(std::max_align_t)));
  if (!block) return nullptr;
  *block = size;
  if (b) b->used += size;
  return reinterpret_cast<char*>(block) + sizeof(std::max_align_t);
}

void budget_free(void* p) {
  if (!p) return;
  auto* block = reinterpret_cast<std::size_t*>(static_cast<char*>(p) - sizeof(std::max_align_t));
  if (current_budget) current_budget->used -= std::min(current_budget->used, *block);
  std::free(block);
}

void* budget_realloc(void* p, std::size_t size) {
  if (!p) return budget_malloc(size);
  auto* block = reinterpret_cast<std::size_t*>(static_cast<char*>(p) - sizeof(std::max_align_t));
  std::size_t old = *block;
  MemoryBudget* b = current_budget;
  if (b && size > old && b->used + (size - old) > b->limit) return nullptr;
  auto* grown = static_cast<std::size_t*>(std::realloc(block, size + sizeof(std::max_align_t)));
  if (!grown) return nullptr;
  if (b) b->used = b->used - std::min(b->used, old) + size;
  *grown = size;
  return reinterpret_cast<char*>(grown) + sizeof(std::max_align_t);
}

}  // namespace

struct NmapXmlParser::Impl {
  std::string source_name;
  ObservationSink sink;
  core::Diagnostics& diag;
  MemoryBudget budget;
  XML_Parser parser = nullptr;
  std::string stop_reason;  // set when a handler stops the parser

  core::UnixSeconds run_start = 0;
  // Current host
  bool in_host = false;
  core::UnixSeconds host_time = 0;
  std::optional<core::IpAddress> host_ip;
  std::string host_ip_text;
  std::vector<std::string> hostnames;
  // Current port
  bool in_port = false;
  core::Observation port_obs;
  bool port_open = false;
  bool in_cpe = false;
  std::string cpe_text;
  std::size_t ports = 0;
  std::size_t port_line = 0;

  Impl(std::string name, ObservationSink s, core::Diagnostics& d)
      : source_name(std::move(name)), sink(std::move(s)), diag(d) {}

  std::string where() const {
    return source_name + ":" + std::to_string(XML_GetCurrentLineNumber(parser));
  }

  void start(const XML_Char* name, const XML_Char** attrs) {
    std::string_view el(name);
    if (el == "nmaprun") {
      if (auto t = core::parse_int(attr_or_empty(attrs, "start"), 0, INT64_MAX)) run_start = *t;
    } else if (el == "host") {
      in_host = true;
      host_ip.reset();
      host_ip_text.clear();
      hostnames.clear();
      host_time = run_start;
      for (auto key : {"endtime", "starttime"}) {
        if (auto t = core::parse_int(attr_or_empty(attrs, key), 1, INT64_MAX)) {
          host_time = *t;
          break;
        }
      }
    } else if (in_host && el == "address") {
      std::string_view type = attr_or_empty(attrs, "addrtype");
      if (type == "ipv4" || type == "ipv6") {
        host_ip_text = clean_value(attr_or_empty(attrs, "addr"));
        host_ip = core::IpAddress::parse(host_ip_text);
      }
    } else if (in_host && el == "hostname") {
      if (hostnames.size() < kMaxListItems) {
        std::string_view n = attr_or_empty(attrs, "name");
        if (!n.empty()) hostnames.push_back(clean_value(n));
      }
    } else if (in_host && el == "port") {
      in_port = true;
      port_open = false;
      port_line = static_cast<std::size_t>(XML_GetCurrentLineNumber(parser));
      ++ports;
      port_obs = core::Observation{};
      port_obs.source = core::Source::kNmap;
      std::string_view proto = attr_or_empty(attrs, "protocol");
      auto portid = core::parse_int(attr_or_empty(attrs, "portid"), 0, 65535);
      auto transport = core::parse_transport(proto);
      if (!portid || !transport) {
        // sctp and ip-protocol scans have no place in a tcp/udp service model
        if (!transport && (proto == "sctp" || proto == "ip")) {
          in_port = false;
          return;
        }
        diag.report(where(), "bad port",
                    "port element with protocol '" + clean_value(proto) + "' and portid '" +
                        clean_value(attr_or_empty(attrs, "portid")) + "'");
        in_port = false;
        return;
      }
      port_obs.port = static_cast<std::uint16_t>(*portid);
      port_obs.transport = *transport;
    } else if (in_port && el == "state") {
      port_open = attr_or_empty(attrs, "state") == "open";
    } else if (in_port && el == "service") {
      port_obs.protocol = clean_value(attr_or_empty(attrs, "name"));
      port_obs.product = clean_value(attr_or_empty(attrs, "product"));
      port_obs.version = clean_value(attr_or_empty(attrs, "version"));
      port_obs.device_type = clean_value(attr_or_empty(attrs, "devicetype"));
      port_obs.report_type = clean_value(attr_or_empty(attrs, "method"));
      for (auto key : {"extrainfo", "ostype", "hostname", "tunnel", "conf", "servicefp"}) {
        add_field(port_obs, key, attr_or_empty(attrs, key));
      }
    } else if (in_port && el == "cpe") {
      in_cpe = true;
      cpe_text.clear();
    } else if (in_port && el == "script") {
      std::string id = "script." + clean_value(attr_or_empty(attrs, "id"));
      add_field(port_obs, id, attr_or_empty(attrs, "output"));
    }
  }

  void end(const XML_Char* name) {
    std::string_view el(name);
    if (el == "cpe" && in_cpe) {
      in_cpe = false;
      if (port_obs.cpes.size() < kMaxListItems && !cpe_text.empty()) {
        port_obs.cpes.push_back(clean_value(cpe_text));
      }
    } else if (el == "port" && in_port) {
      in_port = false;
      if (!port_open) return;
      std::string at = source_name + ":" + std::to_string(port_line);
      if (!host_ip) {
        diag.report(at, "bad address",
                    host_ip_text.empty() ? "open port on a host without an IP address"
                                         : "not an IP address: " + host_ip_text);
        return;
      }
      if (host_time <= 0) {
        diag.report(at, "bad timestamp", "no scan time on the host or the run");
        return;
      }
      port_obs.ip = *host_ip;
      port_obs.observed_at = host_time;
      port_obs.hostnames = hostnames;
      sink(std::move(port_obs));
    } else if (el == "host") {
      in_host = false;
    }
  }

  void text(const XML_Char* s, int len) {
    if (in_cpe && cpe_text.size() < kMaxCpeBytes) {
      cpe_text.append(
          s, std::min<std::size_t>(static_cast<std::size_t>(len), kMaxCpeBytes - cpe_text.size()));
    }
  }
};

NmapXmlParser::NmapXmlParser(std::string source_name, ObservationSink sink, core::Diagnostics& diag)
    : impl_(std::make_unique<Impl>(std::move(source_name), std::move(sink), diag)) {
  static const XML_Memory_Handling_Suite kMemory{budget_malloc, budget_realloc, budget_free};
  current_budget = &impl_->budget;
  impl_->parser = XML_ParserCreate_MM(nullptr, &kMemory, nullptr);
  current_budget = nullptr;
  XML_Parser p = impl_->parser;
  XML_SetUserData(p, impl_.get());
  XML_SetParamEntityParsing(p, XML_PARAM_ENTITY_PARSING_NEVER);
  XML_SetElementHandler(
      p,
      [](void* ud, const XML_Char* n, const XML_Char** a) { static_cast<Impl*>(ud)->start(n, a); },
      [](void* ud, const XML_Char* n) { static_cast<Impl*>(ud)->end(n); });
  XML_SetCharacterDataHandler(
      p, [](void* ud, const XML_Char* s, int len) { static_cast<Impl*>(ud)->text(s, len); });
  // nmap never declares entities; a file that does is an attack on the parser.
  XML_SetEntityDeclHandler(
      p, [](void* ud, const XML_Char*, int, const XML_Char*, int, const XML_Char*, const XML_Char*,
            const XML_Char*, const XML_Char*) {
        auto* impl = static_cast<Impl*>(ud);
        impl->stop_reason = "entity declarations are not allowed in nmap XML";
        XML_StopParser(impl->parser, XML_FALSE);
      });
}

NmapXmlParser::~NmapXmlParser() {
  if (impl_ && impl_->parser) {
    current_budget = &impl_->budget;
    XML_ParserFree(impl_->parser);
    current_budget = nullptr;
  }
}

std::size_t NmapXmlParser::ports_seen() const { return impl_->ports; }

core::Result<void> NmapXmlParser::feed(std::string_view bytes, bool is_final) {
  if (!impl_->parser) {
    return core::fail(core::ErrorCode::kInternal, "XML parser could not be created",
                      impl_->source_name);
  }
  current_budget = &impl_->budget;
  XML_Status status = XML_Parse(impl_->parser, bytes.data(), static_cast<int>(bytes.size()),
                                is_final ? XML_TRUE : XML_FALSE);
  current_budget = nullptr;
  if (status == XML_STATUS_OK) return core::ok();
  std::string line = std::to_string(XML_GetCurrentLineNumber(impl_->parser));
  std::string message;
  XML_Error code = XML_GetErrorCode(impl_->parser);
  if (!impl_->stop_reason.empty()) {
    message = impl_->stop_reason;
  } else if (code == XML_ERROR_NO_MEMORY) {
    message = "XML structure needs more than " + std::to_string(kMaxParserMemory >> 20) +
              " MiB (a huge attribute or deep nesting); refusing";
  } else {
    message = std::string("broken XML: ") + XML_ErrorString(code);
    if (is_final && (code == XML_ERROR_NO_ELEMENTS || code == XML_ERROR_UNCLOSED_TOKEN ||
                     code == XML_ERROR_PARTIAL_CHAR)) {
      message += " (the file ends early: was nmap interrupted?)";
    } else if (is_final && code == XML_ERROR_TAG_MISMATCH) {
      message += " (or the file ends early)";
    }
  }
  return core::fail(core::ErrorCode::kBadInput, message, impl_->source_name + ":" + line);
}

}  // namespace citywatch::scanner
