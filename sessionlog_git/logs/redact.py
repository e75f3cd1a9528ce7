"""Secrets never reach a commit: find them in a temp log and replace them with a marker.

Two detectors, because neither alone catches everything: our own rules (precise spans for
the token shapes of the big providers, private key blocks, passwords in URLs and in
assignments) and detect-secrets (Yelp's maintained detector set) for what our rules miss.
detect-secrets' high-entropy plugins are left out: session logs are full of commit SHAs and
UUIDs, and those plugins flag them. The marker keeps the kind, never a part of the secret.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import Any

MARKER = "[REDACTED:{kind}]"
_MARKER_RE = re.compile(r"\[REDACTED:[a-z0-9-]+\]")

# (kind, pattern). Where a pattern has a group named "s", only that group is replaced.
# A private key block spans lines; it is replaced last, so the line numbers reported for
# every other finding are the lines of the file as written. An unterminated block ends at
# the next blank line.
PRIVATE_KEY = re.compile(
    r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----(?:.|\n)*?"
    r"(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|(?=\n\s*\n)|\Z)"
)
RULES: tuple[tuple[str, str], ...] = (
    ("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})"),
    ("gitlab-token", r"\bgl(?:pat|dt|rt|ptt|ft|soat|cbt|imt|agent)-[A-Za-z0-9_\-]{20,}"),
    ("aws-access-key-id", r"\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b"),
    ("aws-secret-key", r"(?i)aws_?secret_?(?:access_?)?key[\"']?\s*[:=]\s*[\"']?(?P<s>[A-Za-z0-9/+=]{40})"),
    ("gcp-api-key", r"\bAIza[0-9A-Za-z_\-]{35}"),
    ("google-oauth", r"\b(?:GOCSPX-[A-Za-z0-9_\-]{28}|ya29\.[0-9A-Za-z_\-]{20,})"),
    ("gcp-private-key-id", r"\"private_key_id\"\s*:\s*\"(?P<s>[0-9a-f]{40})\""),
    ("azure-storage-key", r"(?i)AccountKey=(?P<s>[A-Za-z0-9+/=]{40,})"),
    ("azure-sas-signature", r"(?i)[?&]sig=(?P<s>[A-Za-z0-9%+/=]{20,})"),
    ("azure-client-secret", r"\b[A-Za-z0-9_~.\-]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}\b"),
    ("slack-token", r"\bxox[abposre]-[A-Za-z0-9\-]{10,}"),
    ("slack-webhook", r"https://hooks\.slack\.com/(?:services|workflows)/(?P<s>[A-Za-z0-9/_\-]{20,})"),
    ("stripe-key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|\bwhsec_[A-Za-z0-9]{24,}"),
    ("anthropic-key", r"\bsk-ant-[A-Za-z0-9]+-[A-Za-z0-9_\-]{20,}"),
    ("openai-key", r"\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}"),
    ("jwt", r"\beyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}"),
    ("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    ("pypi-token", r"\bpypi-AgE[A-Za-z0-9_\-]{50,}"),
    ("huggingface-token", r"\bhf_[A-Za-z0-9]{30,}"),
    ("sendgrid-key", r"\bSG\.[A-Za-z0-9_\-]{20,24}\.[A-Za-z0-9_\-]{40,45}"),
    ("twilio-key", r"\bSK[0-9a-f]{32}\b"),
    ("mailgun-key", r"\bkey-[0-9a-z]{32}\b"),
    ("mailchimp-key", r"\b[0-9a-f]{32}-us[0-9]{1,2}\b"),
    ("shopify-token", r"\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b"),
    ("digitalocean-token", r"\bdo[opr]_v1_[a-f0-9]{64}\b"),
    ("databricks-token", r"\bdapi[a-f0-9]{32}\b"),
    ("telegram-token", r"\b\d{8,10}:AA[A-Za-z0-9_\-]{33}\b"),
    ("discord-token", r"\b[MN][A-Za-z\d]{23,25}\.[\w\-]{6}\.[\w\-]{27,38}\b"),
    ("bearer-token", r"(?i)\b(?:bearer|token)\s+(?P<s>[A-Za-z0-9_\-.=~+/]{20,})"),
    ("basic-auth", r"(?i)\bbasic\s+(?P<s>[A-Za-z0-9+/]{12,}={0,2})"),
    ("url-password", r"\b[a-z][a-z0-9+.\-]*://[^/\s:@]+:(?P<s>[^/\s@]+)@"),
    # password = "..." / API_KEY: ...; the value must look like a secret (see _secretish).
    ("password", r"(?i)\b(?:[a-z0-9_]*_)?(?:password|passwd|pwd|passphrase|secret|secret_key|"
                 r"api_?key|access_?key|auth_?token|access_?token|client_?secret|private_?key)"
                 r"[\"']?\s*(?:[:=]|=>)\s*(?P<q>[\"']?)(?P<s>[^\s\"',;]{4,})(?P=q)"),
)
_COMPILED = tuple((kind, re.compile(pattern)) for kind, pattern in RULES)

# detect-secrets plugins that suit prose logs (the high-entropy ones flag every commit SHA).
DETECT_SECRETS_PLUGINS = (
    "ArtifactoryDetector", "AWSKeyDetector", "AzureStorageKeyDetector", "BasicAuthDetector",
    "CloudantDetector", "DiscordBotTokenDetector", "GitHubTokenDetector", "GitLabTokenDetector",
    "IbmCloudIamDetector", "IbmCosHmacDetector", "JwtTokenDetector", "KeywordDetector",
    "MailchimpDetector", "NpmDetector", "OpenAIDetector", "PypiTokenDetector",
    "SendGridDetector", "SlackDetector", "SoftlayerDetector", "SquareOAuthDetector",
    "StripeDetector", "TelegramBotTokenDetector", "TwilioKeyDetector",
)
_TOKEN_CHARS = re.compile(r"[A-Za-z0-9_\-./+=~:]")
# Lines detect-secrets could flag: a long token mixing letters and digits, or a word its keyword
# and header detectors look for. Other lines are prose; skipping them (and, when a log has no
# such line, the import of detect-secrets itself) makes redaction cheap.
_SUSPECT = re.compile(
    r"(?i)(?=[A-Za-z0-9+/=_\-.~]*\d)(?=[A-Za-z0-9+/=_\-.~]*[a-z])[A-Za-z0-9+/=_\-.~]{16,}"
    r"|pass|pwd|secret|token|key|auth|cred|bearer|basic|private|contrase|://[^/\s@]+:[^/\s@]+@"
)


@dataclass(frozen=True)
class Finding:
    line: int  # 1-based line of the text where the secret starts
    kind: str


@dataclass
class Redacted:
    text: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.findings)

    def kinds(self) -> list[str]:
        return sorted({f.kind for f in self.findings})


def _secretish(value: str, quoted: bool) -> bool:
    """An assignment's value that looks like a secret, not prose ("token: refreshed")."""
    if _MARKER_RE.fullmatch(value) or value.startswith(("$", "{", "<", "%", "*")):
        return False  # already redacted, a variable, a template or a mask
    if quoted:
        return len(value) >= 6
    if len(value) < 8:
        return False
    has_digit = any(c.isdigit() for c in value)
    has_upper = any(c.isupper() for c in value) and any(c.islower() for c in value)
    has_symbol = any(not c.isalnum() and c not in "-_." for c in value)
    return has_digit or has_upper or has_symbol


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _apply_rules(text: str, findings: list[Finding]) -> str:
    for kind, pattern in _COMPILED:
        def replace(match: re.Match[str], kind: str = kind, source: str = text) -> str:
            whole = match.group(0)
            if "s" in match.re.groupindex and match.group("s") is not None:
                value = match.group("s")
                if kind == "password" and not _secretish(value, bool(match.group("q"))):
                    return whole
                if _MARKER_RE.fullmatch(value):
                    return whole
                start, end = match.span("s")
                base = match.start()
                findings.append(Finding(_line_of(source, start), kind))
                return whole[: start - base] + MARKER.format(kind=kind) + whole[end - base :]
            if _MARKER_RE.search(whole):
                return whole
            findings.append(Finding(_line_of(source, match.start()), kind))
            return MARKER.format(kind=kind)
        text = pattern.sub(replace, text)
    return text


