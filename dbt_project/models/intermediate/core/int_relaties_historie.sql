{{ config(materialized='view') }}
{#- SCD2 history of households (main tenant), keyed by the pseudonymous relatie_id.
    A view on purpose: it exposes geboortedatum so that ages can be computed at the moment a fact is
    measured, and a view stores nothing, so the birth date is never kept past the raw layer.
    First version reaches back to 1900-01-01, last version forward to 9999-12-31. -#}
with

relaties as (
    select * from {{ ref('stg_raw__relaties') }}
    where geldig_vanaf <= {{ extractdatum() }}
),

versies as (
    select
        relaties.*,
        row_number() over (partition by relatie_id order by geldig_vanaf) as versie_nr,
        count(*) over (partition by relatie_id) as versies_aantal
    from relaties
)

select
    relatie_id,
    geboortedatum,
    huishoudsamenstelling,
    personen_aantal,
    inkomensklasse,
    huurtoeslag,
    case when versie_nr = 1 then {{ begin_der_tijden() }} else geldig_vanaf end as geldig_vanaf,
    case when versie_nr = versies_aantal then {{ einde_der_tijden() }} else geldig_tot end as geldig_tot,
    (versie_nr = versies_aantal) as is_laatste_versie
from versies
