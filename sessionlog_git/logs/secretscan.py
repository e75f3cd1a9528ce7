"""Find secrets in a temp log: exact spans, in linear time, without touching what is not one.

The rules run on google-re2 (a linear-time matcher: no backtracking, so no input makes a rule
slow); every pattern is written in the subset both re2 and Python's `re` accept, and when re2
cannot be imported the same patterns run on `re` over lines cut to MAX_LINE characters.

Three views of the text are scanned, and every hit is mapped back to the exact characters of
the text as written:
- the text itself;
- lines holding percent-escapes, decoded (`%20ghp_...` becomes ` ghp_...`), so a secret in a
  query string is found; its span covers the escaped characters;
- the junction of two lines, so a secret a terminal or an editor wrapped is found: both
  halves are redacted.

A private key block (PEM, PGP, OpenSSH, encrypted PEM with Proc-Type/DEK-Info headers) is
redacted from its BEGIN line to its matching END line, and only when everything between is
key material (base64 lines, armor headers, blank lines). A BEGIN with no matching END loses
its header token and the base64 lines right after it, nothing else: prose that names a key
header keeps every other word.

A generic assignment (`FOO_TOKEN=`, `db_password:`, `--password X`) is redacted only when the
value looks random (length, mixed character classes, entropy) and is not a variable, a
template, a call, a path or a placeholder.
"""
from __future__ import annotations

import math
import re
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from functools import cache, lru_cache
from itertools import chain, pairwise
from typing import Any

from sessionlog_git.base.text import lazy_pattern, sha256_hex
from sessionlog_git.base.warmup import Warmup

MAX_LINE = 4096  # with the `re` fallback only: longer lines are scanned in pieces of this size
WRAP_WINDOW = 200  # characters on each side of a line break that the wrapped view joins
CONTEXT = 256  # characters of its line on each side of a match that a rule's check may read
MARKER_RE = re.compile(r"\[REDACTED:[a-z0-9-]+\]")


class Hit:
    """A secret's span in the text as written, and its kind; equal and hashed by all three.
    (A plain class: a dataclass costs its generated methods' compile at every commit's start.)"""

    __slots__ = ("end", "kind", "start")

    def __init__(self, start: int, end: int, kind: str) -> None:
        self.start = start  # offsets into the text as written
        self.end = end
        self.kind = kind

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hit):
            return NotImplemented
        return (self.start, self.end, self.kind) == (other.start, other.end, other.kind)

    def __hash__(self) -> int:
        return hash((self.start, self.end, self.kind))

    def __repr__(self) -> str:
        return f"Hit(start={self.start!r}, end={self.end!r}, kind={self.kind!r})"

    def digest(self, text: str) -> str:
        return digest(text[self.start : self.end])


def digest(value: str) -> str:
    """How a secret is named in the private store: never the secret, only its hash."""
    return sha256_hex(value.encode("utf-8", "surrogatepass"))


# --------------------------------------------------------------------------- value checks
# The checks' and the views' `re` patterns are compiled on first use
# (`base.text.lazy_pattern`): a commit's prose reaches few of them. (Every scan reads
# MARKER_RE and _RUN_GROUP.)

_SYMBOLS = set("!@#$%^&*+=?~|\\/:;<>()[]{},'\"`")


_placeholders = lazy_pattern(
    r"(?i)^(?:x+|\*+|\.+|-+|_+|none|null|nil|true|false|yes|no|test|example|sample|dummy|fake|"
    r"changeme|change-me|password|passwd|pass|secret|token|redacted|hidden|masked|todo|tbd|"
    r"undefined|empty|default|required|optional|string|str|bytes|value|your[-_].*|my[-_].*|"
    r".*[-_]here|<.*>|\[.*\]|\{.*\}|\$.*|%\(.*|.*\.\.\.|.*example.*|.*placeholder.*)$"
)


_call = lazy_pattern(r"^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*[(\[]")


_dotted = lazy_pattern(r"^[A-Za-z_][\w]*(?:\.[A-Za-z_][\w-]*)+$")

_path = lazy_pattern(r"^(?:~|\.{1,2})?/[a-z0-9_.\-/]*$")

