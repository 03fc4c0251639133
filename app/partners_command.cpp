// `citywatch partners add|list|show|remove|import-prefixes`: the telecom operators, hosting
// providers or the city's own IT that pass findings on to device owners (docs/notifications.md).
// Partners can also live in the configuration ([[partner]] tables); those are changed there.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <fstream>
#include <memory>

#include "app/command.h"
#include "app/notify_service.h"
#include "core/diagnostics.h"
#include "core/text.h"
#include "db/notify_store.h"
#include "notify/prefix_csv.h"
#include "notify/sender.h"

namespace citywatch::app {
namespace {

struct AddOptions {
  std::string name, organisation, contact, webhook, secret_file, secret_env, email, smtp_url,
      smtp_user, smtp_password_file, smtp_password_env, format = "csv", interval, ca_file,
                                                        prefix_csv;
  std::vector<std::string> prefixes, asns, opt_out_kinds;
  bool pull = false, paused = false, allow_insecure = false;
};

core::Result<std::string> read_file_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return core::fail(core::ErrorCode::kNotFound, "cannot read the prefix list", path);
  }
  std::string text;
  char buf[65536];
  while (in.read(buf, sizeof buf), in.gcount() > 0) {
    text.append(buf, static_cast<std::size_t>(in.gcount()));
    if (text.size() > (64u << 20)) {
      return core::fail(core::ErrorCode::kBadInput, "file larger than 64 MiB", path);
    }
  }
  return text;
}

core::Result<std::size_t> report_rejects(const core::Diagnostics& diag) {
  for (const auto& d : diag.samples()) {
    std::fprintf(stderr, "%s: %s%s%s\n", d.where.c_str(), d.reason.c_str(),
                 d.detail.empty() ? "" : ": ", d.detail.c_str());
  }
  return diag.count();
}

core::Result<int> run_add(const Context& c, const AddOptions& o) {
  core::Partner p;
  p.name = o.name;
  if (!core::is_valid_partner_name(p.name)) {
    return core::fail(core::ErrorCode::kUsage,
                      "a partner name is letters, digits, '-', '_' or '.' (at most 64): " + o.name);
  }
  p.source = "cli";
  p.organisation = o.organisation;
  p.contact = o.contact;
  for (const auto& text : o.prefixes) {
    auto prefix = core::Prefix::parse(text);
    if (!prefix) {
      return core::fail(core::ErrorCode::kUsage,
                        "--prefix " + text + " is not a CIDR prefix (e.g. 198.51.100.0/24)");
    }
    p.prefixes.push_back({*prefix, 0, {}});
  }
  for (const auto& text : o.asns) {
    auto asn = notify::parse_asn(text);
    if (!asn) return core::fail(core::ErrorCode::kUsage, "--asn " + text + " is not an AS number");
    p.asns.push_back(*asn);
  }
  int channels = (!o.webhook.empty()) + (!o.email.empty()) + (o.pull ? 1 : 0);
  if (channels > 1) {
    return core::fail(core::ErrorCode::kUsage, "choose one of --webhook, --email or --pull");
  }
  p.channel = !o.webhook.empty() ? core::DeliveryChannel::kWebhook
              : !o.email.empty() ? core::DeliveryChannel::kEmail
                                 : core::DeliveryChannel::kPull;
  p.webhook_url = o.webhook;
  p.hmac_secret = {o.secret_file, o.secret_env};
  p.email_to = o.email;
  p.smtp_url = o.smtp_url;
  p.smtp_user = o.smtp_user;
  p.smtp_password = {o.smtp_password_file, o.smtp_password_env};
  p.ca_file = o.ca_file;
  p.allow_insecure = o.allow_insecure;
  p.paused = o.paused;
  auto format = core::parse_batch_format(o.format);
  if (!format) return core::fail(core::ErrorCode::kUsage, "--format takes csv, json or xarf");
  p.format = *format;
  p.interval = c.config.notify.interval;
  if (!o.interval.empty()) {
    auto d = core::parse_duration(o.interval);
    if (!d || *d < 60) {
      return core::fail(core::ErrorCode::kUsage, "--interval takes a duration like 7d or 12h");
    }
    p.interval = *d;
  }
  for (const auto& k : o.opt_out_kinds) {
    for (const auto& part : core::split_trimmed(k, ',')) {
      auto kind = core::parse_finding_kind(part);
      if (!kind) return core::fail(core::ErrorCode::kUsage, "unknown finding kind " + part);
      p.opt_out_kinds.push_back(*kind);
    }
  }
  if (p.channel == core::DeliveryChannel::kWebhook) {
    CITYWATCH_TRY(notify::check_webhook_url(p));
    if (p.hmac_secret.empty()) {
      return core::fail(core::ErrorCode::kUsage,
                        "a webhook partner needs --secret-file or --secret-env (the HMAC key; "
                        "never on the command line)");
    }
  }
  if (p.channel == core::DeliveryChannel::kEmail && p.smtp_url.empty()) {
    return core::fail(core::ErrorCode::kUsage, "an email partner needs --smtp URL");
  }
  std::size_t rejected = 0;
  if (!o.prefix_csv.empty()) {
    auto text = read_file_text(o.prefix_csv);
    if (!text) return core::fail(text.error());
    core::Diagnostics diag;
    auto more = notify::parse_prefix_csv(*text, o.prefix_csv, diag);
    auto n = report_rejects(diag);
    if (!n) return core::fail(n.error());
    rejected = *n;
    p.prefixes.insert(p.prefixes.end(), more.begin(), more.end());
  }
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  core::SystemClock clock;
  CITYWATCH_TRY(sync_partners(*store, c.config, clock.now()));
  auto tx = db::Transaction::begin(store->connection());
  if (!tx) return core::fail(tx.error());
  db::NotifyStore ns(store->connection());
  auto id = ns.upsert_partner(p, clock.now());
  if (!id) return core::fail(id.error());
  CITYWATCH_TRY(tx->commit());
  std::printf("partner %s: %s, %s, %zu prefixes, %zu AS numbers, interval %s\n", p.name.c_str(),
              std::string(core::to_string(p.channel)).c_str(),
              std::string(core::to_string(p.format)).c_str(), p.prefixes.size(), p.asns.size(),
              core::format_duration(p.interval).c_str());
  return rejected ? 65 : 0;
}

