-- Orleans cluster membership, kept by the ADO.NET clustering provider (invariant "Npgsql").
--
-- The providers never name our tables: at start-up each one reads its SQL from OrleansQuery by key and
-- runs it with named parameters (@DeploymentId, @Address, ...). So the table and column names below are
-- this project's own; only the query keys, the parameter names and the result column names (quoted
-- aliases, matched by the provider's record readers) are the providers' contract. Every object lives in
-- the public schema because the provider's own bootstrap query names OrleansQuery unqualified.

-- One row per query the providers ask for. Later scripts upsert into it, so an upgrade can replace a
-- query text without touching the tables.
CREATE TABLE public.OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL PRIMARY KEY,
    QueryText varchar(8000) NOT NULL
);

-- The membership protocol is optimistic: a silo reads the whole table together with its version, decides
-- a change, and writes it back only if nobody changed the table in between. The version lives in a row of
-- its own per cluster (ClusterId is what the provider calls DeploymentId), and every membership write
-- claims it.
CREATE TABLE public.orleans_membership_version
(
    cluster_id varchar(150) NOT NULL PRIMARY KEY,
    version    integer      NOT NULL DEFAULT 0 CONSTRAINT orleans_membership_version_not_negative CHECK (version >= 0),
    changed_at timestamptz  NOT NULL DEFAULT now()
);

-- One row per silo incarnation: a restarted silo on the same endpoint has a new generation, hence a new row.
-- Deleting a cluster's version row takes its silos with it.
CREATE TABLE public.orleans_membership
(
    cluster_id      varchar(150) NOT NULL
                    REFERENCES public.orleans_membership_version (cluster_id) ON DELETE CASCADE,
    address         varchar(45)  NOT NULL,
    port            integer      NOT NULL,
    generation      integer      NOT NULL,
    silo_name       varchar(150) NOT NULL,
    host_name       varchar(150) NOT NULL,
    status          integer      NOT NULL,
    proxy_port      integer      NOT NULL,
    suspect_times   text         NULL,
    start_time      timestamptz  NOT NULL,
    i_am_alive_time timestamptz  NOT NULL,
    PRIMARY KEY (cluster_id, address, port, generation)
);

-- Adds a silo, but only while the caller's view of the table is current. The version row is claimed first:
-- its row lock queues concurrent writers of the same cluster, and a writer that waited finds the version
-- already moved on and gets false. The whole body is one subtransaction, so when the silo row turns out to
-- exist already, the version claim is rolled back with it and the caller gets false.
CREATE FUNCTION public.orleans_membership_insert(
    p_cluster_id text, p_address text, p_port integer, p_generation integer, p_silo_name text,
    p_host_name text, p_status integer, p_proxy_port integer, p_start_time timestamptz,
    p_i_am_alive_time timestamptz, p_expected_version integer)
    RETURNS boolean
    LANGUAGE plpgsql
AS $body$
BEGIN
    UPDATE public.orleans_membership_version
       SET version = version + 1, changed_at = now()
     WHERE cluster_id = p_cluster_id AND version = p_expected_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    INSERT INTO public.orleans_membership
        (cluster_id, address, port, generation, silo_name, host_name, status, proxy_port, start_time, i_am_alive_time)
    VALUES
        (p_cluster_id, p_address, p_port, p_generation, p_silo_name, p_host_name, p_status, p_proxy_port, p_start_time, p_i_am_alive_time);
    RETURN true;
EXCEPTION
    WHEN unique_violation THEN
        RETURN false;
END;
$body$;

-- Changes a silo's status and suspicions under the same rule as the insert: claim the version, then change
-- the row; a missing row undoes the claim.
CREATE FUNCTION public.orleans_membership_update(
    p_cluster_id text, p_address text, p_port integer, p_generation integer, p_status integer,
    p_suspect_times text, p_i_am_alive_time timestamptz, p_expected_version integer)
    RETURNS boolean
    LANGUAGE plpgsql