_uuid = lazy_pattern(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")

_hex = lazy_pattern(r"^[0-9a-fA-F]+$")


def entropy(value: str) -> float:
    if not value:
        return 0.0
    n = len(value)
    return -sum(k / n * math.log2(k / n) for k in Counter(value).values())


# Spelled out: the `string` module's import is a commit's cost for three constants.
_LOWER, _UPPER = set("abcdefghijklmnopqrstuvwxyz"), set("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_DIGIT = set("0123456789")


def _classes(value: str) -> tuple[bool, bool, bool, bool]:
    chars = set(value)
    return (not _LOWER.isdisjoint(chars), not _UPPER.isdisjoint(chars),
            not _DIGIT.isdisjoint(chars), not _SYMBOLS.isdisjoint(chars))


def _strip_quotes(value: str) -> tuple[str, bool]:
    value = value.rstrip(".,;:)")
    if len(value) >= 2 and value[0] in "\"'`" and value[-1] == value[0]:
        return value[1:-1], True
    if value[:1] in "\"'`":
        return value[1:].rstrip("\"'`"), True
    return value.rstrip("\"'`"), False


@lru_cache(maxsize=4096)
def not_a_value(value: str) -> bool:
    """A variable, template, call, path, placeholder or marker: never a literal secret."""
    if not value or "REDACTED" in value or _placeholders().match(value):
        return True
    if value[0] in "$<{%*([" or "${" in value or "{{" in value or "$(" in value:
        return True
    if _call().match(value) or _dotted().match(value) or _path().match(value):
        return True
    return identifier(value)


def identifier(value: str) -> bool:
    """CamelCase or snake_case words without digits (PasswordResetConfirmView): a name."""
    if not value.replace("_", "").isalpha():
        return False
    words = [w for w in re.split(r"_|(?<=[a-z])(?=[A-Z])", value) if w]
    return bool(words) and sum(len(w) for w in words) / len(words) >= 4


@lru_cache(maxsize=4096)
def random_looking(value: str, *, quoted: bool = False) -> bool:
    """A value whose characters say "generated": length, mixed classes and entropy."""
    lower, upper, digit, symbol = _classes(value)
    kinds = lower + upper + digit + symbol
    n = len(value)
    # Told before `not_a_value` (its patterns compile on first use): a value shorter than any
    # answer below allows (a UUID's is 36), or of one class of characters and no UUID, is no
    # secret whatever else it is (a word of prose after "password" is the usual one).
    if n < (6 if quoted else 8) or (kinds < 2 and not _uuid().match(value.lower())):
        return False
    if not_a_value(value):
        return False
    if n >= 32 and _hex().match(value) and digit and (lower or upper):
        return True
    if _uuid().match(value.lower()):
        return True
    if n < (6 if quoted else 8):
        return False
    if kinds >= 3:
        return True
    if digit and (lower or upper) and (n >= 16 or quoted) and entropy(value) >= 3.0:
        return True
    return n >= 20 and kinds >= 2 and entropy(value) >= 3.7


def password_like(value: str) -> bool:
    """A value given to a password flag: not a word, a flag, a variable or a placeholder."""
    value, _ = _strip_quotes(value)
    if len(value) < 4 or value.startswith("-") or not_a_value(value):
        return False
    lower, upper, digit, symbol = _classes(value)
    return digit or symbol or (lower and upper and len(value) >= 8)


def _decodes_to_credentials(value: str) -> bool:
    import base64  # here: only a candidate that looks encoded needs it

    try:
        raw = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except ValueError:  # binascii.Error is one
        return False
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return ":" in text and text.isprintable() and len(text) >= 3


def _decodes_to_private_key(value: str) -> bool:
    import base64

    cut = len(value) - len(value) % 4
    try:
        raw = base64.b64decode(value[:cut][:200], validate=False)
    except ValueError:  # binascii.Error is one
        return False
    return b"PRIVATE KEY" in raw


# Words before `_key` that name something other than a secret (cache_key, primary_key, ...).
_not_secret_keys = lazy_pattern(
    r"(?i)(?:^|[_\-.])(?:cache|primary|foreign|sort|partition|object|idempotency|public|pub|group|"
    r"routing|dedup|lookup|row|shard|index|hash|cursor|map|s3|translation|i18n|unique|composite|"
    r"natural|surrogate|kms|hot|short|sign_in|dict|json|yaml|config|registry|field|column|"
    r"table|bucket|ssh_public|host)[_\-.]?key$"
)

_bare = lazy_pattern(r"(?i)^(?:key|pass|auth|pat|cred|creds|credential|credentials)$")


def _assignment(match: Match, line: str) -> bool:
    name = match.group("name")
    value, quoted = _strip_quotes(match.group("s"))
    if _bare().match(name):  # `key=…`, `auth=…`: only a value that could be nothing but random
        return len(value) >= 20 and _strong_token(value)
    if _not_secret_keys().search(name):
        return False
    if quoted and value.endswith(("()", "(")):
        return False
    if not quoted and any(c in value for c in "()[]{}<>$`"):
        return False
    return random_looking(value, quoted=quoted)


def _env_name_value(match: Match, line: str) -> bool:
    value = match.group("s")
    if not_a_value(value) or len(value) < 20:
        return False
    lower, upper, digit, symbol = _classes(value)
    return digit and (lower or upper or symbol) and entropy(value) >= 3.5


# What may stand between such a word and its value: "token abc…", "key: abc…", "key is abc…".
_glue = lazy_pattern(
    r"""(?i)^[ \t:=>"'`(\-]*(?:(?:is|was|now|set|to|changed|=|:)[ \t:="'`]*){0,3}$"""
    r"""|^[ \t]+(?:for|of|on)[ \t]+(?:[\w.\-]{1,20}[ \t]+){0,2}[\w.\-]{1,20}[ \t]*[:=][ \t]*["'`]?$"""
)


def _strong_token(value: str) -> bool:
    if not_a_value(value) or _uuid().match(value.lower()):
        return False
    lower, upper, digit, _ = _classes(value)
    if _hex().match(value):
        return len(value) >= 32 and digit and lower
    return digit and lower and upper and entropy(value) >= 3.5


def _prose_password(match: Match, line: str) -> bool:
    """"the password is X", "with password X", "passphrase for the key: X"."""
    if not _glue().match(match.group("glue") or ""):
        return False
    value, _ = _strip_quotes(match.group("s"))
    return random_looking(value)


def _token_before_word(match: Match, line: str) -> bool:
    return _strong_token(match.group("s"))


def _context_token(match: Match, line: str) -> bool:
    """A long random token right after a word like "token", "secret" or "api key"."""
    value = match.group("s").rstrip(".")
    if not_a_value(value) or len(value) < 24 or _uuid().match(value.lower()):
        return False
    if "public" in match.group(0).lower() or not _glue().match(match.group("glue") or ""):
        return False  # "the key in commit 4e07…", "token bucket: see src/…": not its value
    lower, upper, digit, _ = _classes(value)
    if _hex().match(value):
        return len(value) >= 32 and digit and lower
    return digit and lower and upper and entropy(value) >= 3.5


def _aws_secret(match: Match, line: str) -> bool:
    value = match.group("s")
    lower, upper, digit, _ = _classes(value)
    if not (lower and upper and (digit or "/" in value or "+" in value)):
        return False
    low = line.lower()
    return any(word in low for word in ("aws", "secret", "akia", "asia", "credential", "iam"))


def _strong(match: Match, line: str) -> bool:
    value = match.group("s") if "s" in match.groupdict() else match.group(0)
    lower, upper, digit, _ = _classes(value)
    return digit and (lower or upper) and entropy(value) >= 3.0


def _password_flag(match: Match, line: str) -> bool:
    return password_like(match.group("s"))


def _url_password(match: Match, line: str) -> bool:
    value = match.group("s")
    return not not_a_value(value) and len(value) >= 3


def _basic(match: Match, line: str) -> bool:
    return _decodes_to_credentials(match.group("s"))


def _pem_b64(match: Match, line: str) -> bool:
    return _decodes_to_private_key(match.group("s"))


# The generic assignment's secret name and the operator right after it (its rule and its gate:
# `GATES`).
_SECRET_NAME = (r"(?:password|passwd|pwd|pass|passphrase|secret|token|key|auth|"
                r"credentials|credential|creds|cred|pat)")
_ASSIGNED = r"[\"'`]?[ \t]*(?:=>|:=|=|:)"

Match = Any  # a match object of re2 or re (both have .group, .span, .groupdict)
Check = Callable[[Match, str], bool]

# (kind, pattern, check). Where a pattern has a group named "s", only that group is redacted.
# Patterns use the subset of syntax re2 and re share: no lookaround, no backreferences; they
# never cross a line (no \s, no . with DOTALL).
RULES: tuple[tuple[str, str, Check | None], ...] = (
    # --- provider formats: a fixed prefix and a fixed alphabet, no check needed
    ("github-token", r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})", None),
    ("gitlab-token", r"\bgl(?:pat|dt|rt|ptt|ft|soat|cbt|imt|agent|cr|ffct)-[A-Za-z0-9_\-]{20,}", None),
    ("aws-access-key-id", r"\b(?:AKIA|ASIA|ABIA|ACCA|A3T[A-Z0-9])[A-Z0-9]{16}\b", None),
    ("aws-secret-key",
     r"(?i)aws_?secret_?(?:access_?)?key[\"']?[ \t]*[:=][ \t]*[\"']?(?P<s>[A-Za-z0-9/+=]{40})", None),
    ("aws-secret-key", r"(?:^|[^A-Za-z0-9/+=])(?P<s>[A-Za-z0-9/+]{40})(?:[^A-Za-z0-9/+=]|$)", _aws_secret),
    ("gcp-api-key", r"\bAIza[0-9A-Za-z_\-]{35}", None),
    ("google-oauth", r"\b(?:GOCSPX-[A-Za-z0-9_\-]{28}|ya29\.[0-9A-Za-z_\-]{20,})", None),
    ("google-refresh-token", r"(?:^|[^A-Za-z0-9])(?P<s>1//0[A-Za-z0-9_\-]{30,})", None),
    ("gcp-private-key-id", r"\"private_key_id\"[ \t]*:[ \t]*\"(?P<s>[0-9a-f]{40})\"", None),
    ("azure-storage-key", r"(?i)AccountKey=(?P<s>[A-Za-z0-9+/=]{40,})", None),
    ("azure-sas-signature", r"(?i)[?&]sig=(?P<s>[A-Za-z0-9%+/=]{20,})", None),
    ("azure-client-secret", r"\b[A-Za-z0-9_~.\-]{3}\dQ~[A-Za-z0-9_~.\-]{31,34}\b", None),
    ("slack-token", r"\b(?:xox[abposre]|xapp|xoxe\.xox[bp])-[A-Za-z0-9\-]{10,}", None),
    ("slack-webhook", r"https://hooks\.slack\.com/(?:services|workflows|triggers)/(?P<s>[A-Za-z0-9/_\-]{20,})",
     None),
    ("discord-webhook",
     r"https://(?:ptb\.|canary\.)?discord(?:app)?\.com/api/(?:v\d+/)?webhooks/\d{5,30}/(?P<s>[A-Za-z0-9_\-]{40,})",
     None),
    ("stripe-key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|\bwhsec_[A-Za-z0-9]{24,}", None),
    ("anthropic-key", r"\bsk-ant-[A-Za-z0-9]+-[A-Za-z0-9_\-]{20,}", None),
    ("openai-key", r"\bsk-(?:proj-|svcacct-|admin-|None-)?[A-Za-z0-9_\-]{20,}", _strong),
    ("jwt", r"\beyJ[A-Za-z0-9_\-]{5,}\.eyJ[A-Za-z0-9_\-]{5,}\.[A-Za-z0-9_\-]{5,}", None),
    ("npm-token", r"\bnpm_[A-Za-z0-9]{36}\b", None),
    ("pypi-token", r"\bpypi-AgE[A-Za-z0-9_\-]{50,}", None),
    ("huggingface-token", r"\bhf_[A-Za-z0-9]{30,}", None),
    ("sendgrid-key", r"\bSG\.[A-Za-z0-9_\-]{20,24}\.[A-Za-z0-9_\-]{40,45}", None),
    ("twilio-key", r"\bSK[0-9a-f]{32}\b", None),
    ("mailgun-key", r"\bkey-[0-9a-z]{32}\b|\b[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}\b", None),
    ("mailchimp-key", r"\b[0-9a-f]{32}-us[0-9]{1,2}\b", None),
    ("shopify-token", r"\bshp(?:at|ss|ca|pa)_[a-fA-F0-9]{32}\b", None),
    ("digitalocean-token", r"\bdo[opr]_v1_[a-f0-9]{64}\b", None),
    ("databricks-token", r"\bdapi[a-f0-9]{32}\b", None),
    ("discord-token", r"\b[MN][A-Za-z\d]{23,25}\.[\w\-]{6}\.[\w\-]{27,38}\b", None),
    ("vault-token", r"\bhv[sbr]\.[A-Za-z0-9_\-]{24,}", None),
    ("vault-token", r"(?i:vault)[^\n]{0,30}?\bs\.(?P<s>[A-Za-z0-9]{24})\b", None),
    ("age-secret-key", r"\bAGE-SECRET-KEY-1[QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L]{58}\b", None),
    ("atlassian-token", r"\bAT(?:ATT|CTT)3[A-Za-z0-9_\-=]{50,}", None),
    ("postman-key", r"\bPMAK-[a-f0-9]{24}-[a-f0-9]{34}\b", None),
    ("cloudflare-key", r"\bv1\.0-[a-f0-9]{24}-[a-f0-9]{146}\b", None),
    ("cloudflare-key",
     r"(?i:cloudflare|\bcf_api|\bcf_token|\bcf_key)[^\n]{0,40}?(?:^|[^A-Za-z0-9_\-])(?P<s>[A-Za-z0-9_\-]{40})\b",
     _strong),
    ("linear-key", r"\blin_(?:api|oauth)_[A-Za-z0-9]{40}\b", None),
    ("notion-token", r"\b(?:ntn_[0-9]{11}[A-Za-z0-9]{35}|secret_[A-Za-z0-9]{43})\b", None),
    ("grafana-token", r"\b(?:glsa_[A-Za-z0-9]{32}_[A-Fa-f0-9]{8}|glc_[A-Za-z0-9+/]{32,}={0,2})", None),
    ("newrelic-key", r"\bNR(?:AK|II|JS|RA)-[A-Z0-9]{27}\b", None),
    ("sentry-token", r"\bsntry[su]_[A-Za-z0-9+/=_]{40,}", None),
    ("supabase-token", r"\bsbp_[a-f0-9]{40}\b", None),
    ("dockerhub-token", r"\bdckr_(?:pat|oat)_[A-Za-z0-9_\-]{27,}", None),
    ("doppler-token", r"\bdp\.(?:pt|st|sa|ct|scim|audit)\.[A-Za-z0-9]{40,44}\b", None),
    ("tailscale-key", r"\btskey-(?:auth|api|client|scim|webhook)-[A-Za-z0-9]{6,}-[A-Za-z0-9]{20,}", None),
    ("figma-token", r"\bfig[dou]_[A-Za-z0-9_\-]{40,}", None),
    ("airtable-token", r"\bpat[A-Za-z0-9]{14}\.[a-f0-9]{64}\b", None),
    ("square-token", r"\b(?:EAAA[A-Za-z0-9_\-]{60}|sq0(?:atp|csp|idp)-[A-Za-z0-9_\-]{22,43})", None),
    ("rubygems-key", r"\brubygems_[a-f0-9]{48}\b", None),
    ("pulumi-token", r"\bpul-[a-f0-9]{40}\b", None),
    ("terraform-token", r"\b[A-Za-z0-9]{14}\.atlasv1\.[A-Za-z0-9_\-=]{60,}", None),
    ("planetscale-token", r"\bpscale_(?:tkn|pw|oauth)_[A-Za-z0-9_\-.=]{32,64}", None),
    ("replicate-token", r"\br8_[A-Za-z0-9]{37}\b", None),
    ("groq-key", r"\bgsk_[A-Za-z0-9]{52}\b", None),
    ("perplexity-key", r"\bpplx-[A-Za-z0-9]{48}\b", None),
    ("xai-key", r"\bxai-[A-Za-z0-9]{80}\b", None),
    ("langsmith-key", r"\blsv2_(?:pt|sk)_[a-f0-9]{32}_[a-f0-9]{10}\b", None),
    ("bitbucket-token", r"\bATBB[A-Za-z0-9_=.\-]{32,}", None),
    ("heroku-key", r"\bHRKU-[A-Za-z0-9_\-]{60}\b", None),
    ("netlify-token", r"\bnf[pc]_[A-Za-z0-9]{36}\b", None),
    ("fly-token", r"\bfo1_[A-Za-z0-9_\-]{43}\b|\bfm[12][ar]?_[A-Za-z0-9+/=_\-]{40,}", None),
    ("nuget-key", r"\boy2[a-z0-9]{43}\b", None),
    ("clojars-token", r"\bCLOJARS_[a-z0-9]{60}\b", None),
    ("contentful-token", r"\bCFPAT-[A-Za-z0-9_\-]{43}\b", None),
    ("mapbox-token", r"\bsk\.eyJ[A-Za-z0-9_\-]{10,}\.[A-Za-z0-9_\-]{10,}", None),
    ("dropbox-token", r"\bsl\.[A-Za-z0-9_\-]{130,}", None),
    ("shippo-token", r"\bshippo_(?:live|test)_[a-f0-9]{40}\b", None),
    ("easypost-key", r"\bEZ[AT]K[a-f0-9]{54}\b", None),
    ("flutterwave-key", r"\bFLW(?:SECK|PUBK)(?:_TEST)?-[a-f0-9]{32}-X\b", None),
    ("razorpay-key", r"\brzp_(?:live|test)_[A-Za-z0-9]{14}\b", None),
    ("brevo-key", r"\bxkeysib-[a-f0-9]{64}-[A-Za-z0-9]{16}\b", None),
    ("resend-key", r"\bre_[A-Za-z0-9]{8}_[A-Za-z0-9]{24}\b", None),
    ("hubspot-token", r"\bpat-(?:na|eu)1-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-"
                      r"[a-f0-9]{12}\b", None),
    ("plaid-token", r"\baccess-(?:sandbox|development|production)-[a-f0-9]{8}-[a-f0-9\-]{27}\b", None),
    ("alibaba-key", r"\bLTAI[A-Za-z0-9]{12,20}\b", _strong),
    ("prefect-key", r"\bpnu_[A-Za-z0-9]{36}\b", None),
    ("buildkite-token", r"\bbkua_[a-f0-9]{40}\b", None),
    ("onepassword-token", r"\bops_eyJ[A-Za-z0-9_\-]{30,}", None),
    ("artifactory-token", r"\bAKC[a-zA-Z0-9]{10,}", _strong),
    ("telegram-bot-token",
     r"(?:^|[^0-9A-Za-z_])(?P<s>[0-9]{5,16}:A[0-9A-Za-z_\-]{33,40})(?:[^0-9A-Za-z_\-]|$)", None),
    ("kube-client-key", r"(?i)client-key-data:[ \t]*(?P<s>[A-Za-z0-9+/=]{20,})", None),
    ("private-key", r"\b(?P<s>LS0tLS1CRUdJTi[A-Za-z0-9+/=]{20,})", _pem_b64),
    # --- credentials in URLs, headers and config files
    ("url-password", r"\b[A-Za-z][A-Za-z0-9+.\-]{1,20}://[^/ \t\n:@]{0,100}:(?P<s>[^/ \t\n@]{1,200})@",
     _url_password),
    ("basic-auth", r"(?i)\bbasic[ \t]+(?P<s>[A-Za-z0-9+/]{8,}={0,2})", _basic),
    ("docker-auth", r"(?i)\"(?:auth|_auth)\"[ \t]*:[ \t]*\"(?P<s>[A-Za-z0-9+/]{8,}={0,2})\"", _basic),
    ("docker-auth", r"(?i)(?:^|[^A-Za-z0-9])_auth[ \t]*=[ \t]*(?P<s>[A-Za-z0-9+/]{8,}={0,2})", _basic),
    ("bearer-token", r"(?i)\b(?:bearer|token)[ \t]+(?P<s>[A-Za-z0-9_\-.=~+/]{16,})", _strong),
    # --- passwords on command lines
    ("password", r"\b(?i:mysql|mysqldump|mysqladmin|mysqlimport|mysqlsh|mariadb|mariadb-dump)\b"
                 r"[^\n]{0,200}?[ \t]-p(?P<s>[^ \t\n]{2,})", _password_flag),
    ("password", r"(?i)(?:^|[ \t\"'])--(?:password|passwd|pass|pwd|[a-z]+-password)(?:=|[ \t]+)"
                 r"(?P<s>[^ \t\n\-][^ \t\n]{2,})", _password_flag),
    ("password", r"\bsshpass\b[^\n]{0,60}?[ \t]-p[ \t]*(?P<s>[^ \t\n]+)", _password_flag),
    ("password", r"\bredis-cli\b[^\n]{0,200}?[ \t]-a[ \t]+(?P<s>[^ \t\n]+)", _password_flag),
    ("password", r"\bdocker\b[^\n]{0,40}?\blogin\b[^\n]{0,200}?[ \t]-p[ \t]+(?P<s>[^ \t\n]+)",
     _password_flag),
    ("password", r"(?:^|[ \t])(?:-u|--user)(?:[ \t]+|=)[\"']?[^ \t:\"'\n$]{1,100}:(?P<s>[^ \t\"'\n@]{3,200})",
     _password_flag),
    ("password", r"\bhtpasswd[ \t]+-[A-Za-z]*b[A-Za-z]*(?:[ \t]+-[A-Za-z]+)*[ \t]+[^ \t\n]+[ \t]+[^ \t\n]+"
                 r"[ \t]+(?P<s>[^ \t\n]+)", _password_flag),
    ("password", r"\bmachine[ \t]+[^ \t\n]+[ \t]+login[ \t]+[^ \t\n]+[ \t]+password[ \t]+(?P<s>[^ \t\n]+)",
     _password_flag),
    # --- a name that says secret, an assignment, a value that looks generated
    ("password",
     r"(?i)(?:^|[^A-Za-z0-9_.\-:]|\$env:|/:)(?P<name>[A-Za-z0-9_.\-]{0,60}" + _SECRET_NAME + ")"
     + _ASSIGNED + r"[ \t]*(?P<s>[\"'`]?[^ \t\n\"'`,;]{4,300}[\"'`]?)", _assignment),
    # X-API-Key: ..., X-Auth-Token: ... (HTTP headers)
    ("password", r"(?i)(?P<name>x-[a-z\-]{0,30}(?:key|token|secret|auth)|private-token|api-key)[ \t]*:"
                 r"[ \t]*(?P<s>[^ \t\n\"',;]{8,300})", _assignment),
    # VAULT_TOKEN hvs..., CF_API_TOKEN abc... (an env name, then the value, no operator)
    ("password", r"\b[A-Z0-9_]{0,40}(?:TOKEN|KEY|SECRET|PASSWORD|PASS)[ \t]+"
                 r"(?P<s>[A-Za-z0-9_\-./+=~]{20,300})",
     _env_name_value),
    # "the api key is 3f9...", "token 8Hq...": a long random token right after such a word
    ("secret", r"(?i)\b(?:token|secret|password|passwd|passphrase|api[ _\-]?key|access[ _\-]?key|"
               r"private[ _\-]?key|auth[ _\-]?key|credential|key)s?\b(?P<glue>[^\n]{0,24}?"
               r"(?:[^A-Za-z0-9+/_\-.=~\n]))(?P<s>[A-Za-z0-9+/_\-.=~]{24,300})", _context_token),
    # "the password is Tr0ub4dor&3", "ssh … with password X", "passphrase for the key: X"
    ("password", r"(?i)\b(?:password|passwd|passphrase|pwd)\b(?P<glue>(?:[ \t]+(?:(?:is|was|now|set|to|"
                 r"changed)[ \t]+){0,3}|[ \t]*[:=][ \t]*"
                 r"|[ \t]+(?:for|of|on)[ \t]+(?:[\w.\-]{1,20}[ \t]+){0,2}[\w.\-]{1,20}[ \t]*[:=][ \t]*)"
                 r"[\"'`]?)(?P<s>[^ \t\n\"'`]{6,100})", _prose_password),
    # "`8Hq…` is the token"
    ("secret", r"(?:^|[^A-Za-z0-9+/_\-.=~])(?P<s>[A-Za-z0-9+/_\-.=~]{24,300})[\"'`]?[ \t]+(?i:is|was)"
               r"[ \t]+(?i:the|our|my|a|an)?[ \t]*(?:[\w\-]+[ \t]+)?(?i:token|key|secret|password)\b",
     _token_before_word),
    # gh secret set NAME --body X; echo X | docker login --password-stdin
    ("password", r"\bsecret[ \t]+set\b[^\n]{0,80}?[ \t](?:--body|-b)[ \t]+[\"']?(?P<s>[^ \t\n\"']{6,300})",
     _password_flag),
    ("password", r"\becho[ \t]+[\"']?(?P<s>[^ \t\n\"'$|]{6,300})[\"']?[ \t]*\|[^\n]{0,120}?"
                 r"(?:--password-stdin|\blogin\b)", _password_flag),
)

# Literals at least one of which every match of a rule holds, for the rules `_hint` cannot read
# a prefix from: (the literals, whether they are matched ignoring case). A rule whose literals
# a log lacks is neither compiled nor run (re2 compiles cost far more than scanning a log).
# tests/test_redaction.py checks, on every corpus, that no rule matches where its literals are
# absent.
_ANY_CASE = True
NEEDLES: dict[str, tuple[tuple[str, ...], bool]] = {
    "github-token": (("gh", "github_pat_"), False),
    "aws-access-key-id": (("AKIA", "ASIA", "ABIA", "ACCA", "A3T"), False),
    "google-oauth": (("GOCSPX-", "ya29."), False),
    "google-refresh-token": (("1//0",), False),
    "gcp-private-key-id": (('"private_key_id"',), False),
    "azure-storage-key": (("accountkey=",), _ANY_CASE),
    "azure-sas-signature": (("sig=",), _ANY_CASE),
    "azure-client-secret": (("Q~",), False),
    "slack-token": (("xox", "xapp"), False),
    "slack-webhook": (("https://hooks.slack.com/",), False),
    "discord-webhook": (("discord",), False),
    "stripe-key": (("sk_live_", "sk_test_", "rk_live_", "rk_test_", "whsec_"), False),
    "mailchimp-key": (("-us",), False),
    "vault-token": (("vault",), _ANY_CASE),
    "cloudflare-key": (("cloudflare", "cf_api", "cf_token", "cf_key"), _ANY_CASE),
    "notion-token": (("ntn_", "secret_"), False),
    "grafana-token": (("glsa_", "glc_"), False),
    "square-token": (("EAAA", "sq0"), False),
    "terraform-token": ((".atlasv1.",), False),
    "fly-token": (("fo1_", "fm1", "fm2"), False),
    "telegram-bot-token": ((":A",), False),
    "kube-client-key": (("client-key-data:",), _ANY_CASE),
    "private-key": (("LS0tLS1CRUdJTi",), False),
    "url-password": (("://",), False),
    "basic-auth": (("basic",), _ANY_CASE),
    "docker-auth": (("_auth",), _ANY_CASE),
    "bearer-token": (("bearer", "token"), _ANY_CASE),
}


# The same for single rules of a kind that other rules share, by how their pattern starts.
# A rule's check counts too: a match its check refuses is no hit, so a word the check needs on
# the line (aws-secret-key's) is a literal every hit's text holds.
RULE_NEEDLES: tuple[tuple[str, tuple[tuple[str, ...], bool]], ...] = (
    (r"(?i)aws_?secret_?", (("aws",), _ANY_CASE)),
    (r"(?:^|[^A-Za-z0-9/+=])(?P<s>[A-Za-z0-9/+]{40})",  # _aws_secret reads these on the line
     (("aws", "secret", "akia", "asia", "credential", "iam"), _ANY_CASE)),
    (r"\b(?i:mysql|", (("mysql", "mariadb"), _ANY_CASE)),
    (r"(?i)(?:^|[ \t\"'])--(?:password|", (("--pass", "--pwd", "-password"), _ANY_CASE)),
    (r"(?:^|[ \t])(?:-u|--user)", (("-u",), False)),
    (r"\b[A-Z0-9_]{0,40}(?:TOKEN|KEY|SECRET|PASSWORD|PASS)", (("TOKEN", "KEY", "SECRET", "PASS"), False)),
    (r"(?i)(?:^|[^A-Za-z0-9_.\-:]|\$env:|/:)(?P<name>",
     (("pass", "pwd", "secret", "token", "key", "auth", "cred", "pat"), _ANY_CASE)),
    (r"(?i)(?P<name>x-[a-z\-]", (("x-", "private-token", "api-key"), _ANY_CASE)),
    (r"(?i)\"(?:auth|_auth)\"", (('"auth"', '"_auth"'), _ANY_CASE)),
    (r"(?i)\b(?:token|secret|password|", (("token", "secret", "pass", "key", "credential"), _ANY_CASE)),
    (r"(?i)\b(?:password|passwd|passphrase|pwd)\b", (("pass", "pwd"), _ANY_CASE)),
    (r"(?:^|[^A-Za-z0-9+/_\-.=~])(?P<s>[A-Za-z0-9+/_\-.=~]{24,300})[\"'`]?[ \t]+(?i:is|was)",
     (("token", "key", "secret", "password"), _ANY_CASE)),
    # longer than the prefix `_hint` reads ("do", "fig", "nf": common in prose)
    (r"\bdo[opr]_v1_", (("doo_v1_", "dop_v1_", "dor_v1_"), False)),
    (r"\bfig[dou]_", (("figd_", "figo_", "figu_"), False)),
    (r"\bnf[pc]_", (("nfp_", "nfc_"), False)),
)

# A pattern every match of a rule holds, for a rule by how its pattern starts, where the rule's
# literals are words of prose ("key", "token", "pass" for the generic assignment): searched
# (`_no_run`) before the rule is compiled, on the matcher and with the flags the rule runs with,
# so a log that names a token only in prose neither compiles the rule (the dearest compile of
# a clean day) nor runs it. Each is a part of its rule, the parts between left out.
GATES: tuple[tuple[str, str], ...] = (
    (r"(?i)(?:^|[^A-Za-z0-9_.\-:]|\$env:|/:)(?P<name>", "(?i)" + _SECRET_NAME + _ASSIGNED),
)

# --------------------------------------------------------------------------- the matcher


@cache
def _engine() -> tuple[Any, bool]:
    try:
        import re2  # type: ignore[import-untyped]

        return re2, True
    except ImportError:  # pragma: no cover - google-re2 is a dependency; this is a fallback
        return re, False


def linear() -> bool:
    """Whether the rules run on the linear-time matcher (google-re2)."""
    return bool(_engine()[1])


def _hint(pattern: str) -> bytes | None:
    """The literal every match of a case-sensitive `\\bPREFIX...` pattern starts with."""
    if not pattern.startswith("\\b") or "(?i" in pattern or _top_level_or(pattern):
        return None
    m = re.match(r"[A-Za-z0-9_\-]+", pattern[2:])
    if not m:
        return None
    literal = m.group(0)
    rest = pattern[2 + len(literal) :]
    if rest[:1] in ("{", "?", "*", "+"):
        literal = literal[:-1]  # the last character is quantified
    return literal.encode() if len(literal) >= 2 else None


def _top_level_or(pattern: str) -> bool:
    depth, escaped, in_class = 0, False, False
    for c in pattern:
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = True
        elif in_class:
            in_class = c != "]"
        elif c == "[":
            in_class = True
        elif c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif c == "|" and depth == 0:
            return True
    return False


Needles = tuple[tuple[bytes, ...], bool]  # literals (lower case when matched ignoring case)


@cache
def _rules() -> tuple[Rule, ...]:
    """Each rule with the literals one of which its every match holds (None: unknown)."""
    out = []
    for kind, pattern, check in RULES:
        needles: Needles | None = None
        hint = _hint(pattern)
        own = [found for start, found in RULE_NEEDLES if pattern.startswith(start)]
        if own:
            words, any_case = own[0]
            needles = (tuple((w.lower() if any_case else w).encode() for w in words), any_case)
        elif hint is not None:
            needles = ((hint,), False)
        elif kind in NEEDLES:
            words, any_case = NEEDLES[kind]
            needles = (tuple((w.lower() if any_case else w).encode() for w in words), any_case)
        out.append((kind, pattern, check, needles))
    return tuple(out)


Rule = tuple[str, str, Check | None, Needles | None]


def rules_for(texts: Iterable[str]) -> tuple[Rule, ...]:
    """The rules that can match in any of `texts` as written (`find(..., rules=)`): those
    with a literal that one of them holds, and those without known literals. Checked once
    over them all, so that each text of a batch (a first consolidation scans hundreds of
    temp logs) is then checked only for the literals some text of it holds.

    The literals are looked for in each distinct word (a run without ASCII white space) of
    the texts, once: a literal without white space is in a text exactly when it is in one
    of its words, and a team's logs repeat most of theirs."""
    data = "\n".join(texts).encode("utf-8", "surrogatepass")
    if linear():
        return _rules_in(data, folded(data))
    rules = _rules()
    if not any(_space().search(word) for rule in rules if rule[3] for word in rule[3][0]):
        data = b"\n".join(set(data.split()))
    lowered = folded(data)
    return tuple(rule for rule in rules if not _absent(rule[3], data, lowered))


def _rules_in(data: bytes, lowered: bytes) -> tuple[Rule, ...]:
    """`rules_for` on re2, of the texts joined by line breaks (`data`) and `folded(data)`."""
    rules = _rules()
    held = (_held({w for r in rules if r[3] and not r[3][1] for w in r[3][0]}, data),
            _held({w for r in rules if r[3] and r[3][1] for w in r[3][0]}, lowered))
    return tuple(rule for rule in rules
                 if rule[3] is None or not held[rule[3][1]].isdisjoint(rule[3][0]))


def _held(words: set[bytes], data: bytes) -> set[bytes]:
    """The literals of `words` that `data` holds, in one pass (on re2): a set of them all
    (`_held_by_set`), or where it fails, one search at a time: the earliest of the literals
    not found yet is found, set aside, and the search goes on from where it was (no literal
    still looked for starts before it), until none is left in the rest."""
    left = sorted(words)
    found = _held_by_set(left, data)
    if found is not None:
        return found
    found = set()
    pos = 0
    while left:
        m = _rx("|".join(map(_literal, left)), True).search(data, pos)
        if m is None:
            break
        word = m.group(0)
        found.add(word)
        left.remove(word)
        pos = m.start()
    return found


def _literal(word: bytes) -> str:
    """`word` as a pattern that matches it alone."""
    return "".join(c if c.isalnum() else f"\\x{{{ord(c):x}}}" for c in word.decode())


def _held_by_set(words: list[bytes], data: bytes) -> set[bytes] | None:
    """The literals of `words` that `data` holds, by one pass of an RE2::Set (`_set_pass`: the
    set compiles once, where the searches compile an alternation again after each literal
    found); None where the pass gave up, which sends the caller to its searches."""
    found = _set_pass([_literal(word) for word in words], data)
    return None if found is None else {words[i] for i in found}


def _set_pass(patterns: list[str], data: bytes) -> list[int] | None:
    """The indexes of the `patterns` that match anywhere in `data`, by one pass of an
    RE2::Set; None where re2 cannot build the set or the pass gave up. A last pattern, the
    end of the text, matches in every pass that reached it: a pass the matcher gave up (its
    memory spent) names nothing, and is told from one where nothing matched by that."""
    engine, _ = _engine()
    options = engine.Options()
    options.max_mem = 64 << 20
    try:
        together = engine.Set.SearchSet(options)
        for pattern in patterns:
            together.Add(pattern)
        together.Add(r"\z")
        together.Compile()
        matched = together.Match(data) or []
    except engine.error:  # pragma: no cover - a set re2 cannot build: the caller's own way
        return None
    if len(patterns) not in matched:
        return None
    return [i for i in matched if i < len(patterns)]


def batch_rules(texts: list[str]) -> list[tuple[Rule, ...]]:
    """For each text of a batch, the rules that can match it as written (`find(..., rules=)`):
    `batch_scan` without the matches it found."""
    return [rules for rules, _, _ in batch_scan(texts)]


Spans = tuple[tuple[int, int], ...]  # a match's groups (0 first) in a text's UTF-8; (-1, -1): none
Known = dict[str, list[Spans]]  # a rule's pattern -> its matches in one text, in order
Batched = tuple[tuple[Rule, ...], Known, bool]  # `batch_scan`'s answer for one text

# A line break the wrapped view may join the line after to (`_next_start`'s, on the UTF-8 of
# the batch's join: any other character than ASCII stands for a `\w` one; a `-` or `+` before
# a line's end as before any other character but a space). No match takes a line break but
# its first, so none hides the next. A text none of whose line breaks is one has no
# junction, and its wrapped view is not looked for.
_MAY_JOIN = r"(?m)\n[ \t]*(?:[A-Za-z0-9_/=]|[^\x00-\x7f]|[-+](?:[^ \n]|$))"


def batch_scan(texts: list[str]) -> list[Batched]:
    """For each text of a batch, the rules that can match it as written, for some of them
    every match in it, found by the batch's scan, and whether its wrapped view may join two
    of its lines (`find(..., rules=, known=, joins=)`).

    Each rule `rules_for` keeps is run once over the batch joined by line breaks, in
    multi-line mode, and is then run on a text only where one of those matches touches it.
    That is exact: a rule that matches a text alone matches the joined text there (the text
    stands on lines of its own, and multi-line `^`/`$` match wherever they matched alone; no
    rule uses `\\A` or `\\z`), and a match of the joined batch is found at or before it
    (finditer scans left to right), so that text is touched. A text one touches for nothing
    (a match across two texts) is scanned alone for nothing. A hundred temp logs cost each
    rule one search instead of a hundred. On the `re` fallback every text is scanned alone.

    A rule without `^` and `$` (`_alone_as_joined`) whose matches touching a text all lie
    inside it (none reaches a line break the join put in, none is empty) has exactly those
    matches in the text alone, with the same groups: `known`, so the text is not scanned
    for it again. Such a match reads no character outside the text, and the assertions
    left (`\\b`, `\\B`) read the join's line break as they read the text's start or end, so
    the same match succeeds alone, and every match alone succeeds joined; the leftmost
    start and the chosen match are the same, and so is each next search's start."""
    if len(texts) < 2 or not linear():
        return [(rules, {}, True) for rules in [rules_for(texts)] * len(texts)]
    datas = [_as_scanned(text).encode("utf-8", "surrogatepass") for text in texts]
    joined = b"\n".join(datas)
    starts: list[int] = []
    at = 0
    for data in datas:
        starts.append(at)
        at += len(data) + 1
    lowered = folded(joined)
    # Without a marker the batch as scanned is the batch as written: its join and its fold
    # serve `rules_for` too (each costs a pass over the whole batch).
    marked = any("[REDACTED:" in text for text in texts)
    rules = rules_for(texts) if marked else _rules_in(joined, lowered)
    per: list[list[Rule]] = [[] for _ in texts]
    known: list[Known] = [{} for _ in texts]
    # no text holds the run every match of these holds (`_no_run`): they cannot match
    patterns = [rule[1] for rule in rules if not _no_run(rule[1], joined, lowered)]
    live = _matching(patterns, joined)
    for rule in rules:
        pattern = rule[1]
        if pattern not in live:
            continue  # no match anywhere in the batch
        touched: set[int] = set()
        exact = _alone_as_joined(pattern)
        found: dict[int, list[Spans]] = {}
        crossed: set[int] = set()
        groups = range(_rx(pattern, True).groups + 1)
        for m in _multiline(pattern).finditer(joined):
            start, end = m.span()
            first = bisect_right(starts, start) - 1
            last = bisect_right(starts, max(end - 1, start)) - 1
            touched.update(range(first, last + 1))
            if not exact:
                continue
            at = starts[first]
            if first != last or end <= start or end > at + len(datas[first]):
                crossed.update(range(first, last + 1))
                continue
            found.setdefault(first, []).append(
                tuple((a - at, b - at) if a >= 0 else (a, b) for a, b in map(m.span, groups)))
        for i in touched:
            per[i].append(rule)
            if i in found and i not in crossed:
                known[i][pattern] = found[i]
    joins = [False] * len(texts)
    for m in _rx(_MAY_JOIN, True).finditer(joined):  # (one before a text's first line: spare)
        joins[bisect_right(starts, m.start()) - 1] = True
    return [(tuple(rules), spans, may) for rules, spans, may in zip(per, known, joins, strict=True)]


def _matching(patterns: list[str], joined: bytes) -> set[str]:
    """The patterns that match somewhere in `joined` (as `_multiline` runs them), by one pass
    of an RE2::Set (`_set_pass`): a backlog's prose holds the literals of many rules and
    matches few, and each pass of a rule over the join costs as much as the set's. Where the
    set's pass gives up, all of them."""
    if len(patterns) < 2:
        return set(patterns)
    found = _set_pass([_multiline_form(pattern) for pattern in patterns], joined)
    return set(patterns) if found is None else {patterns[i] for i in found}


@cache
def _alone_as_joined(pattern: str) -> bool:
    """Whether `pattern` matches in a text alone as in the batch's join wherever the match
    lies inside the text: it asserts no line's or text's start or end (`batch_scan`)."""
    return not any(token in pattern.replace("[^", "") for token in ("^", "$", "\\A", "\\z", "\\Z"))


def _multiline(pattern: str) -> Any:
    """`pattern` in multi-line mode; the same compiled rule when it has no `^` or `$` (then
    the mode changes nothing, and a log the batch sends it to needs no second compile)."""
    return _rx(_multiline_form(pattern), True)


def _multiline_form(pattern: str) -> str:
    if "^" in pattern.replace("[^", "") or "$" in pattern:
        return "(?m)" + pattern
    return pattern


def _as_scanned(text: str) -> str:
    """The text as `find` scans it: each marker a run of line breaks."""
    if "[REDACTED:" not in text:
        return text
    return MARKER_RE.sub(lambda m: "\n" * len(m.group(0)), text)


# The two characters besides ASCII letters that re2 matches to an ASCII letter ignoring case
# (UTF-8): the long s and the Kelvin sign. A literal matched ignoring case is looked for in
# the text lowered with these folded too, so `(?i)basic` matching "baſic" is never skipped.
_FOLDS = (("\u017f".encode(), b"s"), ("\u212a".encode(), b"k"))


def folded(data: bytes) -> bytes:
    """`data` lowered (ASCII), with the long s and the Kelvin sign as s and k."""
    lowered = data.lower()
    for char, letter in _FOLDS:
        if char in lowered:
            lowered = lowered.replace(char, letter)
    return lowered


@cache
def _space() -> re.Pattern[bytes]:
    # what bytes.split() splits on
    return re.compile(rb"[ \t\n\r\x0b\x0c]")


def _absent(needles: Needles | None, data: bytes, lowered: bytes) -> bool:
    """Whether none of a rule's literals is in the text, so that it cannot match."""
    if needles is None:
        return False
    words, any_case = needles
    where = lowered if any_case else data
    return not any(w in where for w in words)


# A rule whose secret is a run of one character class at least N long (`(?P<s>[...]{N,M})`,
# mandatory: no `|` outside a group) cannot match a text without such a run. A log of prose has
# none (its words are short), so such a rule is not compiled (re2 compiles of a `{24,300}` are
# the dearest of all) nor run. Looked for with `re`: linear for a fixed-length class run.
_RUN_GROUP = re.compile(r"\(\?P<s>\[((?:[A-Za-z0-9+/_.=~-]|\\-)+)\]\{(\d+),\d*\}\)")
RUN_FROM = 16  # shorter runs are too common in prose to be worth a search


@cache
def _run_of(pattern: str) -> tuple[re.Pattern[bytes], bool] | None:
    """The run every match of `pattern` holds, as a search, and whether it is matched
    ignoring case (then searched in `folded` text); None when the rule names no such run."""
    m = _RUN_GROUP.search(pattern)
    if m is None or int(m.group(2)) < RUN_FROM or _top_level_or(pattern):
        return None
    if not _top_level_or(pattern[: m.start()] + "|"):  # inside another group: may be skipped
        return None
    if pattern[m.end() : m.end() + 1] in ("?", "*") or pattern[m.end() : m.end() + 2] == "{0":
        return None  # the group itself may be absent
    any_case = pattern.startswith("(?i)")
    return re.compile(f"[{m.group(1)}]{{{m.group(2)}}}".encode()), any_case


@cache
def _gate_of(pattern: str) -> str | None:
    """The rule's gate (`GATES`); None: it has none."""
    return next((gate for start, gate in GATES if pattern.startswith(start)), None)


def _no_run(pattern: str, data: bytes, lowered: bytes) -> bool:
    """Whether the text lacks the run every match of the rule holds (`_run_of`), or its gate."""
    gate = _gate_of(pattern)
    if gate is not None and _rx(gate, linear()).search(data) is None:
        return True
    run = _run_of(pattern)
    if run is None:
        return False
    search, any_case = run
    if linear():  # re2 skips through prose many times faster than `re`, in linear time too
        return _rx(search.pattern.decode(), True).search(lowered if any_case else data) is None
    return search.search(lowered if any_case else data) is None


@cache
def _rx(pattern: str, on_re2: bool) -> Any:
    """One rule compiled for bytes (the scan runs on UTF-8: no per-match offset decoding), on
    first use: a rule whose literal a log lacks is never compiled (re2 compiles are not free)."""
    engine, is_re2 = _engine()
    if is_re2:
        options = engine.Options()
        options.max_mem = 64 << 20
        return engine.compile(pattern.encode(), options)
    return engine.compile(pattern.encode())


def bytes_pattern(pattern: str) -> Any:
    """`pattern` compiled for bytes on the linear-time matcher (on `re` where it is missing)."""
    return _rx(pattern, linear())


@cache
def _groups(pattern: str, on_re2: bool) -> dict[str, int]:
    """A rule's named groups: name -> number."""
    return {(k.decode() if isinstance(k, bytes) else k): i
            for k, i in _rx(pattern, on_re2).groupindex.items()}


@cache
def _compiled() -> tuple[tuple[str, Any, Check | None, Needles | None], ...]:
    """Every rule, compiled."""
    on_re2 = linear()
    return tuple((kind, _rx(pattern, on_re2), check, needles)
                 for kind, pattern, check, needles in _rules())


def _lines_of(text: str) -> tuple[list[int], list[int]]:
    """Start and end offsets of every line (end excludes the newline)."""
    starts, ends = [0], []
    pos = text.find("\n")
    while pos != -1:
        ends.append(pos)
        starts.append(pos + 1)
        pos = text.find("\n", pos + 1)
    ends.append(len(text))
    return starts, ends


def _finditer(rx: Any, data: bytes) -> Iterator[Any]:
    if linear():
        yield from rx.finditer(data)
        return
    # Fallback on `re`: every line in pieces of MAX_LINE bytes (overlapping by 512), so no
    # pattern sees more than MAX_LINE bytes at once.
    step = MAX_LINE - 512
    a = 0
    while a <= len(data):
        b = data.find(b"\n", a)
        b = len(data) if b == -1 else b
        # Each piece takes the newline before and after it: patterns anchor on them.
        if b - a <= MAX_LINE:
            yield from rx.finditer(data, max(a - 1, 0), min(b + 1, len(data)))
        else:
            for lo in range(a, b, step):
                yield from rx.finditer(data, max(lo - 1, 0), min(b + 1, lo + MAX_LINE))
        a = b + 1


class _Groups:
    """A match's named groups, decoded: what a check reads."""

    __slots__ = ("_d",)

    def __init__(self, d: dict[Any, str | None]) -> None:
        self._d = d

    def group(self, key: Any = 0) -> Any:
        return self._d.get(key)

    def groupdict(self) -> dict[str, str | None]:
        return {k: v for k, v in self._d.items() if isinstance(k, str)}


class _Known:
    """A match `batch_scan` found inside a text: its groups as `_scan` reads a match's."""

    __slots__ = ("_data", "_spans")

    def __init__(self, data: bytes, spans: Spans) -> None:
        self._data = data
        self._spans = spans

    def group(self, i: int = 0) -> bytes | None:
        a, b = self._spans[i]
        return None if a < 0 else self._data[a:b]

    def span(self, i: int = 0) -> tuple[int, int]:
        return self._spans[i]


def _scan(text: str, rules: tuple[Rule, ...] | None = None, known: Known | None = None
          ) -> list[Hit]:
    """The hits of `rules` (all: None) in `text`; `known`: matches `batch_scan` found."""
    data = text.encode("utf-8", "surrogatepass")
    plain = len(data) == len(text)  # ASCII: byte offsets are character offsets
    hits: list[Hit] = []
    on_re2 = linear()
    lowered: bytes | None = None  # folded on first need: a text whose matches are known needs none
    for kind, pattern, check, needles in _rules() if rules is None else rules:
        spans = known.get(pattern) if known else None
        matches: Iterable[Any]
        if spans is not None:
            matches = (_Known(data, one) for one in spans)
        else:
            if lowered is None:
                lowered = folded(data)
            if _absent(needles, data, lowered) or _no_run(pattern, data, lowered):
                continue  # a literal (or a run) every match holds is absent: it cannot match
            matches = _finditer(_rx(pattern, on_re2), data)
        index = _groups(pattern, on_re2)
        group = index.get("s")
        names = list(index.items())
        at_byte = at_char = 0
        for m in matches:
            if group is not None and m.group(group) is not None:
                bs, be = m.span(group)
            else:
                bs, be = m.span()
            if plain:
                start, end = bs, be
            else:  # matches come in order: decode only what lies between them, once
                if bs < at_byte:  # (the `re` fallback's overlapping pieces): count from the start
                    at_byte = at_char = 0
                at_char += len(data[at_byte:bs].decode("utf-8", "surrogatepass"))
                at_byte = bs
                start = at_char
                end = start + len(data[bs:be].decode("utf-8", "surrogatepass"))
            if check is not None:
                found: dict[Any, str | None] = {0: m.group(0).decode("utf-8", "replace")}
                for name, i in names:
                    raw = m.group(i)
                    found[name] = None if raw is None else raw.decode("utf-8", "replace")
                # The line around the match, at most CONTEXT characters each side: a check reads
                # a bounded slice, so a huge line with many candidates stays linear (the line
                # breaks looked for only that far: no list of the text's lines is needed).
                lo = text.rfind("\n", max(start - CONTEXT, 0), start) + 1 or max(start - CONTEXT, 0)
                hi = text.find("\n", start, end + CONTEXT)
                around = text[lo : end + CONTEXT if hi == -1 else hi]
                if not check(_Groups(found), around):
                    continue
            if kind == "password" and "name" in index:
                value, quoted = _strip_quotes(text[start:end])
                name_at = m.span(index["name"])[0]
                if name_at > 0 and data[name_at - 1 : name_at] in (b"?", b"&"):
                    value = value.split("&", 1)[0]  # a query parameter ends at the next one
                if quoted:  # the quotes stay, only what is between them goes
                    offset = text.index(value, start)
                    start, end = offset, offset + len(value)
                else:
                    end = start + len(value)
            hits.append(Hit(start, end, kind))
    return hits


# --------------------------------------------------------------------------- views


class _View:
    """A synthetic text and, for each of its characters, the offset in the text as written."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.origin = array("q")  # where each character starts in the text as written
        self.origin_end = array("q")  # and where it ends there (an escape is 3 characters)
        self.junction: dict[int, int] = {}  # wrapped view: where a joined pair starts -> the cut

    def add(self, chars: str, start: int) -> None:
        """Characters copied from the text as written, from `start` on."""
        self.parts.append(chars)
        self.origin.extend(range(start, start + len(chars)))
        self.origin_end.extend(range(start + 1, start + len(chars) + 1))

    def add_escape(self, char: str, start: int, width: int) -> None:
        self.parts.append(char)
        self.origin.append(start)
        self.origin_end.append(start + width)

    def end_line(self) -> None:
        self.parts.append("\n")
        self.origin.append(-1)
        self.origin_end.append(-1)

    def text(self) -> str:
        return "".join(self.parts)


# an ASCII character, percent-encoded
_escape = lazy_pattern(r"%[0-7][0-9A-Fa-f]")


def _percent_view(text: str, starts: list[int], ends: list[int]) -> _View | None:
    if "%" not in text:
        return None
    view = _View()
    found = False
    for a, b in zip(starts, ends, strict=True):
        pos = a
        escapes = _escape().finditer(text, a, b)
        first = next(escapes, None)
        if first is None:
            continue
        found = True
        for m in (first, *escapes):
            if m.start() > pos:
                view.add(text[pos : m.start()], pos)
            view.add_escape(chr(int(text[m.start() + 1 : m.end()], 16)), m.start(), 3)
            pos = m.end()
        if b > pos:
            view.add(text[pos:b], pos)
        view.end_line()
    return view if found else None


_token_end = lazy_pattern(r"[A-Za-z0-9+/=_\-]$")

_continuation = lazy_pattern(r"^[ \t]*(?:[-*+] |#|>|\d+[.)] |```|~~~|\|)")


# A line break before a line that may go on a wrapped token (its first character after blanks
# a letter, a digit, `_/=`, or `-`/`+` not starting a list item): every junction is at one of
# these, and a log's prose has few (its lines start with `- `, `## `, `<!--`), so the search
# (for a line break first: fast) spares a visit to every line. Its compile is dearer than a visit
# to a few lines: a process takes it up once it has visited `WRAP_SEARCH.after` characters.
WRAP_SEARCH = Warmup()


_next_start = lazy_pattern(r"\n[ \t]*(?:[\w/=]|[-+](?! ))")


def _wrapped_view(text: str, lines: Callable[[], tuple[list[int], list[int]]]) -> _View | None:
    """`lines`: `_lines_of(text)`, asked for only where a line break may start a junction."""
    view = _View()
    found = False
    pairs: Iterable[int]
    if not WRAP_SEARCH.ready(len(text)):
        starts, ends = lines()
        pairs = range(len(starts) - 1)  # every pair of lines
    else:  # the line each such line break ends
        breaks = _next_start().finditer(text)
        first = next(breaks, None)
        if first is None:
            return None  # no junction: the text's lines are never listed
        starts, ends = lines()
        pairs = (bisect_right(starts, m.start()) - 1 for m in chain((first,), breaks))
    for k in pairs:
        a, b = starts[k], ends[k]
        c, d = starts[k + 1], ends[k + 1]
        if b == a or not _token_end().search(text[b - 1 : b]) or text[b - 1] == "\\":
            continue
        nxt = text[c:d]
        if _continuation().match(nxt):
            continue
        lead = len(nxt) - len(nxt.lstrip(" \t"))
        if lead >= len(nxt) or (not nxt[lead].isalnum() and nxt[lead] not in "+/=_-"):
            continue
        tail_from = max(a, b - WRAP_WINDOW)
        head_to = min(d, c + lead + WRAP_WINDOW)
        base = len(view.origin)
        view.add(text[tail_from:b], tail_from)
        cut = len(view.origin)
        view.add(text[c + lead : head_to], c + lead)
        view.end_line()
        view.junction[base] = cut
        found = True
    return view if found else None


def _map_back(view: _View, hits: list[Hit], *, wrapped: bool) -> list[Hit]:
    out: list[Hit] = []
    if not hits:
        return out
    bases = sorted(view.junction)
    for hit in hits:
        if hit.end <= hit.start:
            continue
        if wrapped:
            base = bases[bisect_right(bases, hit.start) - 1]
            cut = view.junction[base]
            if not (hit.start < cut < hit.end):
                continue  # does not cross the line break: the plain scan decides
            out.append(Hit(view.origin[hit.start], view.origin_end[cut - 1], hit.kind))
            out.append(Hit(view.origin[cut], view.origin_end[hit.end - 1], hit.kind))
            continue
        first, end = view.origin[hit.start], view.origin_end[hit.end - 1]
        if first >= 0 and end >= 0:
            out.append(Hit(first, end, hit.kind))
    return out


# --------------------------------------------------------------------------- private keys


_begin = lazy_pattern(r"-----BEGIN ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----")

_end = lazy_pattern(r"-----END ((?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?)-----")

_armor_header = lazy_pattern(r"^(?:Proc-Type|DEK-Info|Version|Comment|Hash|Charset|MessageID):[^\n]*$")

_b64_line = lazy_pattern(r"^[A-Za-z0-9+/=]+$")

_prefix = lazy_pattern(r"^[ \t>*\-]*")


def _body_line(line: str) -> str:
    return _prefix().sub("", line, count=1).strip()


def _provable_b64(line: str) -> bool:
    if not _b64_line().match(line) or len(line) < 8:
        return False
    if len(line) >= 40 or any(c.isdigit() or c in "+/" for c in line):
        return True
    switches = sum(1 for x, y in pairwise(line) if x.isupper() != y.isupper())
    return switches >= 3


def private_keys(text: str) -> list[Hit]:
    """Key blocks from BEGIN to the matching END; a lone BEGIN: its header and base64 body."""
    hits: list[Hit] = []
    if "-----BEGIN " not in text:
        return hits
    ends: dict[str, list[tuple[int, int]]] = {}
    for m in _end().finditer(text):
        ends.setdefault(m.group(1), []).append(m.span())
    covered = -1
    begins = list(_begin().finditer(text))
    for k, m in enumerate(begins):
        if m.start() < covered:
            continue
        label = m.group(1)
        candidates = ends.get(label, [])
        i = bisect_right(candidates, (m.end(), -1))
        next_begin = begins[k + 1].start() if k + 1 < len(begins) else len(text)
        # Only an END before the next BEGIN can match: each stretch between is read once.
        if i < len(candidates) and candidates[i][0] < next_begin:
            end_start, end_end = candidates[i]
            if _all_key_material(text[m.end() : end_start]):
                hits.append(Hit(m.start(), end_end, "private-key"))
                covered = end_end
                continue
        # No matching END (or prose in between): the header token, then the base64 lines that
        # follow it directly, nothing more.
        hits.append(Hit(m.start(), m.end(), "private-key"))
        pos = text.find("\n", m.end())
        headers = False
        while pos != -1:
            nxt = text.find("\n", pos + 1)
            line_end = len(text) if nxt == -1 else nxt
            body = _body_line(text[pos + 1 : line_end])
            if _armor_header().match(body):
                headers = True
            elif not body and headers:
                headers = False
            elif _provable_b64(body):
                start = text.index(body, pos + 1)
                hits.append(Hit(start, start + len(body), "private-key"))
            else:
                break
            pos = nxt
    return hits


def _all_key_material(between: str) -> bool:
    for raw in between.split("\n"):
        body = _body_line(raw)
        if body and not _b64_line().match(body) and not _armor_header().match(body):
            return False
    return True


# --------------------------------------------------------------------------- entry point


def find(text: str, allow: frozenset[str] = frozenset(), rules: tuple[Rule, ...] | None = None,
         known: Known | None = None, *, joins: bool = True) -> list[Hit]:
    """Every secret in `text`, as disjoint spans in order. `allow`: digests never redacted.

    `rules`: `rules_for` of a batch that holds `text`, for the scan of the text as written
    (a rule none of the batch's texts holds a literal of cannot match it). The decoded and
    the wrapped views hold characters the text does not (an escape decoded, a line break
    gone): every rule scans them. `known`: `batch_scan`'s matches of some of `rules` in the
    text as written, which are then not looked for again; `joins` False: `batch_scan` found
    no line break the wrapped view could join two lines at."""
    markers = [m.span() for m in MARKER_RE.finditer(text)]
    original = text
    if markers:  # a marker is never context: scanned as line breaks, nothing reads across it
        text = MARKER_RE.sub(lambda m: "\n" * len(m.group(0)), text)
    listed: list[tuple[list[int], list[int]]] = []

    def lines() -> tuple[list[int], list[int]]:  # listed once, and only for a view that needs it
        if not listed:
            listed.append(_lines_of(text))
        return listed[0]

    hits = private_keys(text)
    hits += _scan(text, rules, known)
    percent = _percent_view(text, *lines()) if "%" in text else None
    joined = _wrapped_view(text, lines) if joins else None
    for view, wrapped in ((percent, False), (joined, True)):
        if view is not None:
            hits += _map_back(view, _scan(view.text()), wrapped=wrapped)
    return merge(original, [_whole_escape(text, h) for h in hits], allow, markers)


def _whole_escape(text: str, hit: Hit) -> Hit:
    """A hit that starts inside a percent-escape (`%20ghp_...` read as `20ghp_...`) takes it all."""
    s = hit.start
    if s >= 1 and text[s - 1] == "%" and _escape().match(text, s - 1):
        return Hit(s - 1, hit.end, hit.kind)
    if s >= 2 and text[s - 2] == "%" and _escape().match(text, s - 2):
        return Hit(s - 2, hit.end, hit.kind)
    return hit


# Kinds that only say "looks like a secret": an overlapping hit of a named kind names it better.
GENERIC_KINDS = frozenset(("secret", "password", "bearer-token"))


def merge(text: str, hits: list[Hit], allow: frozenset[str] = frozenset(),
          markers: list[tuple[int, int]] | None = None) -> list[Hit]:
    """Disjoint spans: overlapping hits become one (the first kind of the widest wins)."""
    markers = markers or []
    marker_starts = [a for a, _ in markers]
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (h.start, -h.end)):
        if hit.end <= hit.start:
            continue
        j = bisect_right(marker_starts, hit.end) - 1
        if j >= 0 and markers[j][1] > hit.start:
            continue  # already a marker: redaction is idempotent
        if allow and hit.digest(text) in allow:
            continue
        if kept and hit.start < kept[-1].end:
            last = kept[-1]
            kind = hit.kind if last.kind in GENERIC_KINDS and hit.kind not in GENERIC_KINDS else last.kind
            kept[-1] = Hit(last.start, max(hit.end, last.end), kind)
            continue
        kept.append(hit)
    return kept