std::string destination(const core::Partner& p) {
  switch (p.channel) {
    case core::DeliveryChannel::kWebhook:
      return p.webhook_url;
    case core::DeliveryChannel::kEmail:
      return p.email_to + " via " + p.smtp_url;
    case core::DeliveryChannel::kPull:
      return "pulls over the API";
  }
  return "";
}

std::string kinds_text(const std::vector<core::FindingKind>& kinds) {
  std::string out;
  for (auto k : kinds) out += (out.empty() ? "" : ",") + std::string(core::to_string(k));
  return out;
}

core::Result<std::vector<core::Partner>> load_partners(const Context& c) {
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  core::SystemClock clock;
  CITYWATCH_TRY(sync_partners(*store, c.config, clock.now()));
  db::NotifyStore ns(store->connection());
  return ns.partners();
}

core::Result<int> run_list(const Context& c) {
  auto partners = load_partners(c);
  if (!partners) return core::fail(partners.error());
  RowWriter out(c.format, {"name", "organisation", "channel", "format", "prefixes", "asns",
                           "interval", "opt_out", "paused", "source", "destination"});
  for (const auto& p : *partners) {
    std::string asns;
    for (auto a : p.asns) asns += (asns.empty() ? "" : " ") + std::to_string(a);
    out.row({Cell(p.name), Cell(p.organisation), Cell(std::string(core::to_string(p.channel))),
             Cell(std::string(core::to_string(p.format))),
             Cell(static_cast<std::int64_t>(p.prefixes.size())), Cell(asns),
             Cell(core::format_duration(p.interval)), Cell(kinds_text(p.opt_out_kinds)),
             Cell(std::string(p.paused ? "yes" : "no")), Cell(p.source), Cell(destination(p))});
  }
  out.finish();
  return 0;
}

