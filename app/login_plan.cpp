#include "app/login_plan.h"

#include <algorithm>
#include <set>
#include <utility>

namespace citywatch::app {

std::vector<scanner::LoginCredential> credentials_for(const risk::CredentialList& list,
                                                      const core::Fingerprint& fingerprint,
                                                      std::string_view protocol, std::size_t max,
                                                      const scanner::HttpLoginForms* forms) {
  std::vector<const risk::Credential*> entries;
  if (!fingerprint.vendor.empty()) entries = list.for_vendor(fingerprint.vendor, protocol);
  if (entries.empty() && protocol == "snmp") {
    entries = list.for_vendor("publicprivate", "snmp");
    // "public" is by far the most common read community: try it first.
    std::stable_sort(entries.begin(), entries.end(), [](const auto* a, const auto* b) {
      return (a->password == "public") > (b->password == "public");
    });
  }
  if (entries.empty() && protocol == "ftp") entries = list.for_vendor("ftp", "ftp");
  std::shared_ptr<const scanner::HttpLoginForm> form;
  if (forms && protocol == "http") {
    form = forms->match(fingerprint.vendor, fingerprint.model, fingerprint.rule_id);
  }
  std::vector<scanner::LoginCredential> out;
  std::set<std::pair<std::string, std::string>> seen;
  for (const auto* c : entries) {
    if (out.size() >= max) break;
    if (!seen.insert({c->username, c->password}).second) continue;
    scanner::LoginCredential cred;
    cred.username = c->username;
    cred.password = c->password;
    cred.label =
        c->vendor + " / " + c->product + " / " +
        (protocol == "snmp" ? std::string("community entry") : "user \"" + c->username + "\"") +
        " (default-credentials.csv)";
    if (form) {
      cred.form = form;
      cred.label += " via login form " + form->id + " (" + form->where + ")";
    }
    out.push_back(std::move(cred));
  }
  return out;
}

}  // namespace citywatch::app
