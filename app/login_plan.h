// app/login_plan.h: which default credentials an authorised scan tries on a service: the
// entries of data/credentials/default-credentials.csv for the vendor the service's fingerprint
// names (that protocol's entries and "any"), duplicates removed, in file order; for SNMP the
// well-known communities ("public" first) and for FTP on an unidentified server the generic FTP
// defaults, since those protocols rarely say who made them before a login. Each credential's
// label names its list entry (vendor, product, user) and never the password. For HTTP, when the
// fingerprint matches an entry of data/credentials/http-login-forms.jsonl, every credential
// carries that form (the check posts the form instead of Basic authentication) and its label
// names the form entry too. Pure; thread-safe.
#pragma once

#include <string_view>
#include <vector>

#include "core/fingerprint.h"
#include "risk/credential_list.h"
#include "scanner/http_login_forms.h"
#include "scanner/probe_dialogs.h"

namespace citywatch::app {

std::vector<scanner::LoginCredential> credentials_for(
    const risk::CredentialList& list, const core::Fingerprint& fingerprint,
    std::string_view protocol, std::size_t max, const scanner::HttpLoginForms* forms = nullptr);

}  // namespace citywatch::app