core::Result<int> run_show(const Context& c, const std::string& name) {
  auto partners = load_partners(c);
  if (!partners) return core::fail(partners.error());
  for (const auto& p : *partners) {
    if (p.name != name) continue;
    std::printf("partner %s (%s)\n  contact: %s\n  delivery: %s, %s\n  destination: %s\n",
                p.name.c_str(), p.organisation.c_str(), p.contact.c_str(),
                std::string(core::to_string(p.channel)).c_str(),
                std::string(core::to_string(p.format)).c_str(), destination(p).c_str());
    if (!p.hmac_secret.empty()) {
      std::printf("  HMAC secret from: %s\n", p.hmac_secret.file.empty()
                                                  ? ("$" + p.hmac_secret.env).c_str()
                                                  : p.hmac_secret.file.c_str());
    }
    std::printf("  interval: %s; opted out of: %s%s; defined in: %s\n",
                core::format_duration(p.interval).c_str(),
                p.opt_out_kinds.empty() ? "nothing" : kinds_text(p.opt_out_kinds).c_str(),
                p.paused ? " (paused: nothing is sent)" : "", p.source.c_str());
    std::printf("  AS numbers:");
    for (auto a : p.asns) std::printf(" AS%u", static_cast<unsigned>(a));
    std::printf("%s\n  prefixes (%zu):\n", p.asns.empty() ? " none" : "", p.prefixes.size());
    for (const auto& pp : p.prefixes) {
      std::printf("    %s%s%s\n", pp.prefix.to_string().c_str(),
                  pp.asn ? (" AS" + std::to_string(pp.asn)).c_str() : "",
                  pp.organisation.empty() ? "" : ("  " + pp.organisation).c_str());
    }
    return 0;
  }
  return core::fail(core::ErrorCode::kNotFound,
                    "no partner " + name + "; see `citywatch partners list`");
}

core::Result<int> run_remove(const Context& c, const std::string& name) {
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  core::SystemClock clock;
  CITYWATCH_TRY(sync_partners(*store, c.config, clock.now()));
  db::NotifyStore ns(store->connection());
  for (const auto& cp : c.config.notify.partners) {
    if (cp.partner.name == name) {
      return core::fail(core::ErrorCode::kConfig,
                        "partner " + name + " is defined in the configuration; remove it there");
    }
  }
  auto tx = db::Transaction::begin(store->connection());
  if (!tx) return core::fail(tx.error());
  auto removed = ns.remove_partner(name, clock.now());
  if (!removed) return core::fail(removed.error());
  if (!*removed) {
    return core::fail(core::ErrorCode::kNotFound,
                      "no partner " + name + "; see `citywatch partners list`");
  }
  CITYWATCH_TRY(tx->commit());
  std::printf("partner %s removed from routing; its batches stay on record\n", name.c_str());
  return 0;
}

core::Result<int> run_import(const Context& c, const std::string& name, const std::string& file) {
  for (const auto& cp : c.config.notify.partners) {
    if (cp.partner.name == name) {
      return core::fail(core::ErrorCode::kConfig,
                        "partner " + name +
                            " is defined in the configuration; list the file there as prefix_csv");
    }
  }
  auto text = read_file_text(file);
  if (!text) return core::fail(text.error());
  core::Diagnostics diag;
  auto prefixes = notify::parse_prefix_csv(*text, file, diag);
  auto rejected = report_rejects(diag);
  if (!rejected) return core::fail(rejected.error());
  auto store = db::Store::open(c.config.database_path, false);
  if (!store) return core::fail(store.error());
  core::SystemClock clock;
  auto tx = db::Transaction::begin(store->connection());
  if (!tx) return core::fail(tx.error());
  db::NotifyStore ns(store->connection());
  auto n = ns.add_prefixes(name, prefixes, clock.now());
  if (!n) return core::fail(n.error());
  CITYWATCH_TRY(tx->commit());
  std::printf("%s: %zu prefixes imported for %s, %zu lines rejected\n", file.c_str(), *n,
              name.c_str(), *rejected);
  return *rejected ? 65 : 0;
}

}  // namespace