def _apply_private_keys(text: str, findings: list[Finding]) -> str:
    def replace(match: re.Match[str]) -> str:
        findings.append(Finding(_line_of(text, match.start()), "private-key"))
        return MARKER.format(kind="private-key")

    return PRIVATE_KEY.sub(replace, text)


@cache
def _detect_secrets() -> Any:
    """detect-secrets' line scanner with our plugin set, or None when it is not installed."""
    try:
        from detect_secrets.core.scan import scan_line
        from detect_secrets.settings import get_settings
    except ImportError:
        return None
    get_settings().configure_plugins([{"name": name} for name in DETECT_SECRETS_PLUGINS])
    return scan_line


def _kind_of(plugin_type: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", plugin_type.lower()).strip("-") or "secret"


def _apply_detect_secrets(text: str, findings: list[Finding]) -> str:
    lines = text.split("\n")
    suspects = [i for i, line in enumerate(lines) if _SUSPECT.search(line)]
    if not suspects:
        return text
    scan_line = _detect_secrets()
    if scan_line is None:
        return text
    for index in suspects:
        number, line = index + 1, lines[index]
        for secret in list(scan_line(line)):
            value = secret.secret_value or ""
            if len(value) < 4 or value not in line:
                continue
            start = line.index(value)
            end = start + len(value)
            # Some plugins report only a prefix (e.g. "ghp"): take the whole token.
            while start > 0 and _TOKEN_CHARS.match(line[start - 1]) and line[start - 1] not in ":=":
                start -= 1
            while end < len(line) and _TOKEN_CHARS.match(line[end]):
                end += 1
            token = line[start:end]
            if _MARKER_RE.search(token):
                continue
            if secret.type == "Secret Keyword" and not _secretish(token, quoted=False):
                continue
            kind = _kind_of(secret.type)
            line = line[:start] + MARKER.format(kind=kind) + line[end:]
            findings.append(Finding(number, kind))
        lines[number - 1] = line
    return "\n".join(lines)


def redact(text: str) -> Redacted:
    """The text with every secret we find replaced by `[REDACTED:<kind>]`."""
    findings: list[Finding] = []
    out = _apply_rules(text, findings)
    out = _apply_detect_secrets(out, findings)
    out = _apply_private_keys(out, findings)
    findings.sort(key=lambda f: (f.line, f.kind))
    return Redacted(out, findings)
