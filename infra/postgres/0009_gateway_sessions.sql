-- Browser sessions of the gateway (backend-for-frontend). The browser's cookie holds only a protected session
-- key; the signed-in user's ticket, with its access, refresh and id tokens, stays here (13.2.2d: no token ever
-- reaches the browser). Every gateway instance reads the sessions of the others.
CREATE SCHEMA IF NOT EXISTS gateway;

CREATE TABLE IF NOT EXISTS gateway.sessions
(
    -- 256 random bits, base64url; the cookie carries it inside a data-protected payload.
    key        text        NOT NULL PRIMARY KEY,
    -- The serialized AuthenticationTicket as a data-protection payload (key ring: identity.data_protection_keys),
    -- so a dump of this table alone reveals no token.
    ticket     bytea       NOT NULL,
    -- The session ends here (8 h sliding); expired rows are never returned and are deleted at the next sign-in.
    expires_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL
);

CREATE INDEX IF NOT EXISTS sessions_expires_at ON gateway.sessions (expires_at);