void register_partners_command(Commands& commands) {
  auto add = std::make_shared<AddOptions>();
  auto name = std::make_shared<std::string>();
  auto file = std::make_shared<std::string>();
  auto subs = std::make_shared<std::vector<CLI::App*>>();
  CLI::App* cmd = commands.add(
      "partners",
      "telecom operators and others who pass findings on to device owners; subcommands: add, "
      "list, show, remove, import-prefixes",
      "citywatch partners add kpn --prefix 198.51.100.0/24 --asn 64496 --webhook "
      "https://abuse.example.net/citywatch --secret-file /etc/citywatch/kpn.key --format csv",
      [add, name, file, subs](const Context& c) -> core::Result<int> {
        if ((*subs)[0]->parsed()) return run_add(c, *add);
        if ((*subs)[2]->parsed()) return run_show(c, *name);
        if ((*subs)[3]->parsed()) return run_remove(c, *name);
        if ((*subs)[4]->parsed()) return run_import(c, *name, *file);
        return run_list(c);
      });
  CLI::App* a = cmd->add_subcommand("add", "add a partner, or replace one added earlier");
  add_example(a,
              "citywatch partners add ziggo --asn 64497 --email abuse@ziggo.example --smtp "
              "smtp://relay.city.example:587 --smtp-user citywatch --smtp-password-file "
              "/etc/citywatch/smtp.pw --interval 7d --opt-out-kind exposed-service");
  a->add_option("name", add->name, "short unique name (letters, digits, - _ .)")->required();
  a->add_option("--organisation", add->organisation, "the operator's name");
  a->add_option("--contact", add->contact, "the abuse desk's contact, for people");
  a->add_option("--prefix", add->prefixes, "a prefix it serves (repeatable)");
  a->add_option("--prefix-csv", add->prefix_csv, "CSV of prefix,asn,organisation to add");
  a->add_option("--asn", add->asns, "an AS number it serves (fallback when no prefix matches)");
  a->add_option("--webhook", add->webhook, "deliver by HTTPS POST to this URL");
  a->add_option("--secret-file", add->secret_file, "file holding the webhook's HMAC key");
  a->add_option("--secret-env", add->secret_env, "environment variable holding the HMAC key");
  a->add_option("--ca-file", add->ca_file, "CA bundle for the partner's server certificate");
  a->add_flag("--allow-insecure", add->allow_insecure,
              "allow http:// webhooks and SMTP without STARTTLS (test receivers only)");
  a->add_option("--email", add->email, "deliver by mail to this address (CSV attached)");
  a->add_option("--smtp", add->smtp_url, "SMTP relay: smtp://host:587 (STARTTLS) or smtps://");
  a->add_option("--smtp-user", add->smtp_user, "SMTP login");
  a->add_option("--smtp-password-file", add->smtp_password_file, "file holding the SMTP password");
  a->add_option("--smtp-password-env", add->smtp_password_env, "variable holding it");
  a->add_flag("--pull", add->pull, "the partner fetches its batches over the API (default)");
  a->add_option("--format", add->format, "csv, json or xarf (default csv)");
  a->add_option("--interval", add->interval,
                "a finding sent is not sent again within this (default [notify] interval, 7d)");
  a->add_option("--opt-out-kind", add->opt_out_kinds, "finding kinds the partner does not want");
  a->add_flag("--paused", add->paused, "send nothing for now");

  CLI::App* list = cmd->add_subcommand("list", "the partners");
  add_example(list, "citywatch partners list --format json");
  CLI::App* show = cmd->add_subcommand("show", "one partner with its prefixes");
  add_example(show, "citywatch partners show kpn");
  show->add_option("name", *name, "partner name")->required();
  CLI::App* rm = cmd->add_subcommand("remove", "take a partner out of routing");
  add_example(rm, "citywatch partners remove kpn");
  rm->add_option("name", *name, "partner name")->required();
  CLI::App* imp = cmd->add_subcommand(
      "import-prefixes", "add prefixes from a CSV (prefix,asn,organisation; header optional)");
  add_example(imp, "citywatch partners import-prefixes kpn kpn-prefixes.csv");
  imp->add_option("name", *name, "partner name")->required();
  imp->add_option("file", *file, "CSV file")->required();
  *subs = {a, list, show, rm, imp};
}

}  // namespace citywatch::app
