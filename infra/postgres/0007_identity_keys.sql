-- Keys that every identity instance must share (9.1.1a, 17.2.1a: two instances behind the gateway, either
-- one able to serve any request), kept in PostgreSQL rather than in files on one machine.
CREATE SCHEMA IF NOT EXISTS identity;

-- OpenIddict signing ('sig', RS256) and encryption ('enc', RSA-OAEP) keys. The private key is stored only as
-- a data-protection payload (SigningKeyStore), so a dump of this table alone does not reveal it. The public
-- JWK of a signing key is plain: the silo validates access tokens with it (13.2.2c) without calling the
-- identity service. Whoever can WRITE this table can therefore mint tokens: grant writes to the identity
-- service's role only.
CREATE TABLE IF NOT EXISTS identity.credential_keys
(
    kid                   text        NOT NULL PRIMARY KEY,
    use                   text        NOT NULL CONSTRAINT credential_keys_use CHECK (use IN ('sig', 'enc')),
    algorithm             text        NOT NULL,
    public_jwk            jsonb       NULL,
    private_key_protected text        NOT NULL,
    created_at            timestamptz NOT NULL,
    activates_at          timestamptz NOT NULL,
    expires_at            timestamptz NOT NULL,
    retired_at            timestamptz NULL,
    CONSTRAINT credential_keys_sig_has_public CHECK (use <> 'sig' OR public_jwk IS NOT NULL),
    CONSTRAINT credential_keys_lifetime CHECK (expires_at > activates_at)
);

-- Every reader asks for the live keys of one use.
CREATE INDEX IF NOT EXISTS credential_keys_live ON identity.credential_keys (use, expires_at) WHERE retired_at IS NULL;

-- The ASP.NET Core data-protection key ring (PostgresXmlRepository): cookies, antiforgery tokens and the
-- protected private keys above must be readable by every instance. Rows are only ever added.
CREATE TABLE IF NOT EXISTS identity.data_protection_keys
(
    id            bigserial   NOT NULL PRIMARY KEY,
    friendly_name text        NOT NULL,
    xml           text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);
