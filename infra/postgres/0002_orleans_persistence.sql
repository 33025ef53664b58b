-- Grain state for the ADO.NET grain storage provider (AddAdoNetGrainStorage, invariant "Npgsql").
--
-- The provider identifies a state by ServiceId, a name it calls GrainTypeString, two 64-bit key halves (a
-- Guid, or 0 and a long) and a string part (a string key, or the key extension, or NULL). Since Orleans 7
-- that "grain type" is the state's name ([PersistentState("name", ...)]), and the grain's own type is not
-- sent at all: two grain classes with the same key and the same state name share one row. Hence the column
-- is called state_name here, and every grain class must give its persistent state a name of its own.
--
-- The provider also passes two 32-bit hashes of the key; we do not store them: the hasher is configurable,
-- and a key built on hashes would let one grain own two rows after a hasher change. The ETag is the
-- integer version below.

CREATE TABLE public.orleans_grain_state
(
    service_id             varchar(150)  NOT NULL,
    state_name             varchar(512)  NOT NULL,
    grain_id_n0            bigint        NOT NULL,
    grain_id_n1            bigint        NOT NULL,
    grain_id_extension     varchar(1024) NULL,
    -- The key needs plain equality on every column (IS NOT DISTINCT FROM cannot use an index), yet a NULL
    -- extension and an empty one are different grains. So the key column holds '' for "no extension" and
    -- '+' in front of a real one (as in Orleans' own grain-id strings), which no real extension can collide with.
    grain_id_extension_key text          GENERATED ALWAYS AS (coalesce('+' || grain_id_extension, '')) STORED,
    payload                bytea         NULL,
    version                integer       NOT NULL CONSTRAINT orleans_grain_state_version_positive CHECK (version > 0),
    modified_at            timestamptz   NOT NULL DEFAULT now(),
    -- One row per grain: two rows for one grain would make the provider's single-row read fail. Every query
    -- looks a grain up by exactly these columns, so this is also the only index the table needs.
    CONSTRAINT orleans_grain_state_pkey PRIMARY KEY (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_extension_key),
    -- A B-tree entry must fit in a third of a page (2704 bytes); refuse an oversized key here, by name,
    -- rather than with an index error. Grain keys in this system are short, far below this.
    CONSTRAINT orleans_grain_state_key_size CHECK
        (octet_length(service_id) + octet_length(state_name) + coalesce(octet_length(grain_id_extension), 0) <= 2400)
);

-- Writes a grain's state if the caller holds the current version (its ETag), and returns the new version.
-- A caller without an ETag believes the grain was never stored, so only a first insert may succeed.
-- When the stored version has moved on (another activation wrote, or the row is gone), nothing changes and
-- the caller's own version comes back: the provider sees an unchanged version and raises
-- InconsistentStateException.
CREATE FUNCTION public.orleans_grain_state_write(
    p_service_id text, p_state_name text, p_n0 bigint, p_n1 bigint, p_extension text,
    p_expected_version integer, p_payload bytea)
    RETURNS integer
    LANGUAGE plpgsql
AS $body$
DECLARE
    v_new_version integer;
BEGIN
    IF p_expected_version IS NULL THEN
        INSERT INTO public.orleans_grain_state (service_id, state_name, grain_id_n0, grain_id_n1, grain_id_extension, payload, version)
        VALUES (p_service_id, p_state_name, p_n0, p_n1, p_extension, p_payload, 1)
        ON CONFLICT ON CONSTRAINT orleans_grain_state_pkey DO NOTHING
        RETURNING version INTO v_new_version;
    ELSE
        UPDATE public.orleans_grain_state
           SET payload = p_payload, version = version + 1, modified_at = now()
         WHERE service_id = p_service_id AND state_name = p_state_name AND grain_id_n0 = p_n0
           AND grain_id_n1 = p_n1 AND grain_id_extension_key = coalesce('+' || p_extension, '')
           AND version = p_expected_version
        RETURNING version INTO v_new_version;
    END IF;
    RETURN coalesce(v_new_version, p_expected_version);
END;
$body$;

-- Clears a grain's state under the same version rule. Without DeleteStateOnClear the row stays, with no
-- payload and a new version, so that a stale activation still cannot write over the clear. With
-- DeleteStateOnClear the row goes; the caller's version plus one comes back only to tell the provider that
-- the delete happened (it then forgets the ETag).
CREATE FUNCTION public.orleans_grain_state_clear(
    p_service_id text, p_state_name text, p_n0 bigint, p_n1 bigint, p_extension text,
    p_expected_version integer, p_delete_row boolean)
    RETURNS integer
    LANGUAGE plpgsql
AS $body$
DECLARE
    v_new_version integer;
BEGIN
    IF p_delete_row THEN
        DELETE FROM public.orleans_grain_state
         WHERE service_id = p_service_id AND state_name = p_state_name AND grain_id_n0 = p_n0
           AND grain_id_n1 = p_n1 AND grain_id_extension_key = coalesce('+' || p_extension, '')
           AND version = p_expected_version
        RETURNING version + 1 INTO v_new_version;
    ELSE
        UPDATE public.orleans_grain_state
           SET payload = NULL, version = version + 1, modified_at = now()
         WHERE service_id = p_service_id AND state_name = p_state_name AND grain_id_n0 = p_n0
           AND grain_id_n1 = p_n1 AND grain_id_extension_key = coalesce('+' || p_extension, '')
           AND version = p_expected_version
        RETURNING version INTO v_new_version;
    END IF;
    RETURN coalesce(v_new_version, p_expected_version);
END;
$body$;

-- The provider also sends @GrainIdHash and @GrainTypeHash; the queries leave them unused (see above).
INSERT INTO public.OrleansQuery (QueryKey, QueryText) VALUES
('ReadFromStorageKey', $q$
    SELECT payload AS "PayloadBinary", modified_at AS "ModifiedOn", version AS "Version"
      FROM public.orleans_grain_state
     WHERE service_id = @ServiceId AND state_name = @GrainTypeString AND grain_id_n0 = @GrainIdN0
       AND grain_id_n1 = @GrainIdN1 AND grain_id_extension_key = coalesce('+' || @GrainIdExtensionString, '');
$q$),
('WriteToStorageKey', $q$
    SELECT public.orleans_grain_state_write(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
        @GrainIdExtensionString, @GrainStateVersion, @PayloadBinary) AS "NewGrainStateVersion";
$q$),
('ClearStorageKey', $q$
    SELECT public.orleans_grain_state_clear(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
        @GrainIdExtensionString, @GrainStateVersion, false) AS "NewGrainStateVersion";
$q$),
('DeleteStorageKey', $q$
    SELECT public.orleans_grain_state_clear(@ServiceId, @GrainTypeString, @GrainIdN0, @GrainIdN1,
        @GrainIdExtensionString, @GrainStateVersion, true) AS "NewGrainStateVersion";
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
