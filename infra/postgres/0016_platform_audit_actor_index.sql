-- 12.4.2b, 12.4.3d: one privileged user's acts (the signed export per privileged user, and the privileged-use review's
-- per-person aggregates) are read by actor and period; without this index each would scan the whole trail.
CREATE INDEX IF NOT EXISTS audit_events_actor_at ON platform.audit_events (actor, at);
