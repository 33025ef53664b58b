-- The last accepted TOTP time step of each user (9.2.3a, 13.2.2d). RFC 6238 section 5.2: once a code has been
-- accepted, neither it nor an older one may be accepted again. ASP.NET Core Identity's own authenticator provider
-- keeps no such record (aspnetcore issue 14423), so SaaSReference.Identity.Security.PostgresTotpStepStore keeps it
-- here and advances it with one guarded INSERT ... ON CONFLICT DO UPDATE, which is atomic under concurrency.
-- One row per user that has ever passed a TOTP check; the row holds no secret (a step is public: it is the time).
CREATE SCHEMA IF NOT EXISTS identity;

CREATE TABLE IF NOT EXISTS identity.totp_last_step
(
    user_id     text        NOT NULL PRIMARY KEY
                            CONSTRAINT totp_last_step_user_id_length CHECK (char_length(user_id) BETWEEN 1 AND 450),
    step        bigint      NOT NULL CONSTRAINT totp_last_step_step_non_negative CHECK (step >= 0),
    accepted_at timestamptz NOT NULL
);

COMMENT ON TABLE identity.totp_last_step IS
    'Last accepted TOTP step per user; a code for this step or an earlier one is refused (RFC 6238 5.2).';
