{#- The night rule for the signal engine's output: the run row of signalen_invoer (written by the task
    bereken_signalen) must be exactly one row about this build's night: its extract date and periode
    (int_signalen_periode), the minimum group size of this build, and the delivery as it is loaded now
    (raw.leveringen.geladen_op: a delivery loaded again after the signals were computed makes them stale).
    Returns a row saying what differs; int_signalen_berekend and everything after it are not built then. -#}
with

run as (
    select * from {{ ref('stg_signalen_invoer__signalen_berekend_run') }}
),

nacht as (
    select * from {{ ref('int_signalen_periode') }}
),

levering as (
    select * from {{ ref('stg_raw__leveringen') }}
),

runs as (
    select count(*) as aantal from run
),

final as (
    select
        'aantal runrijen' as verschil,
        cast(r.aantal as varchar) as waarde
    from runs as r
    where r.aantal <> 1

    union all

    select
        'extractdatum' as verschil,
        cast(run.extractdatum as varchar) as waarde
    from run
    cross join nacht
    where run.extractdatum is distinct from nacht.extractdatum

    union all

    select
        'periode_eind' as verschil,
        cast(run.periode_eind as varchar) as waarde
    from run
    cross join nacht
    where run.periode_eind is distinct from nacht.periode_eind

    union all

    select
        'minimum_group_size' as verschil,
        cast(run.minimum_group_size as varchar) as waarde
    from run
    where run.minimum_group_size <> {{ var('minimum_group_size', 10) }}

    union all

    select
        'levering_geladen_op' as verschil,
        cast(run.levering_geladen_op as varchar) as waarde
    from run
    left join levering
        on levering.extractdatum = run.extractdatum
    where run.levering_geladen_op is distinct from levering.geladen_op
)

select * from final