AS $body$
BEGIN
    UPDATE public.orleans_membership_version
       SET version = version + 1, changed_at = now()
     WHERE cluster_id = p_cluster_id AND version = p_expected_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;

    UPDATE public.orleans_membership
       SET status = p_status, suspect_times = p_suspect_times, i_am_alive_time = p_i_am_alive_time
     WHERE cluster_id = p_cluster_id AND address = p_address AND port = p_port AND generation = p_generation;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'no_data_found';
    END IF;
    RETURN true;
EXCEPTION
    WHEN no_data_found THEN
        RETURN false;
END;
$body$;

-- Result columns are aliased to the names the provider reads. The version row is the left side of the
-- joins: the provider takes the table version from the first row, and a cluster without silos still has
-- that one row (with NULL silo columns, which the provider reads as "no member").
INSERT INTO public.OrleansQuery (QueryKey, QueryText) VALUES
('InsertMembershipVersionKey', $q$
    WITH created AS (
        INSERT INTO public.orleans_membership_version (cluster_id)
        VALUES (@DeploymentId)
        ON CONFLICT (cluster_id) DO NOTHING
        RETURNING 1)
    SELECT EXISTS (SELECT 1 FROM created) AS "Created";
$q$),
('InsertMembershipKey', $q$
    SELECT public.orleans_membership_insert(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName,
        @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version) AS "Inserted";
$q$),
('UpdateMembershipKey', $q$
    SELECT public.orleans_membership_update(@DeploymentId, @Address, @Port, @Generation, @Status,
        @SuspectTimes, @IAmAliveTime, @Version) AS "Updated";
$q$),
-- The heartbeat is deliberately outside the versioning: it is frequent, only its own silo writes it, and
-- bumping the version for it would make every other membership write lose its race.
('UpdateIAmAlivetimeKey', $q$
    UPDATE public.orleans_membership
       SET i_am_alive_time = @IAmAliveTime
     WHERE cluster_id = @DeploymentId AND address = @Address AND port = @Port AND generation = @Generation;
$q$),
('MembershipReadRowKey', $q$
    SELECT m.address AS "Address", m.port AS "Port", m.generation AS "Generation", m.silo_name AS "SiloName",
           m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
           m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime",
           v.version AS "Version"
      FROM public.orleans_membership_version v
      LEFT JOIN public.orleans_membership m
        ON m.cluster_id = v.cluster_id AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
     WHERE v.cluster_id = @DeploymentId;
$q$),
('MembershipReadAllKey', $q$
    SELECT m.address AS "Address", m.port AS "Port", m.generation AS "Generation", m.silo_name AS "SiloName",
           m.host_name AS "HostName", m.status AS "Status", m.proxy_port AS "ProxyPort",
           m.suspect_times AS "SuspectTimes", m.start_time AS "StartTime", m.i_am_alive_time AS "IAmAliveTime",
           v.version AS "Version"
      FROM public.orleans_membership_version v
      LEFT JOIN public.orleans_membership m ON m.cluster_id = v.cluster_id
     WHERE v.cluster_id = @DeploymentId;
$q$),
-- Clients find gateways here; @Status is the provider's "Active".
('GatewaysQueryKey', $q$
    SELECT address AS "Address", proxy_port AS "ProxyPort", generation AS "Generation"
      FROM public.orleans_membership
     WHERE cluster_id = @DeploymentId AND status = @Status AND proxy_port > 0;
$q$),
-- Removes a whole cluster: its silos follow the version row through the foreign key.
('DeleteMembershipTableEntriesKey', $q$
    DELETE FROM public.orleans_membership_version WHERE cluster_id = @DeploymentId;
$q$),
-- Forgets silos that are dead (status 6) and have shown no sign of life since the cut-off. Only dead rows
-- go: a silo that merely stopped heart-beating must first be voted dead by its peers. (Orleans 10.4.2 would
-- use an optional per-row key, CleanupDefunctSiloEntryKey, instead if it were present; it matches rows on
-- re-serialised suspicion text and times, which a dead row no longer changes, so one set-based delete does.)
('CleanupDefunctSiloEntriesKey', $q$
    DELETE FROM public.orleans_membership
     WHERE cluster_id = @DeploymentId AND status = 6
       AND i_am_alive_time < @IAmAliveTime AND start_time < @IAmAliveTime;
$q$)
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
