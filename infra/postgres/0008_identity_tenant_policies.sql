-- Per-tenant sign-in policy (9.2.3a): a tenant may require multi-factor authentication of all its users,
-- not only of its privileged ones (for whom it is always required). No row means the platform default:
-- MFA for privileged roles only.
CREATE SCHEMA IF NOT EXISTS identity;

CREATE TABLE IF NOT EXISTS identity.tenant_policies
(
    tenant_id   text        NOT NULL PRIMARY KEY
                            CONSTRAINT tenant_policies_id_format CHECK (tenant_id ~ '^[a-z][a-z0-9-]{1,61}[a-z0-9]$'),
    require_mfa boolean     NOT NULL DEFAULT false,
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text        NOT NULL
);
