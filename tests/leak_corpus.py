# ruff: noqa: E501
"""Realistic leaks and realistic clean text: the corpus the redaction goals are measured on.

Twice as broad as secret_corpus.py: 90+ shapes (generic assignments, passwords on command lines,
provider formats, PEM/PGP blocks), each written the ways a session log holds it: as a bullet,
as an entry title, inside a code fence, URL-encoded in a query string and wrapped across two
lines. No secret appears literally in this file: every value is drawn from a seeded random
generator at import time, and provider prefixes are split, so the repository itself never trips
a scanner. Every value is fake.

The held-out part (written once, before the rules were tuned, never tuned against) lives in
leak_corpus_heldout.py and is reported separately.
"""
from __future__ import annotations

import random
import string
from dataclasses import dataclass
from urllib.parse import quote

LOWER, UPPER, DIGITS = string.ascii_lowercase, string.ascii_uppercase, string.digits
ALNUM = LOWER + UPPER + DIGITS
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"


class Gen:
    """Fake secret material, reproducible: the same seed gives the same corpus on every run."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)

    def s(self, n: int, alphabet: str = ALNUM) -> str:
        while True:
            out = "".join(self.rng.choice(alphabet) for _ in range(n))
            # Realistic tokens of a mixed alphabet mix classes; keep the draw that does.
            if alphabet in (ALNUM, B64, URLSAFE) and n >= 8 and not (
                any(c.isdigit() for c in out) and any(c.isupper() for c in out)
                and any(c.islower() for c in out)
            ):
                continue
            return out

    def password(self) -> str:
        word = self.rng.choice(["Tr0ub4dor", "Blu3Moon", "Sunf1ower", "Kr4ken", "W1nter", "Qu4rtz"])
        return word + self.rng.choice("!#%&*-_+") + str(self.rng.randint(10, 9999))


def j(*parts: str) -> str:
    return "".join(parts)


@dataclass(frozen=True)
class Shape:
    kind: str
    context: str  # a log line with {s} where the secret goes
    secret: str  # the exact secret text; for a block, its lines joined by \n
    block: bool = False  # a multi-line block (PEM/PGP): written as a bullet and a fence only


def pem(g: Gen, label: str, headers: tuple[str, ...] = (), lines: int = 4) -> str:
    body = [g.s(64, B64) for _ in range(lines)] + [g.s(24, B64) + "=="]
    head = [*headers, ""] if headers else []
    return "\n".join([f"-----BEGIN {label}-----", *head, *body, f"-----END {label}-----"])


def shapes(g: Gen) -> list[Shape]:
    P = "PRIVATE" + " KEY"
    return [
        # --- generic assignments: the value is opaque, only its name and entropy say secret
        Shape("generic _TOKEN=", "export BUILDKITE_AGENT_TOKEN={s} before the run", g.s(40, HEX + "xyz")),
        Shape("generic _TOKEN= quoted", 'SENTRY_AUTH_TOKEN="{s}" in .env', g.s(64, HEX)),
        Shape("generic _KEY=", "set PAYMENTS_API_KEY={s} locally", g.s(32)),
        Shape("generic _KEY: yaml", "mapbox_key: {s} (from the console)", g.s(28, URLSAFE)),
        Shape("generic _SECRET=", "JWT_SECRET={s} in docker-compose.yml", g.s(48, B64)),
        Shape("generic _SECRET: yaml", "  webhook_secret: {s}", g.s(30)),
        Shape("generic _PASS=", "SMTP_PASS={s} for the relay", g.password()),
        Shape("generic _PASSWORD json", '"db_password": "{s}",', g.password()),
        Shape("generic secret_key python", "SECRET_KEY = '{s}' in settings.py", g.s(50, ALNUM + "!@#$^&*(-_=+)")),
        Shape("generic access_token", "access_token={s}&expires_in=3600", g.s(43, URLSAFE)),
        Shape("generic refresh_token json", '{{"refresh_token": "{s}"}}', g.s(54, URLSAFE)),
        Shape("generic client_secret", "client_secret: {s}", g.s(34, URLSAFE)),
        Shape("generic auth token header", "X-Auth-Token: {s}", g.s(36, HEX)),
        Shape("generic api key header", "curl -H 'X-API-Key: {s}' https://api.example.net/v2", g.s(32)),
        Shape("generic private token header", "curl --header 'PRIVATE-TOKEN: {s}' gitlab.internal", g.s(20, URLSAFE)),
        Shape("generic ENCRYPTION_KEY", "ENCRYPTION_KEY={s}", g.s(44, B64)),
        Shape("generic TF var", 'TF_VAR_do_token="{s}"', g.s(64, HEX)),
        Shape("generic kotlin val", 'val apiSecret = "{s}"', g.s(26)),
        Shape("generic js const", "const stripeSecret = '{s}';", g.s(32)),
        Shape("generic powershell", '$env:AZURE_CLIENT_SECRET = "{s}"', g.s(40, URLSAFE + "~.")),
        Shape("generic ini", "password = {s}", g.password()),
        Shape("generic toml token", 'token = "{s}"', g.s(40)),
        Shape("generic connection string", "Server=db;Database=shop;User Id=sa;Password={s};", g.password()),
        Shape("generic _CREDENTIALS=", "CI_REGISTRY_CREDENTIALS={s}", g.s(36)),
        Shape("generic npmrc authToken", "//npm.pkg.github.com/:_authToken={s}", g.s(40)),
        # --- passwords on command lines
        Shape("mysql -p", "mysql -u root -p{s} shop < dump.sql", g.password()),
        Shape("mysqldump -p", "mysqldump -h db -uadmin -p{s} --all-databases", g.password()),
        Shape("--password X", "pg_dump --username app --password {s} shop", g.password()),
        Shape("--password=X", "redis-cli --pass={s} ping", g.password()),
        Shape("--password=X docker", "docker login registry.example.com -u ci --password={s}", g.s(24)),
        Shape("docker login -p", "docker login -u deploy -p {s} ghcr.io", g.s(30)),
        Shape("curl -u user:pass", "curl -u admin:{s} https://jenkins.internal/api/json", g.password()),
        Shape("curl --user", "curl --user 'ci-bot:{s}' -X POST https://nexus.internal", g.password()),
        Shape("PGPASSWORD=", "PGPASSWORD={s} psql -h db -U app shop", g.password()),
        Shape("MYSQL_PWD=", "MYSQL_PWD='{s}' mysql -u root", g.password()),
        Shape("sshpass -p", "sshpass -p '{s}' ssh deploy@10.0.3.4", g.password()),
        Shape("redis-cli -a", "redis-cli -h cache -a {s} INFO", g.password()),
        Shape("netrc", "machine api.heroku.com login ada@example.com password {s}", g.s(36, HEX + "-")),
        Shape("htpasswd -b", "htpasswd -b -c .htpasswd admin {s}", g.password()),
        # --- AWS secrets that are not written as key=value
        Shape("aws secret prose", "the AWS secret access key is {s} (rotated now)", g.s(40, B64)),
        Shape("aws secret csv", j("AK", "IA", g.s(16, UPPER + DIGITS), ",{s}"), g.s(40, B64)),
        Shape("aws credentials file", "aws_secret_access_key={s}", g.s(40, B64)),
        Shape("aws secret after colon", "Secret: {s} from the IAM console", g.s(40, B64)),
        # --- providers
        Shape("discord webhook", j("https://discord.com/api/web", "hooks/", g.s(18, DIGITS), "/{s}"),
              g.s(68, URLSAFE)),
        Shape("mailgun key (current)", "mailgun api key {s}", j(g.s(32, HEX), "-", g.s(8, HEX), "-", g.s(8, HEX))),
        Shape("mailgun key (legacy)", "MG key {s}", j("key", "-", g.s(32, LOWER + DIGITS))),
        Shape("vault hvs token", "VAULT_TOKEN {s}", j("hv", "s.", g.s(90, URLSAFE))),
        Shape("vault batch token", "vault login {s}", j("hv", "b.", g.s(120, URLSAFE))),
        Shape("slack app token", "socket mode with {s}", j("xa", "pp-1-", g.s(11, UPPER + DIGITS), "-",
                                                            g.s(13, DIGITS), "-", g.s(64, HEX))),
        Shape("slack user token", "used {s} for the export", j("xo", "xp-", g.s(12, DIGITS), "-",
                                                                g.s(12, DIGITS), "-", g.s(32, HEX))),
        Shape("google refresh token", "refresh {s} kept working", j("1/", "/0", g.s(100, URLSAFE))),
        Shape("google oauth client secret", "client {s}", j("GOC", "SPX-", g.s(28, URLSAFE))),
        Shape("age secret key", "age key {s}", j("AGE-", "SECRET-KEY-1", g.s(58, "QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L"))),
        Shape("atlassian api token", "jira token {s}", j("ATA", "TT3", g.s(180, URLSAFE), "=", g.s(8, HEX.upper()))),
        Shape("postman api key", "postman {s}", j("PM", "AK-", g.s(24, HEX), "-", g.s(34, HEX))),
        Shape("cloudflare api token", "CF_API_TOKEN {s} for dns edits", g.s(40, URLSAFE)),
        Shape("cloudflare origin ca key", "origin ca {s}", j("v1", ".0-", g.s(24, HEX), "-", g.s(146, HEX))),
        Shape("docker config auth", '"auths": {{"ghcr.io": {{"auth": "{s}"}}}}',
              __import__("base64").b64encode(j("ci-bot:", g.s(24)).encode()).decode()),
        Shape("github classic token", "curl with {s} against the API", j("gh", "p_", g.s(36))),
        Shape("github fine-grained", "used {s}", j("github", "_pat_", g.s(22), "_", g.s(59))),
        Shape("gitlab pat", "CI variable {s}", j("gl", "pat-", g.s(20, URLSAFE))),
        Shape("aws access key id", "key id {s} was hard-coded", j("AK", "IA", g.s(16, UPPER + DIGITS))),
        Shape("gcp api key", "maps key {s} in config.js", j("AI", "za", g.s(35, URLSAFE))),
        Shape("stripe secret key", "tried {s}", j("sk", "_live_", g.s(99))),
        Shape("openai project key", "OPENAI {s}", j("sk", "-proj-", g.s(120, URLSAFE))),
        Shape("anthropic key", "ANTHROPIC {s}", j("sk", "-ant-api03-", g.s(93, URLSAFE), "AA")),
        Shape("huggingface token", "HF {s}", j("h", "f_", g.s(34))),
        Shape("npm token", ".npmrc had {s}", j("np", "m_", g.s(36))),
        Shape("pypi token", "twine used {s}", j("py", "pi-AgEIcHlwaS5vcmc", g.s(70, URLSAFE))),
        Shape("sendgrid key", "mail via {s}", j("SG", ".", g.s(22, URLSAFE), ".", g.s(43, URLSAFE))),
        Shape("twilio api key", "twilio {s}", j("S", "K", g.s(32, HEX))),
        Shape("digitalocean token", "doctl {s}", j("do", "p_v1_", g.s(64, HEX))),
        Shape("shopify token", "shop admin {s}", j("shp", "at_", g.s(32, HEX))),
        Shape("linear api key", "linear {s}", j("lin", "_api_", g.s(40))),
        Shape("notion token", "notion {s}", j("nt", "n_", g.s(11, DIGITS), g.s(35))),
        Shape("grafana service account", "grafana {s}", j("gl", "sa_", g.s(32), "_", g.s(8, HEX))),
        Shape("new relic key", "newrelic {s}", j("NR", "AK-", g.s(27, UPPER + DIGITS))),
        Shape("sentry user token", "sentry {s}", j("sntr", "yu_", g.s(64, HEX))),
        Shape("supabase token", "supabase {s}", j("sb", "p_", g.s(40, HEX))),
        Shape("docker hub pat", "dockerhub {s}", j("dckr", "_pat_", g.s(27, URLSAFE))),
        Shape("doppler token", "doppler {s}", j("dp", ".pt.", g.s(43))),
        Shape("tailscale auth key", "tailscale up --authkey {s}", j("tskey", "-auth-", g.s(12), "-", g.s(32))),
        Shape("figma token", "figma {s}", j("fig", "d_", g.s(40, URLSAFE))),
        Shape("airtable pat", "airtable {s}", j("pa", "t", g.s(14), ".", g.s(64, HEX))),
        Shape("square access token", "square {s}", j("EA", "AA", g.s(60, URLSAFE))),
        Shape("rubygems key", "gem push with {s}", j("rubygems", "_", g.s(48, HEX))),
        Shape("pulumi token", "pulumi {s}", j("pu", "l-", g.s(40, HEX))),
        Shape("terraform cloud token", "TFC {s}", j(g.s(14), ".atlas", "v1.", g.s(67, URLSAFE))),
        Shape("planetscale password", "pscale {s}", j("pscale", "_pw_", g.s(43, URLSAFE))),
        Shape("replicate token", "replicate {s}", j("r", "8_", g.s(37))),
        Shape("groq key", "groq {s}", j("gs", "k_", g.s(52))),
        Shape("jwt", "decoded {s}", j("ey", "JhbGciOiJIUzI1NiJ9.ey", "J", g.s(40, URLSAFE), ".", g.s(43, URLSAFE))),
        Shape("bearer header", "Authorization: Bearer {s}", g.s(40, URLSAFE + ".")),
        Shape("basic auth header", "Authorization: Basic {s}",
              __import__("base64").b64encode(j("admin:", g.s(14)).encode()).decode()),
        Shape("password in url", "DATABASE_URL=postgres://app:{s}@db.internal:5432/shop", g.password()),
        Shape("password in amqp url", "broker amqp://worker:{s}@rabbit:5672//", g.s(20)),
        Shape("kubeconfig client key", "client-key-data: {s}",
              j("LS0tLS1CRUdJTiBSU0Eg", "UFJJVkFURSBLRVktLS0tLQo", g.s(80, B64))),
        # --- blocks
        Shape("rsa private key", "{s}", pem(g, "RSA " + P), block=True),
        Shape("pkcs8 private key", "{s}", pem(g, P), block=True),
        Shape("encrypted pem (legacy)", "{s}", pem(g, "RSA " + P, ("Proc-Type: 4,ENCRYPTED",
                                                                   "DEK-Info: AES-128-CBC,"
                                                                   + g.s(32, HEX).upper())), block=True),
        Shape("pgp private key block", "{s}", pem(g, "PGP " + P + " BLOCK", ("Version: GnuPG v2",)),
              block=True),
        Shape("openssh private key", "{s}", pem(g, "OPENSSH " + P), block=True),
        Shape("encrypted pkcs8", "{s}", pem(g, "ENCRYPTED " + P), block=True),
        # --- added after probing lines nobody had written for the corpus
        Shape("prose: the password is", "the staging password is {s} for now", g.password()),
        Shape("prose: ssh with password", "ssh root@10.0.0.4 with password {s}", g.password()),
        Shape("prose: passphrase for the key", "passphrase for the deploy key: {s}", g.password()),
        Shape("query string api_key", "GET /v1/items?api_key={s}&page=2", g.s(32)),
        Shape("token for an environment", "token for staging: {s}", g.s(40, URLSAFE)),
        Shape("gh secret set --body", "gh secret set DEPLOY_KEY --body {s}", g.s(40)),
        Shape("echo | docker login", "echo {s} | docker login ghcr.io -u ada --password-stdin", g.s(36)),
        Shape("token before the word", "`{s}` is the staging token", g.s(32)),
        Shape("bare key=", "maps.example.com/api/js?key={s}&libraries=places", g.s(39, URLSAFE)),
    ]


SHAPES = shapes(Gen(20261127))


# --------------------------------------------------------------------------- how a log writes them


def bullet(shape: Shape) -> str:
    if shape.block:
        return "- pasted it:\n" + shape.context.format(s=shape.secret) + "\n- Next: rotate it\n"
    return "- Tried: " + shape.context.format(s=shape.secret) + "\n"


def title(shape: Shape) -> str:
    return "## 10:30 - " + shape.context.format(s=shape.secret) + "\n"


def fence(shape: Shape) -> str:
    return "- Ran:\n\n```sh\n" + shape.context.format(s=shape.secret) + "\n```\n"


def url_encoded(shape: Shape) -> str:
    query = quote(shape.context.format(s=shape.secret), safe="")
    return f"- The callback hit https://app.example.org/oauth/cb?state=x7&q={query}&page=2\n"


def wrapped(shape: Shape) -> str:
    """The secret broken across two lines, as a terminal or an editor wraps a long line."""
    before, _, after = shape.context.partition("{s}")
    cut = len(shape.secret) // 2
    s = shape.secret
    return f"- Tried: {before.format()}{s[:cut]}\n  {s[cut:]}{after.format()}\n"


FORMS = {"bullet": bullet, "title": title, "fence": fence}


def gone(shape: Shape, out: str) -> bool:
    """True when no 12-character piece of the secret (each line of a block) is left in `out`."""
    pieces = shape.secret.split("\n") if shape.block else [shape.secret]
    for piece in pieces:
        if piece.startswith("-----") or piece.startswith(("Proc-Type", "DEK-Info", "Version")) or not piece:
            continue
        w = min(len(piece), 12)
        if any(piece[i : i + w] in out for i in range(len(piece) - w + 1)):
            return False
    return True


def gone_encoded(shape: Shape, out: str) -> bool:
    enc = quote(shape.secret, safe="")
    w = min(len(enc), 12)
    return gone(shape, out) and not any(enc[i : i + w] in out for i in range(len(enc) - w + 1))


def gone_wrapped(shape: Shape, out: str) -> bool:
    cut = len(shape.secret) // 2
    return shape.secret[:cut] not in out and shape.secret[cut:] not in out


@dataclass
class Figures:
    forms: tuple[int, int]  # caught, written (bullets, titles, fences)
    url: tuple[int, int]
    wrapped: tuple[int, int]
    clean: tuple[int, int]  # altered, lines
    misses: list[str]

    @staticmethod
    def rate(pair: tuple[int, int]) -> float:
        return pair[0] / pair[1] if pair[1] else 1.0


def measure(redact: object, shapes: list[Shape], clean: list[str]) -> Figures:
    """Recall per written form and the share of clean lines altered, through `redact`."""
    run = redact  # a callable: text -> object with .text
    misses: list[str] = []
    caught = total = 0
    for shape in shapes:
        for name, form in FORMS.items():
            if shape.block and name == "title":
                continue
            total += 1
            if gone(shape, run(form(shape)).text):  # type: ignore[operator]
                caught += 1
            else:
                misses.append(f"{name}: {shape.kind}")
    flat = [s for s in shapes if not s.block]
    url_caught = 0
    for shape in flat:
        if gone_encoded(shape, run(url_encoded(shape)).text):  # type: ignore[operator]
            url_caught += 1
        else:
            misses.append(f"url: {shape.kind}")
    wrap_caught = 0
    for shape in flat:
        if gone_wrapped(shape, run(wrapped(shape)).text):  # type: ignore[operator]
            wrap_caught += 1
        else:
            misses.append(f"wrapped: {shape.kind}")
    document = "\n".join(clean) + "\n"
    out = run(document).text.split("\n")  # type: ignore[operator]
    ins = document.split("\n")
    # A redaction that swallows lines (an unterminated key block) alters every line of the corpus.
    altered = [a for a, b in zip(ins, out, strict=True) if a != b] if len(out) == len(ins) else clean
    misses += [f"clean altered: {line}" for line in altered]
    return Figures((caught, total), (url_caught, len(flat)), (wrap_caught, len(flat)),
                   (len(altered), len(clean)), misses)
